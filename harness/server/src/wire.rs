//! A behaviour in wire form: header names and values validated and encoded once, when the
//! behaviour is scripted or its query first seen, so that answering a request copies nothing
//! but the request's own Origin. [`answer`] gives the same encoding as data, for models of the
//! browser.

use std::time::Duration;

use bytes::Bytes;
use corsproof_behaviour::{AllowOrigin, Behaviour, DEFAULT_BODY, Reply};
use http::header::{self, HeaderName, HeaderValue};
use http::{Response, StatusCode};
use http_body_util::Full;

/// What the mock server sends for `reply` to a request whose `Origin` is `origin`: the status
/// and every header, in order, then the `content-length` and `date` the HTTP layer adds. This is
/// the encoding the server answers with, so a model of the browser can be fed exactly what the
/// browser gets (the date's value is a stand-in).
///
/// ```
/// use corsproof_behaviour::{AllowOrigin, Reply};
///
/// let reply = Reply::new().allow_origin(AllowOrigin::Echo).status(500);
/// let answer = corsproof_server::answer(&reply, Some("http://app.test:1"));
/// assert_eq!(answer.status, 500);
/// assert!(answer.headers.contains(&("access-control-allow-origin".into(), "http://app.test:1".into())));
/// ```
pub fn answer(reply: &Reply, origin: Option<&str>) -> Answer {
    let origin = origin.and_then(|origin| HeaderValue::from_str(origin).ok());
    let wire = WireReply::compile(reply);
    let response = wire.response(origin.as_ref());
    let mut headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .map(|(name, value)| {
            (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned())
        })
        .collect();
    if response.status() != StatusCode::NO_CONTENT {
        headers.push(("content-length".to_owned(), wire.body.len().to_string()));
    }
    headers.push(("date".to_owned(), "Thu, 01 Jan 1970 00:00:00 GMT".to_owned()));
    Answer { status: response.status().as_u16(), headers, closes: reply.close }
}

/// What a [`Reply`] sends, as data: see [`answer`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// Every header as (lower-case name, value), in order.
    pub headers: Vec<(String, String)>,
    /// The connection is closed instead: nothing is answered.
    pub closes: bool,
}

/// [`Behaviour`] in wire form.
#[derive(Debug, Clone)]
pub(crate) struct WireBehaviour {
    actual: WireReply,
    preflight: WireReply,
}

impl WireBehaviour {
    /// Encodes both replies.
    pub(crate) fn compile(behaviour: &Behaviour) -> Self {
        Self {
            actual: WireReply::compile(&behaviour.actual),
            preflight: WireReply::compile(&behaviour.preflight),
        }
    }

    /// The reply for a request, chosen by whether it is a preflight.
    pub(crate) fn reply_for(&self, is_preflight: bool) -> &WireReply {
        if is_preflight { &self.preflight } else { &self.actual }
    }
}

/// One header line of a reply.
#[derive(Debug, Clone)]
enum WireHeader {
    /// Sent as it is.
    Fixed(HeaderName, HeaderValue),
    /// `Access-Control-Allow-Origin` with the request's Origin (nothing without one).
    EchoOrigin,
}

impl WireHeader {
    fn name(&self) -> &HeaderName {
        match self {
            WireHeader::Fixed(name, _) => name,
            WireHeader::EchoOrigin => &header::ACCESS_CONTROL_ALLOW_ORIGIN,
        }
    }
}

/// The lines in the order a `HeaderMap` iterates them: by name in order of first appearance, the
/// values of one name together in their order. Hyper sends a response's headers in that order, so
/// a reply written from this list without a map (the HTTP/1.1 fast path) reads the same.
fn grouped(lines: Vec<WireHeader>) -> Vec<WireHeader> {
    let mut sorted: Vec<WireHeader> = Vec::with_capacity(lines.len());
    for line in lines {
        match sorted.iter().rposition(|earlier| earlier.name() == line.name()) {
            Some(last) => sorted.insert(last + 1, line),
            None => sorted.push(line),
        }
    }
    sorted
}

/// [`Reply`] in wire form; a reply that is not valid HTTP becomes a 500 that says why.
#[derive(Debug, Clone)]
pub(crate) struct WireReply {
    status: StatusCode,
    headers: Vec<WireHeader>,
    body: Bytes,
    /// How long to wait before answering.
    pub(crate) delay: Duration,
    /// Close the connection instead of answering.
    pub(crate) close: bool,
    /// Whether the HTTP/1.1 fast path may send it as it is (see [`crate::h1::sends_as_is`]).
    pub(crate) plain_http1: bool,
}

impl WireReply {
    pub(crate) fn compile(reply: &Reply) -> Self {
        match Self::try_compile(reply) {
            Ok(wire) => wire,
            Err(problem) => Self {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                headers: vec![WireHeader::Fixed(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/plain; charset=utf-8"),
                )],
                body: Bytes::from(format!("corsproof: the scripted reply is not valid HTTP: {problem}\n")),
                delay: reply.delay,
                close: reply.close,
                plain_http1: true,
            },
        }
    }

