//! Firefox's console: the `(Reason: ...)` strings of Gecko's `security.properties`
//! (`CORSMissingAllowOrigin2`, `CORSAllowOriginNotMatchingOrigin`, ...), with its typographic
//! quotes, under the line `Cross-Origin Request Blocked: The Same Origin Policy disallows reading
//! the remote resource at <url>. (Reason: ...)`. The line names the URL, never the step: only the
//! reasons a preflight alone can get tell that the preflight failed. geckodriver hands the
//! console out through WebDriver BiDi's `log.entryAdded`.
//!
//! The table models Firefox ESR 153, the version the corpus snapshots were recorded from
//! (dom/locales/en-US/chrome/security/security.properties, filled in by
//! `nsCORSListenerProxy::LogBlockedRequest`); `tests/oracle_agreement.rs` holds every line it
//! writes for the corpus to the one Firefox printed.

use super::{ConsoleTable, Sentence, Written};
use crate::address_space::{AddressSpace, LocalNetworkCause};
use crate::console::ReasonClass;
use crate::reason::{Block, Reason};
use crate::request::Initiator;

/// The words of every Firefox block line, and of its network-failure line.
const CORS_MARK: &str = "Cross-Origin Request Blocked";

/// Firefox's reason for a request that failed below CORS (refused, reset or closed connection,
/// TLS): a network error under the same preamble, not a CORS block.
const NETWORK_FAILURE: &str = "(Reason: CORS request did not succeed)";

const MISSING_ALLOW_ORIGIN: Sentence = Sentence::written(
    ReasonClass::MissingAllowOrigin,
    "CORS header 'Access-Control-Allow-Origin' missing",
    "CORS header ‘Access-Control-Allow-Origin’ missing",
);
/// `CORSMultipleAllowOriginNotAllowed`: the oracle words several values as a mismatch, as the
/// Firefox of the snapshots does.
const MULTIPLE_ALLOW_ORIGIN: Sentence = Sentence::read_only(
    ReasonClass::MultipleAllowOrigin,
    "Multiple CORS header 'Access-Control-Allow-Origin' not allowed",
);
/// Firefox words an ACAO that is no origin at all, several values and another origin alike,
/// so all of them read as a mismatch.
const ALLOW_ORIGIN_MISMATCH: Sentence = Sentence::written(
    ReasonClass::AllowOriginMismatch,
    "CORS header 'Access-Control-Allow-Origin' does not match",
    "CORS header ‘Access-Control-Allow-Origin’ does not match ‘{}’",
);
const WILDCARD_WITH_CREDENTIALS: Sentence = Sentence::written(
    ReasonClass::WildcardWithCredentials,
    "Credential is not supported if the CORS header 'Access-Control-Allow-Origin' is '*'",
    "Credential is not supported if the CORS header ‘Access-Control-Allow-Origin’ is ‘*’",
);
const CREDENTIALS_NOT_TRUE: Sentence = Sentence::written(
    ReasonClass::CredentialsNotTrue,
    "expected 'true' in CORS header 'Access-Control-Allow-Credentials'",
    "expected ‘true’ in CORS header ‘Access-Control-Allow-Credentials’",
);
const PREFLIGHT_STATUS: Sentence = Sentence::written(
    ReasonClass::PreflightStatus,
    "CORS preflight response did not succeed",
    "CORS preflight response did not succeed",
)
.preflight_only();
/// An older wording of the same failure.
const PREFLIGHT_CHANNEL: Sentence =
    Sentence::read_only(ReasonClass::PreflightStatus, "CORS preflight channel did not succeed")
        .preflight_only();
const METHOD_NOT_FOUND: Sentence = Sentence::written(
    ReasonClass::MethodNotAllowed,
    "Did not find method in CORS header 'Access-Control-Allow-Methods'",
    "Did not find method in CORS header ‘Access-Control-Allow-Methods’",
)
.preflight_only();
/// Its key also reads Firefox's other Allow-Methods reasons.
const INVALID_ALLOW_METHODS: Sentence = Sentence::written(
    ReasonClass::MethodNotAllowed,
    "in CORS header 'Access-Control-Allow-Methods'",
    "invalid token ‘{}’ in CORS header ‘Access-Control-Allow-Methods’",
)
.preflight_only();
const HEADER_NOT_ALLOWED: Sentence = Sentence::written(
    ReasonClass::HeaderNotAllowed,
    "according to header 'Access-Control-Allow-Headers'",
    "header ‘{}’ is not allowed according to header ‘Access-Control-Allow-Headers’ from CORS preflight response",
)
.preflight_only();
/// Its key also reads Firefox's other Allow-Headers reasons.
const INVALID_ALLOW_HEADERS: Sentence = Sentence::written(
    ReasonClass::HeaderNotAllowed,
    "in CORS header 'Access-Control-Allow-Headers'",
    "invalid token ‘{}’ in CORS header ‘Access-Control-Allow-Headers’",
)
.preflight_only();
/// `CORSExternalRedirectNotAllowed`, which Firefox also gives a redirected preflight.
const EXTERNAL_REDIRECT: Sentence = Sentence::written(
    ReasonClass::RedirectNotAllowed,
    "CORS request external redirect not allowed",
    "CORS request external redirect not allowed",
);
const PREFLIGHT_REDIRECT: Sentence =
    Sentence::read_only(ReasonClass::PreflightRedirect, "CORS preflight redirect");
