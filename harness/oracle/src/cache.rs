//! The CORS-preflight cache, as a value: `plan` reads it, `judge` returns the next one.

use std::sync::Arc;
use std::time::Duration;

use crate::engine::Engine;
use crate::header;

/// What one cache entry allows: a method (byte-exact) or a header name (lower-cased).
/// Either may be `*`.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum CacheKey {
    /// A method from `Access-Control-Allow-Methods`.
    Method(Arc<str>),
    /// A header name from `Access-Control-Allow-Headers`, lower-cased.
    Header(Arc<str>),
}

/// One entry of the CORS-preflight cache.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct CacheEntry {
    /// The serialized request origin (`null` after a tainted redirect).
    pub origin: Arc<str>,
    /// The URL the preflight was made to.
    pub url: Arc<str>,
    /// Whether the preflight was for a credentialed request.
    pub credentials: bool,
    /// The method or header name this entry allows.
    pub key: CacheKey,
    /// When the entry stops counting, on the caller's clock (the `now` passed in).
    pub expires_at: Duration,
}

/// The CORS-preflight cache of one browser profile.
///
/// Keyed as the standard says: request origin, URL, credentials flag, and one method or
/// header name per entry (the network partition is out of scope: one page, one partition).
/// A credentialed entry serves any request; a non-credentialed one only non-credentialed
/// requests (Firefox: each only its own kind, [`Engine::preflight_cache_keyed_by_credentials`]).
/// Time never flows by itself: every call takes `now`.
///
/// ```
/// use std::time::Duration;
/// use corsproof_oracle::PreflightCache;
///
/// let cache = PreflightCache::new();
/// assert!(cache.is_empty());
/// assert_eq!(cache.live(Duration::ZERO).count(), 0);
/// ```
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct PreflightCache {
    entries: Vec<CacheEntry>,
}

/// What a request needs from the cache to skip its preflight.
pub(crate) struct Lookup {
    pub engine: Engine,
    pub origin: Arc<str>,
    pub url: Arc<str>,
    pub credentials: bool,
    pub now: Duration,
}

impl Lookup {
    fn matches(&self, entry: &CacheEntry) -> bool {
        entry.expires_at > self.now
            && entry.origin == self.origin
            && entry.url == self.url
            && if self.engine.preflight_cache_keyed_by_credentials() {
                entry.credentials == self.credentials
            } else {
                entry.credentials || !self.credentials
            }
    }
}

impl PreflightCache {
    /// An empty cache.
    pub fn new() -> Self {
        PreflightCache::default()
    }

    /// Whether the cache holds no entries at all (live or expired).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// All entries, including expired ones not yet pruned.
    pub fn entries(&self) -> &[CacheEntry] {
        &self.entries
    }

    /// The entries still valid at `now`.
    pub fn live(&self, now: Duration) -> impl Iterator<Item = &CacheEntry> {
        self.entries.iter().filter(move |e| e.expires_at > now)
    }

    /// "Method cache entry match": an entry for this method, or `*` when not credentialed (and
    /// the engine's cache matches wildcards at all).
    pub(crate) fn has_method(&self, lookup: &Lookup, method: &str) -> bool {
        self.entries.iter().any(|entry| {
            lookup.matches(entry)
                && match &entry.key {
                    CacheKey::Method(m) => {
                        &**m == method
                            || (&**m == "*"
                                && !lookup.credentials
                                && lookup.engine.preflight_cache_matches_wildcards())
                    }
                    CacheKey::Header(_) => false,
                }
        })
    }

