//! What a scan probes: one endpoint, a method on a URL with what that endpoint takes, and where
//! the user's input listed it.

use std::fmt;

/// Where an endpoint was listed: the file and the spot in it, so that a report (SARIF, a PR
/// comment) can point at the line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// The file, as the user named it.
    pub file: String,
    /// The line, from 1.
    pub line: usize,
    /// The column, from 1, in characters.
    pub column: usize,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// Why an endpoint is probed: a route as listed, or one of its error or redirect answers,
/// which a CORS configuration often forgets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndpointKind {
    /// A route as the list or the API description gives it.
    Route,
    /// A request meant to be answered with an error (a path parameter that cannot exist, for a
    /// documented 404; a request without its credentials, for a documented 401): its answer
    /// must carry the CORS headers, or the page sees a CORS error instead of the error.
    ErrorRoute {
        /// The status the API description documents for it.
        documented: u16,
    },
}

/// One endpoint to scan: the request a page makes to it.
///
/// ```
/// use corsproof_check::scan::Endpoint;
/// let endpoint = Endpoint::new("PUT", "https://api.example/items/1")
///     .label("PUT /items/{id}")
///     .header("content-type", "application/json")
///     .body("{}");
/// assert_eq!(endpoint.label_or_url(), "PUT /items/{id}");
/// assert_eq!(endpoint.path(), "/items/1");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// The method, as the page writes it.
    pub method: String,
    /// The URL, absolute.
    pub url: String,
    /// The request headers the endpoint takes (its documented header parameters, its
    /// `Content-Type`, its API key or `Authorization`).
    pub headers: Vec<(String, String)>,
    /// A request body, when it takes one.
    pub body: Option<String>,
    /// Cookies the endpoint's authentication needs (`Set-Cookie` form): sent where a browser
    /// would send them, on credentialed requests.
    pub cookies: Vec<String>,
    /// What reports call it: `GET /items/{id}` for an API description's operation, else empty
    /// (the method and URL are shown).
    pub label: String,
    /// Where it was listed.
    pub source: Option<Source>,
    /// Why it is probed.
    pub kind: EndpointKind,
}

impl Endpoint {
    /// `method` on `url`, a [`Route`](EndpointKind::Route) with nothing else.
    pub fn new(method: impl Into<String>, url: impl Into<String>) -> Self {
        Self {
            method: method.into(),
            url: url.into(),
            headers: Vec::new(),
            body: None,
            cookies: Vec::new(),
            label: String::new(),
            source: None,
            kind: EndpointKind::Route,
        }
    }

    /// What reports call it.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// A request header it takes.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The request body it takes.
    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// A cookie its authentication needs.
    pub fn cookie(mut self, cookie: impl Into<String>) -> Self {
        self.cookies.push(cookie.into());
        self
    }

    /// Where it was listed.
    pub fn source(mut self, source: Source) -> Self {
        self.source = Some(source);
        self
    }

    /// Why it is probed.
    pub fn kind(mut self, kind: EndpointKind) -> Self {
        self.kind = kind;
        self
    }

    /// The label, or `METHOD URL` when it has none.
    pub fn label_or_url(&self) -> String {
        if self.label.is_empty() { format!("{} {}", self.method, self.url) } else { self.label.clone() }
    }

    /// The URL's path, without its query: what a policy's path patterns match.
    pub fn path(&self) -> String {
        match self.url.parse::<http::Uri>() {
            Ok(uri) => uri.path().to_owned(),
            Err(_) => "/".to_owned(),
        }
    }

    /// The URL's origin (`scheme://host[:port]`), as a browser serializes it.
    pub fn origin(&self) -> Option<String> {
        let uri = self.url.parse::<http::Uri>().ok()?;
        let scheme = uri.scheme_str()?.to_ascii_lowercase();
        let host = uri.host()?.to_ascii_lowercase();
        let default = if scheme == "https" { 443 } else { 80 };
        Some(match uri.port_u16().filter(|port| *port != default) {
            Some(port) => format!("{scheme}://{host}:{port}"),
            None => format!("{scheme}://{host}"),
        })
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.label.is_empty() {
            write!(f, "{} {}", self.method, self.url)
        } else {
            write!(f, "{} ({} {})", self.label, self.method, self.url)
        }
    }
}
