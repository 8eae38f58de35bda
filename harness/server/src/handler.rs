//! One request in, one reply out: routing, journaling and playing a [`Behaviour`](corsproof_behaviour::Behaviour).
//!
//! Paths that start with `/_` belong to corsproof itself (the page, its script, the journal) and
//! are not journaled. Every other path is a mock resource: its behaviour is the one scripted for
//! its token, or else the one its query describes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;

use corsproof_behaviour::vocabulary::{self, VocabularyError};
use corsproof_behaviour::{Listener, NamedOrigin};

use crate::journal::{Journal, Record};
use crate::journal_access::JournalAccess;
use crate::wire::{WireBehaviour, WireReply};

/// The blank page a browser loads to be "at" an origin.
pub const PAGE_PATH: &str = "/_page";
/// The page's query that sandboxes it (`/_page?sandbox`): its origin is then opaque, so its requests say
/// `Origin: null`, as a sandboxed iframe's or a `data:` page's do.
pub const SANDBOX_QUERY: &str = "sandbox";
/// The page's query that declares it public (`/_page?public`, `/_page?sandbox&public`): served
/// with `Content-Security-Policy: treat-as-public-address` (the Local Network Access draft's
/// directive), a page on a loopback listener asks to be judged as a page on the internet.
pub const PUBLIC_QUERY: &str = "public";
/// The script the page loads: `window.corsproof.run(requests)`.
pub const SCRIPT_PATH: &str = "/_corsproof.js";
/// `GET /_journal/<token>`: the journal entries of a token, as JSON, to same-origin readers
/// (see `ServerConfig::journal_over_http`).
pub const JOURNAL_PREFIX: &str = "/_journal/";
/// Mock resources whose path starts with this carry a token next: `/t/<token>/...`.
pub const TOKEN_PREFIX: &str = "/t/";

const PAGE_HTML: &str = include_str!("../assets/page.html");
/// Where [`PAGE_HTML`] carries the journal key (see [`JournalAccess`]).
const PAGE_KEY_SLOT: &str = "{journal-key}";
const SCRIPT_JS: &str = include_str!("../assets/corsproof.js");

/// Request bodies are counted, not kept; past this many bytes the rest is not even read.
const MAX_COUNTED_BODY: u64 = 64 * 1024 * 1024;

/// The reply asked for a closed connection; hyper drops the connection when a service fails.
#[derive(Debug, thiserror::Error)]
#[error("the scripted reply closes the connection without an answer")]
pub struct CloseConnection;

/// What every connection shares: the journal, the scripts, the origin table.
#[derive(Debug)]
pub struct State {
    pub journal: Journal,
    pub journal_access: JournalAccess,
    /// [`PAGE_PATH`]'s HTML, made once: it carries the journal key.
    pub page: Bytes,
    pub scripts: RwLock<HashMap<String, Arc<WireBehaviour>>>,
    pub origins: Vec<NamedOrigin>,
    pub parsed_queries: QueryCache,
}

/// Parsed and compiled queries by their text. Pages and load tests send the same few queries again and again
/// (only the token in the path changes), so each is parsed once. Looked up on every request, so
/// hashed with foldhash (seeded per process) rather than SipHash.
#[derive(Debug, Default)]
pub struct QueryCache {
    parsed: Mutex<QueryMap>,
}

type QueryMap = HashMap<Box<str>, Parsed, foldhash::fast::RandomState>;

type Parsed = Result<Arc<WireBehaviour>, VocabularyError>;

impl QueryCache {
    /// More distinct queries than this and the cache starts over, so memory stays bounded.
    const CAPACITY: usize = 4096;

    fn parse(&self, query: &str) -> Parsed {
        if let Some(parsed) = self.lock().get(query) {
            return parsed.clone();
        }
        let parsed = vocabulary::parse(query).map(|behaviour| Arc::new(WireBehaviour::compile(&behaviour)));
        let mut cache = self.lock();
        if cache.len() >= Self::CAPACITY {
            cache.clear();
        }
        cache.insert(query.into(), parsed.clone());
        parsed
    }

