//! Which request headers a page may set, and which of them need a preflight.

use crate::engine::Engine;
use crate::header::{self, Header, is_token, trim};
use crate::method::is_forbidden_method;

/// The longest value a safelisted request header may have.
const MAX_SAFELISTED_VALUE: usize = 128;
/// The most bytes all safelisted values of one request may add up to.
const MAX_SAFELISTED_TOTAL: usize = 1024;

/// A "CORS-unsafe request-header byte": controls other than tab, DEL, and the delimiters
/// `"():<>?@[\]{}`. A `match` rather than a search in a byte string: it runs on every byte of
/// every header value a request carries.
fn is_cors_unsafe_byte(byte: u8) -> bool {
    (byte < 0x20 && byte != b'\t')
        || matches!(
            byte,
            b'"' | b'(' | b')' | b':' | b'<' | b'>' | b'?' | b'@' | b'[' | b'\\' | b']' | b'{' | b'}' | 0x7f
        )
}

/// The alphabet of `Accept-Language` and `Content-Language` values.
fn is_language_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b' ' | b'*' | b',' | b'-' | b'.' | b';' | b'=')
}

/// The MIME type essence of a `Content-Type` value (`type/subtype`, trimmed), or `None` when
/// it does not parse as one.
fn mime_essence(value: &[u8]) -> Option<&[u8]> {
    let essence = trim(value.split(|b| *b == b';').next().unwrap_or(b""));
    let slash = essence.iter().position(|b| *b == b'/')?;
    let (kind, subtype) = (&essence[..slash], &essence[slash + 1..]);
    (is_token(kind) && is_token(subtype)).then_some(essence)
}

/// `bytes=N-` or `bytes=N-M` with `N <= M`: the only `Range` values that skip a preflight.
/// `unit_any_case`: `bytes` matched case-insensitively, as WebKit does
/// ([`Engine::range_unit_case_insensitive`]).
fn is_simple_range(value: &[u8], unit_any_case: bool) -> bool {
    let unit = value
        .get(..b"bytes=".len())
        .filter(|unit| if unit_any_case { unit.eq_ignore_ascii_case(b"bytes=") } else { *unit == b"bytes=" });
    let Some(unit) = unit else {
        return false;
    };
    let range = &value[unit.len()..];
    let Some(dash) = range.iter().position(|b| *b == b'-') else {
        return false;
    };
    let (start, end) = (&range[..dash], &range[dash + 1..]);
    let number = |digits: &[u8]| -> Option<u128> {
        if digits.is_empty() || digits.len() > 38 || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(digits).ok()?.parse().ok()
    };
    match (number(start), end.is_empty()) {
        (Some(_), true) => true,
        (Some(start), false) => number(end).is_some_and(|end| start <= end),
        (None, _) => false,
    }
}

/// "CORS-safelisted request-header": whether (`name`, `value`) can ride on a request without a
/// preflight, judged on the header alone (the 1024-byte total is checked by
/// [`cors_unsafe_names`]).
pub fn is_cors_safelisted_request_header(name: &[u8], value: &[u8]) -> bool {
    is_safelisted(name, value, false)
}

/// [`is_cors_safelisted_request_header`] with the engine's leniencies.
fn is_safelisted(name: &[u8], value: &[u8], range_unit_any_case: bool) -> bool {
    if value.len() > MAX_SAFELISTED_VALUE {
        return false;
    }
    let is = |candidate: &[u8]| header::eq_ignore_ascii_case(name, candidate);
    if is(b"accept") {
        !value.iter().any(|b| is_cors_unsafe_byte(*b))
    } else if is(b"accept-language") || is(b"content-language") {
        value.iter().all(|b| is_language_byte(*b))
    } else if is(b"content-type") {
        !value.iter().any(|b| is_cors_unsafe_byte(*b))
            && mime_essence(value).is_some_and(|essence| {
                [&b"application/x-www-form-urlencoded"[..], b"multipart/form-data", b"text/plain"]
                    .iter()
                    .any(|safe| essence.eq_ignore_ascii_case(safe))
            })
    } else if is(b"range") {
        is_simple_range(value, range_unit_any_case)
    } else {
        false
    }
}

