//! Chromium's console: the sentences of Blink's `cors_error_string.cc`
//! (third_party/blink/renderer/platform/loader/cors/), reproduced word for word from
//! `GetErrorStringForConsoleMessage` as Chromium 156 prints it, under the line
//! `Access to fetch at '<url>' from origin '<origin>' has been blocked by CORS policy: ...`,
//! which also says when the preflight failed. chromedriver hands the console out through
//! `se/log`; each block is followed by `Failed to load resource: net::ERR_FAILED`.
//!
//! The table models Chromium 156, the version the corpus snapshots were recorded from. Older
//! Chromiums added "If an opaque response serves your needs, set the request's mode to
//! 'no-cors' ..." after a missing `Access-Control-Allow-Origin` and after the origin checks;
//! Chromium 156 prints no such clause (its `kNoCorsInformation` is only "Have the server send
//! the header with a valid value.", and the missing-header sentence has no hint), and it writes
//! every value it quotes through `EncodeHint`.

use super::{ConsoleTable, Sentence, Written};
use crate::address_space::{AddressSpace, LocalNetworkCause};
use crate::console::ReasonClass;
use crate::reason::{Block, Reason, Stage};
use crate::request::Initiator;

/// The words of every Chromium block line.
const CORS_MARK: &str = "has been blocked by CORS policy";

/// What Chromium puts before the sentence when the preflight's response was refused.
const PREFLIGHT_FAILED: &str = "Response to preflight request doesn't pass access control check";

const MISSING_ALLOW_ORIGIN: Sentence = Sentence::written(
    ReasonClass::MissingAllowOrigin,
    "No 'Access-Control-Allow-Origin' header is present",
    "No 'Access-Control-Allow-Origin' header is present on the requested resource.",
);
const MULTIPLE_ALLOW_ORIGIN: Sentence = Sentence::written(
    ReasonClass::MultipleAllowOrigin,
    "contains multiple values",
    "The 'Access-Control-Allow-Origin' header contains multiple values '{}', but only one is allowed.{}",
)
.escaping_values();
const ALLOW_ORIGIN_MISMATCH: Sentence = Sentence::written(
    ReasonClass::AllowOriginMismatch,
    "that is not equal to the supplied origin",
    "The 'Access-Control-Allow-Origin' header has a value '{}' that is not equal to the supplied origin.{}",
)
.escaping_values();
const INVALID_ALLOW_ORIGIN: Sentence = Sentence::written(
    ReasonClass::InvalidAllowOrigin,
    "contains the invalid value",
    "The 'Access-Control-Allow-Origin' header contains the invalid value '{}'.{}",
)
.escaping_values();
const WILDCARD_WITH_CREDENTIALS: Sentence = Sentence::written(
    ReasonClass::WildcardWithCredentials,
    "must not be the wildcard '*' when the request's credentials mode is 'include'",
    "The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'.{}",
);
const CREDENTIALS_NOT_TRUE: Sentence = Sentence::written(
    ReasonClass::CredentialsNotTrue,
    "'Access-Control-Allow-Credentials' header in the response is",
    "The value of the 'Access-Control-Allow-Credentials' header in the response is '{}' which must be 'true' when the request's credentials mode is 'include'.{}",
)
.escaping_values();
const PREFLIGHT_STATUS: Sentence = Sentence::written(
    ReasonClass::PreflightStatus,
    "It does not have HTTP ok status",
    "It does not have HTTP ok status.",
)
.preflight_only();
const PREFLIGHT_REDIRECT: Sentence = Sentence::written(
    ReasonClass::PreflightRedirect,
    "Redirect is not allowed for a preflight request",
    "Redirect is not allowed for a preflight request.",
)
.preflight_only();
const METHOD_NOT_ALLOWED: Sentence = Sentence::written(
    ReasonClass::MethodNotAllowed,
    "is not allowed by Access-Control-Allow-Methods",
    "Method {} is not allowed by Access-Control-Allow-Methods in preflight response.",
)
.preflight_only()
.escaping_values();
const HEADER_NOT_ALLOWED: Sentence = Sentence::written(
    ReasonClass::HeaderNotAllowed,
    "is not allowed by Access-Control-Allow-Headers",
    "Request header field {} is not allowed by Access-Control-Allow-Headers in preflight response.",
)
.preflight_only()
.escaping_values();
/// Its key also reads Chromium's other `Redirect location '...' ...` refusals (a disallowed
/// scheme, an invalid URL). The quotes stay empty: the network service's
/// `CheckRedirectLocation` (services/network/cors/cors_url_loader.cc) raises
/// `CorsErrorStatus(kRedirectContainsCredentials)` without a failed parameter, so Blink has no
/// location to quote.
const REDIRECT_WITH_CREDENTIALS: Sentence = Sentence::written(
    ReasonClass::RedirectNotAllowed,
    "Redirect location",
    "Redirect location '' contains a username and password, which is disallowed for cross-origin requests.",
);
/// An Allow-Methods / Allow-Headers list that does not parse allows nothing.
const INVALID_ALLOW_METHODS: Sentence = Sentence::written(
    ReasonClass::MethodNotAllowed,
    "Cannot parse Access-Control-Allow-Methods",
    "Cannot parse Access-Control-Allow-Methods response header field in preflight response.",
)
.preflight_only();
const INVALID_ALLOW_HEADERS: Sentence = Sentence::written(
    ReasonClass::HeaderNotAllowed,
    "Cannot parse Access-Control-Allow-Headers",
    "Cannot parse Access-Control-Allow-Headers response header field in preflight response.",
)
.preflight_only();
/// Any other line that speaks of a redirect.
const OTHER_REDIRECT: Sentence = Sentence::read_only(ReasonClass::RedirectNotAllowed, "redirect");
/// Last: it reads as [`ReasonClass::Other`], as a line that holds no key does.
const DISALLOWED_BY_MODE: Sentence = Sentence::written(
    ReasonClass::Other,
    "Cross origin requests are not allowed by request mode",
    "Cross origin requests are not allowed by request mode.",
);