    /// "Header-name cache entry match": an entry for this name (case-insensitive), or `*`
    /// when not credentialed and the name is not `authorization` (WebKit: whatever the name,
    /// [`Engine::preflight_cache_wildcard_covers_authorization`]).
    pub(crate) fn has_header(&self, lookup: &Lookup, name: &str) -> bool {
        self.entries.iter().any(|entry| {
            lookup.matches(entry)
                && match &entry.key {
                    CacheKey::Header(h) => {
                        h.eq_ignore_ascii_case(name)
                            || (&**h == "*"
                                && !lookup.credentials
                                && lookup.engine.preflight_cache_matches_wildcards()
                                && (!name.eq_ignore_ascii_case("authorization")
                                    || lookup.engine.preflight_cache_wildcard_covers_authorization()))
                    }
                    CacheKey::Method(_) => false,
                }
        })
    }

    /// Stores a successful preflight's result: one entry per listed method and header name,
    /// refreshing the lifetime of entries that already match.
    pub(crate) fn store(
        &mut self,
        engine: Engine,
        lookup: &Lookup,
        methods: &[&[u8]],
        headers: &[&[u8]],
        max_age: Duration,
    ) {
        if engine.preflight_result_replaces_entry() {
            self.clear(&lookup.origin, &lookup.url);
        }
        let expires_at = lookup.now.saturating_add(max_age);
        let keys = methods.iter().map(|m| CacheKey::Method(Arc::from(&*header::show(m)))).chain(
            headers.iter().map(|h| {
                let name = header::show(h);
                CacheKey::Header(if name.bytes().any(|b| b.is_ascii_uppercase()) {
                    Arc::from(name.to_ascii_lowercase())
                } else {
                    Arc::from(&*name)
                })
            }),
        );
        for key in keys {
            let existing = self.entries.iter_mut().find(|entry| {
                lookup.matches(entry)
                    && match (&entry.key, &key) {
                        (CacheKey::Method(a), CacheKey::Method(b)) => a == b,
                        (CacheKey::Header(a), CacheKey::Header(b)) => a.eq_ignore_ascii_case(b),
                        _ => false,
                    }
            });
            match existing {
                Some(entry) => entry.expires_at = expires_at,
                None => self.entries.push(CacheEntry {
                    origin: Arc::clone(&lookup.origin),
                    url: Arc::clone(&lookup.url),
                    credentials: lookup.credentials,
                    key,
                    expires_at,
                }),
            }
        }
    }

    /// "Clear cache entries": drops everything for this origin and URL.
    pub(crate) fn clear(&mut self, origin: &str, url: &str) {
        self.entries.retain(|e| &*e.origin != origin || &*e.url != url);
    }