/// Any other reason that speaks of a redirect.
const OTHER_REDIRECT: Sentence = Sentence::read_only(ReasonClass::RedirectNotAllowed, "redirect");
/// Last: it reads as [`ReasonClass::Other`], as a line that holds no key does.
const DISALLOWED_BY_MODE: Sentence = Sentence::written(
    ReasonClass::Other,
    "CORS request not allowed by request mode",
    "CORS request not allowed by request mode",
);

/// Firefox's console.
pub(super) static TABLE: ConsoleTable = ConsoleTable {
    cors_mark: CORS_MARK,
    network_failure: Some(NETWORK_FAILURE),
    // Firefox may follow a block with its network-failure line for the same URL.
    block_echo: Some(NETWORK_FAILURE),
    preflight_markers: &["from CORS preflight"],
    names_the_step: false,
    typographic_quotes: true,
    type_error: "TypeError: NetworkError when attempting to fetch resource.",
    sentences: &[
        MISSING_ALLOW_ORIGIN,
        MULTIPLE_ALLOW_ORIGIN,
        ALLOW_ORIGIN_MISMATCH,
        WILDCARD_WITH_CREDENTIALS,
        CREDENTIALS_NOT_TRUE,
        PREFLIGHT_STATUS,
        PREFLIGHT_CHANNEL,
        METHOD_NOT_FOUND,
        INVALID_ALLOW_METHODS,
        HEADER_NOT_ALLOWED,
        INVALID_ALLOW_HEADERS,
        EXTERNAL_REDIRECT,
        PREFLIGHT_REDIRECT,
        OTHER_REDIRECT,
        DISALLOWED_BY_MODE,
    ],
    write,
    line,
    local_network,
};

/// Firefox's `(Reason: ...)` for each reason; the initiator changes nothing.
fn write(reason: &Reason, _: Initiator) -> Written<'_> {
    let (sentence, values) = match reason {
        Reason::DisallowedByMode => (&DISALLOWED_BY_MODE, vec![]),
        Reason::MissingAllowOrigin => (&MISSING_ALLOW_ORIGIN, vec![]),
        Reason::WildcardOriginWithCredentials => (&WILDCARD_WITH_CREDENTIALS, vec![]),
        Reason::MultipleAllowOriginValues { value }
        | Reason::InvalidAllowOriginValue { value }
        | Reason::AllowOriginMismatch { value } => (&ALLOW_ORIGIN_MISMATCH, vec![value.as_str()]),
        Reason::AllowCredentialsNotTrue { .. } => (&CREDENTIALS_NOT_TRUE, vec![]),
        Reason::PreflightStatusNotOk { .. } => (&PREFLIGHT_STATUS, vec![]),
        Reason::PreflightRedirect { .. } | Reason::RedirectContainsCredentials { .. } => {
            (&EXTERNAL_REDIRECT, vec![])
        }
        Reason::InvalidAllowMethods { value } => (&INVALID_ALLOW_METHODS, vec![value.as_str()]),
        Reason::InvalidAllowHeaders { value } => (&INVALID_ALLOW_HEADERS, vec![value.as_str()]),
        Reason::MethodNotAllowed { .. } => (&METHOD_NOT_FOUND, vec![]),
        Reason::HeaderNotAllowed { header } => (&HEADER_NOT_ALLOWED, vec![header.as_str()]),
        Reason::AuthorizationNotCoveredByWildcard => (&HEADER_NOT_ALLOWED, vec!["authorization"]),
    };
    Written { sentence, values }
}

