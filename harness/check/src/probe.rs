//! What the page asks: the request as a page's script would make it, and the page's origin.

use std::fmt;

use corsproof_oracle::{Body, Cookie, CookieError, CredentialsMode, Origin, Request, Url, UrlError};

/// A request as a page at `origin` makes it: the checker sends what a browser would send for it.
///
/// ```
/// use corsproof_check::Probe;
/// let probe = Probe::new("http://127.0.0.1:3000/api/items/1")
///     .origin("https://app.example")
///     .method("PUT")
///     .header("Content-Type", "application/json")
///     .credentials(true)
///     .cookie("session=1; SameSite=None; Secure");
/// assert_eq!(probe.method_name(), "PUT");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Probe {
    pub(crate) url: String,
    pub(crate) origin: String,
    pub(crate) method: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Option<String>,
    pub(crate) credentials: bool,
    pub(crate) cookies: Vec<String>,
}

/// A probe that cannot be made: its page origin or URL does not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProbeError {
    /// The URL is not an absolute `http://` or `https://` URL.
    #[error(
        "`{url}` is not a URL to check: {problem}; expected an absolute http:// or https:// URL, such as \
         https://api.example.com/items"
    )]
    Url {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        problem: UrlProblem,
    },
    /// The page origin is not `scheme://host[:port]` (or `null`).
    #[error("`{0}` is not an origin (expected scheme://host[:port], or null)")]
    Origin(String),
    /// A cookie is not `name=value` followed by `Set-Cookie` attributes.
    #[error("{0}")]
    Cookie(CookieError),
}

/// What is wrong with a URL to check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UrlProblem {
    /// No `scheme:` in front: a page would resolve it against its own URL, which is no server
    /// the user named.
    Relative,
    /// The scheme has characters a scheme cannot have.
    Scheme,
    /// A scheme other than http and https, which a page cannot send a CORS request to.
    NotHttp,
    /// The host is missing or not a valid host.
    Host,
    /// The port is not a number up to 65535.
    Port,
}

impl fmt::Display for UrlProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UrlProblem::Relative => "it has no scheme (http:// or https://) in front",
            UrlProblem::Scheme => "its scheme has characters a scheme cannot have",
            UrlProblem::NotHttp => {
                "its scheme is not http or https, the only ones a page sends CORS requests to"
            }
            UrlProblem::Host => {
                "its host is missing or not valid (an IPv6 address goes in brackets: http://[::1]:8080/)"
            }
            UrlProblem::Port => "its port is not a number up to 65535",
        })
    }
}

/// Whether `url` is one a probe can check, an absolute `http://` or `https://` URL with a host;
/// else what is wrong with it. Nothing is sent.
///
/// ```
/// use corsproof_check::{ProbeError, UrlProblem, check_url};
/// assert!(check_url("https://api.example.com/items").is_ok());
/// assert!(matches!(check_url("ftp://files.example/"), Err(ProbeError::Url { problem: UrlProblem::NotHttp, .. })));
/// assert!(matches!(check_url("http://[::1"), Err(ProbeError::Url { problem: UrlProblem::Host, .. })));
/// ```
pub fn check_url(url: &str) -> Result<(), ProbeError> {
    let problem = match url.parse::<Url>() {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") => return Ok(()),
        Ok(_) => UrlProblem::NotHttp,
        Err(UrlError::RelativeWithoutBase) => UrlProblem::Relative,
        Err(UrlError::InvalidScheme) => UrlProblem::Scheme,
        Err(UrlError::InvalidPort) => UrlProblem::Port,
        Err(_) => UrlProblem::Host,
    };
    Err(ProbeError::Url { url: url.to_owned(), problem })
}

impl Probe {
    /// A `GET` of `url` from a page at `http://localhost`; set the page's origin with
    /// [`origin`](Self::origin).
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            origin: "http://localhost".to_owned(),
            method: "GET".to_owned(),
            headers: Vec::new(),
            body: None,
            credentials: false,
            cookies: Vec::new(),
        }
    }

    /// The page's origin (`https://app.example`, or `null` for a sandboxed page).
    pub fn origin(mut self, origin: impl Into<String>) -> Self {
        self.origin = origin.into();
        self
    }

    /// The method, sent as written (`patch` stays lower-case, as in fetch).
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = method.into();
        self
    }

    /// A header the page sets; forbidden ones are dropped, as a browser drops them.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// A text body (a string in `fetch`: `text/plain` unless a Content-Type header says otherwise).
    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// `credentials: 'include'`: cookies ride along, and the server must answer with an exact
    /// origin and `Access-Control-Allow-Credentials: true`.
    pub fn credentials(mut self, credentials: bool) -> Self {
        self.credentials = credentials;
        self
    }

    /// A cookie the user's browser holds, written as its `Set-Cookie` line gave it
    /// (`session=1; SameSite=None; Secure`); repeat for several. A page cannot set `Cookie`
    /// itself: the browser adds the cookies it holds, on the actual request only (never on a
    /// preflight), and only those its cookie rules let ride this request from this page
    /// (`credentials`, `Secure`, `SameSite`, the engine's third-party policy). The report says
    /// which were sent and, for the others, why not and what to change.
    ///
    /// ```
    /// use corsproof_check::Probe;
    /// let probe = Probe::new("https://api.example.com/me")
    ///     .origin("https://app.example.com")
    ///     .credentials(true)
    ///     .cookie("session=1; SameSite=None; Secure")
    ///     .cookie("theme=dark");
    /// assert_eq!(probe.cookies(), ["session=1; SameSite=None; Secure", "theme=dark"]);
    /// ```
    pub fn cookie(mut self, cookie: impl Into<String>) -> Self {
        self.cookies.push(cookie.into());
        self
    }

    /// The cookies the user's browser holds, as given.
    pub fn cookies(&self) -> &[String] {
        &self.cookies
    }

    /// The URL asked for.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The page's origin, as given.
    pub fn page_origin(&self) -> &str {
        &self.origin
    }

    /// The method, as given.
    pub fn method_name(&self) -> &str {
        &self.method
    }

    /// The headers the page sets.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// Whether the probe is credentialed.
    pub fn is_credentialed(&self) -> bool {
        self.credentials
    }

    /// The text body, if the page sends one.
    pub fn body_text(&self) -> Option<&str> {
        self.body.as_deref()
    }

    /// The page origin and the request, in the oracle's terms.
    pub(crate) fn to_oracle(&self) -> Result<(Origin, Request), ProbeError> {
        check_url(&self.url)?;
        let page: Origin = if self.origin == "null" {
            Origin::opaque()
        } else {
            self.origin.parse().map_err(|_| ProbeError::Origin(self.origin.clone()))?
        };
        let mut request = Request::fetch(self.method.clone(), self.url.clone());
        for (name, value) in &self.headers {
            request = request.header(name.as_bytes().to_vec(), value.as_bytes().to_vec());
        }
        if self.body.is_some() {
            request = request.body(Body::Text);
        }
        if self.credentials {
            request = request.credentials(CredentialsMode::Include);
        }
        Ok((page, request))
    }

    /// The cookies, parsed.
    pub(crate) fn parsed_cookies(&self) -> Result<Vec<Cookie>, ProbeError> {
        self.cookies.iter().map(|text| text.parse().map_err(ProbeError::Cookie)).collect()
    }
}