/// Chromium 156's Local Network Access lines ([`local_network`]), read back: a public page that
/// was denied the permission, and one that is not a secure context.
const LOCAL_NETWORK_DENIED: Sentence = Sentence::read_only(
    ReasonClass::LocalNetworkAccess,
    "Permission was denied for this request to access the `",
);
const LOCAL_NETWORK_INSECURE: Sentence = Sentence::read_only(
    ReasonClass::LocalNetworkAccess,
    "The request client is not a secure context and the resource is in more-private address space",
);

/// Chromium's console.
pub(super) static TABLE: ConsoleTable = ConsoleTable {
    cors_mark: CORS_MARK,
    network_failure: None,
    block_echo: Some("net::ERR_FAILED"),
    // Up front ("Response to preflight request doesn't pass access control check: ...") or at
    // the end of the method and header sentences ("... in preflight response.").
    preflight_markers: &[PREFLIGHT_FAILED, "in preflight response", "for a preflight request"],
    names_the_step: true,
    typographic_quotes: false,
    type_error: "TypeError: Failed to fetch",
    sentences: &[
        MISSING_ALLOW_ORIGIN,
        MULTIPLE_ALLOW_ORIGIN,
        ALLOW_ORIGIN_MISMATCH,
        INVALID_ALLOW_ORIGIN,
        WILDCARD_WITH_CREDENTIALS,
        CREDENTIALS_NOT_TRUE,
        PREFLIGHT_STATUS,
        PREFLIGHT_REDIRECT,
        METHOD_NOT_ALLOWED,
        HEADER_NOT_ALLOWED,
        REDIRECT_WITH_CREDENTIALS,
        INVALID_ALLOW_METHODS,
        INVALID_ALLOW_HEADERS,
        OTHER_REDIRECT,
        DISALLOWED_BY_MODE,
        LOCAL_NETWORK_DENIED,
        LOCAL_NETWORK_INSECURE,
    ],
    write,
    line,
    local_network,
};

