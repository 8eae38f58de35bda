//! The "CORS check": does a response let this origin read it?

use crate::header::{self, Header};
use crate::reason::Reason;

/// Runs the CORS check on `headers` for a request whose serialized origin is `origin`
/// (`null` after a tainted redirect).
///
/// The steps are the standard's; when the check fails, the reason is the one Chromium
/// reports, so `a, b`, `a b` and two ACAO headers are "multiple values", a value that is not
/// a URL is "invalid", and anything else is a "mismatch".
pub(crate) fn cors_check(headers: &[Header], origin: &str, credentials: bool) -> Result<(), Reason> {
    let Some(allow_origin) = header::get(headers, "access-control-allow-origin") else {
        return Err(Reason::MissingAllowOrigin);
    };
    let allow_origin = &*allow_origin;
    if allow_origin == b"*" {
        if !credentials {
            return Ok(());
        }
        return Err(Reason::WildcardOriginWithCredentials);
    }
    if allow_origin != origin.as_bytes() {
        let value = header::show(allow_origin).into_owned();
        if allow_origin.iter().any(|b| matches!(b, b' ' | b',')) {
            return Err(Reason::MultipleAllowOriginValues { value });
        }
        if !looks_like_url(allow_origin) && allow_origin != b"null" {
            return Err(Reason::InvalidAllowOriginValue { value });
        }
        return Err(Reason::AllowOriginMismatch { value });
    }
    if credentials {
        match header::get(headers, "access-control-allow-credentials") {
            Some(value) if &*value == b"true" => {}
            other => {
                return Err(Reason::AllowCredentialsNotTrue {
                    value: other.map(|v| header::show(&v).into_owned()),
                });
            }
        }
    }
    Ok(())
}

/// Whether a value parses as an absolute URL (`scheme:` then anything), which is how
/// Chromium tells an "invalid" ACAO (`example.com`) from a mismatching one; `null`, an opaque
/// origin's serialization, is a mismatch too.
fn looks_like_url(value: &[u8]) -> bool {
    let Some(colon) = value.iter().position(|b| *b == b':') else {
        return false;
    };
    let scheme = &value[..colon];
    scheme.first().is_some_and(u8::is_ascii_alphabetic)
        && scheme.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGIN: &str = "https://app.test";

    fn check(pairs: &[(&str, &str)], credentials: bool) -> Result<(), Reason> {
        let headers: Vec<Header> = pairs.iter().map(|&(n, v)| Header::new(n, v)).collect();
        cors_check(&headers, ORIGIN, credentials)
    }

    #[test]
    fn cors_check_fails_without_acao() {
        assert_eq!(check(&[], false), Err(Reason::MissingAllowOrigin));
    }

    #[test]
    fn cors_check_wildcard_passes_without_credentials() {
        assert_eq!(check(&[("Access-Control-Allow-Origin", "*")], false), Ok(()));
    }

    #[test]
    fn cors_check_wildcard_fails_with_credentials() {
        assert_eq!(
            check(
                &[("access-control-allow-origin", "*"), ("access-control-allow-credentials", "true")],
                true
            ),
            Err(Reason::WildcardOriginWithCredentials)
        );
    }

    #[test]
    fn cors_check_requires_byte_exact_origin() {
        assert_eq!(check(&[("access-control-allow-origin", ORIGIN)], false), Ok(()));
        for wrong in ["https://app.test/", "https://APP.test", "http://app.test", "https://app.test:443"] {
            assert_eq!(
                check(&[("access-control-allow-origin", wrong)], false),
                Err(Reason::AllowOriginMismatch { value: wrong.into() }),
                "{wrong}"
            );
        }
    }

    #[test]
    fn cors_check_fails_on_a_list_of_origins() {
        let list = "https://app.test, https://other.test";
        assert_eq!(
            check(&[("access-control-allow-origin", list)], false),
            Err(Reason::MultipleAllowOriginValues { value: list.into() })
        );
    }

    #[test]
    fn cors_check_fails_on_two_acao_headers() {
        assert_eq!(
            check(&[("access-control-allow-origin", ORIGIN), ("Access-Control-Allow-Origin", ORIGIN)], false),
            Err(Reason::MultipleAllowOriginValues { value: format!("{ORIGIN}, {ORIGIN}") })
        );
    }

    #[test]
    fn cors_check_reports_non_url_acao_as_invalid_and_null_as_a_mismatch() {
        assert_eq!(
            check(&[("access-control-allow-origin", "null")], false),
            Err(Reason::AllowOriginMismatch { value: "null".into() }),
            "null is an origin, just not this one"
        );
        assert_eq!(
            check(&[("access-control-allow-origin", "app.test")], false),
            Err(Reason::InvalidAllowOriginValue { value: "app.test".into() })
        );
    }

    #[test]
    fn cors_check_with_credentials_needs_acac_exactly_true() {
        let acao = ("access-control-allow-origin", ORIGIN);
        assert_eq!(check(&[acao, ("access-control-allow-credentials", "true")], true), Ok(()));
        assert_eq!(
            check(&[acao, ("access-control-allow-credentials", "TRUE")], true),
            Err(Reason::AllowCredentialsNotTrue { value: Some("TRUE".into()) })
        );
        assert_eq!(check(&[acao], true), Err(Reason::AllowCredentialsNotTrue { value: None }));
        assert_eq!(check(&[acao], false), Ok(()));
    }

    #[test]
    fn cors_check_null_origin_needs_acao_null() {
        let headers = vec![Header::new("access-control-allow-origin", "null")];
        assert_eq!(cors_check(&headers, "null", false), Ok(()));
    }
}
