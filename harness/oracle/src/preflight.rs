//! The CORS-preflight request, and what its response must say.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use crate::cors_check::cors_check;
use crate::engine::Engine;
use crate::exchange::Response;
use crate::header::{self, Header};
use crate::method::Method;
use crate::reason::Reason;
use crate::redirect::is_redirect_status;

/// The `OPTIONS` request the browser sends before the actual one.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct PreflightRequest {
    /// The URL, the same as the actual request's.
    pub url: Arc<str>,
    /// The `Origin` value (`null` after a tainted redirect).
    pub origin: Arc<str>,
    /// `Access-Control-Request-Method`: the actual request's method.
    pub request_method: Method,
    /// `Access-Control-Request-Headers`, as the standard serializes it: the CORS-unsafe names,
    /// lower-cased, sorted, de-duplicated, joined by `,` with no space; `None` when there are
    /// none (the header is then not sent).
    pub request_headers: Option<String>,
}

impl PreflightRequest {
    /// The CORS headers of the preflight, in the order browsers send them. The preflight
    /// never carries cookies or `Authorization`.
    pub fn headers(&self) -> Arc<[Header]> {
        let accept = Header::from_static("Accept", "*/*");
        let method = Header {
            name: Cow::Borrowed(b"Access-Control-Request-Method"),
            value: self.request_method.as_bytes(),
        };
        let origin = Header::with_static_name("Origin", self.origin.as_bytes());
        match &self.request_headers {
            Some(names) => Arc::from([
                accept,
                method,
                Header::with_static_name("Access-Control-Request-Headers", names.as_bytes()),
                origin,
            ]),
            None => Arc::from([accept, method, origin]),
        }
    }
}

/// What a successful preflight lets the cache remember.
#[derive(Debug)]
pub(crate) struct PreflightGrant<'a> {
    pub methods: Vec<&'a [u8]>,
    pub headers: Vec<&'a [u8]>,
    pub max_age: Duration,
    /// `Authorization` passed only through `*`, which the engine still allows.
    pub authorization_by_wildcard: bool,
}

/// The request facts a preflight response is judged against.
pub(crate) struct PreflightQuestion<'a> {
    pub origin: &'a str,
    pub credentials: bool,
    pub method: &'a Method,
    pub unsafe_names: &'a [String],
    pub use_cors_preflight: bool,
}