/// "No-CORS-safelisted request-header": what a `no-cors` request may carry. `Range` is not one
/// of them: pages cannot add it to a `no-cors` request.
pub(crate) fn is_no_cors_safelisted_request_header(name: &[u8], value: &[u8]) -> bool {
    [&b"accept"[..], b"accept-language", b"content-language", b"content-type"]
        .iter()
        .any(|n| n.eq_ignore_ascii_case(name))
        && is_cors_safelisted_request_header(name, value)
}

/// "CORS-unsafe request-header names": the lower-cased names that need the server's consent,
/// de-duplicated and sorted, exactly as `Access-Control-Request-Headers` lists them.
///
/// When the safelisted values add up to more than 1024 bytes, their names become unsafe too.
pub fn cors_unsafe_names(headers: &[Header]) -> Vec<String> {
    unsafe_names(headers, false)
}

/// [`cors_unsafe_names`] as `engine` judges them.
pub(crate) fn cors_unsafe_names_in(engine: Engine, headers: &[Header]) -> Vec<String> {
    unsafe_names(headers, engine.range_unit_case_insensitive())
}

fn unsafe_names(headers: &[Header], range_unit_any_case: bool) -> Vec<String> {
    let mut unsafe_names = Vec::new();
    let mut safelisted_bytes = 0usize;
    let mut safelisted = Vec::new();
    for header in headers {
        if is_safelisted(&header.name, &header.value, range_unit_any_case) {
            safelisted_bytes += header.value.len();
            safelisted.push(&header.name);
        } else {
            unsafe_names.push(lowercase_name(&header.name));
        }
    }
    if safelisted_bytes > MAX_SAFELISTED_TOTAL {
        unsafe_names.extend(safelisted.into_iter().map(|name| lowercase_name(name)));
    }
    unsafe_names.sort_unstable();
    unsafe_names.dedup();
    unsafe_names
}

/// A header name as lower-case text. Names reaching here are tokens, so this is lossless.
fn lowercase_name(name: &[u8]) -> String {
    header::show(name).to_ascii_lowercase()
}