    fn lock(&self) -> MutexGuard<'_, QueryMap> {
        self.parsed.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A request head as the handler reads it, whichever HTTP implementation parsed it: hyper's
/// [`http::request::Parts`], or the plain listeners' HTTP/1.1 fast path (`crate::h1`).
pub(crate) trait RequestHead {
    /// The path, without the query.
    fn path(&self) -> &str;
    /// The query, without the `?`.
    fn query(&self) -> Option<&str>;
    /// Whether it is a CORS preflight: `OPTIONS` with `Access-Control-Request-Method`.
    fn is_preflight(&self) -> bool;
    /// The journal's record of this head, before its body is counted.
    fn record(&self, listener: Listener, preflight: bool, received_unix_ms: u64) -> Record;
}

impl RequestHead for http::request::Parts {
    fn path(&self) -> &str {
        self.uri.path()
    }

    fn query(&self) -> Option<&str> {
        self.uri.query()
    }

    fn is_preflight(&self) -> bool {
        self.method == Method::OPTIONS && self.headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
    }

    fn record(&self, listener: Listener, preflight: bool, received_unix_ms: u64) -> Record {
        Record::new(
            listener,
            preflight,
            received_unix_ms,
            &self.method,
            &self.uri,
            self.version,
            &self.headers,
        )
    }
}

/// What a request is for, known from its head alone, before anything is journaled: a caller
/// that cannot send the answer it leads to can still pass the request on untouched.
#[derive(Debug)]
pub(crate) enum Resolved<'a> {
    /// One of corsproof's own paths, answered as it is and not journaled.
    Internal(Response<Bytes>),
    /// A mock resource, answered by [`play`].
    Mock(Mock<'a>),
}

/// A mock resource's request: its token and the behaviour it is answered with.
#[derive(Debug)]
pub(crate) struct Mock<'a> {
    token: Option<&'a str>,
    preflight: bool,
    behaviour: Parsed,
}

impl Mock<'_> {
    /// The reply to send; `None` when the query does not parse (answered with a 400 that says why).
    pub(crate) fn reply(&self) -> Option<&WireReply> {
        self.behaviour.as_ref().ok().map(|behaviour| behaviour.reply_for(self.preflight))
    }
}

/// What [`play`] ended with, for its caller to send.
#[derive(Debug)]
pub(crate) enum Played<'m> {
    /// The behaviour's reply, for the caller to send with the request's Origin.
    Reply(&'m WireReply),
    /// A response of its own (a query that does not parse).
    Response(Response<Bytes>),
}

/// Answers one request that arrived on `listener`.
pub async fn handle(
    state: Arc<State>,
    listener: Listener,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, CloseConnection> {
    let (parts, body) = request.into_parts();
    let mock = match resolve(&state, &parts) {
        Resolved::Internal(response) => return Ok(response.map(Full::new)),
        Resolved::Mock(mock) => mock,
    };
    Ok(match play(&state, listener, &parts, &mock, unix_ms(SystemTime::now()), count_body(body)).await? {
        Played::Reply(reply) => reply.response(parts.headers.get(header::ORIGIN)),
        Played::Response(response) => response.map(Full::new),
    })
}

/// Routes a request by its head: corsproof's own paths, or a mock resource and its behaviour
/// (the one scripted for its token, else the one its query describes).
pub(crate) fn resolve<'a>(state: &State, request: &'a impl RequestHead) -> Resolved<'a> {
    let path = request.path();
    if let Some(internal) = internal_response(state, path, request.query()) {
        return Resolved::Internal(internal);
    }
    let token = path
        .strip_prefix(TOKEN_PREFIX)
        .and_then(|rest| rest.split('/').next())
        .filter(|token| !token.is_empty());
    let scripted = token.and_then(|token| {
        let scripts = state.scripts.read().unwrap_or_else(|p| p.into_inner());
        scripts.get(token).cloned()
    });
    let behaviour = match scripted {
        Some(behaviour) => Ok(behaviour),
        None => state.parsed_queries.parse(request.query().unwrap_or("")),
    };
    Resolved::Mock(Mock { token, preflight: request.is_preflight(), behaviour })
}

/// The page's HTML, carrying the journal key a sandboxed page shows to read the journal.
pub(crate) fn page_html(access: &JournalAccess) -> Bytes {
    Bytes::from(PAGE_HTML.replace(PAGE_KEY_SLOT, access.page_key()))
}

