//! The page script's protocol: what the runner asks the page to fetch and what comes back.
//! `corsproof.js` (served by every mock origin) is the other side.

use serde::{Deserialize, Serialize};

/// One request for the page to make, in the fetch API's own words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PageRequest {
    /// Echoed back in the result.
    pub id: String,
    /// `fetch` or `xhr`.
    pub api: String,
    /// The absolute URL.
    pub url: String,
    /// The method, as the page passes it.
    pub method: String,
    /// Headers the page sets, in order.
    pub headers: Vec<(String, String)>,
    /// The body, if any.
    pub body: Option<String>,
    /// `omit`, `same-origin` or `include`.
    pub credentials: String,
    /// `cors`, `no-cors` or `same-origin`.
    pub mode: String,
    /// `follow`, `error` or `manual`.
    pub redirect: String,
    /// fetch's `referrerPolicy` (`no-referrer`, `unsafe-url`, ...); absent: the browser's default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub referrer_policy: Option<String>,
    /// fetch's `keepalive`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub keepalive: bool,
    /// fetch's `cache` (`no-store`, `only-if-cached`, ...); absent: `default`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache: Option<String>,
    /// fetch's `priority` (`high`, `low`, `auto`); absent: the browser's default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    /// The page gives up (and reports `timeout`) after this long; at most
    /// [`MAX_TIMEOUT_MS`](Self::MAX_TIMEOUT_MS).
    pub timeout_ms: u64,
    /// Read the journal count of this token on the page's own origin before requesting.
    pub journal_token: Option<String>,
}

impl PageRequest {
    /// The longest `timeout_ms` a page can wait: its timer is `setTimeout`, whose delay is a
    /// signed 32-bit count of milliseconds, and a longer delay fires at once, making every
    /// request a `timeout`.
    pub const MAX_TIMEOUT_MS: u64 = i32::MAX as u64;

    /// A page's plain `fetch(url, {method})`: CORS mode, `same-origin` credentials, redirects
    /// followed, no headers or body, ten seconds to finish; change the fields a case needs.
    pub fn fetch(id: &str, method: &str, url: String) -> Self {
        PageRequest {
            id: id.to_owned(),
            api: "fetch".to_owned(),
            url,
            method: method.to_owned(),
            headers: vec![],
            body: None,
            credentials: "same-origin".to_owned(),
            mode: "cors".to_owned(),
            redirect: "follow".to_owned(),
            referrer_policy: None,
            keepalive: false,
            cache: None,
            priority: None,
            timeout_ms: 10_000,
            journal_token: None,
        }
    }
}

/// What the page could observe of one request.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PageResult {
    /// The request's id.
    pub id: String,
    /// `response`, `error` or `timeout`.
    pub outcome: String,
    /// The status the page read (0 for opaque responses).
    pub status: Option<u16>,
    /// The status text.
    pub status_text: Option<String>,
    /// `basic`, `cors`, `opaque`, `opaqueredirect` (fetch) or `xhr`.
    #[serde(rename = "type")]
    pub response_type: Option<String>,
    /// Whether the response came through a redirect.
    pub redirected: Option<bool>,
    /// The final URL.
    pub url: Option<String>,
    /// The headers the page could read, lower-case names.
    pub headers: Vec<(String, String)>,
    /// The body the page could read.
    pub body: Option<String>,
    /// The error JavaScript saw (`TypeError: Failed to fetch`).
    pub error: Option<String>,
    /// Milliseconds from the call to its outcome.
    pub elapsed_ms: u64,
    /// With `journal_token`: how many journal entries the token had before the request.
    pub journal_before: Option<usize>,
}
