//! Origins: the (scheme, host, port) tuple CORS compares, or the opaque origin `null`.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use crate::url::{Url, UrlError, push_number};

/// An origin as the URL standard defines it.
///
/// Tuple origins serialize as `scheme://host[:port]`: lower-case scheme and host, the default
/// port omitted, never a trailing slash. That serialization is what goes in the `Origin`
/// header and what `Access-Control-Allow-Origin` must repeat byte for byte.
///
/// An opaque origin (a sandboxed iframe, a `data:` or `file:` page, a request after a tainted
/// redirect) serializes as `null` and is same-origin with nothing, not even another `null`.
///
/// ```
/// use corsproof_oracle::Origin;
///
/// let origin: Origin = "HTTPS://App.Example:443".parse().unwrap();
/// assert_eq!(origin.to_string(), "https://app.example");
/// assert!(Origin::opaque().is_opaque());
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Origin(Arc<Inner>);

/// The parts and the serialization, computed once: origins are compared and serialized on
/// every request, and cloned into every fetch.
#[derive(PartialEq, Eq, Hash, Debug)]
struct Inner {
    repr: Repr,
    serialization: Arc<str>,
}

#[derive(PartialEq, Eq, Hash, Debug)]
enum Repr {
    Opaque,
    Tuple { scheme: Box<str>, host: Box<str>, port: Option<u16> },
}

impl Origin {
    /// The opaque origin, serialized `null`.
    pub fn opaque() -> Self {
        Origin(Arc::new(Inner { repr: Repr::Opaque, serialization: "null".into() }))
    }

    /// A tuple origin; `port` is dropped when it is the scheme's default.
    pub(crate) fn tuple(scheme: &str, host: &str, port: Option<u16>) -> Self {
        let port = port.filter(|p| Some(*p) != default_port(scheme));
        let mut serialization = String::with_capacity(scheme.len() + host.len() + 9);
        serialization.push_str(scheme);
        serialization.push_str("://");
        serialization.push_str(host);
        if let Some(port) = port {
            serialization.push(':');
            push_number(&mut serialization, port);
        }
        Origin(Arc::new(Inner {
            repr: Repr::Tuple { scheme: scheme.into(), host: host.into(), port },
            serialization: serialization.into(),
        }))
    }

    /// Whether this is the opaque origin.
    pub fn is_opaque(&self) -> bool {
        matches!(self.0.repr, Repr::Opaque)
    }

    /// The scheme, or `None` for the opaque origin.
    pub fn scheme(&self) -> Option<&str> {
        match &self.0.repr {
            Repr::Tuple { scheme, .. } => Some(scheme),
            Repr::Opaque => None,
        }
    }

    /// The host, or `None` for the opaque origin.
    pub fn host(&self) -> Option<&str> {
        match &self.0.repr {
            Repr::Tuple { host, .. } => Some(host),
            Repr::Opaque => None,
        }
    }

    /// The explicit non-default port, if any.
    pub fn port(&self) -> Option<u16> {
        match &self.0.repr {
            Repr::Tuple { port, .. } => *port,
            Repr::Opaque => None,
        }
    }

    /// "Same origin": two tuple origins with equal scheme, host and port. An opaque origin is
    /// never same-origin with another origin here, because the oracle cannot tell two opaque
    /// origins apart from their serialization.
    pub fn is_same_origin(&self, other: &Origin) -> bool {
        match (&self.0.repr, &other.0.repr) {
            (Repr::Tuple { .. }, Repr::Tuple { .. }) => self.0.repr == other.0.repr,
            _ => false,
        }
    }

    /// Whether `url` has this origin, without building the URL's origin.
    pub fn is_same_origin_with_url(&self, url: &Url) -> bool {
        match &self.0.repr {
            Repr::Tuple { .. } => url.has_serialized_origin(self.as_str()),
            Repr::Opaque => false,
        }
    }

    /// The origin as a URL with an empty path, to resolve a page's relative URLs against.
    pub(crate) fn as_base_url(&self) -> Option<Url> {
        match &self.0.repr {
            Repr::Tuple { .. } => self.as_str().parse().ok(),
            Repr::Opaque => None,
        }
    }

    /// The serialization: `scheme://host[:port]`, or `null`.
    pub fn as_str(&self) -> &str {
        &self.0.serialization
    }

    /// The serialization, shared rather than copied.
    pub(crate) fn shared(&self) -> Arc<str> {
        Arc::clone(&self.0.serialization)
    }

    /// The serialization as an owned string.
    pub fn serialize(&self) -> String {
        self.as_str().to_owned()
    }
}

/// The default port of the schemes whose origins are tuples.
pub(crate) fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        "ftp" => Some(21),
        _ => None,
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Origin {
    type Err = UrlError;

    /// Parses `null` as the opaque origin, anything else as a URL whose origin is taken (so
    /// `https://app.example/some/page` gives `https://app.example`).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text == "null" {
            return Ok(Origin::opaque());
        }
        Ok(text.parse::<Url>()?.origin())
    }
}

impl From<&Url> for Origin {
    fn from(url: &Url) -> Self {
        url.origin()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin(text: &str) -> Origin {
        text.parse().unwrap()
    }

    #[test]
    fn origin_serialization_omits_default_port_and_trailing_slash() {
        assert_eq!(origin("http://a.test:80/").to_string(), "http://a.test");
        assert_eq!(origin("https://a.test:443").to_string(), "https://a.test");
        assert_eq!(origin("https://a.test:8443/x").to_string(), "https://a.test:8443");
        assert_eq!(origin("HTTP://A.Test").to_string(), "http://a.test");
    }

    #[test]
    fn origin_same_origin_compares_scheme_host_and_port() {
        assert!(origin("http://a.test").is_same_origin(&origin("http://a.test:80/p")));
        assert!(!origin("http://a.test").is_same_origin(&origin("https://a.test")));
        assert!(!origin("http://a.test").is_same_origin(&origin("http://a.test:81")));
        assert!(!origin("http://a.test").is_same_origin(&origin("http://b.a.test")));
    }

    #[test]
    fn opaque_origin_serializes_null_and_is_same_origin_with_nothing() {
        let null = origin("null");
        assert_eq!(null.to_string(), "null");
        assert!(!null.is_same_origin(&Origin::opaque()));
        assert!(origin("data:text/plain,hi").is_opaque());
    }
}
