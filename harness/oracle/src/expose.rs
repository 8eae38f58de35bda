//! What a page may read of a CORS response: the "CORS-filtered response".

use crate::header::{self, Header};

/// Response headers every CORS response exposes.
const SAFELISTED_RESPONSE_HEADERS: [&str; 7] = [
    "cache-control",
    "content-language",
    "content-length",
    "content-type",
    "expires",
    "last-modified",
    "pragma",
];

/// Whether every CORS response lets a page read this header (Fetch's "CORS-safelisted
/// response-header name"), whatever `Access-Control-Expose-Headers` says.
///
/// ```
/// assert!(corsproof_oracle::is_cors_safelisted_response_header(b"Content-Type"));
/// assert!(!corsproof_oracle::is_cors_safelisted_response_header(b"ETag"));
/// ```
pub fn is_cors_safelisted_response_header(name: &[u8]) -> bool {
    SAFELISTED_RESPONSE_HEADERS.iter().any(|s| name.eq_ignore_ascii_case(s.as_bytes()))
}

/// Whether a page can never read this header (`Set-Cookie`, `Set-Cookie2`), exposed or not.
pub fn is_forbidden_response_header(name: &[u8]) -> bool {
    name.eq_ignore_ascii_case(b"set-cookie") || name.eq_ignore_ascii_case(b"set-cookie2")
}

/// The headers of `headers` a page can read from a CORS response.
///
/// `Access-Control-Expose-Headers` adds names; its `*` exposes everything only when the
/// request is not credentialed (with credentials it stands for a header literally named `*`).
/// A value that does not parse exposes nothing extra. `Set-Cookie` is never readable.
pub(crate) fn readable_headers(headers: &[Header], credentials: bool) -> Vec<Header> {
    let exposed =
        header::token_list(headers, "access-control-expose-headers").ok().flatten().unwrap_or_default();
    let expose_all = !credentials && exposed.iter().any(|name| *name == b"*");
    headers
        .iter()
        .filter(|h| {
            !is_forbidden_response_header(&h.name)
                && (expose_all
                    || SAFELISTED_RESPONSE_HEADERS.iter().any(|s| h.is(s))
                    || exposed.iter().any(|name| name.eq_ignore_ascii_case(&h.name)))
        })
        .cloned()
        .collect()
}

/// The headers a page can read from a same-origin ("basic") response: all but `Set-Cookie`.
pub(crate) fn basic_headers(headers: &[Header]) -> Vec<Header> {
    headers.iter().filter(|h| !is_forbidden_response_header(&h.name)).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(headers: &[Header]) -> Vec<String> {
        headers.iter().map(|h| String::from_utf8_lossy(&h.name).into_owned()).collect()
    }

    fn response(expose: &str) -> Vec<Header> {
        vec![
            Header::new("Content-Type", "text/plain"),
            Header::new("X-Total", "3"),
            Header::new("ETag", "\"1\""),
            Header::new("Set-Cookie", "a=b"),
            Header::new("Access-Control-Expose-Headers", expose),
        ]
    }

    #[test]
    fn safelisted_response_headers_always_readable() {
        assert_eq!(names(&readable_headers(&response(""), false)), ["Content-Type"]);
    }

    #[test]
    fn expose_headers_adds_listed_names_case_insensitively() {
        assert_eq!(names(&readable_headers(&response("x-total"), true)), ["Content-Type", "X-Total"]);
    }

    #[test]
    fn wildcard_expose_headers_exposes_all_without_credentials() {
        assert_eq!(
            names(&readable_headers(&response("*"), false)),
            ["Content-Type", "X-Total", "ETag", "Access-Control-Expose-Headers"]
        );
    }

    #[test]
    fn wildcard_expose_headers_ignored_with_credentials() {
        assert_eq!(names(&readable_headers(&response("*"), true)), ["Content-Type"]);
    }

    #[test]
    fn set_cookie_never_readable() {
        assert!(
            !names(&readable_headers(&response("set-cookie, *"), false)).contains(&"Set-Cookie".to_owned())
        );
        assert!(!names(&basic_headers(&response(""))).contains(&"Set-Cookie".to_owned()));
    }

    #[test]
    fn invalid_expose_headers_exposes_nothing_extra() {
        assert_eq!(names(&readable_headers(&response("x total"), false)), ["Content-Type"]);
    }
}
