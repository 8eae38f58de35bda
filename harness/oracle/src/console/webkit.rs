//! WebKit's console: the access-control messages of `CrossOriginAccessControl.cpp` and
//! `CrossOriginPreflightChecker.cpp` (Source/WebCore/loader/), followed by `Fetch API cannot
//! load <url> due to access control checks.` WebKitWebDriver lets no one read this console, so
//! a run never reads these lines; the oracle writes them for `corsproof check`.

use super::{ConsoleTable, Sentence, Written};
use crate::address_space::{AddressSpace, LocalNetworkCause};
use crate::console::ReasonClass;
use crate::reason::{Block, Reason};
use crate::request::Initiator;

/// The words of every WebKit block line.
const CORS_MARK: &str = "due to access control checks";

/// WebKit words a missing, a multiple, an invalid and another origin's ACAO alike, so all of
/// them read as a mismatch.
const ORIGIN_NOT_ALLOWED: Sentence = Sentence::written(
    ReasonClass::AllowOriginMismatch,
    "Origin is not allowed by Access-Control-Allow-Origin",
    "Origin is not allowed by Access-Control-Allow-Origin.",
);
const WILDCARD_WITH_CREDENTIALS: Sentence = Sentence::written(
    ReasonClass::WildcardWithCredentials,
    "Cannot use wildcard in Access-Control-Allow-Origin when credentials flag is true",
    "Cannot use wildcard in Access-Control-Allow-Origin when credentials flag is true.",
);
const CREDENTIALS_NOT_TRUE: Sentence = Sentence::written(
    ReasonClass::CredentialsNotTrue,
    "Credentials flag is true, but Access-Control-Allow-Credentials is not",
    "Credentials flag is true, but Access-Control-Allow-Credentials is not \"true\".",
);
/// WebKit also says it of a redirected preflight.
const PREFLIGHT_NOT_SUCCESSFUL: Sentence = Sentence::written(
    ReasonClass::PreflightStatus,
    "Preflight response is not successful",
    "Preflight response is not successful.",
)
.preflight_only();
const INVALID_ALLOW_METHODS: Sentence = Sentence::written(
    ReasonClass::MethodNotAllowed,
    "Header Access-Control-Allow-Methods has an invalid value",
    "Header Access-Control-Allow-Methods has an invalid value: {}",
)
.preflight_only();
const INVALID_ALLOW_HEADERS: Sentence = Sentence::written(
    ReasonClass::HeaderNotAllowed,
    "Header Access-Control-Allow-Headers has an invalid value",
    "Header Access-Control-Allow-Headers has an invalid value: {}",
)
.preflight_only();
const METHOD_NOT_ALLOWED: Sentence = Sentence::written(
    ReasonClass::MethodNotAllowed,
    "is not allowed by Access-Control-Allow-Methods",
    "Method {} is not allowed by Access-Control-Allow-Methods.",
)
.preflight_only();
const HEADER_NOT_ALLOWED: Sentence = Sentence::written(
    ReasonClass::HeaderNotAllowed,
    "is not allowed by Access-Control-Allow-Headers",
    "Request header field {} is not allowed by Access-Control-Allow-Headers.",
)
.preflight_only();
const REDIRECT_DENIED: Sentence = Sentence::written(
    ReasonClass::RedirectNotAllowed,
    "Cross-origin redirection denied by Cross-Origin Resource Sharing policy",
    "Cross-origin redirection denied by Cross-Origin Resource Sharing policy.",
);
/// Last: it reads as [`ReasonClass::Other`], as a line that holds no key does.
const DISALLOWED_BY_MODE: Sentence = Sentence::written(
    ReasonClass::Other,
    "Cross origin requests are not allowed by request mode",
    "Cross origin requests are not allowed by request mode.",
);

/// WebKit's console.
pub(super) static TABLE: ConsoleTable = ConsoleTable {
    cors_mark: CORS_MARK,
    network_failure: None,
    block_echo: None,
    preflight_markers: &[],
    names_the_step: false,
    typographic_quotes: false,
    type_error: "TypeError: Load failed",
    sentences: &[
        ORIGIN_NOT_ALLOWED,
        WILDCARD_WITH_CREDENTIALS,
        CREDENTIALS_NOT_TRUE,
        PREFLIGHT_NOT_SUCCESSFUL,
        INVALID_ALLOW_METHODS,
        INVALID_ALLOW_HEADERS,
        METHOD_NOT_ALLOWED,
        HEADER_NOT_ALLOWED,
        REDIRECT_DENIED,
        DISALLOWED_BY_MODE,
    ],
    write,
    line,
    local_network,
};

/// WebKit's message for each reason; the initiator changes nothing.
fn write(reason: &Reason, _: Initiator) -> Written<'_> {
    let (sentence, values) = match reason {
        Reason::DisallowedByMode => (&DISALLOWED_BY_MODE, vec![]),
        Reason::MissingAllowOrigin
        | Reason::MultipleAllowOriginValues { .. }
        | Reason::InvalidAllowOriginValue { .. }
        | Reason::AllowOriginMismatch { .. } => (&ORIGIN_NOT_ALLOWED, vec![]),
        Reason::WildcardOriginWithCredentials => (&WILDCARD_WITH_CREDENTIALS, vec![]),
        Reason::AllowCredentialsNotTrue { .. } => (&CREDENTIALS_NOT_TRUE, vec![]),
        Reason::PreflightStatusNotOk { .. } | Reason::PreflightRedirect { .. } => {
            (&PREFLIGHT_NOT_SUCCESSFUL, vec![])
        }
        Reason::InvalidAllowMethods { value } => (&INVALID_ALLOW_METHODS, vec![value.as_str()]),
        Reason::InvalidAllowHeaders { value } => (&INVALID_ALLOW_HEADERS, vec![value.as_str()]),
        Reason::MethodNotAllowed { method } => (&METHOD_NOT_ALLOWED, vec![method.as_str()]),
        Reason::HeaderNotAllowed { header } => (&HEADER_NOT_ALLOWED, vec![header.as_str()]),
        Reason::AuthorizationNotCoveredByWildcard => (&HEADER_NOT_ALLOWED, vec!["authorization"]),
        Reason::RedirectContainsCredentials { .. } => (&REDIRECT_DENIED, vec![]),
    };
    Written { sentence, values }
}

/// `<sentence> Status code: <status>` and, on a line of its own, `Fetch API cannot load <url>
/// due to access control checks.` (`XMLHttpRequest cannot load ...` for XHR).
fn line(block: &Block, sentence: &str) -> String {
    let api = match block.initiator {
        Initiator::Fetch => "Fetch API",
        Initiator::Xhr => "XMLHttpRequest",
    };
    let status = block.status.map(|s| format!(" Status code: {s}")).unwrap_or_default();
    format!("{sentence}{status}\n{api} cannot load {} {CORS_MARK}.", block.url)
}

/// WebKitGTK 2.50 stops no request for its address space
/// ([`Engine::local_network_access`](crate::Engine::local_network_access)) and no one reads its
/// console: the page's `TypeError` is all a block would show.
fn local_network(_: &str, _: &str, _: AddressSpace, _: LocalNetworkCause) -> String {
    TABLE.type_error.to_owned()
}
