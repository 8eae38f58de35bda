//! Each cross-origin fetch of a HAR judged by the oracle as the engine that recorded it: the
//! request the page made (without the headers the browser adds itself), the answers the HAR
//! recorded, and what the HAR itself says the browser did, to be compared.

use corsproof_oracle::{
    CredentialsMode, Engine, Exchange, NetworkError, Oracle, Origin, Outcome, Request, Response, Stage,
    Verdict, is_cors_safelisted_request_header, is_forbidden_request_header,
};

use crate::fetches::HarFetch;
use crate::model::{Entry, Har};

/// Which engine recorded a HAR, and what said so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorder {
    /// The engine.
    pub engine: Engine,
    /// What said so, for the report ("creator Firefox 128.0").
    pub evidence: String,
}

/// The engine that wrote `har`: Firefox names itself in `creator`; Chromium (`WebInspector`) and
/// Safari (`WebKit Web Inspector`) are told apart by the User-Agent their requests carry. `None`
/// when nothing says.
///
/// ```
/// use corsproof_har::{judge::recorder, read::read};
/// use corsproof_oracle::Engine;
///
/// let har = read(r#"{"log": {"creator": {"name": "Firefox", "version": "128.0"}, "entries": []}}"#).unwrap();
/// assert_eq!(recorder(&har).unwrap().engine, Engine::Firefox);
/// ```
pub fn recorder(har: &Har) -> Option<Recorder> {
    let creator = &har.log.creator;
    let named = |text: &str| {
        let lower = text.to_ascii_lowercase();
        if lower.contains("firefox") {
            Some(Engine::Firefox)
        } else if lower.contains("webkit") {
            Some(Engine::WebKit)
        } else if lower.contains("webinspector") || lower.contains("chrom") {
            Some(Engine::Chromium)
        } else {
            None
        }
    };
    let by_creator =
        named(&creator.name).or_else(|| har.log.browser.as_ref().and_then(|browser| named(&browser.name)));
    let user_agent = har.log.entries.iter().find_map(|entry| entry.request.header("user-agent"));
    let by_user_agent = user_agent.and_then(|agent| {
        if agent.contains("Firefox/") {
            Some(Engine::Firefox)
        } else if agent.contains("Chrome/") || agent.contains("Chromium/") || agent.contains("Edg/") {
            Some(Engine::Chromium)
        } else if agent.contains("AppleWebKit/") {
            Some(Engine::WebKit)
        } else {
            None
        }
    });
    let creator_words = format!("creator {} {}", creator.name, creator.version).trim().to_owned();
    match (by_creator, by_user_agent) {
        (Some(Engine::Firefox), _) => Some(Recorder { engine: Engine::Firefox, evidence: creator_words }),
        (_, Some(engine)) => Some(Recorder {
            engine,
            evidence: format!("{creator_words}, User-Agent {}", product(user_agent.unwrap_or_default())),
        }),
        (Some(engine), None) => Some(Recorder { engine, evidence: creator_words }),
        (None, None) => None,
    }
}

/// The browser's product token of a User-Agent (`Chrome/156.0.0.0`, `Firefox/128.0`,
/// `Version/18.2 Safari/605.1.15`), or the whole of it.
fn product(user_agent: &str) -> &str {
    for token in ["Edg/", "Chrome/", "Chromium/", "Firefox/", "Version/"] {
        if let Some(start) = user_agent.find(token) {
            let rest = &user_agent[start..];
            let end = if token == "Version/" { rest.len() } else { rest.find(' ').unwrap_or(rest.len()) };
            return &rest[..end];
        }
    }
    user_agent
}

/// What the HAR itself recorded of how the fetch ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// The last hop has a response (the developer tools keep one even when CORS denied it to the
    /// page).
    Response {
        /// Its status.
        status: u16,
    },
    /// The browser reported an error for the last hop (Chromium's `_error`), with or without a
    /// response.
    Failed {
        /// The error, `net::ERR_FAILED` for a CORS block.
        error: String,
        /// The status, 0 when no response was recorded.
        status: u16,
    },
    /// Status 0 and no error: no response recorded (Firefox writes this for a blocked request).
    NoResponse,
    /// Only the preflight is in the HAR: the browser never sent the request.
    NotSent,
}

impl Recorded {
    /// Whether the HAR shows the browser did not complete the fetch.
    pub fn shows_failure(&self) -> bool {
        !matches!(self, Recorded::Response { .. })
    }
}

