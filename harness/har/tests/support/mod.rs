//! Hand-made HAR text in the shape the engines export, built entry by entry.

#![allow(dead_code)] // each test file uses a different part

use serde_json::{Value, json};

/// One entry: the request's method, URL and headers, the response's status and headers.
pub fn entry(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    status: u16,
    response_headers: &[(&str, &str)],
) -> Value {
    let pairs = |headers: &[(&str, &str)]| {
        headers.iter().map(|(name, value)| json!({"name": name, "value": value})).collect::<Vec<_>>()
    };
    json!({
        "startedDateTime": "2026-12-03T10:00:00.000Z",
        "time": 1.5,
        "request": {"method": method, "url": url, "httpVersion": "HTTP/1.1", "headers": pairs(headers),
                    "cookies": [], "queryString": [], "headersSize": -1, "bodySize": 0},
        "response": {"status": status, "statusText": "", "httpVersion": "HTTP/1.1", "headers": pairs(response_headers),
                     "cookies": [], "content": {"size": 0, "mimeType": "x-unknown"}, "redirectURL": "",
                     "headersSize": -1, "bodySize": -1},
        "cache": {}, "timings": {}
    })
}

/// `entry` with `key` set to `value` at the top of the entry (`_resourceType`) or, with a
/// `response.` prefix, in its response (`response._error`, `response.redirectURL`).
pub fn with(mut entry: Value, key: &str, value: Value) -> Value {
    match key.strip_prefix("response.") {
        Some(field) => entry["response"][field] = value,
        None => entry[key] = value,
    }
    entry
}

/// A whole HAR of `entries`, written by `creator`.
pub fn har(creator: &str, entries: Vec<Value>) -> String {
    serde_json::to_string_pretty(&json!({
        "log": {"version": "1.2", "creator": {"name": creator, "version": "1"}, "entries": entries}
    }))
    .expect("JSON")
}

pub const APP: &str = "https://app.example.com";
pub const CHROME_UA: &str =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";
pub const SAFARI_UA: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.2 Safari/605.1.15";
