//! WebKit's console, as WebKitGTK 2.50 prints it and the runner reads it through the remote
//! Web Inspector. For a blocked request WebKit prints the reason's sentence (source
//! `security`, from `CrossOriginAccessControl.cpp`, `CrossOriginPreflightChecker.cpp` and
//! `DocumentThreadableLoader.cpp` in Source/WebCore/loader/), then `Fetch API cannot load <url>
//! due to access control checks.` (`XMLHttpRequest cannot load ...` for XHR), then, naming the
//! request's URL, `Failed to load resource: <the sentence>`. The runner attributes the sentence
//! to its request through that last line ([`ConsoleTable::block_echo`]) and reads the first two
//! lines as the reason, as the oracle writes them.

use super::{ConsoleTable, Sentence, Written};
use crate::address_space::{AddressSpace, LocalNetworkCause};
use crate::console::ReasonClass;
use crate::reason::{Block, Reason};
use crate::request::Initiator;

/// The words of every WebKit block line: WebKit says them of every load its access checks
/// refused (the CORS checks, and also a redirect loop, a redirect in `redirect: 'error'` mode
/// and mixed content, whose sentences read as [`ReasonClass::Other`]).
const CORS_MARK: &str = "due to access control checks";

/// The words WebKit puts before the sentence when it repeats it with the request's URL.
const ECHO: &str = "Failed to load resource: ";

/// Where the page's origin goes in a template; the line around the sentence puts it there.
const ORIGIN: &str = "{origin}";
/// Where the refused URL goes in a template.
const URL: &str = "{url}";

