//! What the server answered: responses, and a recorded exchange to judge in one call.

use std::collections::VecDeque;

use crate::header::Header;

/// A response as the browser received it: a status and the header lines, in order.
///
/// ```
/// use corsproof_oracle::Response;
///
/// let response = Response::new(204)
///     .header("Access-Control-Allow-Origin", "https://app.example")
///     .header("Access-Control-Allow-Methods", "PUT");
/// assert_eq!(response.headers.len(), 2);
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Response {
    /// The status code, whatever it is (the oracle accepts any `u16`).
    pub status: u16,
    /// Header lines, possibly repeated.
    pub headers: Vec<Header>,
}

impl Response {
    /// A response with `status` and no headers.
    pub fn new(status: u16) -> Self {
        Response { status, headers: Vec::new() }
    }

    /// Adds a header line.
    pub fn header(mut self, name: impl Into<Vec<u8>>, value: impl Into<Vec<u8>>) -> Self {
        self.headers.push(Header::new(name, value));
        self
    }

    /// Adds header lines, in order: what a driver received, as `(name, value)` pairs.
    ///
    /// ```
    /// let received = [("access-control-allow-origin", "*"), ("vary", "Origin")];
    /// let response = corsproof_oracle::Response::new(200).headers(received);
    /// assert_eq!(response.headers.len(), 2);
    /// ```
    pub fn headers<N: Into<Vec<u8>>, V: Into<Vec<u8>>>(
        mut self,
        headers: impl IntoIterator<Item = (N, V)>,
    ) -> Self {
        self.headers.extend(headers.into_iter().map(|(name, value)| Header::new(name, value)));
        self
    }

    /// "OK status": 200 to 299.
    pub fn is_ok(&self) -> bool {
        (200..=299).contains(&self.status)
    }
}

/// A recorded exchange: the preflight responses and the actual responses, each in the order
/// the browser asked for them. A preflight sent after a redirect takes the next preflight
/// response; each redirect hop takes the next actual response. When a queue runs dry the
/// browser got no answer, which is a network error.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Exchange {
    /// Answers to `OPTIONS` preflights, in order.
    pub preflights: VecDeque<Response>,
    /// Answers to the actual request and each redirect hop, in order.
    pub responses: VecDeque<Response>,
}

impl Exchange {
    /// An empty exchange.
    pub fn new() -> Self {
        Exchange::default()
    }

    /// One actual response, no preflight.
    pub fn single(response: Response) -> Self {
        Exchange::new().response(response)
    }

    /// A preflight response and the actual response.
    pub fn preflighted(preflight: Response, response: Response) -> Self {
        Exchange::new().preflight(preflight).response(response)
    }

    /// Queues a preflight response.
    pub fn preflight(mut self, response: Response) -> Self {
        self.preflights.push_back(response);
        self
    }

    /// Queues an actual (or redirect) response.
    pub fn response(mut self, response: Response) -> Self {
        self.responses.push_back(response);
        self
    }
}
