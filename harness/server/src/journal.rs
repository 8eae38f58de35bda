//! The request journal: every request a mock origin receives, findable by the token in its path.
//!
//! A browser hides much of what it did: whether it sent a preflight, whether a request it blocked
//! still reached the server, which Origin it sent after a redirect. The journal is the server's
//! side of the story. Requests carry a token in their path (`/t/<token>/...`) so that concurrent
//! requests never mix; requests without one are kept too, in a smaller ring.
//!
//! Every request is recorded, so recording is cheap: a request's text is copied into one buffer
//! (a `Record`), and only turned into an [`Entry`] when someone reads the journal.
//!
//! The journal is bounded in entries and in bytes, so that a flood of requests (or of large
//! heads) cannot grow the server without end. What it forgets is chosen so that a running
//! scenario never reads a journal that changed under it: the tokens written to longest ago go
//! first, each whole; a token is trimmed (its oldest requests first) only when it alone is over
//! the budget. Requests without a token have a tenth of the budget to themselves, so junk cannot
//! push out the scenarios' requests.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::mem::size_of;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use corsproof_behaviour::Listener;
use http::{HeaderMap, Method, Uri, Version};
use serde::Serialize;
use tokio::sync::Notify;

/// How many entries the journal keeps before it forgets the oldest tokens.
pub const DEFAULT_CAPACITY: usize = 100_000;

/// How many bytes the journal holds before it forgets the oldest tokens: 64 MiB.
pub const DEFAULT_MAX_BYTES: usize = 64 * 1024 * 1024;

/// One request as the server received it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// Arrival order across the whole server, from 1.
    pub seq: u64,
    /// The token of a `/t/<token>/...` path.
    pub token: Option<String>,
    /// The listener that accepted it (`http-a`, `http-b`, `https`); `None` for a request the
    /// routing proxy passed on to your own server (`--target`), whose answer is [`Entry::answer`].
    pub listener: Option<Listener>,
    /// `http` or `https`.
    pub scheme: &'static str,
    /// `HTTP/1.0`, `HTTP/1.1` or `HTTP/2`.
    pub version: &'static str,
    /// The method, byte for byte (`patch` stays `patch`).
    pub method: String,
    /// The host and port the request was for: the URI's authority (HTTP/2) or `Host` (HTTP/1).
    pub authority: Option<String>,
    /// The path, without the query.
    pub path: String,
    /// The query, without the `?`.
    pub query: Option<String>,
    /// Every header as (lower-case name, value), in the order received.
    pub headers: Vec<(String, String)>,
    /// The size of the request body in bytes.
    pub body_size: u64,
    /// Milliseconds since the Unix epoch when the request's head arrived.
    pub received_unix_ms: u64,
    /// Whether it was a CORS preflight: `OPTIONS` with `Access-Control-Request-Method`.
    pub preflight: bool,
    /// What your own server answered, for a request the proxy passed on to it: the mock
    /// origins' answers are their behaviours, so they are not recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer: Option<TargetAnswer>,
}

/// What your own server (`--target`) answered a request the routing proxy passed on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TargetAnswer {
    /// A response.
    Response {
        /// Its status.
        status: u16,
        /// Every header, as (lower-case name, value), in the order received.
        headers: Vec<(String, String)>,
    },
    /// No response: why, in words (the connection was refused, closed, or took too long).
    Failed(String),
}

impl TargetAnswer {
    /// The bytes it holds, itself and on the heap.
    fn footprint(&self) -> usize {
        size_of::<Self>()
            + match self {
                TargetAnswer::Response { headers, .. } => {
                    headers.capacity() * size_of::<(String, String)>()
                        + headers
                            .iter()
                            .map(|(name, value)| name.capacity() + value.capacity())
                            .sum::<usize>()
                }
                TargetAnswer::Failed(why) => why.capacity(),
            }
    }
}

impl Entry {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The `Origin` the browser sent, if any.
    pub fn origin(&self) -> Option<&str> {
        self.header("origin")
    }
}

/// A shared, bounded, queryable record of requests. Cloning shares it.
#[derive(Debug, Clone)]
pub struct Journal {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    inner: Mutex<Inner>,
    recorded: Notify,
    /// What requests with a token may hold: the budget less the untokened share.
    tokened: Budget,
    /// What requests without a token may hold: a tenth of the budget.
    untokened: Budget,
}

/// How much one part of the journal may hold.
#[derive(Debug, Clone, Copy)]
struct Budget {
    entries: usize,
    bytes: usize,
}