/// `passesAccessControlCheck`: a missing ACAO, an invalid one and another origin's alike
/// (`Origin null` from an opaque origin), followed by the status.
const ORIGIN_NOT_ALLOWED: Sentence = Sentence::written(
    ReasonClass::AllowOriginMismatch,
    "is not allowed by Access-Control-Allow-Origin",
    "Origin {origin} is not allowed by Access-Control-Allow-Origin.",
);
/// `passesAccessControlCheck`: an ACAO with a comma.
const MULTIPLE_ORIGINS: Sentence = Sentence::written(
    ReasonClass::MultipleAllowOrigin,
    "Access-Control-Allow-Origin cannot contain more than one origin",
    "Access-Control-Allow-Origin cannot contain more than one origin.",
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
/// `CrossOriginPreflightChecker::validatePreflightResponse`, followed by the status; WebKit
/// also says it of a redirected preflight (`Status code: 301`).
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
/// The method as the page wrote it (`Method patch is not allowed ...`).
const METHOD_NOT_ALLOWED: Sentence = Sentence::written(
    ReasonClass::MethodNotAllowed,
    "is not allowed by Access-Control-Allow-Methods",
    "Method {} is not allowed by Access-Control-Allow-Methods.",
)
.preflight_only();
/// The header name as the page wrote it (`Request header field X-Custom ...`); the oracle
/// knows it lower-cased.
const HEADER_NOT_ALLOWED: Sentence = Sentence::written(
    ReasonClass::HeaderNotAllowed,
    "is not allowed by Access-Control-Allow-Headers",
    "Request header field {} is not allowed by Access-Control-Allow-Headers.",
)
.preflight_only();
/// A redirect CORS refuses: `Cross-origin redirection to <url> denied by Cross-Origin Resource
/// Sharing policy: redirection URL <url> has credentials` (or `... with non CORS scheme`). A
/// redirect whose own response fails the CORS check is worded `Cross-origin redirection to
/// <url> denied by Cross-Origin Resource Sharing policy: Origin ... is not allowed by
/// Access-Control-Allow-Origin. Status code: 302`, which reads as the origin sentence first.
const REDIRECT_DENIED: Sentence = Sentence::written(
    ReasonClass::RedirectNotAllowed,
    "denied by Cross-Origin Resource Sharing policy",
    "Cross-origin redirection to {url} denied by Cross-Origin Resource Sharing policy: redirection URL {url} has credentials",
);
/// A `same-origin` mode request redirected to another origin.
const DISALLOWED_BY_MODE: Sentence = Sentence::written(
    ReasonClass::Other,
    "Domains, protocols and ports must match",
    "Unsafe attempt to load URL {url} from origin {origin}. Domains, protocols and ports must match.",
);

/// WebKit's console.
pub(super) static TABLE: ConsoleTable = ConsoleTable {
    cors_mark: CORS_MARK,
    network_failure: None,
    block_echo: Some(ECHO),
    preflight_markers: &[],
    names_the_step: false,
    typographic_quotes: false,
    type_error: "TypeError: Load failed",
    sentences: &[
        ORIGIN_NOT_ALLOWED,
        MULTIPLE_ORIGINS,
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
        | Reason::InvalidAllowOriginValue { .. }
        | Reason::AllowOriginMismatch { .. } => (&ORIGIN_NOT_ALLOWED, vec![]),
        Reason::MultipleAllowOriginValues { .. } => (&MULTIPLE_ORIGINS, vec![]),
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

/// The whole line WebKit prints for `block`, from the reason's `sentence`:
/// - a refused header is quoted as the page wrote it ([`Block::header_as_written`]);
/// - `Origin <origin>` is the request's serialized origin, `null` once a redirect tainted it
///   (the page's origin in a mode's refusal, which WebKit words from the document);
/// - ` Status code: <status>` follows the two sentences WebKit adds it to;
/// - a refused redirect is named first: `Cross-origin redirection to <location> denied by
///   Cross-Origin Resource Sharing policy: <sentence>` (a redirect carrying credentials is named
///   without them, then with them);
/// - on a line of its own, `Fetch API cannot load <url> due to access control checks.`
///   (`XMLHttpRequest cannot load ...` for XHR), of the URL whose response was refused.
fn line(block: &Block, sentence: &str) -> String {
    let api = match block.initiator {
        Initiator::Fetch => "Fetch API",
        Initiator::Xhr => "XMLHttpRequest",
    };
    let sentence = match (&block.reason, &block.header_as_written) {
        (Reason::HeaderNotAllowed { .. } | Reason::AuthorizationNotCoveredByWildcard, Some(name)) => {
            Written { sentence: &HEADER_NOT_ALLOWED, values: vec![name.as_str()] }.text()
        }
        _ => sentence.to_owned(),
    };
    let with_status =
        [ORIGIN_NOT_ALLOWED.key, PREFLIGHT_NOT_SUCCESSFUL.key].iter().any(|key| sentence.contains(key));
    let status =
        block.status.filter(|_| with_status).map(|s| format!(" Status code: {s}")).unwrap_or_default();
    let origin =
        if block.reason == Reason::DisallowedByMode { &block.page_origin } else { &block.policy.origin };
    let sentence = match &block.reason {
        Reason::RedirectContainsCredentials { location } => {
            sentence.replacen(URL, &without_credentials(location), 1).replace(URL, location)
        }
        _ => sentence.replace(ORIGIN, origin).replace(URL, &block.url),
    };
    let sentence = match &block.redirect_location {
        Some(location) if !matches!(block.reason, Reason::RedirectContainsCredentials { .. }) => format!(
            "Cross-origin redirection to {location} denied by Cross-Origin Resource Sharing policy: {sentence}{status}"
        ),
        _ => format!("{sentence}{status}"),
    };
    format!("{sentence}\n{api} cannot load {} {CORS_MARK}.", block.url)
}

/// A serialized URL without its `user:password@`, as WebKit first names a redirect that
/// carries credentials.
fn without_credentials(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => url.to_owned(),
    }
}

/// WebKitGTK 2.50 stops no request for its address space
/// ([`Engine::local_network_access`](crate::Engine::local_network_access)): it has no line for
/// such a block, and the page's `TypeError` is all one would show.
fn local_network(_: &str, _: &str, _: AddressSpace, _: LocalNetworkCause) -> String {
    TABLE.type_error.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reason::Stage;
    use crate::{Engine, Exchange, Oracle, Origin, Request, Response};

    /// A block for `reason` on `stage`'s response, after a redirect from `start` to `moved`.
    fn block(reason: Reason, stage: Stage, status: u16) -> Block {
        let page: Origin = "http://app.test:8000".parse().expect("an origin");
        let request = Request::get("http://api.test:9000/t/a/start");
        let verdict =
            Oracle::new(Engine::WebKit).judge_once(&page, &request, &Exchange::single(Response::new(200)));
        let judged = verdict.block().expect("no ACAO blocks").clone();
        Block { reason, stage, status: Some(status), url: "http://api.test:9000/t/a/moved".into(), ..judged }
    }

    /// The lines as WebKitGTK 2.50 printed them through its inspector (ports shortened).
    #[test]
    fn the_oracle_writes_what_webkit_printed() {
        let missing = block(Reason::MissingAllowOrigin, Stage::Response, 200);
        assert_eq!(
            missing.console_message(Engine::WebKit),
            "Origin http://app.test:8000 is not allowed by Access-Control-Allow-Origin. Status code: 200\n\
             Fetch API cannot load http://api.test:9000/t/a/moved due to access control checks."
        );
        let preflight = block(Reason::PreflightStatusNotOk { status: 404 }, Stage::Preflight, 404);
        assert!(
            preflight
                .console_message(Engine::WebKit)
                .starts_with("Preflight response is not successful. Status code: 404\n")
        );
        let credentials = block(Reason::AllowCredentialsNotTrue { value: None }, Stage::Response, 200);
        assert!(credentials.console_message(Engine::WebKit).starts_with(
            "Credentials flag is true, but Access-Control-Allow-Credentials is not \"true\".\n"
        ));
        let mode = block(Reason::DisallowedByMode, Stage::Response, 302);
        assert_eq!(
            mode.console_message(Engine::WebKit),
            "Unsafe attempt to load URL http://api.test:9000/t/a/moved from origin http://app.test:8000. Domains, \
             protocols and ports must match.\n\
             Fetch API cannot load http://api.test:9000/t/a/moved due to access control checks."
        );
    }

    /// WebKit's line for a judged request: the oracle's verdict, worded by WebKit's table.
    fn judged_line(request: &Request, exchange: &Exchange) -> String {
        let page: Origin = "http://app.test:8000".parse().expect("an origin");
        let verdict = Oracle::new(Engine::WebKit).judge_once(&page, request, exchange);
        verdict.block().expect("a block").console_message(Engine::WebKit)
    }

    /// As WebKitGTK 2.50 printed them for the corpus's preflight and redirect scenarios.
    #[test]
    fn webkit_names_the_header_as_written_the_tainted_origin_and_the_refused_redirect() {
        let header = Request::get("http://api.test:9000/t/a/data").header("X-Custom", "1");
        let allowed = Response::new(204).header("Access-Control-Allow-Origin", "http://app.test:8000");
        assert_eq!(
            judged_line(&header, &Exchange::preflighted(allowed, Response::new(200))),
            "Request header field X-Custom is not allowed by Access-Control-Allow-Headers.\n\
             Fetch API cannot load http://api.test:9000/t/a/data due to access control checks."
        );

        let start = Request::get("http://api.test:9000/t/a/start");
        let hop = Response::new(302)
            .header("Access-Control-Allow-Origin", "*")
            .header("Location", "http://evil.test:9001/t/a/moved");
        assert_eq!(
            judged_line(&start, &Exchange::single(hop).response(Response::new(200))),
            "Origin null is not allowed by Access-Control-Allow-Origin. Status code: 200\n\
             Fetch API cannot load http://evil.test:9001/t/a/moved due to access control checks.",
            "after a cross-origin redirect: the tainted origin, and the URL refused"
        );

        let refused_hop = Response::new(302).header("Location", "http://api.test:9000/t/a/moved");
        assert_eq!(
            judged_line(&start, &Exchange::single(refused_hop)),
            "Cross-origin redirection to http://api.test:9000/t/a/moved denied by Cross-Origin Resource \
             Sharing policy: Origin http://app.test:8000 is not allowed by Access-Control-Allow-Origin. \
             Status code: 302\n\
             Fetch API cannot load http://api.test:9000/t/a/start due to access control checks."
        );

        let userinfo = Response::new(302)
            .header("Access-Control-Allow-Origin", "http://app.test:8000")
            .header("Location", "http://user:pass@api.test:9000/t/a/moved");
        assert_eq!(
            judged_line(&start, &Exchange::single(userinfo)),
            "Cross-origin redirection to http://api.test:9000/t/a/moved denied by Cross-Origin Resource \
             Sharing policy: redirection URL http://user:pass@api.test:9000/t/a/moved has credentials\n\
             Fetch API cannot load http://api.test:9000/t/a/start due to access control checks."
        );
    }

    #[test]
    fn webkit_lines_read_as_their_class() {
        let read = |line: &str| TABLE.read(line).map(|reading| reading.class);
        let origin = "Origin null is not allowed by Access-Control-Allow-Origin. Status code: 200\n\
                      Fetch API cannot load {api}/t/{token1}/data due to access control checks.";
        assert_eq!(read(origin), Some(ReasonClass::AllowOriginMismatch));
        let hop = "Cross-origin redirection to {api}/t/{token1}/moved denied by Cross-Origin Resource Sharing \
                   policy: Origin {app} is not allowed by Access-Control-Allow-Origin. Status code: 302\n\
                   Fetch API cannot load {api}/t/{token1}/start due to access control checks.";
        assert_eq!(read(hop), Some(ReasonClass::AllowOriginMismatch));
        let scheme = "Cross-origin redirection to data:text/plain,hello denied by Cross-Origin Resource Sharing \
                      policy: not allowed to follow a cross-origin CORS redirection with non CORS scheme\n\
                      Fetch API cannot load {api}/t/{token1}/start due to access control checks.";
        assert_eq!(read(scheme), Some(ReasonClass::RedirectNotAllowed));
        let lists = "Access-Control-Allow-Origin cannot contain more than one origin.\n\
                     Fetch API cannot load {api}/t/{token1}/data due to access control checks.";
        assert_eq!(read(lists), Some(ReasonClass::MultipleAllowOrigin));
        assert_eq!(read("Fetch API cannot load {api}/t/{token1}/data."), None, "not a block");
    }
}