    /// Drops entries expired at `now`.
    pub(crate) fn prune(&mut self, now: Duration) {
        self.entries.retain(|e| e.expires_at > now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGIN: &str = "https://app.test";
    const URL: &str = "https://api.test/x";

    /// An engine whose cache lookups follow the standard in everything these tests check.
    const STANDARD: Engine = Engine::Chromium;

    fn lookup(credentials: bool, now: u64) -> Lookup {
        Lookup {
            engine: STANDARD,
            origin: ORIGIN.into(),
            url: URL.into(),
            credentials,
            now: Duration::from_secs(now),
        }
    }

    fn cache_with(credentials: bool, methods: &[&str], headers: &[&str]) -> PreflightCache {
        let mut cache = PreflightCache::new();
        let methods: Vec<&[u8]> = methods.iter().map(|m| m.as_bytes()).collect();
        let headers: Vec<&[u8]> = headers.iter().map(|h| h.as_bytes()).collect();
        cache.store(Engine::Firefox, &lookup(credentials, 0), &methods, &headers, Duration::from_secs(10));
        cache
    }

    #[test]
    fn cache_credentialed_entry_serves_uncredentialed() {
        let cache = cache_with(true, &["PUT"], &["x-a"]);
        assert!(cache.has_method(&lookup(false, 1), "PUT"));
        assert!(cache.has_header(&lookup(false, 1), "X-A"));
        assert!(cache.has_method(&lookup(true, 1), "PUT"));
    }

    #[test]
    fn cache_uncredentialed_entry_does_not_serve_credentialed() {
        let cache = cache_with(false, &["PUT"], &["x-a"]);
        assert!(cache.has_method(&lookup(false, 1), "PUT"));
        assert!(!cache.has_method(&lookup(true, 1), "PUT"));
        assert!(!cache.has_header(&lookup(true, 1), "x-a"));
    }

    #[test]
    fn cache_wildcard_header_entry_never_matches_authorization() {
        let cache = cache_with(false, &[], &["*"]);
        assert!(cache.has_header(&lookup(false, 1), "x-anything"));
        assert!(!cache.has_header(&lookup(false, 1), "authorization"));
    }

    #[test]
    fn webkit_cache_wildcard_header_entry_matches_authorization() {
        let webkit = |credentials, now| Lookup { engine: Engine::WebKit, ..lookup(credentials, now) };
        let cache = cache_with(false, &[], &["*"]);
        assert!(cache.has_header(&webkit(false, 1), "authorization"));
        assert!(!cache.has_header(&webkit(true, 1), "authorization"), "never with credentials");
    }

    #[test]
    fn cache_wildcard_entries_ignored_for_credentialed_requests() {
        let cache = cache_with(true, &["*"], &["*"]);
        assert!(!cache.has_method(&lookup(true, 1), "PUT"));
        assert!(!cache.has_header(&lookup(true, 1), "x-a"));
        assert!(cache.has_method(&lookup(false, 1), "PUT"));
    }

    #[test]
    fn firefox_keys_by_credentials_and_matches_no_wildcard() {
        let firefox = |credentials, now| Lookup { engine: Engine::Firefox, ..lookup(credentials, now) };
        let cache = cache_with(true, &["PUT"], &["x-a"]);
        assert!(cache.has_method(&firefox(true, 1), "PUT"));
        assert!(!cache.has_method(&firefox(false, 1), "PUT"));
        assert!(!cache.has_header(&firefox(false, 1), "x-a"));
        let cache = cache_with(false, &["*"], &["*"]);
        assert!(!cache.has_method(&firefox(false, 1), "PUT"));
        assert!(!cache.has_header(&firefox(false, 1), "x-a"));
        assert!(cache.has_method(&firefox(false, 1), "*"));
    }

    #[test]
    fn cache_entries_expire_after_max_age() {
        let cache = cache_with(false, &["PUT"], &[]);
        assert!(cache.has_method(&lookup(false, 9), "PUT"));
        assert!(!cache.has_method(&lookup(false, 10), "PUT"));
        assert_eq!(cache.live(Duration::from_secs(10)).count(), 0);
    }

    #[test]
    fn cache_keyed_by_origin_and_url() {
        let cache = cache_with(false, &["PUT"], &[]);
        let other_url = Lookup { url: "https://api.test/y".into(), ..lookup(false, 1) };
        let other_origin = Lookup { origin: "https://evil.test".into(), ..lookup(false, 1) };
        assert!(!cache.has_method(&other_url, "PUT"));
        assert!(!cache.has_method(&other_origin, "PUT"));
    }

    #[test]
    fn cache_store_merges_per_standard_but_replaces_in_chromium() {
        let mut merged = cache_with(false, &["PUT"], &[]);
        merged.store(Engine::Firefox, &lookup(false, 1), &[b"DELETE"], &[], Duration::from_secs(10));
        assert!(merged.has_method(&lookup(false, 2), "PUT"));
        let mut replaced = cache_with(false, &["PUT"], &[]);
        replaced.store(Engine::Chromium, &lookup(false, 1), &[b"DELETE"], &[], Duration::from_secs(10));
        assert!(!replaced.has_method(&lookup(false, 2), "PUT"));
        assert!(replaced.has_method(&lookup(false, 2), "DELETE"));
    }

    #[test]
    fn cache_clear_removes_origin_and_url_entries() {
        let mut cache = cache_with(true, &["PUT"], &["x-a"]);
        cache.clear(ORIGIN, URL);
        assert!(cache.is_empty());
    }
}
