//! A deliberately small URL parser: enough of the URL standard for CORS.
//!
//! CORS needs a URL's origin, whether it carries userinfo (a redirect to such a URL fails in
//! `cors` mode), its scheme (redirects must stay http(s)) and a way to resolve a relative
//! `Location`. Hosts are lower-cased ASCII; internationalized hosts are rejected rather than
//! half-converted, and dot segments are kept as written (they do not change the origin).

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use crate::origin::{Origin, default_port};

/// The ports a browser refuses to fetch from, whatever the scheme: the Fetch standard's "bad
/// port" list (§2.9 "Port blocking"), checked by "block bad port" before any request leaves.
/// Every engine applies it (Chromium's `kRestrictedPorts` in net/base/port_util.cc, Firefox's
/// `gBadPortList` in netwerk/base/nsIOService.cpp, WebKit's `portAllowed` in URL.cpp).
pub const BAD_PORTS: [u16; 83] = [
    0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103,
    104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514,
    515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723,
    2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
];

/// Whether a browser refuses `port` ([`BAD_PORTS`]).
pub fn is_bad_port(port: u16) -> bool {
    BAD_PORTS.contains(&port)
}

/// An absolute URL, parsed.
///
/// Kept as its serialization plus the positions of its parts, so that the URL text (what goes
/// in journals, messages and cache keys) costs nothing to get.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Url {
    serialization: Arc<str>,
    /// Index of the `:` after the scheme.
    scheme_end: usize,
    host_start: usize,
    host_end: usize,
    port: Option<u16>,
    path_start: usize,
    /// Whether the userinfo holds a username or password.
    credentials: bool,
}

/// Why a string is not a URL the oracle can use.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum UrlError {
    /// No `scheme:` prefix and no base to resolve against.
    RelativeWithoutBase,
    /// The scheme has characters a scheme cannot have.
    InvalidScheme,
    /// An http(s)/ws(s) URL with an empty or invalid host.
    InvalidHost,
    /// A port that is not a number up to 65535.
    InvalidPort,
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UrlError::RelativeWithoutBase => "relative URL without a base",
            UrlError::InvalidScheme => "invalid scheme",
            UrlError::InvalidHost => "invalid host",
            UrlError::InvalidPort => "invalid port",
        })
    }
}

impl std::error::Error for UrlError {}

/// Schemes the URL standard calls "special": they always have a host.
fn is_special(scheme: &str) -> bool {
    matches!(scheme, "http" | "https" | "ws" | "wss" | "ftp" | "file")
}

/// Bytes a host may never contain (the URL standard's forbidden domain code points, and
/// non-ASCII because the oracle does no IDNA processing), as a table: hosts are checked on
/// every request and redirect.
const FORBIDDEN_HOST_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = byte <= 0x20 || byte >= 0x7f;
        byte += 1;
    }
    let delimiters = b"#/:<>?@[\\]^|%";
    let mut i = 0;
    while i < delimiters.len() {
        table[delimiters[i] as usize] = true;
        i += 1;
    }
    table
};

fn has_uppercase(text: &str) -> bool {
    text.bytes().any(|b| b.is_ascii_uppercase())
}

fn is_forbidden_host_byte(byte: u8) -> bool {
    FORBIDDEN_HOST_BYTES[usize::from(byte)]
}

fn parse_scheme(text: &str) -> Option<(&str, &str)> {
    let bytes = text.as_bytes();
    if !bytes.first()?.is_ascii_alphabetic() {
        return None;
    }
    let colon = bytes.iter().position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')))?;
    (bytes[colon] == b':').then(|| (&text[..colon], &text[colon + 1..]))
}

/// The first position of a byte in `set`, scanning bytes (every byte searched for is ASCII,
/// so the position is a char boundary).
fn find_byte(text: &str, set: &[u8]) -> Option<usize> {
    text.bytes().position(|b| set.contains(&b))
}