/// Something about the HAR that the judgement had to work around, said in the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// The request needs a preflight and none is in the HAR: the browser's preflight cache
    /// answered, so the actual request is judged as the browser judged it, as covered.
    PreflightCached,
    /// A header named in the preflight's `Access-Control-Request-Headers` is not in the actual
    /// request's headers (a sanitized export removes `Authorization` and `Cookie`): judged as
    /// sent.
    HeaderOnlyInPreflight(String),
    /// A hop's response came from the browser's HTTP cache (`_fromCache`).
    FromCache(String),
    /// The request needs a preflight, and the engine that recorded the file does not record
    /// preflights (WebKit's Web Inspector): judged as if the preflight passed.
    PreflightNotRecorded,
    /// The entry at this index has the response's headers but status 0 (Chromium, for a response
    /// it refused): judged as a 200.
    StatusNotRecorded(usize),
    /// The file shows no cookie, but the browser failed a request the oracle allows unless it is
    /// credentialed: judged as `credentials: 'include'` (a page that asks for credentials and has
    /// no cookie sends none).
    CredentialsInferred,
    /// Allowed as recorded, but the same request with `credentials: 'include'` is blocked, with
    /// this console line: the file cannot show the credentials mode.
    BlockedIfCredentialed(String),
}

impl Note {
    /// The note in words.
    pub fn describe(&self) -> String {
        match self {
            Note::PreflightCached => {
                "no preflight in this HAR although the request needs one: the browser's \
                                      preflight cache answered for it, so the request is judged as covered"
                    .to_owned()
            }
            Note::HeaderOnlyInPreflight(name) => format!(
                "`{name}` is named by the preflight's Access-Control-Request-Headers but missing from the \
                 request's headers in this HAR (a sanitized export removes it): judged as sent"
            ),
            Note::FromCache(cache) => format!("the response came from the browser's {cache} cache"),
            Note::PreflightNotRecorded => {
                "the request needs a preflight, and WebKit's Web Inspector does not \
                                           list preflights: judged as if it passed"
                    .to_owned()
            }
            Note::StatusNotRecorded(entry) => format!(
                "entry {entry} has the response's headers but status 0 (the browser refused it): its \
                 headers are judged, as a 200"
            ),
            Note::CredentialsInferred => "the file shows no cookie, but the browser failed a request that \
                                          only a credentialed one fails: judged as credentials: 'include'"
                .to_owned(),
            Note::BlockedIfCredentialed(console) => format!(
                "if the page asked for credentials (credentials: 'include', withCredentials), the browser \
                 blocked it, which the file cannot show: {console}"
            ),
        }
    }
}

/// What the browser did with a fetch, as the oracle judges it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Did {
    /// The page got the response.
    Allowed,
    /// The preflight's answer refused the request; the request was not sent.
    BlockedAtPreflight,
    /// The response (or a redirect) was refused to the page.
    Blocked,
    /// A network error that is not a CORS decision.
    NetworkError,
    /// The browser failed it and the HAR has no response to judge (Chromium's
    /// `net::ERR_FAILED` with status 0, Firefox's status 0): the file does not say why.
    NoResponseRecorded,
}

impl Did {
    /// The words a report uses.
    pub fn describe(self) -> &'static str {
        match self {
            Did::Allowed => "allowed",
            Did::BlockedAtPreflight => "blocked at the preflight",
            Did::Blocked => "blocked",
            Did::NetworkError => "network error",
            Did::NoResponseRecorded => "failed, and the file recorded no response to say why",
        }
    }

    /// The JSON name.
    pub fn name(self) -> &'static str {
        match self {
            Did::Allowed => "allowed",
            Did::BlockedAtPreflight => "blocked-at-preflight",
            Did::Blocked => "blocked",
            Did::NetworkError => "network-error",
            Did::NoResponseRecorded => "no-response-recorded",
        }
    }
}

/// One fetch judged.
#[derive(Debug, Clone)]
pub struct Judgement {
    /// The entries it is made of.
    pub fetch: HarFetch,
    /// The page's method.
    pub method: String,
    /// The URL the page asked for.
    pub url: String,
    /// The headers the page set, as judged (the browser's own left out).
    pub headers: Vec<(String, String)>,
    /// Whether cookies went with it (a `Cookie` header or cookies in the HAR).
    pub credentials: bool,
    /// The oracle's verdict.
    pub verdict: Verdict,
    /// What the HAR recorded.
    pub recorded: Recorded,
    /// What had to be worked around.
    pub notes: Vec<Note>,
}

