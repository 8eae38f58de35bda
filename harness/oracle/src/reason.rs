//! Why a request failed, machine-readable, with the words the browser's console uses.

use std::fmt;

use crate::address_space::{AddressSpace, LocalNetworkCause};
use crate::engine::Engine;
use crate::fix::{Fix, OriginTrust, Requirement};
use crate::request::Initiator;

/// Why the CORS protocol blocked a response. The variants follow Chromium's `CorsError`, so
/// each has one console message; the payloads are the values the message quotes.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum Reason {
    /// A `same-origin` mode request was redirected to another origin.
    DisallowedByMode,
    /// No `Access-Control-Allow-Origin`.
    MissingAllowOrigin,
    /// `Access-Control-Allow-Origin: *` on a credentialed request.
    WildcardOriginWithCredentials,
    /// Several origins in ACAO: a list, a space, or the header sent twice.
    MultipleAllowOriginValues {
        /// The combined value the browser saw.
        value: String,
    },
    /// An ACAO value that is not an origin at all (`null` for a real origin, a bare host).
    InvalidAllowOriginValue {
        /// The value sent.
        value: String,
    },
    /// An origin, but not the page's (trailing slash, wrong scheme, port or case...).
    AllowOriginMismatch {
        /// The value sent.
        value: String,
    },
    /// A credentialed request without `Access-Control-Allow-Credentials: true`.
    AllowCredentialsNotTrue {
        /// The value sent, `None` when absent.
        value: Option<String>,
    },
    /// The preflight passed the origin checks but its status is not 200-299.
    PreflightStatusNotOk {
        /// The status.
        status: u16,
    },
    /// The preflight was answered with a redirect.
    PreflightRedirect {
        /// The redirect status.
        status: u16,
    },
    /// `Access-Control-Allow-Methods` is not a comma-separated list of tokens.
    InvalidAllowMethods {
        /// The value sent.
        value: String,
    },
    /// `Access-Control-Allow-Headers` is not a comma-separated list of tokens.
    InvalidAllowHeaders {
        /// The value sent.
        value: String,
    },
    /// The method is not safelisted, not listed, and not covered by `*`.
    MethodNotAllowed {
        /// The request's method.
        method: String,
    },
    /// An unsafe header name is not listed and not covered by `*`.
    HeaderNotAllowed {
        /// The lower-cased header name.
        header: String,
    },
    /// `Authorization` was sent and the server only answered `Access-Control-Allow-Headers: *`,
    /// which never covers it.
    AuthorizationNotCoveredByWildcard,
    /// A cross-origin redirect to a URL with `user:password@`.
    RedirectContainsCredentials {
        /// The `Location` URL.
        location: String,
    },
}

impl Reason {
    /// Whether this reason can only come from the preflight response.
    pub fn is_preflight_only(&self) -> bool {
        matches!(
            self,
            Reason::PreflightStatusNotOk { .. }
                | Reason::PreflightRedirect { .. }
                | Reason::InvalidAllowMethods { .. }
                | Reason::InvalidAllowHeaders { .. }
                | Reason::MethodNotAllowed { .. }
                | Reason::HeaderNotAllowed { .. }
                | Reason::AuthorizationNotCoveredByWildcard
        )
    }

    /// The engine's sentence for this reason, without the "Access to fetch at ..." preamble
    /// (see [`Block::console_message`] for the whole line), from the engine's console table
    /// ([`Engine::console`]).
    pub fn explain(&self, engine: Engine, initiator: Initiator) -> String {
        engine.console().explain(self, initiator)
    }

    /// What the server must change, as headers and as configuration snippets, for a request
    /// that needs `policy`, from an origin nobody said is the user's: the advice to allow it
    /// is conditional ([`OriginTrust::Unconfirmed`]).
    pub fn fix(&self, policy: &Requirement) -> Fix {
        self.fix_with(policy, OriginTrust::Unconfirmed)
    }

    /// [`Reason::fix`], told whether the origin is confirmed as the user's (a policy lists it).
    pub fn fix_with(&self, policy: &Requirement, origin_trust: OriginTrust) -> Fix {
        Fix::for_reason(self, policy, origin_trust)
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.explain(Engine::Chromium, Initiator::Fetch))
    }
}

