//! Chromium's events (the DevTools protocol's `Network` domain) in the shape Chromium DevTools'
//! "Save all as HAR" writes: `front_end/models/har/Log.ts` (`Log.build`, `Entry.build`) in the
//! devtools-frontend repository. `creator` is `WebInspector` at the WebKit version DevTools
//! reports (`537.36`, from Chromium's user agent); every entry carries `_initiator` (the
//! protocol's initiator, `{"type": "preflight", ...}` for a preflight), `_priority`,
//! `_resourceType` (the protocol's resource type in lower case, `preflight` for a CORS
//! preflight, which DevTools lists as an entry of its own), `_fromCache` only when served from a
//! cache, `connection` and `serverIPAddress`; a request that failed has `response._error`
//! (`net::ERR_FAILED` for a CORS block) and, having no `responseReceived`, status 0, while the
//! headers the network really received (`responseReceivedExtraInfo`) are kept, as DevTools
//! shows them.

use std::collections::HashMap;

use corsproof_har::model::{Creator, Entry, Header, Log};
use serde_json::{Value, json};

use super::{Exchange, Received, base_entry, headers_from_object, log_of};
use crate::network::NetworkEvent;

/// The version DevTools writes as its creator's: the `AppleWebKit/537.36` of Chromium's user agent.
const WEBKIT_VERSION: &str = "537.36";

/// One hop of a request as the protocol told it, with what only Chromium's export writes.
#[derive(Debug, Default)]
struct Hop {
    exchange: Exchange,
    /// The protocol's monotonic clock when it started, in seconds.
    started_at: f64,
    resource_type: String,
    initiator: Value,
    priority: Option<String>,
    /// `_fromCache`: `memory` (`requestServedFromCache`) or `disk` (`fromDiskCache`).
    from_cache: Option<&'static str>,
    server_ip: Option<String>,
    connection: Option<String>,
    /// The response's `timing` (`requestTime` in seconds, the phases in milliseconds after it).
    timing: Value,
}

impl Hop {
    /// Ends the hop at the protocol's `timestamp` (seconds).
    fn end(&mut self, timestamp: Option<f64>) {
        if let Some(timestamp) = timestamp {
            self.exchange.time_ms = (timestamp - self.started_at) * 1000.0;
        }
    }

    /// Takes the response the protocol described (`responseReceived`'s or a redirect's
    /// `redirectResponse`).
    fn receive(&mut self, response: &Value) {
        self.exchange.response = Some(Received {
            status: response["status"].as_u64().and_then(|s| u16::try_from(s).ok()).unwrap_or(0),
            status_text: response["statusText"].as_str().unwrap_or_default().to_owned(),
            protocol: response["protocol"].as_str().unwrap_or_default().to_owned(),
            headers: headers_from_object(&response["headers"]),
            mime_type: response["mimeType"].as_str().unwrap_or_default().to_owned(),
            headers_size: -1,
            body_size: -1,
        });
        if response["fromDiskCache"].as_bool() == Some(true) {
            self.from_cache = Some("disk");
        }
        self.server_ip = response["remoteIPAddress"].as_str().map(str::to_owned);
        self.connection = response["connectionId"].as_u64().map(|id| id.to_string());
        self.timing = response["timing"].clone();
    }
}

/// What the protocol said of one request id: its hops, and the extra-info events, which come
/// in the hops' order but not always after the hop they belong to.
#[derive(Debug, Default)]
struct Request {
    hops: Vec<Hop>,
    sent_headers: Vec<Vec<Header>>,
    /// Each `responseReceivedExtraInfo`'s headers and the protocol of its status line
    /// (`HTTP/1.1`), which DevTools writes as the version of a response it never got.
    received: Vec<(Vec<Header>, String)>,
}