/// Milliseconds since the Unix epoch (0 before it).
pub(crate) fn unix_ms(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |since| since.as_millis() as u64)
}

/// Plays a mock resource's behaviour: journals the request (which arrived at `received_unix_ms`)
/// once its body (`body_size`) is counted, waits the reply's delay, and answers, or closes the
/// connection if the reply says so.
pub(crate) async fn play<'m>(
    state: &State,
    listener: Listener,
    request: &impl RequestHead,
    mock: &'m Mock<'_>,
    received_unix_ms: u64,
    body_size: impl Future<Output = u64>,
) -> Result<Played<'m>, CloseConnection> {
    let record = request.record(listener, mock.preflight, received_unix_ms);
    let body_size = body_size.await;
    state.journal.record(mock.token, record.with_body_size(body_size));

    let behaviour = match &mock.behaviour {
        Ok(behaviour) => behaviour,
        Err(error) => return Ok(Played::Response(plain(StatusCode::BAD_REQUEST, error.help_text()))),
    };
    let reply = behaviour.reply_for(mock.preflight);
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    if reply.close {
        return Err(CloseConnection);
    }
    Ok(Played::Reply(reply))
}

/// The page, the script, the journal and the index; `None` for mock resources.
fn internal_response(state: &State, path: &str, query: Option<&str>) -> Option<Response<Bytes>> {
    let response = if path == PAGE_PATH {
        let mut response = with_type(Response::new(state.page.clone()), "text/html; charset=utf-8");
        // It carries this run's journal key, which a cached copy from an earlier server lacks.
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        let words: Vec<&str> = query.map(|query| query.split('&').collect()).unwrap_or_default();
        let policy = match (words.contains(&SANDBOX_QUERY), words.contains(&PUBLIC_QUERY)) {
            (true, true) => Some("sandbox allow-scripts; treat-as-public-address"),
            (true, false) => Some("sandbox allow-scripts"),
            (false, true) => Some("treat-as-public-address"),
            (false, false) => None,
        };
        if let Some(policy) = policy {
            response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(policy));
        }
        response
    } else if path == SCRIPT_PATH {
        with_type(Response::new(Bytes::from_static(SCRIPT_JS.as_bytes())), "text/javascript; charset=utf-8")
    } else if let Some(token) = path.strip_prefix(JOURNAL_PREFIX) {
        state.journal_access.answer(&state.journal, token, query)
    } else if path == "/" && query.is_none() {
        plain(StatusCode::OK, index_text(&state.origins, &state.journal_access))
    } else {
        return None;
    };
    Some(response)
}

fn index_text(origins: &[NamedOrigin], journal_access: &JournalAccess) -> String {
    let reading = match journal_access {
        JournalAccess::Served { .. } => "GET /_journal/<token>",
        JournalAccess::Off => "not served over HTTP (corsproof serve --journal-over-http)",
    };
    let mut text = format!(
        "corsproof mock origins\n\nAny other path answers as its query says, for example\n  \
         /echo?acao=origin&acac=true&status=500\nand is journaled; /t/<token>/... paths are \
         journaled by token: {reading}.\n\nOrigins:\n",
    );
    for origin in origins {
        text.push_str(&format!("  {:<12} {}\n", origin.name, origin.url()));
    }
    text.push('\n');
    text.push_str(&vocabulary::reference());
    text
}

/// Reads the body to its end (or to [`MAX_COUNTED_BODY`]), keeping only its length.
async fn count_body(mut body: Incoming) -> u64 {
    let mut size = 0u64;
    while size < MAX_COUNTED_BODY {
        match body.frame().await {
            Some(Ok(frame)) => size += frame.data_ref().map_or(0, |data| data.len() as u64),
            Some(Err(_)) | None => break,
        }
    }
    size
}

pub(crate) fn plain(status: StatusCode, text: String) -> Response<Bytes> {
    let mut response = with_type(Response::new(Bytes::from(text)), "text/plain; charset=utf-8");
    *response.status_mut() = status;
    response
}

pub(crate) fn with_type(mut response: Response<Bytes>, content_type: &'static str) -> Response<Bytes> {
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}