/// Which response a [`Block`] was decided on.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Stage {
    /// The `OPTIONS` preflight's response.
    Preflight,
    /// A redirect hop or the final response to the actual request.
    Response,
}

/// A CORS block with everything needed to word it and to fix it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Block {
    /// Why.
    pub reason: Reason,
    /// On which response.
    pub stage: Stage,
    /// The status of that response, when there was one.
    pub status: Option<u16>,
    /// The URL the page asked for.
    pub initial_url: String,
    /// The URL whose response was blocked (differs after redirects).
    pub url: String,
    /// The page's origin, as the console prints it.
    pub page_origin: String,
    /// fetch or XHR.
    pub initiator: Initiator,
    /// What the server's CORS policy must allow for this request.
    pub policy: Requirement,
    /// Where the refused response redirected to, when it was a redirect: WebKit names the
    /// redirect it refuses (`Cross-origin redirection to <url> denied ...`).
    pub redirect_location: Option<String>,
    /// The refused request header's name as the page wrote it, for a header the preflight did
    /// not allow: WebKit quotes it so, where the reason holds it lower-cased.
    pub header_as_written: Option<String>,
}

impl Block {
    /// The whole console line, as the engine prints it.
    ///
    /// ```
    /// use corsproof_oracle::{Engine, Exchange, Oracle, Origin, Request, Response};
    ///
    /// let page: Origin = "http://app.test:8000".parse().unwrap();
    /// let request = Request::get("http://api.test:9000/a/1");
    /// let verdict = Oracle::new(Engine::Chromium).judge_once(
    ///     &page,
    ///     &request,
    ///     &Exchange::single(Response::new(200)),
    /// );
    /// assert_eq!(
    ///     verdict.block().unwrap().console_message(Engine::Chromium),
    ///     "Access to fetch at 'http://api.test:9000/a/1' from origin 'http://app.test:8000' \
    ///      has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present \
    ///      on the requested resource."
    /// );
    /// ```
    pub fn console_message(&self, engine: Engine) -> String {
        engine.console().console_line(self)
    }

    /// The fix for this block, conditional on the page's origin being the user's (nobody said
    /// it is; see [`Block::fix_with`]).
    pub fn fix(&self) -> Fix {
        self.reason.fix(&self.policy)
    }

    /// The fix for this block, told whether the page's origin is confirmed as the user's.
    pub fn fix_with(&self, origin_trust: OriginTrust) -> Fix {
        self.reason.fix_with(&self.policy, origin_trust)
    }
}

/// A failure that is not a CORS decision: the request was invalid, or the network step
/// failed. Pages see the same `TypeError`, which is why telling these apart matters.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum NetworkError {
    /// The URL does not parse (a `TypeError` before anything is sent).
    InvalidUrl {
        /// The URL as written.
        url: String,
    },
    /// The request URL carries `user:password@` (a `TypeError`).
    CredentialsInUrl,
    /// The method is not a token.
    InvalidMethod {
        /// The method as written.
        method: String,
    },
    /// `CONNECT`, `TRACE` or `TRACK`.
    ForbiddenMethod {
        /// The method as written.
        method: String,
    },
    /// A header name that is not a token, or a value with NUL, CR or LF.
    InvalidHeader {
        /// The name as written.
        name: String,
    },
    /// A `no-cors` request with a method other than GET, HEAD or POST.
    NoCorsMethod {
        /// The method.
        method: String,
    },
    /// A URL scheme fetch does not load over the network (not http or https).
    UnsupportedScheme {
        /// The scheme.
        scheme: String,
    },
    /// `same-origin` mode and a cross-origin URL.
    SameOriginModeCrossOrigin,
    /// `cache: "only-if-cached"` in a mode other than `same-origin` (a `TypeError` before
    /// anything is sent).
    OnlyIfCachedOutsideSameOrigin,
    /// An https page fetching a URL that is not potentially trustworthy (plain http, not
    /// loopback): blocked as mixed content before anything is sent.
    MixedContent {
        /// The blocked URL.
        url: String,
    },
    /// A redirect with redirect mode `error`.
    RedirectModeError,
    /// A redirect in `no-cors` mode whose redirect mode is not `follow`.
    NoCorsRedirectNotFollowed,
    /// More than 20 redirects.
    TooManyRedirects,
    /// A `Location` that does not parse.
    InvalidLocation {
        /// The `Location` value.
        location: String,
    },
    /// A redirect to a scheme other than http(s).
    RedirectToNonHttpScheme {
        /// The `Location` URL.
        location: String,
    },
    /// A 301/302/307/308 redirect of a request whose body is a stream (it cannot be replayed).
    StreamBodyRedirect,
    /// No response: the connection failed (the driver had nothing to feed).
    NoResponse,
    /// Local Network Access stopped a request from a page into a more private address space
    /// before anything was sent ([`Engine::local_network_access`]); no CORS header lifts it.
    LocalNetworkAccess {
        /// The URL asked for.
        url: String,
        /// The page's origin, as the console prints it.
        page_origin: String,
        /// The space the request was going to.
        target: AddressSpace,
        /// Why.
        cause: LocalNetworkCause,
    },
}

