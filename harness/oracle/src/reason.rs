//! Why a request failed, machine-readable, with the words the browser's console uses.

use std::fmt;

use crate::engine::Engine;
use crate::fix::{Fix, Requirement};
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
    /// (see [`Block::console_message`] for the whole line).
    ///
    /// Chromium's wording is reproduced from its `cors_error_string.cc`; Firefox's follows its
    /// `(Reason: ...)` strings; WebKit's is its access-control message.
    pub fn explain(&self, engine: Engine, initiator: Initiator) -> String {
        match engine {
            Engine::Chromium => self.chromium(initiator),
            Engine::Firefox => self.firefox(),
            Engine::WebKit => self.webkit(),
        }
    }

    fn chromium(&self, initiator: Initiator) -> String {
        const XHR_CREDENTIALS: &str = " The credentials mode of requests initiated by the XMLHttpRequest is controlled by the withCredentials attribute.";
        const NO_CORS_HINT: &str = " Have the server send the header with a valid value, or, if an opaque response serves your needs, set the request's mode to 'no-cors' to fetch the resource with CORS disabled.";
        let fetch_hint = |hint: &'static str| if initiator == Initiator::Fetch { hint } else { "" };
        let xhr_hint = if initiator == Initiator::Xhr { XHR_CREDENTIALS } else { "" };
        match self {
            Reason::DisallowedByMode => "Cross origin requests are not allowed by request mode.".into(),
            Reason::MissingAllowOrigin => format!(
                "No 'Access-Control-Allow-Origin' header is present on the requested resource.{}",
                fetch_hint(" If an opaque response serves your needs, set the request's mode to 'no-cors' to fetch the resource with CORS disabled.")
            ),
            Reason::WildcardOriginWithCredentials => format!(
                "The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'.{xhr_hint}"
            ),
            Reason::MultipleAllowOriginValues { value } => format!(
                "The 'Access-Control-Allow-Origin' header contains multiple values '{value}', but only one is allowed.{}",
                fetch_hint(NO_CORS_HINT)
            ),
            Reason::InvalidAllowOriginValue { value } => format!(
                "The 'Access-Control-Allow-Origin' header contains the invalid value '{value}'.{}",
                fetch_hint(NO_CORS_HINT)
            ),
            Reason::AllowOriginMismatch { value } => format!(
                "The 'Access-Control-Allow-Origin' header has a value '{value}' that is not equal to the supplied origin.{}",
                fetch_hint(NO_CORS_HINT)
            ),
            Reason::AllowCredentialsNotTrue { value } => format!(
                "The value of the 'Access-Control-Allow-Credentials' header in the response is '{}' which must be 'true' when the request's credentials mode is 'include'.{xhr_hint}",
                value.as_deref().unwrap_or("")
            ),
            Reason::PreflightStatusNotOk { .. } => "It does not have HTTP ok status.".into(),
            Reason::PreflightRedirect { .. } => "Redirect is not allowed for a preflight request.".into(),
            Reason::InvalidAllowMethods { .. } => {
                "Cannot parse Access-Control-Allow-Methods response header field in preflight response.".into()
            }
            Reason::InvalidAllowHeaders { .. } => {
                "Cannot parse Access-Control-Allow-Headers response header field in preflight response.".into()
            }
            Reason::MethodNotAllowed { method } => format!(
                "Method {method} is not allowed by Access-Control-Allow-Methods in preflight response."
            ),
            Reason::HeaderNotAllowed { header } => format!(
                "Request header field {header} is not allowed by Access-Control-Allow-Headers in preflight response."
            ),
            Reason::AuthorizationNotCoveredByWildcard => {
                "Request header field authorization is not allowed by Access-Control-Allow-Headers in preflight response.".into()
            }
            Reason::RedirectContainsCredentials { location } => format!(
                "Redirect location '{location}' contains a username and password, which is disallowed for cross-origin requests."
            ),
        }
    }

    /// Firefox's `(Reason: ...)` strings from Gecko's `security.properties`, with its
    /// typographic quotes. Firefox words several values in ACAO ("a, b", or the header twice)
    /// and a value that is no origin as a mismatch.
    fn firefox(&self) -> String {
        match self {
            Reason::DisallowedByMode => "CORS request not allowed by request mode".into(),
            Reason::MissingAllowOrigin => "CORS header ‘Access-Control-Allow-Origin’ missing".into(),
            Reason::WildcardOriginWithCredentials => {
                "Credential is not supported if the CORS header ‘Access-Control-Allow-Origin’ is ‘*’".into()
            }
            Reason::MultipleAllowOriginValues { value }
            | Reason::InvalidAllowOriginValue { value }
            | Reason::AllowOriginMismatch { value } => {
                format!("CORS header ‘Access-Control-Allow-Origin’ does not match ‘{value}’")
            }
            Reason::AllowCredentialsNotTrue { .. } => {
                "expected ‘true’ in CORS header ‘Access-Control-Allow-Credentials’".into()
            }
            Reason::PreflightStatusNotOk { .. } => "CORS preflight response did not succeed".into(),
            Reason::PreflightRedirect { .. } => "CORS request external redirect not allowed".into(),
            Reason::InvalidAllowMethods { value } => {
                format!("invalid token ‘{value}’ in CORS header ‘Access-Control-Allow-Methods’")
            }
            Reason::InvalidAllowHeaders { value } => {
                format!("invalid token ‘{value}’ in CORS header ‘Access-Control-Allow-Headers’")
            }
            Reason::MethodNotAllowed { .. } => {
                "Did not find method in CORS header ‘Access-Control-Allow-Methods’".into()
            }
            Reason::HeaderNotAllowed { header } => format!(
                "header ‘{header}’ is not allowed according to header ‘Access-Control-Allow-Headers’ from CORS preflight response"
            ),
            Reason::AuthorizationNotCoveredByWildcard => {
                "header ‘authorization’ is not allowed according to header ‘Access-Control-Allow-Headers’ from CORS preflight response".into()
            }
            Reason::RedirectContainsCredentials { .. } => {
                "CORS request external redirect not allowed".into()
            }
        }
    }

    fn webkit(&self) -> String {
        match self {
            Reason::DisallowedByMode => "Cross origin requests are not allowed by request mode.".into(),
            Reason::MissingAllowOrigin
            | Reason::MultipleAllowOriginValues { .. }
            | Reason::InvalidAllowOriginValue { .. }
            | Reason::AllowOriginMismatch { .. } => {
                "Origin is not allowed by Access-Control-Allow-Origin.".into()
            }
            Reason::WildcardOriginWithCredentials => {
                "Cannot use wildcard in Access-Control-Allow-Origin when credentials flag is true.".into()
            }
            Reason::AllowCredentialsNotTrue { .. } => {
                "Credentials flag is true, but Access-Control-Allow-Credentials is not \"true\".".into()
            }
            Reason::PreflightStatusNotOk { .. } => "Preflight response is not successful.".into(),
            Reason::PreflightRedirect { .. } => "Preflight response is not successful.".into(),
            Reason::InvalidAllowMethods { value } => {
                format!("Header Access-Control-Allow-Methods has an invalid value: {value}")
            }
            Reason::InvalidAllowHeaders { value } => {
                format!("Header Access-Control-Allow-Headers has an invalid value: {value}")
            }
            Reason::MethodNotAllowed { method } => {
                format!("Method {method} is not allowed by Access-Control-Allow-Methods.")
            }
            Reason::HeaderNotAllowed { header } => {
                format!("Request header field {header} is not allowed by Access-Control-Allow-Headers.")
            }
            Reason::AuthorizationNotCoveredByWildcard => {
                "Request header field authorization is not allowed by Access-Control-Allow-Headers.".into()
            }
            Reason::RedirectContainsCredentials { .. } => {
                "Cross-origin redirection denied by Cross-Origin Resource Sharing policy.".into()
            }
        }
    }

    /// What the server must change, as headers and as configuration snippets, for a request
    /// that needs `policy`.
    pub fn fix(&self, policy: &Requirement) -> Fix {
        Fix::for_reason(self, policy)
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.chromium(Initiator::Fetch))
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
    ///      on the requested resource. If an opaque response serves your needs, set the \
    ///      request's mode to 'no-cors' to fetch the resource with CORS disabled."
    /// );
    /// ```
    pub fn console_message(&self, engine: Engine) -> String {
        let reason = self.reason.explain(engine, self.initiator);
        match engine {
            Engine::Chromium => {
                let kind = match self.initiator {
                    Initiator::Fetch => "fetch",
                    Initiator::Xhr => "XMLHttpRequest",
                };
                let redirected = if self.initial_url == self.url {
                    String::new()
                } else {
                    format!("(redirected from '{}') ", self.initial_url)
                };
                let preflight = if self.stage == Stage::Preflight {
                    "Response to preflight request doesn't pass access control check: "
                } else {
                    ""
                };
                format!(
                    "Access to {kind} at '{}' {redirected}from origin '{}' has been blocked by CORS policy: {preflight}{reason}",
                    self.url, self.page_origin
                )
            }
            Engine::Firefox => {
                // Only these two strings carry the status (`CORSMissingAllowOrigin2`,
                // `CORSPreflightDidNotSucceed3`).
                let with_status =
                    matches!(self.reason, Reason::MissingAllowOrigin | Reason::PreflightStatusNotOk { .. });
                let status = self
                    .status
                    .filter(|_| with_status)
                    .map(|s| format!(" Status code: {s}."))
                    .unwrap_or_default();
                // `CORSNotSupportingCredentials` quotes the URL; the other strings do not.
                let url = if matches!(self.reason, Reason::WildcardOriginWithCredentials) {
                    format!("‘{}’", self.url)
                } else {
                    self.url.to_string()
                };
                format!(
                    "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at {url}. (Reason: {reason}).{status}"
                )
            }
            Engine::WebKit => {
                let api = match self.initiator {
                    Initiator::Fetch => "Fetch API",
                    Initiator::Xhr => "XMLHttpRequest",
                };
                let status = self.status.map(|s| format!(" Status code: {s}")).unwrap_or_default();
                format!("{reason}{status}\n{api} cannot load {} due to access control checks.", self.url)
            }
        }
    }

    /// The fix for this block.
    pub fn fix(&self) -> Fix {
        self.reason.fix(&self.policy)
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
}