/// The last position of `byte`.
fn rfind_byte(text: &str, byte: u8) -> Option<usize> {
    text.bytes().rposition(|b| b == byte)
}

fn validate_host(host: &str) -> Result<(), UrlError> {
    if let Some(inner) = host.strip_prefix('[') {
        // An IPv6 literal: kept bracketed; only the alphabet is validated.
        let inner = inner.strip_suffix(']').ok_or(UrlError::InvalidHost)?;
        if inner.is_empty() || !inner.bytes().all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.') {
            return Err(UrlError::InvalidHost);
        }
        return Ok(());
    }
    if host.is_empty() || host.bytes().any(is_forbidden_host_byte) {
        return Err(UrlError::InvalidHost);
    }
    Ok(())
}

fn parse_port(port: &str) -> Result<Option<u16>, UrlError> {
    if port.is_empty() {
        return Ok(None);
    }
    if !port.bytes().all(|b| b.is_ascii_digit()) {
        return Err(UrlError::InvalidPort);
    }
    let digits = port.trim_start_matches('0');
    if digits.len() > 5 {
        return Err(UrlError::InvalidPort);
    }
    let value: u32 = digits.parse().unwrap_or(0);
    u16::try_from(value).map(Some).map_err(|_| UrlError::InvalidPort)
}

/// Builds a short string on the stack and shares it with one allocation: URLs are parsed on
/// every request, and `String` then `Arc<str>` would cost two.
struct TextBuilder {
    inline: [u8; 256],
    len: usize,
    spilled: Option<String>,
}

impl TextBuilder {
    fn new() -> Self {
        TextBuilder { inline: [0; 256], len: 0, spilled: None }
    }

    fn push_str(&mut self, text: &str) {
        if let Some(spilled) = &mut self.spilled {
            spilled.push_str(text);
        } else if self.len + text.len() <= self.inline.len() {
            self.inline[self.len..self.len + text.len()].copy_from_slice(text.as_bytes());
            self.len += text.len();
        } else {
            let mut spilled = String::with_capacity(self.len + text.len() + 64);
            spilled.push_str(self.as_str());
            spilled.push_str(text);
            self.spilled = Some(spilled);
        }
    }

    fn push_lowercase(&mut self, text: &str) {
        let start = self.len();
        self.push_str(text);
        match &mut self.spilled {
            Some(spilled) => spilled[start..].make_ascii_lowercase(),
            None => self.inline[start..self.len].make_ascii_lowercase(),
        }
    }

    fn len(&self) -> usize {
        self.spilled.as_ref().map_or(self.len, String::len)
    }

    fn as_str(&self) -> &str {
        match &self.spilled {
            Some(spilled) => spilled,
            // Only whole `&str`s are copied in, and lower-casing keeps ASCII ASCII, so the
            // bytes are always UTF-8; the fallback is never taken.
            None => std::str::from_utf8(&self.inline[..self.len]).unwrap_or_default(),
        }
    }

    fn into_shared(self) -> Arc<str> {
        Arc::from(self.as_str())
    }
}

/// Appends a port number without going through `fmt`.
pub(crate) fn push_number(out: &mut String, number: u16) {
    let mut digits = [0u8; 5];
    let mut rest = number;
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for digit in &digits[start..] {
        out.push(char::from(*digit));
    }
}

impl Url {
    /// Parses `text` as an absolute URL, or resolves it against `base` when relative (the way
    /// a `Location` header or a page's `fetch('/api')` is resolved).
    pub fn parse_with_base(text: &str, base: Option<&Url>) -> Result<Url, UrlError> {
        // C0 controls and spaces are stripped; they are ASCII, so slicing stays on boundaries.
        let start = text.bytes().position(|b| b > b' ').unwrap_or(text.len());
        let end = text.bytes().rposition(|b| b > b' ').map_or(start, |i| i + 1);
        let text = &text[start..end];
        match parse_scheme(text) {
            Some((scheme, rest)) => Url::parse_absolute(scheme, rest, Some(text)),
            None => match base {
                Some(base) => base.resolve(text),
                None => Err(UrlError::RelativeWithoutBase),
            },
        }
    }

