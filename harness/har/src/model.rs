//! The HAR 1.2 objects, one struct each, named as the specification names them.
//!
//! Reading is lenient where the engines' exports are: a field the specification requires but an
//! engine leaves out (Firefox's `cookies` on a blocked response, Safari's `headersSize`) takes its
//! default, and the fields nobody here reads are kept in `extra` so that a file written back
//! loses nothing. What a reader cannot do without (`log.entries`, an entry's `request` and
//! `response`, a request's `method` and `url`, a response's `status`) is required.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Fields an object carries that this model does not name (an engine's own `_priority`,
/// `_transferSize`, a `comment`), kept as they were.
pub type Extra = BTreeMap<String, Value>;

/// A whole HAR file: `{"log": ...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Har {
    /// The archive.
    pub log: Log,
}

/// The archive: who wrote it, the pages and every request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Log {
    /// The format's version, `1.2` (some exports write `1.1`).
    #[serde(default = "Log::default_version")]
    pub version: String,
    /// The tool that wrote the file (`WebInspector` for Chromium and Safari, `Firefox`).
    #[serde(default)]
    pub creator: Creator,
    /// The browser, when the tool says it apart from itself (Firefox does).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub browser: Option<Creator>,
    /// The pages the requests belong to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pages: Vec<Page>,
    /// Every request, in the order the browser started them.
    pub entries: Vec<Entry>,
    /// Anything else.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Log {
    fn default_version() -> String {
        "1.2".to_owned()
    }
}

/// A tool or browser and its version.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Creator {
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// Its version.
    #[serde(default)]
    pub version: String,
    /// Anything else.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A page the entries point at by `pageref`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page {
    /// When it started loading (ISO 8601).
    #[serde(default)]
    pub started_date_time: String,
    /// Its id, which entries name in `pageref`.
    #[serde(default)]
    pub id: String,
    /// Its title (often its URL).
    #[serde(default)]
    pub title: String,
    /// Anything else (`pageTimings`).
    #[serde(flatten)]
    pub extra: Extra,
}

/// One request and its response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// The page it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pageref: Option<String>,
    /// When the request started (ISO 8601).
    #[serde(default)]
    pub started_date_time: String,
    /// How long it took, in milliseconds.
    #[serde(default)]
    pub time: f64,
    /// What was sent.
    pub request: Request,
    /// What came back; status 0 and no headers when nothing did, or when the browser blocked it
    /// and its export says so.
    pub response: Response,
    /// The cache's part (usually empty).
    #[serde(default = "empty_object")]
    pub cache: Value,
    /// The phases' durations.
    #[serde(default = "empty_object")]
    pub timings: Value,
    /// The server's IP address.
    #[serde(default, rename = "serverIPAddress", skip_serializing_if = "Option::is_none")]
    pub server_ip_address: Option<String>,
    /// Chromium's: what started the request (`{"type": "script", ...}`, `{"type": "preflight"}`).
    #[serde(default, rename = "_initiator", skip_serializing_if = "Option::is_none")]
    pub initiator: Option<Value>,
    /// Chromium's: the kind of resource (`fetch`, `xhr`, `preflight`, `document`...).
    #[serde(default, rename = "_resourceType", skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    /// Chromium's: served from the cache (`"memory"`, `"disk"`), absent when from the network.
    #[serde(default, rename = "_fromCache", skip_serializing_if = "Option::is_none")]
    pub from_cache: Option<String>,
    /// corsproof's verdict on this request, in files corsproof writes.
    #[serde(default, rename = "_corsproof", skip_serializing_if = "Option::is_none")]
    pub corsproof: Option<CorsproofNote>,
    /// Anything else.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A request as it went out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    /// The method.
    pub method: String,
    /// The absolute URL.
    pub url: String,
    /// `HTTP/1.1`, `HTTP/2`, `h2`... as the engine writes it.
    #[serde(default)]
    pub http_version: String,
    /// The cookies sent (the developer tools may have left them out).
    #[serde(default)]
    pub cookies: Vec<Cookie>,
    /// The headers sent, in order, as the engine shows them.
    #[serde(default)]
    pub headers: Vec<Header>,
    /// The URL's query, as pairs.
    #[serde(default)]
    pub query_string: Vec<Header>,
    /// The body, when there was one and it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_data: Option<Value>,
    /// The size of the head in bytes, -1 when unknown.
    #[serde(default = "unknown_size")]
    pub headers_size: i64,
    /// The size of the body in bytes, -1 when unknown.
    #[serde(default = "unknown_size")]
    pub body_size: i64,
    /// Anything else.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Request {
    /// The value of the first header named `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
}

/// A response as it came back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Response {
    /// The status; 0 when there was no response, or the browser's export hides it.
    pub status: u16,
    /// The reason phrase.
    #[serde(default)]
    pub status_text: String,
    /// As the request's.
    #[serde(default)]
    pub http_version: String,
    /// The cookies set.
    #[serde(default)]
    pub cookies: Vec<Cookie>,
    /// The headers received, in order.
    #[serde(default)]
    pub headers: Vec<Header>,
    /// The body's description (and the body, when kept).
    #[serde(default = "empty_object")]
    pub content: Value,
    /// The `Location` of a redirect, else empty.
    #[serde(default, rename = "redirectURL")]
    pub redirect_url: String,
    /// The size of the head in bytes, -1 when unknown.
    #[serde(default = "unknown_size")]
    pub headers_size: i64,
    /// The size of the body in bytes, -1 when unknown.
    #[serde(default = "unknown_size")]
    pub body_size: i64,
    /// Chromium's: why the request failed (`net::ERR_FAILED` for a CORS block).
    #[serde(default, rename = "_error", skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Anything else.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Response {
    /// The value of the first header named `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
}

/// One header, or one query pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// As the engine wrote it.
    pub name: String,
    /// As the engine wrote it.
    pub value: String,
}

impl Header {
    /// A header.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Header { name: name.into(), value: value.into() }
    }
}

/// A cookie sent or set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cookie {
    /// Its name.
    pub name: String,
    /// Its value (the developer tools may have redacted it).
    #[serde(default)]
    pub value: String,
    /// Anything else (`path`, `domain`, `expires`, `httpOnly`, `secure`, `sameSite`).
    #[serde(flatten)]
    pub extra: Extra,
}

/// What corsproof concluded about a request, in the HAR files it writes (`_corsproof`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorsproofNote {
    /// `allowed`, `blocked`, `network-error`, `timeout` (a scenario outcome's words).
    pub verdict: String,
    /// The reason class (`missing-allow-origin`...), for a block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The engine's console line, or the oracle's words for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Which engine (`chromium`, `firefox`, `webkit`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
}

fn empty_object() -> Value {
    Value::Object(serde_json::Map::new())
}

fn unknown_size() -> i64 {
    -1
}

/// The value of the first of `headers` named `name` (any case).
pub(crate) fn header<'a>(headers: &'a [Header], name: &str) -> Option<&'a str> {
    headers.iter().find(|header| header.name.eq_ignore_ascii_case(name)).map(|header| header.value.as_str())
}