impl NetworkError {
    /// What the engine tells the developer, in its words where it has a specific message.
    pub fn explain(&self, engine: Engine) -> String {
        let type_error = match engine {
            Engine::Chromium => "TypeError: Failed to fetch",
            Engine::Firefox => "TypeError: NetworkError when attempting to fetch resource.",
            Engine::WebKit => "TypeError: Load failed",
        };
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
        }
    }
}

impl fmt::Display for NetworkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.explain(Engine::Chromium))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chromium_mentions_no_cors_only_for_fetch() {
        let fetch = Reason::MissingAllowOrigin.explain(Engine::Chromium, Initiator::Fetch);
        let xhr = Reason::MissingAllowOrigin.explain(Engine::Chromium, Initiator::Xhr);
        assert!(fetch.contains("'no-cors'"));
        assert_eq!(xhr, "No 'Access-Control-Allow-Origin' header is present on the requested resource.");
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
        let reasons = [
            Reason::DisallowedByMode,
            Reason::MissingAllowOrigin,
            Reason::WildcardOriginWithCredentials,
            Reason::MultipleAllowOriginValues { value: "a, b".into() },
            Reason::InvalidAllowOriginValue { value: "x".into() },
            Reason::AllowOriginMismatch { value: "https://x".into() },
            Reason::AllowCredentialsNotTrue { value: None },
            Reason::PreflightStatusNotOk { status: 404 },
            Reason::PreflightRedirect { status: 301 },
            Reason::InvalidAllowMethods { value: "a b".into() },
            Reason::InvalidAllowHeaders { value: "a b".into() },
            Reason::MethodNotAllowed { method: "PUT".into() },
            Reason::HeaderNotAllowed { header: "x-custom".into() },
            Reason::AuthorizationNotCoveredByWildcard,
            Reason::RedirectContainsCredentials { location: "https://u:p@x/".into() },
        ];
        for reason in reasons {
            for engine in Engine::ALL {
                for initiator in [Initiator::Fetch, Initiator::Xhr] {
                    assert!(!reason.explain(engine, initiator).is_empty());
                }
            }
        }
    }
}