/// Judges a preflight response ("CORS-preflight fetch", steps 6 on), reporting the first
/// failure in the order Chromium checks: redirect, CORS check, status, list syntax, method,
/// header names (WebKit: the status before the CORS check,
/// [`Engine::checks_preflight_status_first`]).
pub(crate) fn judge_preflight<'a>(
    engine: Engine,
    response: &'a Response,
    question: &PreflightQuestion<'a>,
) -> Result<PreflightGrant<'a>, Reason> {
    let headers = &response.headers;
    if is_redirect_status(response.status) && header::contains(headers, "location") {
        return Err(Reason::PreflightRedirect { status: response.status });
    }
    if engine.checks_preflight_status_first() && !response.is_ok() {
        return Err(Reason::PreflightStatusNotOk { status: response.status });
    }
    cors_check(headers, question.origin, question.credentials)?;
    if !response.is_ok() {
        return Err(Reason::PreflightStatusNotOk { status: response.status });
    }
    let invalid =
        |name| header::get(headers, name).map(|v| header::show(&v).into_owned()).unwrap_or_default();
    let methods = header::token_list(headers, "access-control-allow-methods")
        .map_err(|()| Reason::InvalidAllowMethods { value: invalid("access-control-allow-methods") })?;
    let allowed_headers = header::token_list(headers, "access-control-allow-headers")
        .map_err(|()| Reason::InvalidAllowHeaders { value: invalid("access-control-allow-headers") })?;
    let method = question.method.as_str();
    let methods = match methods {
        Some(list) => list,
        // With no list, a forced preflight still allows the request's own method.
        None if question.use_cors_preflight => vec![method.as_bytes()],
        None => Vec::new(),
    };
    let allowed_headers = allowed_headers.unwrap_or_default();

    let wildcard_methods = !question.credentials && methods.contains(&&b"*"[..]);
    if !question.method.is_cors_safelisted() && !methods.contains(&method.as_bytes()) && !wildcard_methods {
        return Err(Reason::MethodNotAllowed { method: method.to_owned() });
    }
    let wildcard_headers = !question.credentials && allowed_headers.contains(&&b"*"[..]);
    let mut authorization_by_wildcard = false;
    for name in question.unsafe_names {
        if allowed_headers.iter().any(|h| h.eq_ignore_ascii_case(name.as_bytes())) {
            continue;
        }
        if name == "authorization" {
            if wildcard_headers && engine.wildcard_covers_authorization() {
                authorization_by_wildcard = true;
                continue;
            }
            return Err(if wildcard_headers {
                Reason::AuthorizationNotCoveredByWildcard
            } else {
                Reason::HeaderNotAllowed { header: name.clone() }
            });
        }
        if !wildcard_headers {
            return Err(Reason::HeaderNotAllowed { header: name.clone() });
        }
    }
    let max_age_value = header::get(headers, "access-control-max-age");
    Ok(PreflightGrant {
        methods,
        headers: allowed_headers,
        max_age: engine.max_age(max_age_value.as_deref()),
        authorization_by_wildcard,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGIN: &str = "https://app.test";

    fn ask(
        response: &Response,
        method: &str,
        unsafe_names: &[&str],
        credentials: bool,
    ) -> Result<(), Reason> {
        ask_engine(Engine::Chromium, response, method, unsafe_names, credentials)
    }

    fn ask_engine(
        engine: Engine,
        response: &Response,
        method: &str,
        unsafe_names: &[&str],
        credentials: bool,
    ) -> Result<(), Reason> {
        let method: Method = method.parse().unwrap();
        let names: Vec<String> = unsafe_names.iter().map(|n| (*n).to_owned()).collect();
        judge_preflight(
            engine,
            response,
            &PreflightQuestion {
                origin: ORIGIN,
                credentials,
                method: &method,
                unsafe_names: &names,
                use_cors_preflight: false,
            },
        )
        .map(|_| ())
    }

    fn ok() -> Response {
        Response::new(204).header("Access-Control-Allow-Origin", ORIGIN)
    }

    #[test]
    fn preflight_fails_on_non_ok_status_after_origin_checks() {
        for status in [300, 404, 405, 500, 0, 1000] {
            let response = Response { status, ..ok().header("Access-Control-Allow-Methods", "PUT") };
            assert_eq!(ask(&response, "PUT", &[], false), Err(Reason::PreflightStatusNotOk { status }));
        }
        // Chromium reports the missing ACAO before the status.
        assert_eq!(ask(&Response::new(404), "PUT", &[], false), Err(Reason::MissingAllowOrigin));
    }

    #[test]
    fn preflight_redirect_is_refused() {
        let response = ok().header("Location", "/elsewhere");
        let response = Response { status: 301, ..response };
        assert_eq!(ask(&response, "PUT", &[], false), Err(Reason::PreflightRedirect { status: 301 }));
    }

    #[test]
    fn preflight_method_must_be_listed_byte_exact() {
        let response = ok().header("Access-Control-Allow-Methods", "GET, PATCH");
        assert_eq!(ask(&response, "PATCH", &[], false), Ok(()));
        assert_eq!(
            ask(&response, "patch", &[], false),
            Err(Reason::MethodNotAllowed { method: "patch".into() })
        );
    }

    #[test]
    fn preflight_safelisted_method_needs_no_listing() {
        assert_eq!(
            ask(&ok(), "POST", &["x-a"], false),
            Err(Reason::HeaderNotAllowed { header: "x-a".into() })
        );
        let response = ok().header("Access-Control-Allow-Headers", "X-A");
        assert_eq!(ask(&response, "POST", &["x-a"], false), Ok(()));
    }

    #[test]
    fn preflight_wildcard_method_only_without_credentials() {
        let response = ok()
            .header("Access-Control-Allow-Methods", "*")
            .header("Access-Control-Allow-Credentials", "true");
        assert_eq!(ask(&response, "DELETE", &[], false), Ok(()));
        assert_eq!(
            ask(&response, "DELETE", &[], true),
            Err(Reason::MethodNotAllowed { method: "DELETE".into() })
        );
    }

    #[test]
    fn preflight_wildcard_headers_cover_authorization_in_every_engine() {
        // The standard says `*` never covers Authorization; no engine does it: Chromium and
        // Firefox have deprecated the exception they make, WebKit never made the rule.
        let response = ok().header("Access-Control-Allow-Headers", "*");
        for engine in Engine::ALL {
            assert_eq!(ask_engine(engine, &response, "GET", &["x-a"], false), Ok(()), "{engine}");
            assert_eq!(
                ask_engine(engine, &response, "GET", &["authorization", "x-a"], false),
                Ok(()),
                "{engine}"
            );
        }
        let listed = ok().header("Access-Control-Allow-Headers", "x-a");
        assert_eq!(
            ask_engine(Engine::WebKit, &listed, "GET", &["authorization", "x-a"], false),
            Err(Reason::HeaderNotAllowed { header: "authorization".into() })
        );
    }

    #[test]
    fn preflight_wildcard_headers_ignored_with_credentials() {
        let response = ok()
            .header("Access-Control-Allow-Headers", "*")
            .header("Access-Control-Allow-Credentials", "true");
        assert_eq!(
            ask(&response, "GET", &["x-a"], true),
            Err(Reason::HeaderNotAllowed { header: "x-a".into() })
        );
    }

    #[test]
    fn preflight_unparsable_allow_lists_are_network_errors() {
        let methods = ok().header("Access-Control-Allow-Methods", "GET PUT");
        assert_eq!(
            ask(&methods, "GET", &[], false),
            Err(Reason::InvalidAllowMethods { value: "GET PUT".into() })
        );
        let headers = ok().header("Access-Control-Allow-Headers", "x-a;");
        assert_eq!(
            ask(&headers, "GET", &[], false),
            Err(Reason::InvalidAllowHeaders { value: "x-a;".into() })
        );
    }

    #[test]
    fn preflight_never_carries_cookies_but_is_judged_with_credentials() {
        // Judged with credentials: `*` fails even though the OPTIONS itself had no cookies.
        let wildcard = Response::new(204).header("Access-Control-Allow-Origin", "*");
        assert_eq!(ask(&wildcard, "PUT", &[], true), Err(Reason::WildcardOriginWithCredentials));
        let no_acac = ok().header("Access-Control-Allow-Methods", "PUT");
        assert_eq!(ask(&no_acac, "PUT", &[], true), Err(Reason::AllowCredentialsNotTrue { value: None }));
        let request = PreflightRequest {
            url: "https://api.test/".into(),
            origin: ORIGIN.into(),
            request_method: "PUT".parse().unwrap(),
            request_headers: Some("x-a".into()),
        };
        assert!(!request.headers().iter().any(|h| h.is("cookie") || h.is("authorization")));
    }

    #[test]
    fn preflight_request_carries_accept_method_headers_and_origin() {
        let request = PreflightRequest {
            url: "https://api.test/".into(),
            origin: ORIGIN.into(),
            request_method: "patch".parse().unwrap(),
            request_headers: None,
        };
        let headers = request.headers();
        assert_eq!(
            format!("{headers:?}"),
            "[Accept: */*, Access-Control-Request-Method: patch, Origin: https://app.test]"
        );
    }
}