    /// Parses `scheme:rest`. `written` is the whole text when it is in one piece: a URL
    /// already written the way it serializes (lower-case scheme and host, no default port, a
    /// path, no fragment), which is what pages and servers almost always send, is then shared
    /// as it is rather than rebuilt.
    fn parse_absolute(scheme: &str, rest: &str, written: Option<&str>) -> Result<Url, UrlError> {
        let scheme_as_written = !has_uppercase(scheme);
        let scheme: Cow<'_, str> =
            if scheme_as_written { Cow::Borrowed(scheme) } else { Cow::Owned(scheme.to_ascii_lowercase()) };
        let special = is_special(&scheme);
        let Some(after_slashes) =
            rest.strip_prefix("//").or_else(|| special.then(|| rest.trim_start_matches('/')))
        else {
            // No authority: an opaque URL such as `data:` or `about:blank`.
            let mut text = TextBuilder::new();
            text.push_str(&scheme);
            text.push_str(":");
            let path_start = text.len();
            text.push_str(strip_fragment(rest));
            return Ok(Url {
                serialization: text.into_shared(),
                scheme_end: scheme.len(),
                host_start: path_start,
                host_end: path_start,
                port: None,
                path_start,
                credentials: false,
            });
        };
        let authority_end = after_slashes
            .bytes()
            .position(|b| matches!(b, b'/' | b'?' | b'#' | b'\\'))
            .unwrap_or(after_slashes.len());
        let (authority, path) = after_slashes.split_at(authority_end);
        let (userinfo, host_port) = match rfind_byte(authority, b'@') {
            Some(at) => (Some(&authority[..at]), &authority[at + 1..]),
            None => (None, authority),
        };
        let port_start = if host_port.starts_with('[') {
            find_byte(host_port, b"]").map(|i| i + 1)
        } else {
            rfind_byte(host_port, b':')
        };
        let (host, port_text) = match port_start {
            Some(i) if host_port[i..].starts_with(':') => (&host_port[..i], Some(&host_port[i + 1..])),
            _ => (host_port, None),
        };
        let port = parse_port(port_text.unwrap_or(""))?.filter(|p| Some(*p) != default_port(&scheme));
        if special || !host.is_empty() {
            validate_host(host)?;
        }
        let credentials = userinfo.is_some_and(|info| !info.is_empty());
        // A port serializes as written unless it is the default (dropped), empty (the `:`
        // dropped) or has leading zeros.
        let port_as_written = match (port, port_text) {
            (None, None) => true,
            (Some(_), Some(digits)) => digits == "0" || !digits.starts_with('0'),
            _ => false,
        };
        let as_written = scheme_as_written
            && rest.starts_with("//")
            && !has_uppercase(host)
            && port_as_written
            && path.starts_with('/')
            && !path.bytes().any(|b| matches!(b, b'#' | b'\\'));
        if let Some(written) = written.filter(|_| as_written) {
            let host_start = scheme.len() + "://".len() + userinfo.map_or(0, |info| info.len() + 1);
            let host_end = host_start + host.len();
            return Ok(Url {
                serialization: Arc::from(written),
                scheme_end: scheme.len(),
                host_start,
                host_end,
                port,
                path_start: host_end + port_text.map_or(0, |digits| digits.len() + 1),
                credentials,
            });
        }
        let mut text = TextBuilder::new();
        text.push_str(&scheme);
        text.push_str("://");
        if let Some(userinfo) = userinfo {
            text.push_str(userinfo);
            text.push_str("@");
        }
        let host_start = text.len();
        text.push_lowercase(host);
        let host_end = text.len();
        if let Some(port) = port {
            text.push_str(":");
            let mut digits = String::new();
            push_number(&mut digits, port);
            text.push_str(&digits);
        }
        let path_start = text.len();
        let path = strip_fragment(path);
        if path.is_empty() || path.starts_with('?') {
            text.push_str("/");
        }
        if path.contains('\\') {
            text.push_str(&path.replace('\\', "/"));
        } else {
            text.push_str(path);
        }
        Ok(Url {
            serialization: text.into_shared(),
            scheme_end: scheme.len(),
            host_start,
            host_end,
            port,
            path_start,
            credentials,
        })
    }

