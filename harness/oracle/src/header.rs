//! Headers as they are on the wire: byte strings, in order, possibly repeated.
//!
//! A map would hide exactly the cases CORS cares about (two `Access-Control-Allow-Origin`
//! headers, a value with stray bytes), so a header list is a plain list of pairs and every
//! lookup is case-insensitive on the name only.

use std::borrow::Cow;
use std::fmt;

/// One header line: a name and a value, both raw bytes.
///
/// Both are `Cow` so that the headers the browser itself writes (`Accept: */*`,
/// `Access-Control-Request-Method`...) cost no allocation.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Header {
    /// The name as written; compared case-insensitively.
    pub name: Cow<'static, [u8]>,
    /// The value as written; compared byte for byte after trimming HTTP whitespace.
    pub value: Cow<'static, [u8]>,
}

impl Header {
    /// A header from anything byte-like: `Header::new("X-Custom", "1")`.
    pub fn new(name: impl Into<Vec<u8>>, value: impl Into<Vec<u8>>) -> Self {
        Header { name: Cow::Owned(name.into()), value: Cow::Owned(value.into()) }
    }

    /// A header from static text, without allocating.
    pub const fn from_static(name: &'static str, value: &'static str) -> Self {
        Header { name: Cow::Borrowed(name.as_bytes()), value: Cow::Borrowed(value.as_bytes()) }
    }

    /// A header with a static name and an owned value.
    pub(crate) fn with_static_name(name: &'static str, value: impl Into<Vec<u8>>) -> Self {
        Header { name: Cow::Borrowed(name.as_bytes()), value: Cow::Owned(value.into()) }
    }

    /// Whether this header's name is `name`, ignoring ASCII case.
    pub fn is(&self, name: &str) -> bool {
        eq_ignore_ascii_case(&self.name, name.as_bytes())
    }
}

impl<N: Into<Vec<u8>>, V: Into<Vec<u8>>> From<(N, V)> for Header {
    fn from((name, value): (N, V)) -> Self {
        Header::new(name, value)
    }
}

impl fmt::Debug for Header {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", String::from_utf8_lossy(&self.name), String::from_utf8_lossy(&self.value))
    }
}

/// `[u8]::eq_ignore_ascii_case` without its early exit, which lets the loop compile to
/// vector instructions: header names are compared on every header lookup, and the equal-length
/// candidates (`Access-Control-Allow-Origin`...) are long and usually equal.
pub(crate) fn eq_ignore_ascii_case(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).fold(0, |diff, (x, y)| diff | (x.to_ascii_lowercase() ^ y.to_ascii_lowercase()))
            == 0
}

/// HTTP whitespace as the Fetch standard defines it: tab, LF, CR, space.
pub(crate) fn is_http_whitespace(byte: u8) -> bool {
    matches!(byte, b'\t' | b'\n' | b'\r' | b' ')
}

/// Strips leading and trailing HTTP whitespace, the way header values are normalized.
pub(crate) fn trim(value: &[u8]) -> &[u8] {
    let start = value.iter().position(|b| !is_http_whitespace(*b)).unwrap_or(value.len());
    let end = value.iter().rposition(|b| !is_http_whitespace(*b)).map_or(start, |i| i + 1);
    &value[start..end]
}

/// Token characters (RFC 9110 `tchar`) as a table: every byte of every header name and
/// method is checked.
const TOKEN_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = (byte as u8).is_ascii_alphanumeric();
        byte += 1;
    }
    let punctuation = b"!#$%&'*+-.^_`|~";
    let mut i = 0;
    while i < punctuation.len() {
        table[punctuation[i] as usize] = true;
        i += 1;
    }
    table
};

/// A token character (RFC 9110 `tchar`): what header names and methods are made of.
pub(crate) fn is_token_byte(byte: u8) -> bool {
    TOKEN_BYTES[usize::from(byte)]
}

/// Whether `bytes` is a non-empty token.
pub(crate) fn is_token(bytes: &[u8]) -> bool {
    !bytes.is_empty() && bytes.iter().all(|b| is_token_byte(*b))
}