impl Judgement {
    /// What the browser did, by the oracle.
    pub fn did(&self) -> Did {
        match &self.verdict.outcome {
            Outcome::Allowed(_) | Outcome::Opaque | Outcome::OpaqueRedirect => Did::Allowed,
            Outcome::Blocked(block) if block.stage == Stage::Preflight => Did::BlockedAtPreflight,
            Outcome::Blocked(_) => Did::Blocked,
            Outcome::NetworkError(NetworkError::NoResponse) if self.recorded.shows_failure() => {
                Did::NoResponseRecorded
            }
            Outcome::NetworkError(_) => Did::NetworkError,
        }
    }

    /// Whether the HAR and the oracle disagree on whether the page got the response: the HAR
    /// shows a failure where the oracle allows it. (A HAR that recorded a response the oracle
    /// blocks is no disagreement: the developer tools keep responses denied to the page.)
    pub fn disagrees(&self) -> bool {
        self.recorded.shows_failure() && self.did() == Did::Allowed
    }

    /// Whether the page did not get the response, by the oracle or by the HAR.
    pub fn failed(&self) -> bool {
        self.did() != Did::Allowed || self.recorded.shows_failure()
    }
}

/// Headers the browser adds itself without the page asking, which must not count as the page's
/// (they would make a simple request look preflighted): HTTP/2 pseudo-headers, forbidden
/// request-headers (`sec-*`, `accept-encoding`, `cookie`, `origin`...), and the ones engines add
/// on their own (`user-agent`, Firefox's `priority`, the `cache-control`/`pragma` of a disabled
/// cache).
fn added_by_browser(name: &str, value: &str) -> bool {
    const ADDED: [&str; 6] =
        ["user-agent", "priority", "pragma", "cache-control", "upgrade-insecure-requests", "x-client-data"];
    name.starts_with(':')
        || is_forbidden_request_header(name.as_bytes(), value.as_bytes())
        || ADDED.iter().any(|added| added.eq_ignore_ascii_case(name))
}