impl NetworkError {
    /// The line the engine prints in its console for this error, where the oracle knows it:
    /// the Local Network Access line (a CORS-policy block in Chromium, the network-failure line
    /// in Firefox); `None` for the errors whose console the oracle does not model.
    pub fn console_message(&self, engine: Engine) -> Option<String> {
        match self {
            NetworkError::LocalNetworkAccess { url, page_origin, target, cause } => {
                Some(engine.console().local_network_line(url, page_origin, *target, *cause))
            }
            _ => None,
        }
    }

    /// What the engine tells the developer, in its words where it has a specific message (for
    /// Local Network Access, its console line and then what can lift it).
    pub fn explain(&self, engine: Engine) -> String {
        let type_error = engine.console().type_error;
        match self {
            NetworkError::InvalidUrl { url } => format!("TypeError: Failed to parse URL from {url}"),
            NetworkError::CredentialsInUrl => {
                "TypeError: Request cannot be constructed from a URL that includes credentials".into()
            }
            NetworkError::InvalidMethod { method } => {
                format!("TypeError: '{method}' is not a valid HTTP method.")
            }
            NetworkError::ForbiddenMethod { method } => {
                format!("TypeError: '{method}' HTTP method is unsupported.")
            }
            NetworkError::InvalidHeader { name } => {
                format!("TypeError: Invalid header name or value for '{name}'.")
            }
            NetworkError::NoCorsMethod { method } => {
                format!("TypeError: '{method}' is unsupported in no-cors mode.")
            }
            NetworkError::UnsupportedScheme { scheme } => {
                format!("TypeError: URL scheme \"{scheme}\" is not supported.")
            }
            NetworkError::OnlyIfCachedOutsideSameOrigin => {
                "TypeError: 'only-if-cached' can be set only with 'same-origin' mode".into()
            }
            NetworkError::SameOriginModeCrossOrigin => format!(
                "{type_error} (request mode is \"same-origin\" but the URL's origin is not the page's origin)"
            ),
            NetworkError::MixedContent { url } => {
                format!("{type_error} (mixed content: an https page requested the insecure resource '{url}')")
            }
            NetworkError::RedirectModeError => {
                format!(
                    "{type_error} (the response is a redirect and the request's redirect mode is \"error\")"
                )
            }
            NetworkError::NoCorsRedirectNotFollowed => format!(
                "{type_error} (a no-cors request can only follow redirects with redirect mode \"follow\")"
            ),
            NetworkError::TooManyRedirects => format!("{type_error} (net::ERR_TOO_MANY_REDIRECTS)"),
            NetworkError::InvalidLocation { location } => {
                format!("{type_error} (net::ERR_INVALID_REDIRECT: Location '{location}' is not a URL)")
            }
            NetworkError::RedirectToNonHttpScheme { location } => {
                format!("{type_error} (redirect to '{location}': only http and https are followed)")
            }
            NetworkError::StreamBodyRedirect => format!(
                "{type_error} (a streamed request body cannot be sent again after a 301/302/307/308 redirect)"
            ),
            NetworkError::NoResponse => format!("{type_error} (no response: the connection failed)"),
            NetworkError::LocalNetworkAccess { target, cause, .. } => format!(
                "{} (Local Network Access: {})",
                self.console_message(engine).unwrap_or_default(),
                cause.remedy(*target)
            ),
        }
    }
}