/// `Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource
/// at <url>. (Reason: <sentence>).`, with ` Status code: <status>.` after the two strings that
/// carry it (`CORSMissingAllowOrigin2`, `CORSPreflightDidNotSucceed3`) and the URL in quotes in
/// the one that quotes it (`CORSNotSupportingCredentials`).
fn line(block: &Block, sentence: &str) -> String {
    let with_status =
        matches!(block.reason, Reason::MissingAllowOrigin | Reason::PreflightStatusNotOk { .. });
    let status =
        block.status.filter(|_| with_status).map(|s| format!(" Status code: {s}.")).unwrap_or_default();
    let url = if matches!(block.reason, Reason::WildcardOriginWithCredentials) {
        format!("‘{}’", block.url)
    } else {
        block.url.to_string()
    };
    format!(
        "{CORS_MARK}: The Same Origin Policy disallows reading the remote resource at {url}. (Reason: {sentence}).{status}"
    )
}

/// Firefox 153 words a request Local Network Access denied as any failed CORS request (its
/// network-failure line, seen through WebDriver BiDi for a public page fetching `127.0.0.1`),
/// whatever the space or the cause.
fn local_network(url: &str, _: &str, _: AddressSpace, _: LocalNetworkCause) -> String {
    format!(
        "{CORS_MARK}: The Same Origin Policy disallows reading the remote resource at {url}. {NETWORK_FAILURE}. Status code: (null)."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn firefox_messages_map_to_their_classes() {
        let preamble = "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://api.test:1/t/a/x.";
        let cases = [
            (
                "(Reason: CORS header 'Access-Control-Allow-Origin' missing). Status code: 200.",
                ReasonClass::MissingAllowOrigin,
            ),
            (
                "(Reason: Multiple CORS header 'Access-Control-Allow-Origin' not allowed).",
                ReasonClass::MultipleAllowOrigin,
            ),
            (
                "(Reason: CORS header 'Access-Control-Allow-Origin' does not match 'null').",
                ReasonClass::AllowOriginMismatch,
            ),
            (
                "(Reason: Credential is not supported if the CORS header 'Access-Control-Allow-Origin' is '*').",
                ReasonClass::WildcardWithCredentials,
            ),
            (
                "(Reason: expected 'true' in CORS header 'Access-Control-Allow-Credentials').",
                ReasonClass::CredentialsNotTrue,
            ),
            (
                "(Reason: CORS preflight response did not succeed). Status code: 404.",
                ReasonClass::PreflightStatus,
            ),
            (
                "(Reason: Did not find method in CORS header 'Access-Control-Allow-Methods').",
                ReasonClass::MethodNotAllowed,
            ),
            (
                "(Reason: invalid token 'a b' in CORS header 'Access-Control-Allow-Methods').",
                ReasonClass::MethodNotAllowed,
            ),
            (
                "(Reason: header 'x-custom' is not allowed according to header 'Access-Control-Allow-Headers' from CORS preflight response).",
                ReasonClass::HeaderNotAllowed,
            ),
            (
                "(Reason: invalid token 'a b' in CORS header 'Access-Control-Allow-Headers').",
                ReasonClass::HeaderNotAllowed,
            ),
            ("(Reason: CORS request external redirect not allowed).", ReasonClass::RedirectNotAllowed),
            ("(Reason: CORS disabled).", ReasonClass::Other),
        ];
        for (reason, class) in cases {
            let message = format!("{preamble} {reason}");
            assert!(TABLE.is_block(&message), "{message}");
            assert_eq!(TABLE.read_class(&message), class, "{message}");
            // As Firefox writes them, with typographic quotes.
            let message = message.replace("'", "\u{2019}");
            assert_eq!(TABLE.read_class(&message), class, "{message}");
        }
    }

    #[test]
    fn firefox_network_failures_are_not_blocks() {
        let message = "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://api.test:1/t/a/x. (Reason: CORS request did not succeed). Status code: (null).";
        assert!(!TABLE.is_block(message));
        assert!(!TABLE.is_block("NetworkError when attempting to fetch resource."));
    }

    #[test]
    fn firefox_names_the_preflight_only_through_preflight_only_reasons() {
        assert_eq!(
            TABLE.read_preflight("(Reason: CORS preflight response did not succeed). Status code: 404."),
            Some(true)
        );
        assert_eq!(
            TABLE.read_preflight(
                "(Reason: Did not find method in CORS header 'Access-Control-Allow-Methods')."
            ),
            Some(true)
        );
        assert_eq!(
            TABLE.read_preflight("(Reason: CORS header 'Access-Control-Allow-Origin' missing)."),
            None
        );
    }
}