/// Judges one fetch of `har` as `engine`.
pub fn judge(har: &Har, fetch: &HarFetch, engine: Engine) -> Judgement {
    let entries = &har.log.entries;
    let preflights: Vec<&Entry> = fetch.preflights.iter().map(|index| &entries[*index]).collect();
    let hops: Vec<&Entry> = fetch.hops.iter().map(|index| &entries[*index]).collect();
    let mut notes = Vec::new();
    let requested_headers: Vec<String> = preflights
        .first()
        .and_then(|preflight| preflight.request.header("access-control-request-headers"))
        .map(|list| {
            list.split(',')
                .map(|name| name.trim().to_ascii_lowercase())
                .filter(|name| !name.is_empty())
                .collect()
        })
        .unwrap_or_default();

    let (method, url, mut headers, credentials, initiator_xhr) = match hops.first() {
        Some(actual) => {
            let headers: Vec<(String, String)> = actual
                .request
                .headers
                .iter()
                .filter(|header| !added_by_browser(&header.name, &header.value))
                .filter(|header| {
                    // With a preflight on record, a header that needs one is the page's only when
                    // the preflight asked for it.
                    preflights.is_empty()
                        || is_cors_safelisted_request_header(header.name.as_bytes(), header.value.as_bytes())
                        || requested_headers.contains(&header.name.to_ascii_lowercase())
                })
                .map(|header| (header.name.clone(), header.value.clone()))
                .collect();
            let credentials = hops
                .iter()
                .any(|hop| hop.request.header("cookie").is_some() || !hop.request.cookies.is_empty());
            let xhr = actual.resource_type.as_deref() == Some("xhr");
            (actual.request.method.clone(), actual.request.url.clone(), headers, credentials, xhr)
        }
        None => {
            let preflight = preflights.first().map(|entry| &entry.request);
            let method = preflight
                .and_then(|request| request.header("access-control-request-method"))
                .unwrap_or("GET")
                .trim()
                .to_owned();
            let url = preflight.map(|request| request.url.clone()).unwrap_or_default();
            (method, url, Vec::new(), false, false)
        }
    };
    for name in &requested_headers {
        if !headers.iter().any(|(present, _)| present.eq_ignore_ascii_case(name)) {
            if !hops.is_empty() {
                notes.push(Note::HeaderOnlyInPreflight(name.clone()));
            }
            headers.push((name.clone(), String::new()));
        }
    }

    let build = |credentials: bool| {
        let mut request = if initiator_xhr {
            Request::xhr(&method, &url).with_credentials(credentials)
        } else {
            Request::fetch(&method, &url).credentials(if credentials {
                CredentialsMode::Include
            } else {
                CredentialsMode::SameOrigin
            })
        };
        for (name, value) in &headers {
            request = request.header(name.as_bytes(), value.as_bytes());
        }
        request
    };

    let mut exchange = Exchange::new();
    for preflight in &preflights {
        if preflight.response.status == 0 {
            break;
        }
        exchange = exchange.preflight(response_of(preflight));
    }
    for (position, hop) in hops.iter().enumerate() {
        if let Some(cache) = &hop.from_cache {
            notes.push(Note::FromCache(cache.clone()));
        }
        if hop.response.status == 0 {
            // Chromium records the headers of a response it refused, but status 0: the headers
            // decide a CORS check, so they are judged, as a 200 unless they redirect.
            if !hop.response.headers.is_empty() && hop.response.header("location").is_none() {
                notes.push(Note::StatusNotRecorded(fetch.hops[position]));
                exchange = exchange.response(Response { status: 200, ..response_of(hop) });
            }
            break;
        }
        exchange = exchange.response(response_of(hop));
    }

    let oracle = Oracle::new(engine);
    // Safari's export names itself apart from Chromium's `WebInspector`.
    let webkit_recorded = har.log.creator.name.to_ascii_lowercase().contains("webkit");
    let judge_with = |credentials: bool, notes: &mut Vec<Note>| {
        let mut request = build(credentials);
        let mut exchange = exchange.clone();
        let needs_preflight = oracle
            .plan(&fetch.page_origin, &request, &Default::default(), Default::default())
            .preflight
            .is_some();
        if !preflights.is_empty() && !needs_preflight {
            // The page forced one (an XHR upload listener): the standard's use-CORS-preflight
            // flag, set only then, since it also lets a preflight without a method list allow
            // the method.
            request.use_cors_preflight = true;
        }
        if preflights.is_empty() && !hops.is_empty() && needs_preflight {
            notes.push(if webkit_recorded { Note::PreflightNotRecorded } else { Note::PreflightCached });
            exchange.preflights.push_back(covering_preflight(&fetch.page_origin, &request));
        }
        oracle.judge_once(&fetch.page_origin, &request, &exchange)
    };
    let mut credentials = credentials;
    let mut verdict = judge_with(credentials, &mut notes);

    let recorded = match hops.last() {
        None => Recorded::NotSent,
        Some(last) => match (&last.response.error, last.response.status) {
            (Some(error), status) => Recorded::Failed { error: error.clone(), status },
            (None, 0) => Recorded::NoResponse,
            (None, status) => Recorded::Response { status },
        },
    };
    // A HAR shows no credentials mode, only the cookies that went: a page that asked for
    // credentials and had none looks uncredentialed, and would be allowed where the browser
    // refused it.
    // Only where the server shows it expects credentialed requests (it sends
    // `Access-Control-Allow-Credentials`): elsewhere nearly any answer would fail one.
    let server_expects_credentials = preflights
        .iter()
        .chain(&hops)
        .any(|entry| entry.response.header("access-control-allow-credentials").is_some());
    if verdict.is_allowed() && !credentials && server_expects_credentials {
        let credentialed = judge_with(true, &mut Vec::new());
        if let Some(block) = credentialed.block() {
            if recorded.shows_failure() {
                notes.push(Note::CredentialsInferred);
                credentials = true;
                verdict = credentialed;
            } else {
                notes.push(Note::BlockedIfCredentialed(block.console_message(engine)));
            }
        }
    }
    notes.dedup();
    Judgement { fetch: fetch.clone(), method, url, headers, credentials, verdict, recorded, notes }
}

/// An entry's response as the oracle reads it.
fn response_of(entry: &Entry) -> Response {
    Response::new(entry.response.status).headers(
        entry.response.headers.iter().map(|header| (header.name.as_bytes(), header.value.as_bytes())),
    )
}

/// What the browser's preflight cache held for a request it sent without preflighting: an
/// answer that allowed exactly this request. Only the oracle sees it; the report says the
/// preflight was cached, and shows none.
fn covering_preflight(page: &Origin, request: &Request) -> Response {
    let names: Vec<String> = request
        .headers
        .iter()
        .map(|header| String::from_utf8_lossy(&header.name).to_ascii_lowercase())
        .collect();
    let mut response = Response::new(204)
        .header("Access-Control-Allow-Origin", page.serialize())
        .header("Access-Control-Allow-Methods", request.method.clone());
    if !names.is_empty() {
        response = response.header("Access-Control-Allow-Headers", names.join(", "));
    }
    if request.credentials == CredentialsMode::Include {
        response = response.header("Access-Control-Allow-Credentials", "true");
    }
    response
}