/// How much one part of the journal holds.
#[derive(Debug, Clone, Copy, Default)]
struct Usage {
    entries: usize,
    bytes: usize,
}

impl Usage {
    fn exceeds(self, budget: Budget) -> bool {
        self.entries > budget.entries || self.bytes > budget.bytes
    }
}

#[derive(Debug, Default)]
struct Inner {
    next_seq: u64,
    by_token: HashMap<Arc<str>, TokenRecords>,
    /// Each token under the `seq` of its latest request: the first is the token written to
    /// longest ago, the first forgotten. A running scenario's tokens are the latest written.
    by_last_write: BTreeMap<u64, Arc<str>>,
    tokened: Usage,
    untokened: VecDeque<Record>,
    untokened_usage: Usage,
    /// Requests too large for their share of the budget, not kept.
    not_kept: u64,
}

/// The requests of one token, oldest first.
#[derive(Debug)]
struct TokenRecords {
    /// The token, shared with both maps' entries so that recording allocates no name.
    name: Arc<str>,
    records: VecDeque<Record>,
    /// The `seq` of the latest, its key in [`Inner::by_last_write`].
    last_seq: u64,
    /// What the token holds, its own bookkeeping included.
    bytes: usize,
    /// Whether its oldest requests were forgotten because it alone was over the budget (said
    /// once in the log, not on every request).
    trimmed: bool,
}

/// The bytes a token costs besides its requests: its name (one allocation, with its two
/// reference counts) and its place in both maps.
fn token_footprint(token: &str) -> usize {
    token.len()
        + 2 * size_of::<usize>()
        + size_of::<(Arc<str>, TokenRecords)>()
        + size_of::<(u64, Arc<str>)>()
}

/// One request as the journal keeps it until it is read.
#[derive(Debug)]
pub(crate) struct Record {
    seq: u64,
    /// `None` for a request passed on to your own server.
    listener: Option<Listener>,
    /// `http` or `https`, as the client sent it.
    scheme: &'static str,
    answer: Option<Box<TargetAnswer>>,
    version: &'static str,
    preflight: bool,
    body_size: u64,
    received_unix_ms: u64,
    /// The method, authority, path, query, then each header's name and value, each as its
    /// length (4 bytes, little-endian; [`ABSENT`] for a missing authority or query) and its bytes.
    text: Box<[u8]>,
}

/// The length that marks a missing authority or query in [`Record::text`].
const ABSENT: u32 = u32::MAX;

/// Appends one field to a [`Record::text`]. Request heads are limited to far less than 4 GiB, so a
/// length always fits.
fn put_field(text: &mut Vec<u8>, field: Option<&[u8]>) {
    match field.and_then(|bytes| Some((u32::try_from(bytes.len()).ok()?, bytes))) {
        Some((length, bytes)) => {
            text.extend_from_slice(&length.to_le_bytes());
            text.extend_from_slice(bytes);
        }
        None => text.extend_from_slice(&ABSENT.to_le_bytes()),
    }
}

impl Record {
    /// A request that arrived on `listener` at `received_unix_ms`, before its body was counted.
    pub(crate) fn new(
        listener: Listener,
        preflight: bool,
        received_unix_ms: u64,
        method: &Method,
        uri: &Uri,
        version: Version,
        headers: &HeaderMap,
    ) -> Self {
        let version = match version {
            Version::HTTP_09 => "HTTP/0.9",
            Version::HTTP_10 => "HTTP/1.0",
            Version::HTTP_2 => "HTTP/2",
            Version::HTTP_3 => "HTTP/3",
            _ => "HTTP/1.1",
        };
        let authority = match uri.authority() {
            Some(authority) => Some(authority.as_str().as_bytes()),
            None => headers
                .get(http::header::HOST)
                .filter(|host| host.to_str().is_ok())
                .map(|host| host.as_bytes()),
        };
        let fields = [
            Some(method.as_str().as_bytes()),
            authority,
            Some(uri.path().as_bytes()),
            uri.query().map(str::as_bytes),
        ];
        let headers = || headers.iter().map(|(name, value)| (name.as_str().as_bytes(), value.as_bytes()));
        Self::build(Some(listener), version, preflight, received_unix_ms, fields, headers)
    }