impl fmt::Display for NetworkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.explain(Engine::Chromium))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// One of each reason, with values that quote none of the words a console reader looks for.
    pub(crate) fn every_reason() -> Vec<Reason> {
        vec![
            Reason::DisallowedByMode,
            Reason::MissingAllowOrigin,
            Reason::WildcardOriginWithCredentials,
            Reason::MultipleAllowOriginValues { value: "a, b".into() },
            Reason::InvalidAllowOriginValue { value: "x".into() },
            Reason::AllowOriginMismatch { value: "https://x".into() },
            Reason::AllowCredentialsNotTrue { value: None },
            Reason::AllowCredentialsNotTrue { value: Some("TRUE".into()) },
            Reason::PreflightStatusNotOk { status: 404 },
            Reason::PreflightRedirect { status: 301 },
            Reason::InvalidAllowMethods { value: "a b".into() },
            Reason::InvalidAllowHeaders { value: "a b".into() },
            Reason::MethodNotAllowed { method: "PUT".into() },
            Reason::HeaderNotAllowed { header: "x-custom".into() },
            Reason::AuthorizationNotCoveredByWildcard,
            Reason::RedirectContainsCredentials { location: "https://u:p@x/".into() },
        ]
    }

    #[test]
    fn chromium_asks_for_a_valid_value_only_for_fetch_and_never_suggests_no_cors() {
        let mismatch = Reason::AllowOriginMismatch { value: "https://x".into() };
        assert_eq!(
            mismatch.explain(Engine::Chromium, Initiator::Fetch),
            "The 'Access-Control-Allow-Origin' header has a value 'https://x' that is not equal to the supplied origin. Have the server send the header with a valid value."
        );
        assert_eq!(
            mismatch.explain(Engine::Chromium, Initiator::Xhr),
            "The 'Access-Control-Allow-Origin' header has a value 'https://x' that is not equal to the supplied origin."
        );
        for initiator in [Initiator::Fetch, Initiator::Xhr] {
            assert_eq!(
                Reason::MissingAllowOrigin.explain(Engine::Chromium, initiator),
                "No 'Access-Control-Allow-Origin' header is present on the requested resource."
            );
            for reason in every_reason() {
                assert!(!reason.explain(Engine::Chromium, initiator).contains("no-cors"), "{reason:?}");
            }
        }
    }

    #[test]
    fn chromium_escapes_what_is_not_printable_ascii_in_the_values_it_quotes() {
        let value = "https://caf\u{e9}.test,\tx".to_owned();
        assert_eq!(
            Reason::MultipleAllowOriginValues { value }.explain(Engine::Chromium, Initiator::Xhr),
            "The 'Access-Control-Allow-Origin' header contains multiple values 'https://caf\\u00C3\\u00A9.test,\\u0009x', but only one is allowed."
        );
    }

    #[test]
    fn chromium_mentions_with_credentials_only_for_xhr() {
        let xhr = Reason::WildcardOriginWithCredentials.explain(Engine::Chromium, Initiator::Xhr);
        assert!(xhr.ends_with("controlled by the withCredentials attribute."));
        let fetch = Reason::WildcardOriginWithCredentials.explain(Engine::Chromium, Initiator::Fetch);
        assert!(!fetch.contains("withCredentials"));
    }

    #[test]
    fn every_reason_has_words_in_every_engine() {
        for reason in every_reason() {
            for engine in Engine::ALL {
                for initiator in [Initiator::Fetch, Initiator::Xhr] {
                    assert!(!reason.explain(engine, initiator).is_empty());
                }
            }
        }
    }
}