/// "Forbidden request-header": headers the browser owns. A page that sets one is silently
/// ignored.
pub fn is_forbidden_request_header(name: &[u8], value: &[u8]) -> bool {
    const FORBIDDEN: [&[u8]; 21] = [
        b"accept-charset",
        b"accept-encoding",
        b"access-control-request-headers",
        b"access-control-request-method",
        b"connection",
        b"content-length",
        b"cookie",
        b"cookie2",
        b"date",
        b"dnt",
        b"expect",
        b"host",
        b"keep-alive",
        b"origin",
        b"referer",
        b"set-cookie",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"via",
    ];
    if FORBIDDEN.iter().any(|f| header::eq_ignore_ascii_case(f, name)) {
        return true;
    }
    let starts_with =
        |prefix: &[u8]| name.len() >= prefix.len() && name[..prefix.len()].eq_ignore_ascii_case(prefix);
    if starts_with(b"proxy-") || starts_with(b"sec-") {
        return true;
    }
    // A method-override header is forbidden when it names a forbidden method.
    let overrides = [&b"x-http-method"[..], b"x-http-method-override", b"x-method-override"];
    overrides.iter().any(|o| o.eq_ignore_ascii_case(name))
        && value.split(|b| *b == b',').any(|method| is_forbidden_method(trim(method)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> Vec<Header> {
        pairs.iter().map(|&(n, v)| Header::new(n, v)).collect()
    }

    #[test]
    fn accept_rejects_cors_unsafe_bytes() {
        assert!(is_cors_safelisted_request_header(b"Accept", b"application/json, */*;q=0.8"));
        for bad in [&b"text/html\x01"[..], b"a\"b", b"(", b"a:b", b"<", b"a?", b"@", b"[", b"{", b"\x7f"] {
            assert!(!is_cors_safelisted_request_header(b"accept", bad));
        }
        assert!(is_cors_safelisted_request_header(b"accept", b"a\tb"));
    }

    #[test]
    fn accept_language_rejects_bytes_outside_alphabet() {
        assert!(is_cors_safelisted_request_header(b"Accept-Language", b"en-US,en;q=0.9, *"));
        assert!(!is_cors_safelisted_request_header(b"accept-language", b"en_US"));
        assert!(!is_cors_safelisted_request_header(b"content-language", b"de/at"));
        assert!(!is_cors_safelisted_request_header(b"content-language", "fr-é".as_bytes()));
    }

    #[test]
    fn content_type_safelisted_only_for_three_mime_essences() {
        for ok in [
            &b"text/plain"[..],
            b"text/plain;charset=UTF-8",
            b"Application/X-WWW-Form-Urlencoded",
            b"multipart/form-data; boundary=abc",
        ] {
            assert!(is_cors_safelisted_request_header(b"content-type", ok));
        }
        for bad in [&b"application/json"[..], b"text/html", b"text", b"text/plain; x=\"y\""] {
            assert!(!is_cors_safelisted_request_header(b"content-type", bad));
        }
    }

    #[test]
    fn range_safelisted_only_for_a_single_bytes_range() {
        assert!(is_cors_safelisted_request_header(b"Range", b"bytes=0-"));
        assert!(is_cors_safelisted_request_header(b"range", b"bytes=10-20"));
        assert!(!is_cors_safelisted_request_header(b"range", b"bytes=-500"));
        assert!(!is_cors_safelisted_request_header(b"range", b"bytes=20-10"));
        assert!(!is_cors_safelisted_request_header(b"range", b"bytes=0-1,5-6"));
        assert!(!is_cors_safelisted_request_header(b"range", b"items=0-1"));
        assert!(!is_cors_safelisted_request_header(b"range", b"Bytes=0-1"));
    }

    #[test]
    fn webkit_takes_the_range_unit_in_any_case() {
        let range = |value: &str| headers(&[("Range", value)]);
        assert!(cors_unsafe_names_in(Engine::WebKit, &range("Bytes=0-99")).is_empty());
        assert!(cors_unsafe_names_in(Engine::WebKit, &range("BYTES=5-")).is_empty());
        assert_eq!(cors_unsafe_names_in(Engine::WebKit, &range("Bytes=-5")), ["range"]);
        for engine in [Engine::Chromium, Engine::Firefox] {
            assert_eq!(cors_unsafe_names_in(engine, &range("Bytes=0-99")), ["range"], "{engine}");
        }
        assert_eq!(cors_unsafe_names(&range("Bytes=0-99")), ["range"], "the standard");
    }

    #[test]
    fn safelisted_values_over_128_bytes_become_unsafe() {
        let long = "a".repeat(129);
        assert!(!is_cors_safelisted_request_header(b"accept", long.as_bytes()));
        assert!(is_cors_safelisted_request_header(b"accept", &long.as_bytes()[..128]));
    }

    #[test]
    fn safelisted_values_over_1024_bytes_total_become_unsafe() {
        let value = "a".repeat(128);
        let nine: Vec<(&str, &str)> = (0..9).map(|_| ("accept", value.as_str())).collect();
        assert_eq!(cors_unsafe_names(&headers(&nine)), vec!["accept"]);
        let eight: Vec<(&str, &str)> = (0..8).map(|_| ("accept", value.as_str())).collect();
        assert!(cors_unsafe_names(&headers(&eight)).is_empty());
    }

    #[test]
    fn request_headers_serialized_lowercase_sorted_deduplicated_no_space() {
        let names = cors_unsafe_names(&headers(&[
            ("X-B", "1"),
            ("content-type", "application/json"),
            ("x-a", "1"),
            ("X-b", "2"),
            ("Accept", "*/*"),
        ]));
        assert_eq!(names.join(","), "content-type,x-a,x-b");
    }

    #[test]
    fn forbidden_request_headers_are_recognised() {
        for name in ["Cookie", "host", "Origin", "Proxy-Authorization", "Sec-Fetch-Mode", "DNT", "Keep-Alive"]
        {
            assert!(is_forbidden_request_header(name.as_bytes(), b"x"), "{name}");
        }
        assert!(!is_forbidden_request_header(b"Authorization", b"Bearer x"));
        assert!(!is_forbidden_request_header(b"X-Custom", b"1"));
    }

    #[test]
    fn method_override_headers_forbidden_only_when_naming_forbidden_method() {
        assert!(is_forbidden_request_header(b"X-HTTP-Method-Override", b"TRACE"));
        assert!(is_forbidden_request_header(b"x-method-override", b"GET, connect"));
        assert!(!is_forbidden_request_header(b"X-HTTP-Method", b"PUT"));
    }

    #[test]
    fn no_cors_safelist_excludes_range() {
        assert!(!is_no_cors_safelisted_request_header(b"range", b"bytes=0-"));
        assert!(is_no_cors_safelisted_request_header(b"Content-Type", b"text/plain"));
    }
}