    fn try_compile(reply: &Reply) -> Result<Self, String> {
        let status = StatusCode::from_u16(reply.effective_status()).map_err(|e| e.to_string())?;
        // Destructured whole, so that a new field of `Reply` is a compile error here until the
        // wire form sends it.
        let Reply {
            allow_origin,
            allow_credentials,
            allow_methods,
            allow_headers,
            expose_headers,
            max_age,
            vary,
            status: _,
            location,
            delay,
            body,
            headers: other_headers,
            cookies,
            close,
        } = reply;
        let mut headers = Vec::new();
        let fixed = |name: HeaderName, value: &str| -> Result<WireHeader, String> {
            let value = HeaderValue::from_str(value)
                .map_err(|_| format!("{name}: {value:?} is not a header value"))?;
            Ok(WireHeader::Fixed(name, value))
        };

        for value in allow_origin {
            headers.push(match value {
                AllowOrigin::Echo => WireHeader::EchoOrigin,
                AllowOrigin::Literal(text) => fixed(header::ACCESS_CONTROL_ALLOW_ORIGIN, text)?,
            });
        }
        let optional = [
            (header::ACCESS_CONTROL_ALLOW_CREDENTIALS, allow_credentials),
            (header::ACCESS_CONTROL_ALLOW_METHODS, allow_methods),
            (header::ACCESS_CONTROL_ALLOW_HEADERS, allow_headers),
            (header::ACCESS_CONTROL_EXPOSE_HEADERS, expose_headers),
            (header::ACCESS_CONTROL_MAX_AGE, max_age),
            (header::VARY, vary),
            (header::LOCATION, location),
        ];
        for (name, value) in optional {
            if let Some(value) = value {
                headers.push(fixed(name, value)?);
            }
        }
        for cookie in cookies {
            headers.push(fixed(header::SET_COOKIE, cookie)?);
        }
        let mut has_content_type = false;
        for (name, value) in other_headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| format!("{name:?} is not a header name"))?;
            has_content_type |= name == header::CONTENT_TYPE;
            headers.push(fixed(name, value)?);
        }
        if !has_content_type {
            headers.push(WireHeader::Fixed(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            ));
        }

        let body = match body {
            _ if status == StatusCode::NO_CONTENT || status == StatusCode::NOT_MODIFIED => Bytes::new(),
            Some(body) => Bytes::copy_from_slice(body.as_bytes()),
            None => Bytes::from_static(DEFAULT_BODY.as_bytes()),
        };
        let headers = grouped(headers);
        let plain_http1 = crate::h1::sends_as_is(status, headers.iter().map(WireHeader::name));
        Ok(Self { status, headers, body, delay: *delay, close: *close, plain_http1 })
    }

    /// The status.
    pub(crate) fn status(&self) -> StatusCode {
        self.status
    }

    /// The body.
    pub(crate) fn body(&self) -> &Bytes {
        &self.body
    }

    /// The header lines sent to a request that carried `origin` (its bytes as received), in the
    /// order [`response`](Self::response)'s header map iterates them.
    pub(crate) fn lines<'a>(
        &'a self,
        origin: Option<&'a [u8]>,
    ) -> impl Iterator<Item = (&'a [u8], &'a [u8])> {
        self.headers.iter().filter_map(move |line| match line {
            WireHeader::Fixed(name, value) => Some((name.as_str().as_bytes(), value.as_bytes())),
            WireHeader::EchoOrigin => {
                Some((header::ACCESS_CONTROL_ALLOW_ORIGIN.as_str().as_bytes(), origin?))
            }
        })
    }

    /// The response to a request that sent `origin`.
    pub(crate) fn response(&self, origin: Option<&HeaderValue>) -> Response<Full<Bytes>> {
        let mut response = Response::new(Full::new(self.body.clone()));
        *response.status_mut() = self.status;
        let map = response.headers_mut();
        map.reserve(self.headers.len());
        for line in &self.headers {
            match line {
                WireHeader::Fixed(name, value) => {
                    map.append(name.clone(), value.clone());
                }
                WireHeader::EchoOrigin => {
                    if let Some(origin) = origin {
                        map.append(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
                    }
                }
            }
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_that_is_not_valid_http_becomes_a_500_that_says_why() {
        let wire = WireReply::compile(&Reply::new().header("X-Bad", "line\nbreak"));
        let response = wire.response(None);
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn the_echo_keeps_its_place_among_the_allow_origin_lines() {
        let reply = Reply::new().allow_origin("*").allow_origin(AllowOrigin::Echo);
        let origin = HeaderValue::from_static("http://app.test:1");
        let response = WireReply::compile(&reply).response(Some(&origin));
        let values: Vec<_> = response.headers().get_all(header::ACCESS_CONTROL_ALLOW_ORIGIN).iter().collect();
        assert_eq!(values, ["*", "http://app.test:1"]);
    }
}