/// Chromium's `CorsError` for each reason (the oracle's reasons follow it one to one), with
/// the hints `GetErrorStringForConsoleMessage` adds: for fetch, after the three origin checks,
/// `kNoCorsInformation`; for XHR, after the two credentials sentences, the `withCredentials`
/// one. Nothing follows a missing `Access-Control-Allow-Origin`.
fn write(reason: &Reason, initiator: Initiator) -> Written<'_> {
    const XHR_CREDENTIALS: &str = " The credentials mode of requests initiated by the XMLHttpRequest is controlled by the withCredentials attribute.";
    const NO_CORS_INFORMATION: &str = " Have the server send the header with a valid value.";
    let fetch_hint = if initiator == Initiator::Fetch { NO_CORS_INFORMATION } else { "" };
    let xhr_hint = if initiator == Initiator::Xhr { XHR_CREDENTIALS } else { "" };
    let (sentence, values) = match reason {
        Reason::DisallowedByMode => (&DISALLOWED_BY_MODE, vec![]),
        Reason::MissingAllowOrigin => (&MISSING_ALLOW_ORIGIN, vec![]),
        Reason::WildcardOriginWithCredentials => (&WILDCARD_WITH_CREDENTIALS, vec![xhr_hint]),
        Reason::MultipleAllowOriginValues { value } => {
            (&MULTIPLE_ALLOW_ORIGIN, vec![value.as_str(), fetch_hint])
        }
        Reason::InvalidAllowOriginValue { value } => {
            (&INVALID_ALLOW_ORIGIN, vec![value.as_str(), fetch_hint])
        }
        Reason::AllowOriginMismatch { value } => (&ALLOW_ORIGIN_MISMATCH, vec![value.as_str(), fetch_hint]),
        Reason::AllowCredentialsNotTrue { value } => {
            (&CREDENTIALS_NOT_TRUE, vec![value.as_deref().unwrap_or(""), xhr_hint])
        }
        Reason::PreflightStatusNotOk { .. } => (&PREFLIGHT_STATUS, vec![]),
        Reason::PreflightRedirect { .. } => (&PREFLIGHT_REDIRECT, vec![]),
        Reason::InvalidAllowMethods { .. } => (&INVALID_ALLOW_METHODS, vec![]),
        Reason::InvalidAllowHeaders { .. } => (&INVALID_ALLOW_HEADERS, vec![]),
        Reason::MethodNotAllowed { method } => (&METHOD_NOT_ALLOWED, vec![method.as_str()]),
        Reason::HeaderNotAllowed { header } => (&HEADER_NOT_ALLOWED, vec![header.as_str()]),
        Reason::AuthorizationNotCoveredByWildcard => (&HEADER_NOT_ALLOWED, vec!["authorization"]),
        Reason::RedirectContainsCredentials { .. } => (&REDIRECT_WITH_CREDENTIALS, vec![]),
    };
    Written { sentence, values }
}

/// `Access to fetch at '<url>' (redirected from '<first url>') from origin '<origin>' has been
/// blocked by CORS policy: Response to preflight request doesn't pass access control check:
/// <sentence>`, as `GetErrorStringForConsoleMessage` builds it: the redirect only after one,
/// the preflight part only for a preflight error ([`is_preflight_error`]).
fn line(block: &Block, sentence: &str) -> String {
    let kind = match block.initiator {
        Initiator::Fetch => "fetch",
        Initiator::Xhr => "XMLHttpRequest",
    };
    let redirected = if block.initial_url == block.url {
        String::new()
    } else {
        format!("(redirected from '{}') ", block.initial_url)
    };
    let preflight = if block.stage == Stage::Preflight && is_preflight_error(&block.reason) {
        format!("{PREFLIGHT_FAILED}: ")
    } else {
        String::new()
    };
    format!(
        "Access to {kind} at '{}' {redirected}from origin '{}' {CORS_MARK}: {preflight}{sentence}",
        block.url, block.page_origin
    )
}

/// Whether Blink's `IsPreflightError` puts [`PREFLIGHT_FAILED`] before the sentence of a block
/// on the preflight: it does for the `kPreflight*` errors (the origin and credentials checks,
/// the status, a redirect), not for the method and header checks and the unparsable lists,
/// whose sentences end "in preflight response." instead.
fn is_preflight_error(reason: &Reason) -> bool {
    !matches!(
        reason,
        Reason::MethodNotAllowed { .. }
            | Reason::HeaderNotAllowed { .. }
            | Reason::AuthorizationNotCoveredByWildcard
            | Reason::InvalidAllowMethods { .. }
            | Reason::InvalidAllowHeaders { .. }
    )
}