    /// Resolves a relative reference against this URL.
    fn resolve(&self, reference: &str) -> Result<Url, UrlError> {
        let reference = strip_fragment(reference);
        if reference.starts_with("//") {
            return Url::parse_absolute(self.scheme(), reference, None);
        }
        let path = self.path();
        let path_without_query = path.split('?').next().unwrap_or("");
        let kept = if reference.starts_with('/') {
            ""
        } else if reference.starts_with('?') {
            path_without_query
        } else if reference.is_empty() {
            path
        } else {
            &path_without_query[..path_without_query.rfind('/').map_or(0, |i| i + 1)]
        };
        let mut serialization = String::with_capacity(self.path_start + kept.len() + reference.len());
        serialization.push_str(&self.serialization[..self.path_start]);
        serialization.push_str(kept);
        serialization.push_str(reference);
        Ok(Url { serialization: serialization.into(), ..self.clone() })
    }

    /// The URL as text.
    pub fn as_str(&self) -> &str {
        &self.serialization
    }

    /// The URL text, shared rather than copied.
    pub(crate) fn shared(&self) -> Arc<str> {
        Arc::clone(&self.serialization)
    }

    /// The URL's scheme, lower-cased.
    pub fn scheme(&self) -> &str {
        &self.serialization[..self.scheme_end]
    }

    /// The host, lower-cased (empty for URLs without one).
    pub fn host(&self) -> &str {
        &self.serialization[self.host_start..self.host_end]
    }

    /// The explicit non-default port.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The port a connection goes to: the explicit one, else the scheme's default (`None` for a
    /// scheme without one).
    pub fn port_or_known_default(&self) -> Option<u16> {
        self.port.or_else(|| default_port(self.scheme()))
    }

    /// Path and query.
    pub fn path(&self) -> &str {
        &self.serialization[self.path_start..]
    }

    /// Whether the URL carries a username or password ("includes credentials").
    pub fn has_credentials(&self) -> bool {
        self.credentials
    }

    /// Whether the scheme is `http` or `https`, the only ones fetch follows redirects to.
    pub fn is_http_family(&self) -> bool {
        matches!(self.scheme(), "http" | "https")
    }

    /// "Is a URL potentially trustworthy?" (Secure Contexts), for http(s) URLs: https, or a
    /// loopback host (`localhost`, `*.localhost`, `127.0.0.0/8`, `[::1]`).
    pub(crate) fn is_potentially_trustworthy(&self) -> bool {
        let host = self.host();
        self.scheme() == "https"
            || host == "localhost"
            || host.ends_with(".localhost")
            || host == "[::1]"
            || host.strip_prefix("127.").is_some_and(|rest| {
                let parts: Vec<&str> = rest.split('.').collect();
                parts.len() == 3
                    && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
            })
    }

    /// Whether this URL's origin is a tuple origin (as opposed to opaque).
    pub(crate) fn has_tuple_origin(&self) -> bool {
        matches!(self.scheme(), "http" | "https" | "ws" | "wss" | "ftp") && self.host_end > self.host_start
    }

