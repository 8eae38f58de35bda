//! What a mock origin answers: one [`Reply`] for CORS preflights and one for everything else.
//!
//! Header values are kept as the literal text to send, not as parsed meanings, because the point
//! of a mock origin is to send the *wrong* things too: `Access-Control-Allow-Credentials: TRUE`,
//! a max-age of `abc`, two `Access-Control-Allow-Origin` headers.

use std::time::Duration;

/// The longest delay a reply may ask for; longer would only hide a hung test run.
pub const MAX_DELAY: Duration = Duration::from_secs(600);

/// The server behaviour for one URL: how it answers a preflight and how it answers the rest.
///
/// A preflight is an `OPTIONS` request that carries `Access-Control-Request-Method`; an `OPTIONS`
/// a page sends itself (without that header) gets the [`actual`](Self::actual) reply.
///
/// ```
/// use corsproof_behaviour::{AllowOrigin, Behaviour, Reply};
///
/// // The usual "works with credentials" server, whose preflight answers 204.
/// let behaviour = Behaviour::same(
///     Reply::new().allow_origin(AllowOrigin::Echo).allow_credentials("true").allow_methods("PUT"),
/// )
/// .with_preflight(|reply| reply.status(204));
/// assert_eq!(behaviour.preflight.status, Some(204));
/// assert_eq!(behaviour.actual.status, None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Behaviour {
    /// The answer to every request that is not a CORS preflight.
    pub actual: Reply,
    /// The answer to a CORS preflight.
    pub preflight: Reply,
}

impl Behaviour {
    /// The same reply to the preflight and to the actual request.
    pub fn same(reply: Reply) -> Self {
        Self { preflight: reply.clone(), actual: reply }
    }

    /// Different replies to the preflight and to the actual request.
    pub fn split(preflight: Reply, actual: Reply) -> Self {
        Self { actual, preflight }
    }

    /// Changes only the preflight's reply.
    pub fn with_preflight(mut self, change: impl FnOnce(Reply) -> Reply) -> Self {
        self.preflight = change(self.preflight);
        self
    }

    /// The reply for a request, chosen by whether it is a preflight.
    pub fn reply_for(&self, is_preflight: bool) -> &Reply {
        if is_preflight { &self.preflight } else { &self.actual }
    }

    /// The same behaviour with every text value of both replies passed through `change` (see
    /// [`Reply::try_map_text`]): how the runner fills a scenario's placeholders (`{token}`,
    /// `{api}`) into the behaviour its loader read, before rendering it into a URL.
    ///
    /// ```
    /// use corsproof_behaviour::{Behaviour, Reply};
    ///
    /// let written = Behaviour::same(Reply::new().location("{api}/t/{token}/next").status(307));
    /// let filled = written.try_map_text(|text| {
    ///     Ok::<_, ()>(text.replace("{api}", "http://api.test:8002").replace("{token}", "t1"))
    /// });
    /// assert_eq!(filled.unwrap().actual.location.as_deref(), Some("http://api.test:8002/t/t1/next"));
    /// ```
    pub fn try_map_text<E>(&self, mut change: impl FnMut(&str) -> Result<String, E>) -> Result<Self, E> {
        Ok(Self {
            actual: self.actual.try_map_text(&mut change)?,
            preflight: self.preflight.try_map_text(&mut change)?,
        })
    }
}

/// One value of `Access-Control-Allow-Origin`. Each value in [`Reply::allow_origin`] is one header
/// line, so two values send the header twice; a list in one header is a single literal value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowOrigin {
    /// Echo the request's `Origin` header (nothing is sent when the request has none).
    Echo,
    /// Send this text as it is: `*`, `null`, `https://a.test, https://b.test`, ...
    Literal(String),
}

impl From<&str> for AllowOrigin {
    fn from(value: &str) -> Self {
        AllowOrigin::Literal(value.to_owned())
    }
}

/// One response, described by what a test wants to be true of it.
///
/// Every header field is `None` (not sent) by default, the status is 200 (302 when a
/// [`location`](Self::location) is set), the body is `ok`.
///
/// ```
/// use corsproof_behaviour::{AllowOrigin, Reply};
///
/// let reply = Reply::new()
///     .allow_origin(AllowOrigin::Literal("*".into()))
///     .expose_headers("x-total")
///     .header("X-Total", "42")
///     .status(500);
/// assert_eq!(reply.effective_status(), 500);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reply {
    /// `Access-Control-Allow-Origin` lines, in order.
    pub allow_origin: Vec<AllowOrigin>,
    /// `Access-Control-Allow-Credentials`.
    pub allow_credentials: Option<String>,
    /// `Access-Control-Allow-Methods`.
    pub allow_methods: Option<String>,
    /// `Access-Control-Allow-Headers`.
    pub allow_headers: Option<String>,
    /// `Access-Control-Expose-Headers`.
    pub expose_headers: Option<String>,
    /// `Access-Control-Max-Age`, as text so that invalid values can be sent too.
    pub max_age: Option<String>,
    /// `Vary`.
    pub vary: Option<String>,
    /// The status code; `None` means 200, or 302 when there is a [`location`](Self::location).
    pub status: Option<u16>,
    /// `Location`, for a redirect to any URL.
    pub location: Option<String>,
    /// How long to wait before answering (at most [`MAX_DELAY`]).
    pub delay: Duration,
    /// The body; `None` means `ok`.
    pub body: Option<String>,
    /// Any other headers, in order, as (name, value).
    pub headers: Vec<(String, String)>,
    /// `Set-Cookie` lines, in order.
    pub cookies: Vec<String>,
    /// Close the connection without answering (after the delay).
    pub close: bool,
}

