//! The recorded network events (`network.rs`) as a HAR file, in the shape each engine's own
//! developer tools export ("Save all as HAR"): one module per engine, each folding its channel's
//! events into [`Exchange`]s (one per request and redirect hop) and writing them as its
//! exporter does. The shapes follow the exporters' sources, named in each module.

mod chromium;
mod firefox;
mod webkit;

use corsproof_har::model::{Creator, Entry, Extra, Har, Header, Log, Request, Response};
use corsproof_oracle::Engine;
use serde_json::{Value, json};

use crate::network::NetworkEvent;

/// The page's requests in `events`, recorded from `engine` at `browser_version`, as that
/// engine's developer tools would export them.
pub fn har_from_events(engine: Engine, browser_version: &str, events: &[NetworkEvent]) -> Har {
    let log = match engine {
        Engine::Chromium => chromium::log(events),
        Engine::Firefox => firefox::log(browser_version, events),
        Engine::WebKit => webkit::log(browser_version, events),
    };
    Har { log }
}

/// One request (or one hop of a redirected one) and what came of it, as a channel reported it.
#[derive(Debug, Clone, Default)]
struct Exchange {
    /// When it started, in milliseconds since the Unix epoch.
    started_ms: f64,
    /// How long it took, in milliseconds.
    time_ms: f64,
    method: String,
    url: String,
    /// The headers as sent, in the channel's order.
    request_headers: Vec<Header>,
    /// The response, when one came (a blocked preflight's actual request never gets one).
    response: Option<Received>,
    /// The channel's word for the failure that ended the request.
    failure: Option<String>,
}

/// A response as a channel reported it.
#[derive(Debug, Clone)]
struct Received {
    status: u16,
    status_text: String,
    /// `http/1.1`, `h2`... as the channel said it.
    protocol: String,
    headers: Vec<Header>,
    mime_type: String,
    /// The head's size in bytes, -1 when unknown.
    headers_size: i64,
    /// The body's size in bytes, -1 when unknown.
    body_size: i64,
}

impl Default for Received {
    /// No status, no headers, sizes unknown.
    fn default() -> Self {
        Self {
            status: 0,
            status_text: String::new(),
            protocol: String::new(),
            headers: Vec::new(),
            mime_type: String::new(),
            headers_size: -1,
            body_size: -1,
        }
    }
}

impl Received {
    /// The `Location` header, which a redirect's entry repeats as `redirectURL`.
    fn location(&self) -> String {
        self.headers
            .iter()
            .find(|header| header.name.eq_ignore_ascii_case("location"))
            .map(|header| header.value.clone())
            .unwrap_or_default()
    }
}

/// A log of `entries` written by `creator`.
fn log_of(creator: Creator, browser: Option<Creator>, entries: Vec<Entry>) -> Log {
    Log { version: "1.2".to_owned(), creator, browser, pages: Vec::new(), entries, extra: Extra::new() }
}

/// The entry every exporter starts from: the request as sent and the response as received
/// (status 0 and nothing else when none came), in HAR 1.2's required fields.
fn base_entry(exchange: &Exchange, http_version: &str) -> Entry {
    let request = Request {
        method: exchange.method.clone(),
        url: exchange.url.clone(),
        http_version: http_version.to_owned(),
        cookies: Vec::new(),
        headers: exchange.request_headers.clone(),
        query_string: query_string(&exchange.url),
        post_data: None,
        headers_size: -1,
        body_size: 0,
        extra: Extra::new(),
    };
    let received = exchange.response.clone().unwrap_or_default();
    let response = Response {
        status: received.status,
        status_text: received.status_text.clone(),
        http_version: if exchange.response.is_some() { http_version.to_owned() } else { String::new() },
        cookies: Vec::new(),
        headers: received.headers.clone(),
        content: json!({ "size": received.body_size.max(0), "mimeType": received.mime_type }),
        redirect_url: received.location(),
        headers_size: received.headers_size,
        body_size: received.body_size,
        error: None,
        extra: Extra::new(),
    };
    Entry {
        pageref: None,
        started_date_time: iso_8601(exchange.started_ms),
        time: exchange.time_ms.max(0.0),
        request,
        response,
        cache: json!({}),
        timings: json!({ "send": 0, "wait": exchange.time_ms.max(0.0), "receive": 0 }),
        server_ip_address: None,
        initiator: None,
        resource_type: None,
        from_cache: None,
        corsproof: None,
        extra: Extra::new(),
    }
}

/// The URL's query as pairs, decoded as the exporters decode it.
fn query_string(url: &str) -> Vec<Header> {
    url::Url::parse(url)
        .map(|url| url.query_pairs().map(|(name, value)| Header::new(name, value)).collect())
        .unwrap_or_default()
}

/// Headers given as a JSON object (`{"Name": "value"}`, the DevTools and Web Inspector form),
/// in the object's order; a value with several lines is several headers, as the exporters
/// split them.
fn headers_from_object(object: &Value) -> Vec<Header> {
    object
        .as_object()
        .into_iter()
        .flatten()
        .flat_map(|(name, value)| {
            value
                .as_str()
                .unwrap_or_default()
                .split('\n')
                .map(|line| Header::new(name, line))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// `milliseconds` since the Unix epoch (a browser's timestamp, fractional) as ISO 8601 in UTC, to
/// the millisecond (`2026-12-03T23:25:57.095Z`), as JavaScript's `Date.toJSON` writes it.
fn iso_8601(milliseconds: f64) -> String {
    corsproof_har::write::date_time(milliseconds.max(0.0).round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_written_as_javascript_writes_them() {
        assert_eq!(iso_8601(0.0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso_8601(1_796_340_357_095.171), "2026-12-03T23:25:57.095Z");
        assert_eq!(iso_8601(951_782_400_000.0), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn a_header_object_keeps_its_order_and_splits_lines() {
        let headers = headers_from_object(&json!({ "b": "1", "Set-Cookie": "x=1\ny=2", "a": "3" }));
        let pairs: Vec<_> = headers.iter().map(|h| (h.name.as_str(), h.value.as_str())).collect();
        assert_eq!(pairs, [("b", "1"), ("Set-Cookie", "x=1"), ("Set-Cookie", "y=2"), ("a", "3")]);
    }
}
