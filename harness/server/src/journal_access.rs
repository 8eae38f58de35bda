//! Who may read the journal over HTTP (`GET /_journal/<token>`).
//!
//! The journal holds every header a request carried, cookies and `Authorization` included, so it
//! is never readable by another origin's page: its answers carry no
//! `Access-Control-Allow-Origin` and are never cached. The page script reads it same-origin during
//! a run (how many requests a token had before the next one), which needs nothing, except on a
//! sandboxed page: its origin is opaque, so every request it sends is cross-origin. Such a page
//! shows a key only the server's own pages carry, and only then is the answer shared.

use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::{Response, StatusCode};

use crate::handler::{plain, with_type};
use crate::journal::Journal;

/// The query word a page shows its key with: `/_journal/<token>?key=<key>`.
const KEY_WORD: &str = "key=";

/// Whether and to whom the journal is served over HTTP.
#[derive(Debug)]
pub(crate) enum JournalAccess {
    /// Not served: `/_journal/...` answers 404 and says how to turn it on.
    Off,
    /// Served same-origin, and to a sandboxed page of this server that shows this key (random,
    /// made at start, carried by [`PAGE_PATH`](crate::PAGE_PATH) only).
    Served {
        /// 128 random bits, in hex.
        key: String,
    },
}

impl JournalAccess {
    /// Served with a fresh key when `over_http`, off otherwise.
    pub(crate) fn of(over_http: bool) -> Self {
        if !over_http {
            return Self::Off;
        }
        let mut bytes = [0u8; 16];
        // The operating system's random source; without it the key is empty and a sandboxed
        // page cannot read the journal (it cannot be guessed either).
        let key = match getrandom::fill(&mut bytes) {
            Ok(()) => bytes.iter().map(|byte| format!("{byte:02x}")).collect(),
            Err(_) => {
                tracing::warn!("no random source: sandboxed pages cannot read the journal");
                String::new()
            }
        };
        Self::Served { key }
    }

    /// The key the server's page carries; empty when the journal is not served.
    pub(crate) fn page_key(&self) -> &str {
        match self {
            Self::Off => "",
            Self::Served { key } => key,
        }
    }

    /// The answer to `GET /_journal/<token>?<query>`.
    pub(crate) fn answer(&self, journal: &Journal, token: &str, query: Option<&str>) -> Response<Bytes> {
        let mut response = match self {
            Self::Off => plain(
                StatusCode::NOT_FOUND,
                "This server does not serve its journal over HTTP, since it holds every header \
                 requests carried. Start it with `corsproof serve --journal-over-http` (or set \
                 `ServerConfig::journal_over_http`) to read /_journal/<token>.\n"
                    .to_owned(),
            ),
            Self::Served { key } => {
                let json = serde_json::to_vec(&journal.entries(token)).unwrap_or_default();
                let mut response = with_type(Response::new(Bytes::from(json)), "application/json");
                let shown = query.into_iter().flat_map(|query| query.split('&'));
                if !key.is_empty()
                    && shown.filter_map(|word| word.strip_prefix(KEY_WORD)).any(|shown| shown == key)
                {
                    // A sandboxed page of ours: its opaque origin makes the read cross-origin.
                    response
                        .headers_mut()
                        .insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
                }
                response
            }
        };
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}