    /// Whether this URL's tuple origin serializes as `origin`. Both sides are serialized the
    /// same way (lower case, no default port), so comparing `scheme://` and `host[:port]` in
    /// place is the origin comparison, done on every hop.
    pub(crate) fn has_serialized_origin(&self, origin: &str) -> bool {
        origin.strip_prefix(self.scheme()).and_then(|rest| rest.strip_prefix("://")).is_some_and(
            |host_and_port| host_and_port == &self.serialization[self.host_start..self.path_start],
        ) && self.has_tuple_origin()
    }

    /// Whether two URLs are same-origin, without building their origins.
    pub fn is_same_origin(&self, other: &Url) -> bool {
        self.has_tuple_origin()
            && other.has_tuple_origin()
            && self.scheme() == other.scheme()
            && self.host() == other.host()
            && self.port == other.port
    }

    /// The URL's origin: a tuple for http(s)/ws(s)/ftp, opaque for everything else.
    pub fn origin(&self) -> Origin {
        if self.has_tuple_origin() {
            Origin::tuple(self.scheme(), self.host(), self.port)
        } else {
            Origin::opaque()
        }
    }
}

fn strip_fragment(text: &str) -> &str {
    &text[..find_byte(text, b"#").unwrap_or(text.len())]
}

impl FromStr for Url {
    type Err = UrlError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Url::parse_with_base(text, None)
    }
}

impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.serialization)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        text.parse().unwrap()
    }

    #[test]
    fn url_serializes_with_root_path_and_without_default_port() {
        assert_eq!(url("HTTP://Api.Test:80").to_string(), "http://api.test/");
        assert_eq!(url("https://api.test:8443/a?b#c").to_string(), "https://api.test:8443/a?b");
    }

    #[test]
    fn url_detects_userinfo() {
        assert!(url("https://user:pw@api.test/").has_credentials());
        assert!(url("https://user@api.test/").has_credentials());
        assert!(!url("https://api.test/a@b").has_credentials());
    }

    #[test]
    fn url_resolves_relative_locations() {
        let base = url("https://api.test/a/b?x");
        assert_eq!(base.resolve("/c").unwrap().to_string(), "https://api.test/c");
        assert_eq!(base.resolve("c").unwrap().to_string(), "https://api.test/a/c");
        assert_eq!(base.resolve("?y").unwrap().to_string(), "https://api.test/a/b?y");
        assert_eq!(
            Url::parse_with_base("//other.test/z", Some(&base)).unwrap().to_string(),
            "https://other.test/z"
        );
    }

    #[test]
    fn url_rejects_bad_hosts_and_ports() {
        assert_eq!("http:///x".parse::<Url>(), Err(UrlError::InvalidHost));
        assert_eq!("http://a b/".parse::<Url>(), Err(UrlError::InvalidHost));
        assert_eq!("http://a:99999/".parse::<Url>(), Err(UrlError::InvalidPort));
        assert_eq!("http://a:x/".parse::<Url>(), Err(UrlError::InvalidPort));
        assert_eq!("/x".parse::<Url>(), Err(UrlError::RelativeWithoutBase));
    }

    #[test]
    fn url_shared_as_written_equals_url_rebuilt() {
        for text in [
            "https://api.test/a?b",
            "http://u:p@a.test:8080/x",
            "http://[::1]:0/",
            "HTTP://A.test/",
            "http://a.test:080/",
            "http://a.test:80/",
            "http://a.test:/",
            "http://a.test",
            "http://a.test?x",
            "http://a.test/x#f",
            "http://a.test\\x",
            "http:a.test/x",
            "data:text/plain,hi#x",
        ] {
            let (scheme, rest) = parse_scheme(text).unwrap();
            assert_eq!(
                Url::parse_absolute(scheme, rest, Some(text)),
                Url::parse_absolute(scheme, rest, None),
                "{text}"
            );
        }
    }

    #[test]
    fn url_keeps_ipv6_hosts_bracketed() {
        let ip = url("http://[::1]:8080/");
        assert_eq!(ip.host(), "[::1]");
        assert_eq!(ip.origin().to_string(), "http://[::1]:8080");
    }
}