/// The values of every header called `name`, trimmed, in order.
pub(crate) fn values<'a>(headers: &'a [Header], name: &'a str) -> impl Iterator<Item = &'a [u8]> {
    headers.iter().filter(move |h| h.is(name)).map(|h| trim(&h.value))
}

/// The standard's "get": all values of `name` joined by `, `, or `None` when absent.
///
/// Two `Access-Control-Allow-Origin` headers therefore read as `a, b`, which can never
/// equal an origin: that is how the standard rejects them.
pub(crate) fn get<'a>(headers: &'a [Header], name: &'a str) -> Option<Cow<'a, [u8]>> {
    let mut found = values(headers, name);
    let first = found.next()?;
    match found.next() {
        None => Some(Cow::Borrowed(first)),
        Some(second) => {
            let mut joined = first.to_vec();
            for value in std::iter::once(second).chain(found) {
                joined.extend_from_slice(b", ");
                joined.extend_from_slice(value);
            }
            Some(Cow::Owned(joined))
        }
    }
}

/// Whether a header called `name` is present.
pub(crate) fn contains(headers: &[Header], name: &str) -> bool {
    headers.iter().any(|h| h.is(name))
}

/// The standard's "get, decode, and split" followed by parsing each item as a token, for the
/// `#token` list headers (`Access-Control-Allow-Methods`, `-Headers`, `-Expose-Headers`).
///
/// Empty items are allowed (RFC 9110 `#rule`); any other item that is not a token makes the
/// whole list a failure (`Err`), which the standard turns into a network error.
/// `Ok(None)` means the header is absent.
pub(crate) fn token_list<'a>(headers: &'a [Header], name: &'a str) -> Result<Option<Vec<&'a [u8]>>, ()> {
    let mut present = false;
    let mut items = Vec::new();
    for value in values(headers, name) {
        present = true;
        for item in value.split(|b| *b == b',') {
            let item = trim(item);
            if item.is_empty() {
                continue;
            }
            if !is_token(item) {
                return Err(());
            }
            items.push(item);
        }
    }
    Ok(present.then_some(items))
}

/// Lossy text: bytes are shown as the browser would show them, never panicking.
///
/// `str::from_utf8` first: it checks ASCII a word at a time, where `from_utf8_lossy` walks
/// byte by byte, and the names, methods and URLs turned into text on every fetch are ASCII.
pub(crate) fn show(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(pairs: &[(&str, &str)]) -> Vec<Header> {
        pairs.iter().map(|&(n, v)| Header::new(n, v)).collect()
    }

    #[test]
    fn header_names_compare_case_insensitively() {
        let headers = list(&[("access-CONTROL-allow-origin", "*")]);
        assert_eq!(get(&headers, "Access-Control-Allow-Origin").as_deref(), Some(&b"*"[..]));
    }

    #[test]
    fn repeated_headers_combine_with_comma_space() {
        let headers = list(&[("ACAO", "https://a.test"), ("acao", " https://b.test ")]);
        assert_eq!(get(&headers, "acao").as_deref(), Some(&b"https://a.test, https://b.test"[..]));
    }

    #[test]
    fn token_list_skips_empty_items_and_rejects_non_tokens() {
        let ok = list(&[("x", "GET, ,PUT,"), ("x", "patch")]);
        assert_eq!(token_list(&ok, "x"), Ok(Some(vec![&b"GET"[..], b"PUT", b"patch"])));
        let bad = list(&[("x", "GET, PU T")]);
        assert_eq!(token_list(&bad, "x"), Err(()));
        assert_eq!(token_list(&bad, "y"), Ok(None));
    }

    #[test]
    fn trim_strips_only_http_whitespace() {
        assert_eq!(trim(b" \t a b \r\n"), b"a b");
        assert_eq!(trim(b"   "), b"");
        assert_eq!(trim(b"\x0bx"), b"\x0bx");
    }
}