    /// A request the routing proxy passes on to your own server, before its body was counted
    /// and before the answer ([`answered`](Self::answered)); `secure` when the browser sent it
    /// over TLS the proxy ended.
    pub(crate) fn forwarded(
        parts: &http::request::Parts,
        preflight: bool,
        received_unix_ms: u64,
        secure: bool,
    ) -> Self {
        let listener = if secure { Listener::Https } else { Listener::HttpA };
        let mut record = Self::new(
            listener,
            preflight,
            received_unix_ms,
            &parts.method,
            &parts.uri,
            parts.version,
            &parts.headers,
        );
        record.listener = None;
        record
    }

    /// What your own server answered.
    pub(crate) fn answered(self, answer: TargetAnswer) -> Self {
        Self { answer: Some(Box::new(answer)), ..self }
    }

    /// An HTTP/1.1 request read without hyper (`crate::h1`), from its text as received: the same
    /// record [`new`](Self::new) makes of what hyper parses from those bytes, so `headers` must come
    /// in the order a `HeaderMap` iterates them (grouped by name), and `authority` is the first
    /// `Host` if that is visible ASCII. Names are recorded in lower case.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn from_http1<'h>(
        listener: Listener,
        preflight: bool,
        received_unix_ms: u64,
        method: &[u8],
        authority: Option<&[u8]>,
        path: &[u8],
        query: Option<&[u8]>,
        headers: impl Iterator<Item = (&'h [u8], &'h [u8])> + Clone,
    ) -> Self {
        let fields = [Some(method), authority, Some(path), query];
        Self::build(Some(listener), "HTTP/1.1", preflight, received_unix_ms, fields, || headers.clone())
    }

    /// `headers` gives the header lines, once to size the record and once to fill it.
    fn build<'h, I: Iterator<Item = (&'h [u8], &'h [u8])>>(
        listener: Option<Listener>,
        version: &'static str,
        preflight: bool,
        received_unix_ms: u64,
        fields: [Option<&[u8]>; 4],
        headers: impl Fn() -> I,
    ) -> Self {
        let mut size = fields.iter().map(|field| 4 + field.map_or(0, <[u8]>::len)).sum::<usize>();
        for (name, value) in headers() {
            size += 8 + name.len() + value.len();
        }
        let mut text = Vec::with_capacity(size);
        for field in fields {
            put_field(&mut text, field);
        }
        for (name, value) in headers() {
            let name_start = text.len() + 4;
            put_field(&mut text, Some(name));
            if let Some(name) = text.get_mut(name_start..) {
                name.make_ascii_lowercase();
            }
            put_field(&mut text, Some(value));
        }
        Self {
            seq: 0,
            listener,
            scheme: listener.map_or("http", Listener::scheme),
            answer: None,
            version,
            preflight,
            body_size: 0,
            received_unix_ms,
            text: text.into_boxed_slice(),
        }
    }

    /// The bytes it holds, itself and on the heap: what the journal's byte budget counts.
    /// The request body is counted, never kept, so it costs nothing here.
    fn footprint(&self) -> usize {
        size_of::<Self>() + self.text.len() + self.answer.as_deref().map_or(0, TargetAnswer::footprint)
    }

    /// Sets the size of the request body.
    pub(crate) fn with_body_size(self, body_size: u64) -> Self {
        Self { body_size, ..self }
    }

    fn entry(&self, token: Option<&str>) -> Entry {
        let mut rest = &self.text[..];
        let mut next = || -> Option<String> {
            let (length, tail) = rest.split_first_chunk::<4>()?;
            let length = u32::from_le_bytes(*length);
            if length == ABSENT {
                rest = tail;
                return None;
            }
            let (field, tail) = tail.split_at(length as usize);
            rest = tail;
            Some(String::from_utf8_lossy(field).into_owned())
        };
        let method = next().unwrap_or_default();
        let authority = next();
        let path = next().unwrap_or_default();
        let query = next();
        let mut headers = Vec::new();
        while let (Some(name), Some(value)) = (next(), next()) {
            headers.push((name, value));
        }
        Entry {
            seq: self.seq,
            token: token.map(str::to_owned),
            listener: self.listener,
            scheme: self.scheme,
            version: self.version,
            method,
            authority,
            path,
            query,
            headers,
            body_size: self.body_size,
            received_unix_ms: self.received_unix_ms,
            preflight: self.preflight,
            answer: self.answer.as_deref().cloned(),
        }
    }
}

impl Default for Journal {
    fn default() -> Self {
        Self::new(DEFAULT_CAPACITY, DEFAULT_MAX_BYTES)
    }
}