/// The log DevTools would write of `events`.
pub(super) fn log(events: &[NetworkEvent]) -> Log {
    let mut requests: HashMap<String, Request> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    for event in events {
        let params = &event.params;
        let Some(id) = params["requestId"].as_str() else { continue };
        let request = requests.entry(id.to_owned()).or_insert_with(|| {
            order.push(id.to_owned());
            Request::default()
        });
        let timestamp = params["timestamp"].as_f64();
        match event.method.as_str() {
            "Network.requestWillBeSent" => {
                if let Some(last) = request.hops.last_mut()
                    && !params["redirectResponse"].is_null()
                {
                    last.receive(&params["redirectResponse"]);
                    last.end(timestamp);
                }
                request.hops.push(hop(params));
            }
            "Network.requestWillBeSentExtraInfo" => {
                request.sent_headers.push(headers_from_object(&params["headers"]));
            }
            "Network.responseReceivedExtraInfo" => {
                let status_line = params["headersText"].as_str().and_then(|text| text.lines().next());
                let version = status_line.and_then(|line| line.split(' ').next()).unwrap_or_default();
                request.received.push((headers_from_object(&params["headers"]), version.to_owned()));
            }
            "Network.responseReceived" => {
                if let Some(last) = request.hops.last_mut() {
                    last.receive(&params["response"]);
                    if params["type"] == "Preflight" {
                        last.resource_type = "preflight".to_owned();
                    }
                }
            }
            "Network.requestServedFromCache" => {
                if let Some(last) = request.hops.last_mut() {
                    last.from_cache = Some("memory");
                }
            }
            "Network.loadingFinished" => {
                if let Some(last) = request.hops.last_mut() {
                    last.end(timestamp);
                    if let (Some(response), Some(size)) =
                        (last.exchange.response.as_mut(), params["encodedDataLength"].as_i64())
                    {
                        response.body_size = size;
                    }
                }
            }
            "Network.loadingFailed" => {
                if let Some(last) = request.hops.last_mut() {
                    last.end(timestamp);
                    last.exchange.failure = params["errorText"].as_str().map(str::to_owned);
                }
            }
            _ => {}
        }
    }
    let mut hops = Vec::new();
    for id in order {
        let Some(request) = requests.remove(&id) else { continue };
        let mut sent = request.sent_headers.into_iter();
        let mut received = request.received.into_iter();
        for mut hop in request.hops {
            if let Some(headers) = sent.next() {
                hop.exchange.request_headers = headers;
            }
            if let Some((headers, version)) = received.next() {
                // DevTools shows the headers the network received even when the browser then
                // blocked the response; the status stays `responseReceived`'s (0 without it).
                let response = hop.exchange.response.get_or_insert_with(Received::default);
                response.headers = headers;
                if response.protocol.is_empty() {
                    response.protocol = version;
                }
            }
            hops.push(hop);
        }
    }
    hops.sort_by(|a, b| a.exchange.started_ms.total_cmp(&b.exchange.started_ms));
    log_of(Creator::new("WebInspector", WEBKIT_VERSION), None, hops.iter().map(entry).collect())
}

/// A new hop from `requestWillBeSent`'s parameters.
fn hop(params: &Value) -> Hop {
    let request = &params["request"];
    let initiator = params["initiator"].clone();
    let resource_type = if initiator["type"] == "preflight" {
        "preflight".to_owned()
    } else {
        params["type"].as_str().unwrap_or("other").to_ascii_lowercase()
    };
    Hop {
        exchange: Exchange {
            started_ms: params["wallTime"].as_f64().unwrap_or_default() * 1000.0,
            time_ms: 0.0,
            method: request["method"].as_str().unwrap_or_default().to_owned(),
            url: request["url"].as_str().unwrap_or_default().to_owned(),
            request_headers: headers_from_object(&request["headers"]),
            response: None,
            failure: None,
        },
        started_at: params["timestamp"].as_f64().unwrap_or_default(),
        resource_type,
        initiator,
        priority: request["initialPriority"].as_str().map(str::to_owned),
        ..Hop::default()
    }
}

/// The hop as DevTools' `Entry.build` writes it.
fn entry(hop: &Hop) -> Entry {
    let protocol = hop.exchange.response.as_ref().map(|r| r.protocol.clone()).unwrap_or_default();
    let mut entry = base_entry(&hop.exchange, &protocol);
    if entry.response.status == 0 {
        entry.response.status_text = String::new();
    }
    if let Some(content) = entry.response.content.as_object_mut()
        && content["mimeType"] == ""
    {
        content.insert("mimeType".to_owned(), json!("x-unknown"));
    }
    entry.response.error = hop.exchange.failure.clone();
    entry.initiator = Some(hop.initiator.clone());
    entry.resource_type = Some(hop.resource_type.clone());
    entry.timings = timings(hop);
    entry.from_cache = hop.from_cache.map(str::to_owned);
    entry.server_ip_address = hop.server_ip.clone();
    if let Some(priority) = &hop.priority {
        entry.extra.insert("_priority".to_owned(), json!(priority));
    }
    if let Some(connection) = &hop.connection {
        entry.extra.insert("connection".to_owned(), json!(connection));
    }
    entry
}