/// Chromium 156's two Local Network Access lines, as its console printed them for a public
/// page fetching `127.0.0.1` (`CorsError::kLocalNetworkAccessPermissionDenied` and
/// `kInsecureLocalNetwork`); each is followed by `Failed to load resource: net::ERR_FAILED`.
fn local_network(url: &str, page_origin: &str, target: AddressSpace, cause: LocalNetworkCause) -> String {
    let sentence = match cause {
        LocalNetworkCause::PermissionNotGranted => {
            format!("Permission was denied for this request to access the `{target}` address space.")
        }
        LocalNetworkCause::InsecureContext => format!(
            "The request client is not a secure context and the resource is in more-private address space `{target}`."
        ),
    };
    format!("Access to fetch at '{url}' from origin '{page_origin}' {CORS_MARK}: {sentence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chromium_says_in_two_ways_that_the_preflight_failed() {
        assert_eq!(
            TABLE.read_preflight(
                "Response to preflight request doesn't pass access control check: It does not have HTTP ok status."
            ),
            Some(true)
        );
        assert_eq!(
            TABLE.read_preflight(
                "Method PUT is not allowed by Access-Control-Allow-Methods in preflight response."
            ),
            Some(true)
        );
        assert_eq!(
            TABLE.read_preflight(
                "No 'Access-Control-Allow-Origin' header is present on the requested resource."
            ),
            Some(false)
        );
    }

    fn preflight_block(reason: Reason) -> Block {
        Block {
            reason,
            stage: Stage::Preflight,
            status: Some(200),
            initial_url: "http://api.test:9000/a/1".into(),
            url: "http://api.test:9000/a/1".into(),
            page_origin: "http://app.test:8000".into(),
            initiator: Initiator::Fetch,
            policy: crate::fix::Requirement {
                origin: "http://app.test:8000".into(),
                credentials: false,
                preflight: true,
                methods: vec![],
                headers: vec![],
            },
            redirect_location: None,
            header_as_written: None,
        }
    }

    #[test]
    fn only_blinks_preflight_errors_say_the_preflight_failed_up_front() {
        let missing = preflight_block(Reason::MissingAllowOrigin).console_message(crate::Engine::Chromium);
        assert_eq!(
            missing,
            "Access to fetch at 'http://api.test:9000/a/1' from origin 'http://app.test:8000' has been blocked by CORS policy: Response to preflight request doesn't pass access control check: No 'Access-Control-Allow-Origin' header is present on the requested resource."
        );
        let method = preflight_block(Reason::MethodNotAllowed { method: "PUT".into() })
            .console_message(crate::Engine::Chromium);
        assert_eq!(
            method,
            "Access to fetch at 'http://api.test:9000/a/1' from origin 'http://app.test:8000' has been blocked by CORS policy: Method PUT is not allowed by Access-Control-Allow-Methods in preflight response."
        );
        assert_eq!(TABLE.read_preflight(&method), Some(true));
    }

    #[test]
    fn chromium_messages_map_to_their_classes() {
        let cases = [
            (
                "Access to fetch at 'x' from origin 'y' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource.",
                ReasonClass::MissingAllowOrigin,
            ),
            (
                "has been blocked by CORS policy: The 'Access-Control-Allow-Origin' header contains multiple values 'a, b', but only one is allowed.",
                ReasonClass::MultipleAllowOrigin,
            ),
            (
                "has been blocked by CORS policy: Response to preflight request doesn't pass access control check: It does not have HTTP ok status.",
                ReasonClass::PreflightStatus,
            ),
            (
                "has been blocked by CORS policy: Method PUT is not allowed by Access-Control-Allow-Methods in preflight response.",
                ReasonClass::MethodNotAllowed,
            ),
            (
                "has been blocked by CORS policy: Redirect location '' contains a username and password, which is disallowed for cross-origin requests.",
                ReasonClass::RedirectNotAllowed,
            ),
            ("has been blocked by CORS policy: something new", ReasonClass::Other),
        ];
        for (message, class) in cases {
            assert_eq!(TABLE.read_class(message), class, "{message}");
        }
    }

    #[test]
    fn unparsable_allow_lists_are_not_allowed_classes() {
        assert_eq!(
            TABLE.read_class(
                "has been blocked by CORS policy: Cannot parse Access-Control-Allow-Methods response header field in preflight response."
            ),
            ReasonClass::MethodNotAllowed
        );
        assert_eq!(
            TABLE.read_class(
                "has been blocked by CORS policy: Cannot parse Access-Control-Allow-Headers response header field in preflight response."
            ),
            ReasonClass::HeaderNotAllowed
        );
    }
}