impl Journal {
    /// A journal that keeps about `max_entries` requests with tokens (and a tenth as many
    /// without), in at most `max_bytes` of which a tenth is kept for requests without a token.
    pub fn new(max_entries: usize, max_bytes: usize) -> Self {
        let untokened_bytes = max_bytes / 10;
        Self {
            shared: Arc::new(Shared {
                inner: Mutex::new(Inner::default()),
                recorded: Notify::new(),
                tokened: Budget { entries: max_entries.max(1), bytes: max_bytes - untokened_bytes },
                untokened: Budget { entries: max_entries.div_ceil(10).max(1), bytes: untokened_bytes },
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the journal half-written in a way that
        // matters to readers, so a poisoned lock is still used.
        self.shared.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Records a request that carried `token`; `seq` is assigned here.
    pub(crate) fn record(&self, token: Option<&str>, mut record: Record) {
        {
            let mut inner = self.lock();
            inner.next_seq += 1;
            record.seq = inner.next_seq;
            match token {
                Some(token) => inner.keep_tokened(token, record, self.shared.tokened),
                None => inner.keep_untokened(record, self.shared.untokened),
            }
        }
        self.shared.recorded.notify_waiters();
    }

    /// The requests that carried `token`, in arrival order.
    pub fn entries(&self, token: &str) -> Vec<Entry> {
        let inner = self.lock();
        let Some(token_records) = inner.by_token.get(token) else { return Vec::new() };
        token_records.records.iter().map(|record| record.entry(Some(token))).collect()
    }

    /// The most recent requests without a token, oldest first.
    pub fn untokened(&self) -> Vec<Entry> {
        self.lock().untokened.iter().map(|record| record.entry(None)).collect()
    }

    /// How many requests are held.
    pub fn len(&self) -> usize {
        let inner = self.lock();
        inner.tokened.entries + inner.untokened_usage.entries
    }

    /// How many bytes the held requests take, their bookkeeping included; never more than the
    /// budget it was made with.
    pub fn bytes(&self) -> usize {
        let inner = self.lock();
        inner.tokened.bytes + inner.untokened_usage.bytes
    }

    /// How many requests were too large for their share of the budget, and so not kept.
    pub fn not_kept(&self) -> u64 {
        self.lock().not_kept
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Waits until `token` has at least `count` requests or `timeout` passes, then returns what
    /// there is. A request can still be on its way when the page learns its fate (a blocked
    /// response, a closed connection), so readers that expect one wait a little.
    pub async fn wait_for(&self, token: &str, count: usize, timeout: Duration) -> Vec<Entry> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.shared.recorded.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let entries = self.entries(token);
            if entries.len() >= count {
                return entries;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.entries(token);
            }
        }
    }
}

impl Inner {
    fn keep_tokened(&mut self, token: &str, record: Record, budget: Budget) {
        let seq = record.seq;
        let cost =
            record.footprint() + if self.by_token.contains_key(token) { 0 } else { token_footprint(token) };
        if cost > budget.bytes {
            self.refuse(Some(token), cost, budget.bytes);
            return;
        }
        match self.by_token.get(token) {
            Some(known) => {
                self.by_last_write.remove(&known.last_seq);
            }
            None => {
                let name: Arc<str> = Arc::from(token);
                let fresh = TokenRecords {
                    name: name.clone(),
                    records: VecDeque::new(),
                    last_seq: seq,
                    bytes: 0,
                    trimmed: false,
                };
                self.by_token.insert(name, fresh);
            }
        }
        let Some(token_records) = self.by_token.get_mut(token) else { return };
        token_records.records.push_back(record);
        token_records.last_seq = seq;
        token_records.bytes += cost;
        self.by_last_write.insert(seq, token_records.name.clone());
        self.tokened.entries += 1;
        self.tokened.bytes += cost;

        while self.tokened.exceeds(budget) {
            // The token just written is the latest; any other is older and goes whole.
            if self.by_last_write.len() > 1 {
                if let Some((_, oldest)) = self.by_last_write.pop_first() {
                    self.forget_token(&oldest);
                }
                continue;
            }
            let Some(alone) = self.by_token.get_mut(token) else { break };
            let Some(oldest) = alone.records.pop_front() else { break };
            let freed = oldest.footprint();
            alone.bytes -= freed;
            self.tokened.entries -= 1;
            self.tokened.bytes -= freed;
            if !std::mem::replace(&mut alone.trimmed, true) {
                tracing::warn!(
                    token,
                    budget = budget.bytes,
                    "one token alone is over the journal's budget: its oldest requests are forgotten, \
                     so a reader counting them miscounts; raise ServerConfig::journal_max_bytes"
                );
            }
        }
    }

    fn forget_token(&mut self, token: &str) {
        if let Some(forgotten) = self.by_token.remove(token) {
            self.tokened.entries -= forgotten.records.len();
            self.tokened.bytes -= forgotten.bytes;
        }
    }

    fn keep_untokened(&mut self, record: Record, budget: Budget) {
        let cost = record.footprint();
        if cost > budget.bytes {
            self.refuse(None, cost, budget.bytes);
            return;
        }
        self.untokened.push_back(record);
        self.untokened_usage.entries += 1;
        self.untokened_usage.bytes += cost;
        while self.untokened_usage.exceeds(budget) {
            let Some(oldest) = self.untokened.pop_front() else { break };
            self.untokened_usage.entries -= 1;
            self.untokened_usage.bytes -= oldest.footprint();
        }
    }

    /// A request larger than its whole share of the budget: keeping it would forget everything
    /// else and still not fit.
    fn refuse(&mut self, token: Option<&str>, cost: usize, budget: usize) {
        self.not_kept += 1;
        tracing::warn!(
            token,
            bytes = cost,
            budget,
            "a request too large for the journal's budget was not journaled; raise \
             ServerConfig::journal_max_bytes to keep it"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record_of(request: http::Request<()>) -> Record {
        let (parts, ()) = request.into_parts();
        Record::new(Listener::HttpA, false, 7, &parts.method, &parts.uri, parts.version, &parts.headers)
    }

    fn record() -> Record {
        record_of(
            http::Request::get("/")
                .header("host", "api.test:1")
                .header("origin", "http://app.test")
                .body(())
                .unwrap(),
        )
    }

    #[test]
    fn entries_are_grouped_by_token_in_arrival_order() {
        let journal = Journal::default();
        journal.record(Some("a"), record());
        journal.record(Some("b"), record());
        journal.record(Some("a"), record());
        let seqs: Vec<u64> = journal.entries("a").iter().map(|e| e.seq).collect();
        assert_eq!(seqs, vec![1, 3]);
        assert_eq!(journal.entries("b").len(), 1);
        assert!(journal.entries("c").is_empty());
    }

    #[test]
    fn the_oldest_tokens_are_forgotten_at_capacity() {
        let journal = Journal::new(3, DEFAULT_MAX_BYTES);
        for token in ["a", "a", "b", "c", "d"] {
            journal.record(Some(token), record());
        }
        assert!(journal.entries("a").is_empty());
        assert_eq!(journal.entries("d").len(), 1);
        assert_eq!(journal.len(), 3);
    }

    #[test]
    fn untokened_requests_are_kept_in_a_small_ring() {
        let journal = Journal::new(20, DEFAULT_MAX_BYTES);
        for _ in 0..5 {
            journal.record(None, record());
        }
        assert_eq!(journal.untokened().len(), 2);
        assert_eq!(journal.untokened()[1].seq, 5);
    }

    /// A request whose head carries `size` bytes of header value.
    fn large_record(size: usize) -> Record {
        record_of(http::Request::get("/t/x/data").header("x-large", "a".repeat(size)).body(()).unwrap())
    }

    #[test]
    fn the_byte_budget_holds_and_forgets_the_oldest_tokens_whole() {
        let budget = 200 * 1024;
        let journal = Journal::new(DEFAULT_CAPACITY, budget);
        for index in 0..200 {
            for _ in 0..3 {
                journal.record(Some(&format!("t{index}")), large_record(10 * 1024));
                assert!(journal.bytes() <= budget, "{} bytes held of {budget}", journal.bytes());
            }
        }
        let kept: Vec<usize> = (0..200).map(|index| journal.entries(&format!("t{index}")).len()).collect();
        assert!(kept.iter().all(|&count| count == 0 || count == 3), "a token was cut: {kept:?}");
        let first_kept = kept.iter().position(|&count| count == 3).expect("the newest tokens are kept");
        assert!(first_kept > 0, "older tokens were forgotten");
        assert!(kept[first_kept..].iter().all(|&count| count == 3), "oldest first: {kept:?}");
        assert!(journal.bytes() > budget * 9 / 10 - 40 * 1024, "the budget is used: {}", journal.bytes());
        assert_eq!(journal.not_kept(), 0);
    }

    #[test]
    fn a_token_written_to_lately_outlives_older_ones() {
        let journal = Journal::new(DEFAULT_CAPACITY, 100 * 1024);
        journal.record(Some("running"), large_record(1024));
        for index in 0..100 {
            journal.record(Some(&format!("other{index}")), large_record(10 * 1024));
            journal.record(Some("running"), large_record(16));
        }
        let running = journal.entries("running");
        assert_eq!(running.len(), 101, "the scenario still being written is kept whole");
        assert!(journal.entries("other0").is_empty());
    }

    #[test]
    fn a_token_alone_over_the_budget_loses_its_oldest_requests() {
        let journal = Journal::new(DEFAULT_CAPACITY, 100 * 1024);
        for _ in 0..50 {
            journal.record(Some("alone"), large_record(10 * 1024));
        }
        let seqs: Vec<u64> = journal.entries("alone").iter().map(|entry| entry.seq).collect();
        assert!(seqs.len() < 50 && !seqs.is_empty());
        assert_eq!(seqs.last(), Some(&50), "the newest are kept: {seqs:?}");
        assert!(seqs.windows(2).all(|pair| pair[1] == pair[0] + 1), "no hole: {seqs:?}");
        assert!(journal.bytes() <= 100 * 1024);
    }

    #[test]
    fn untokened_requests_cannot_push_out_tokened_ones() {
        let budget = 100 * 1024;
        let journal = Journal::new(DEFAULT_CAPACITY, budget);
        journal.record(Some("scenario"), large_record(1024));
        for _ in 0..1000 {
            journal.record(None, large_record(1024));
        }
        assert_eq!(journal.entries("scenario").len(), 1);
        let untokened = journal.untokened();
        assert!(!untokened.is_empty() && untokened.len() < 10, "{} kept", untokened.len());
        assert_eq!(untokened.last().map(|entry| entry.seq), Some(1001), "the newest are kept");
        assert!(journal.bytes() <= 1024 + 200 + budget / 10);
    }

    #[test]
    fn a_request_larger_than_its_share_is_not_kept() {
        let journal = Journal::new(DEFAULT_CAPACITY, 100 * 1024);
        journal.record(Some("small"), large_record(16));
        let before = journal.bytes();
        journal.record(Some("huge"), large_record(95 * 1024));
        journal.record(None, large_record(20 * 1024));
        assert!(journal.entries("huge").is_empty() && journal.untokened().is_empty());
        assert_eq!(journal.entries("small").len(), 1, "nothing was forgotten for it");
        assert_eq!((journal.bytes(), journal.not_kept()), (before, 2));
    }

    #[test]
    fn bytes_count_the_head_and_return_to_zero_when_all_is_forgotten() {
        let journal = Journal::new(1, DEFAULT_MAX_BYTES);
        journal.record(Some("a"), large_record(10_000));
        assert!((10_000..11_000).contains(&journal.bytes()), "{}", journal.bytes());
        journal.record(Some("b"), large_record(16));
        assert!(journal.bytes() < 1000, "a is forgotten whole: {}", journal.bytes());
    }

    #[test]
    fn header_lookup_ignores_case() {
        assert_eq!(record().entry(None).header("Origin"), Some("http://app.test"));
        assert_eq!(record().entry(None).origin(), Some("http://app.test"));
    }

    #[test]
    fn a_record_reads_back_as_the_request_it_was() {
        let request = http::Request::builder()
            .method("patch")
            .uri("/t/x/data?")
            .header("host", "api.test:1")
            .header("x-a", "1")
            .header("x-bytes", http::HeaderValue::from_bytes(b"caf\xe9").unwrap())
            .header("x-a", "2")
            .body(())
            .unwrap();
        let entry = record_of(request).with_body_size(3).entry(Some("x"));
        assert_eq!(entry.token.as_deref(), Some("x"));
        assert_eq!((entry.method.as_str(), entry.version, entry.scheme), ("patch", "HTTP/1.1", "http"));
        assert_eq!(entry.authority.as_deref(), Some("api.test:1"));
        assert_eq!((entry.path.as_str(), entry.query.as_deref()), ("/t/x/data", Some("")));
        let headers: Vec<(&str, &str)> =
            entry.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        assert_eq!(headers, [("host", "api.test:1"), ("x-a", "1"), ("x-a", "2"), ("x-bytes", "caf\u{fffd}")]);
        assert_eq!((entry.body_size, entry.received_unix_ms), (3, 7));

        let entry = record_of(http::Request::get("/plain").body(()).unwrap()).entry(None);
        assert_eq!((entry.authority, entry.query), (None, None));
    }
}
