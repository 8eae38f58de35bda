//! The request journal: every request a mock origin receives, findable by the token in its path.
//!
//! A browser hides much of what it did: whether it sent a preflight, whether a request it blocked
//! still reached the server, which Origin it sent after a redirect. The journal is the server's
//! side of the story. Requests carry a token in their path (`/t/<token>/...`) so that concurrent
//! requests never mix; requests without one are kept too, in a smaller ring.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::Notify;

use crate::origin::Listener;

/// How many entries the journal keeps before it forgets the oldest tokens.
pub const DEFAULT_CAPACITY: usize = 100_000;

/// One request as the server received it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// Arrival order across the whole server, from 1.
    pub seq: u64,
    /// The token of a `/t/<token>/...` path.
    pub token: Option<String>,
    /// The listener that accepted it (`http-a`, `http-b`, `https`).
    pub listener: Listener,
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
    capacity: usize,
}

#[derive(Debug, Default)]
struct Inner {
    next_seq: u64,
    by_token: HashMap<String, Vec<Entry>>,
    /// Tokens in the order they were first seen, for forgetting the oldest.
    token_order: VecDeque<String>,
    tokened_len: usize,
    untokened: VecDeque<Entry>,
}

impl Default for Journal {
    fn default() -> Self {
        Self::with_capacity(DEFAULT_CAPACITY)
    }
}

impl Journal {
    /// A journal that keeps about `capacity` entries with tokens (and a tenth as many without).
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            shared: Arc::new(Shared {
                inner: Mutex::new(Inner::default()),
                recorded: Notify::new(),
                capacity: capacity.max(1),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the journal half-written in a way that
        // matters to readers, so a poisoned lock is still used.
        self.shared.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Records a request; `seq` is assigned here.
    pub(crate) fn record(&self, mut entry: Entry) {
        {
            let mut inner = self.lock();
            inner.next_seq += 1;
            entry.seq = inner.next_seq;
            match entry.token.clone() {
                Some(token) => {
                    let entries = inner.by_token.entry(token.clone()).or_default();
                    entries.push(entry);
                    if entries.len() == 1 {
                        inner.token_order.push_back(token);
                    }
                    inner.tokened_len += 1;
                    while inner.tokened_len > self.shared.capacity {
                        let Some(oldest) = inner.token_order.pop_front() else { break };
                        let forgotten = inner.by_token.remove(&oldest).map_or(0, |e| e.len());
                        inner.tokened_len -= forgotten;
                    }
                }
                None => {
                    inner.untokened.push_back(entry);
                    if inner.untokened.len() > self.shared.capacity.div_ceil(10) {
                        inner.untokened.pop_front();
                    }
                }
            }
        }
        self.shared.recorded.notify_waiters();
    }

    /// The requests that carried `token`, in arrival order.
    pub fn entries(&self, token: &str) -> Vec<Entry> {
        self.lock().by_token.get(token).cloned().unwrap_or_default()
    }

    /// The most recent requests without a token, oldest first.
    pub fn untokened(&self) -> Vec<Entry> {
        self.lock().untokened.iter().cloned().collect()
    }

    /// How many requests are held.
    pub fn len(&self) -> usize {
        let inner = self.lock();
        inner.tokened_len + inner.untokened.len()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(token: Option<&str>) -> Entry {
        Entry {
            seq: 0,
            token: token.map(str::to_owned),
            listener: Listener::HttpA,
            scheme: "http",
            version: "HTTP/1.1",
            method: "GET".into(),
            authority: Some("api.test:1".into()),
            path: "/".into(),
            query: None,
            headers: vec![("origin".into(), "http://app.test".into())],
            body_size: 0,
            received_unix_ms: 0,
            preflight: false,
        }
    }

    #[test]
    fn entries_are_grouped_by_token_in_arrival_order() {
        let journal = Journal::default();
        journal.record(entry(Some("a")));
        journal.record(entry(Some("b")));
        journal.record(entry(Some("a")));
        let seqs: Vec<u64> = journal.entries("a").iter().map(|e| e.seq).collect();
        assert_eq!(seqs, vec![1, 3]);
        assert_eq!(journal.entries("b").len(), 1);
        assert!(journal.entries("c").is_empty());
    }

    #[test]
    fn the_oldest_tokens_are_forgotten_at_capacity() {
        let journal = Journal::with_capacity(3);
        for token in ["a", "a", "b", "c", "d"] {
            journal.record(entry(Some(token)));
        }
        assert!(journal.entries("a").is_empty());
        assert_eq!(journal.entries("d").len(), 1);
        assert_eq!(journal.len(), 3);
    }

    #[test]
    fn untokened_requests_are_kept_in_a_small_ring() {
        let journal = Journal::with_capacity(20);
        for _ in 0..5 {
            journal.record(entry(None));
        }
        assert_eq!(journal.untokened().len(), 2);
        assert_eq!(journal.untokened()[1].seq, 5);
    }

    #[test]
    fn header_lookup_ignores_case() {
        assert_eq!(entry(None).header("Origin"), Some("http://app.test"));
        assert_eq!(entry(None).origin(), Some("http://app.test"));
    }
}