/// The body sent when a reply names none.
pub const DEFAULT_BODY: &str = "ok";

impl Reply {
    /// A 200 `ok` with no CORS headers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one `Access-Control-Allow-Origin` line.
    pub fn allow_origin(mut self, value: impl Into<AllowOrigin>) -> Self {
        self.allow_origin.push(value.into());
        self
    }

    /// Sets `Access-Control-Allow-Credentials`.
    pub fn allow_credentials(mut self, value: impl Into<String>) -> Self {
        self.allow_credentials = Some(value.into());
        self
    }

    /// Sets `Access-Control-Allow-Methods`.
    pub fn allow_methods(mut self, value: impl Into<String>) -> Self {
        self.allow_methods = Some(value.into());
        self
    }

    /// Sets `Access-Control-Allow-Headers`.
    pub fn allow_headers(mut self, value: impl Into<String>) -> Self {
        self.allow_headers = Some(value.into());
        self
    }

    /// Sets `Access-Control-Expose-Headers`.
    pub fn expose_headers(mut self, value: impl Into<String>) -> Self {
        self.expose_headers = Some(value.into());
        self
    }

    /// Sets `Access-Control-Max-Age`.
    pub fn max_age(mut self, value: impl Into<String>) -> Self {
        self.max_age = Some(value.into());
        self
    }

    /// Sets `Vary`.
    pub fn vary(mut self, value: impl Into<String>) -> Self {
        self.vary = Some(value.into());
        self
    }

    /// Sets the status code.
    pub fn status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// Redirects to `url` (with 302 unless a status is set).
    pub fn location(mut self, url: impl Into<String>) -> Self {
        self.location = Some(url.into());
        self
    }

    /// Waits before answering; capped at [`MAX_DELAY`].
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay.min(MAX_DELAY);
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Adds a `Set-Cookie` line.
    pub fn cookie(mut self, set_cookie: impl Into<String>) -> Self {
        self.cookies.push(set_cookie.into());
        self
    }

    /// Closes the connection instead of answering.
    pub fn close(mut self) -> Self {
        self.close = true;
        self
    }

    /// The same reply with every text value passed through `change`: the header values and
    /// names, the literal `Access-Control-Allow-Origin` values, the location, the body and the
    /// cookies. The status, the delay and `close` are numbers and flags, and stay.
    pub fn try_map_text<E>(&self, change: &mut impl FnMut(&str) -> Result<String, E>) -> Result<Self, E> {
        // Destructured whole, so that a new field of `Reply` is a compile error here until it
        // says whether it holds text.
        let Reply {
            allow_origin,
            allow_credentials,
            allow_methods,
            allow_headers,
            expose_headers,
            max_age,
            vary,
            status,
            location,
            delay,
            body,
            headers,
            cookies,
            close,
        } = self;
        let optional = |text: &Option<String>, change: &mut dyn FnMut(&str) -> Result<String, E>| {
            text.as_deref().map(change).transpose()
        };
        Ok(Reply {
            allow_origin: allow_origin
                .iter()
                .map(|value| match value {
                    AllowOrigin::Echo => Ok(AllowOrigin::Echo),
                    AllowOrigin::Literal(text) => change(text).map(AllowOrigin::Literal),
                })
                .collect::<Result<_, E>>()?,
            allow_credentials: optional(allow_credentials, change)?,
            allow_methods: optional(allow_methods, change)?,
            allow_headers: optional(allow_headers, change)?,
            expose_headers: optional(expose_headers, change)?,
            max_age: optional(max_age, change)?,
            vary: optional(vary, change)?,
            location: optional(location, change)?,
            body: optional(body, change)?,
            headers: headers
                .iter()
                .map(|(name, value)| Ok((change(name)?, change(value)?)))
                .collect::<Result<_, E>>()?,
            cookies: cookies.iter().map(|cookie| change(cookie)).collect::<Result<_, E>>()?,
            status: *status,
            delay: *delay,
            close: *close,
        })
    }

    /// The status actually sent.
    pub fn effective_status(&self) -> u16 {
        match (self.status, &self.location) {
            (Some(status), _) => status,
            (None, Some(_)) => 302,
            (None, None) => 200,
        }
    }

    /// The body actually sent.
    pub fn effective_body(&self) -> &str {
        self.body.as_deref().unwrap_or(DEFAULT_BODY)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping_text_reaches_every_text_value_and_leaves_numbers_and_flags() {
        let reply = Reply::new()
            .allow_origin(AllowOrigin::Echo)
            .allow_origin("a")
            .allow_credentials("a")
            .allow_methods("a")
            .allow_headers("a")
            .expose_headers("a")
            .max_age("a")
            .vary("a")
            .location("a")
            .body("a")
            .header("a", "a")
            .cookie("a")
            .status(307)
            .delay(Duration::from_millis(5))
            .close();
        let mapped = reply.try_map_text(&mut |text| Ok::<_, ()>(text.replace('a', "b"))).unwrap();
        let expected = Reply::new()
            .allow_origin(AllowOrigin::Echo)
            .allow_origin("b")
            .allow_credentials("b")
            .allow_methods("b")
            .allow_headers("b")
            .expose_headers("b")
            .max_age("b")
            .vary("b")
            .location("b")
            .body("b")
            .header("b", "b")
            .cookie("b")
            .status(307)
            .delay(Duration::from_millis(5))
            .close();
        assert_eq!(mapped, expected);
        assert_eq!(reply.try_map_text(&mut |_| Err("no")), Err("no"));
    }
}