/// The phases of the hop as DevTools' `Entry.buildTimings` splits them: the time queued before
/// the network took the request (`_blocked_queueing`, in `blocked`), DNS, connection, TLS,
/// sending, waiting for the head, and the rest as receiving; -1 for a phase that did not
/// happen, and only `-1`s and zeros for a request without timing (one that failed before a
/// response).
fn timings(hop: &Hop) -> Value {
    let timing = &hop.timing;
    let Some(request_time) = timing["requestTime"].as_f64() else {
        return json!({
            "blocked": -1, "dns": -1, "ssl": -1, "connect": -1, "send": 0, "wait": 0, "receive": 0,
            "_blocked_queueing": -1,
        });
    };
    let at = |name: &str| timing[name].as_f64().unwrap_or(-1.0);
    let phase = |start: &str, end: &str| if at(start) >= 0.0 { at(end) - at(start) } else { -1.0 };
    let queueing = ((request_time - hop.started_at) * 1000.0).max(0.0);
    let first_phase =
        ["dnsStart", "connectStart", "sendStart"].iter().map(|name| at(name)).find(|t| *t >= 0.0);
    let blocked = queueing + first_phase.unwrap_or(0.0);
    let (dns, connect, ssl) =
        (phase("dnsStart", "dnsEnd"), phase("connectStart", "connectEnd"), phase("sslStart", "sslEnd"));
    let send = at("sendEnd") - at("sendStart");
    let wait = at("receiveHeadersEnd") - at("sendEnd");
    let before_receive = blocked + dns.max(0.0) + connect.max(0.0) + send + wait;
    let receive = (hop.exchange.time_ms - before_receive).max(0.0);
    json!({
        "blocked": blocked, "dns": dns, "ssl": ssl, "connect": connect, "send": send, "wait": wait,
        "receive": receive, "_blocked_queueing": queueing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(method: &str, params: Value) -> NetworkEvent {
        NetworkEvent { method: method.to_owned(), params }
    }

    #[test]
    fn a_blocked_request_has_status_0_its_error_and_the_headers_the_network_received() {
        let url = "http://api.test:2/t/x/data";
        let events = [
            event(
                "Network.requestWillBeSentExtraInfo",
                json!({ "requestId": "9", "headers": { "Origin": "http://app.test:1" } }),
            ),
            event(
                "Network.requestWillBeSent",
                json!({
                    "requestId": "P", "timestamp": 10.001, "wallTime": 1000.001, "type": "Other",
                    "request": { "method": "OPTIONS", "url": url, "headers": {} },
                    "initiator": { "type": "preflight", "url": url, "requestId": "9" },
                }),
            ),
            event(
                "Network.requestWillBeSent",
                json!({
                    "requestId": "9", "timestamp": 10.0, "wallTime": 1000.0, "type": "Fetch",
                    "request": { "method": "GET", "url": url, "headers": {}, "initialPriority": "High" },
                    "initiator": { "type": "script" },
                }),
            ),
            event(
                "Network.responseReceivedExtraInfo",
                json!({
                    "requestId": "9", "statusCode": 200, "headers": { "content-length": "2" },
                    "headersText": "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n",
                }),
            ),
            event(
                "Network.loadingFailed",
                json!({ "requestId": "9", "timestamp": 10.005, "errorText": "net::ERR_FAILED" }),
            ),
        ];
        let log = log(&events);
        let methods: Vec<_> = log.entries.iter().map(|e| e.request.method.as_str()).collect();
        assert_eq!(methods, ["GET", "OPTIONS"], "in the order they started");
        let (blocked, preflight) = (&log.entries[0], &log.entries[1]);
        assert_eq!(blocked.request.header("origin"), Some("http://app.test:1"));
        assert_eq!(
            (blocked.response.status, blocked.response.error.as_deref()),
            (0, Some("net::ERR_FAILED"))
        );
        assert_eq!(blocked.response.header("content-length"), Some("2"));
        assert_eq!(blocked.response.http_version, "HTTP/1.1");
        assert_eq!(blocked.started_date_time, "1970-01-01T00:16:40.000Z");
        assert!((blocked.time - 5.0).abs() < 0.01, "{}", blocked.time);
        assert_eq!(blocked.resource_type.as_deref(), Some("fetch"));
        assert_eq!(preflight.resource_type.as_deref(), Some("preflight"));
        assert_eq!(log.creator.name, "WebInspector");
    }
}
