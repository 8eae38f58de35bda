//! Firefox's events (WebDriver BiDi's `network.*`) in the shape Firefox's Network panel's "Save
//! All As HAR" writes: `devtools/client/netmonitor/src/har/har-builder.js` and `har-utils.js`
//! (`buildHarLog`) in mozilla-central. `creator` and `browser` are both `Firefox` at the
//! browser's version; entries carry no `_initiator`/`_resourceType`; header names are as sent;
//! `httpVersion` is upper case (`HTTP/1.1`); a preflight is an `OPTIONS` entry of its own (the
//! Network panel lists it); a request that ended with no response (`network.fetchError` before
//! any `responseStarted`) has status 0 and no headers. Firefox's channel reports a response the
//! browser then blocked for CORS (no `Access-Control-Allow-Origin`) as completed, with its
//! status, as the Network panel shows it beside the reason, so its entry keeps that status.

use std::collections::HashMap;

use corsproof_har::model::{Creator, Entry, Header, Log};
use serde_json::{Value, json};

use super::{Exchange, Received, base_entry, log_of};
use crate::network::NetworkEvent;

/// The log Firefox's Network panel would write of `events` from Firefox `version`.
pub(super) fn log(version: &str, events: &[NetworkEvent]) -> Log {
    // A request's redirect hops share its id; `redirectCount` tells them apart.
    // Each exchange with BiDi's description of its request, the last reported (its `timings`
    // and sizes grow as the request goes).
    let mut exchanges: Vec<(Exchange, Value)> = Vec::new();
    let mut index: HashMap<(String, u64), usize> = HashMap::new();
    for event in events {
        let params = &event.params;
        let request = &params["request"];
        let Some(id) = request["request"].as_str() else { continue };
        let key = (id.to_owned(), params["redirectCount"].as_u64().unwrap_or(0));
        let position = *index.entry(key).or_insert_with(|| {
            exchanges.push((Exchange::default(), Value::Null));
            exchanges.len() - 1
        });
        let (exchange, described) = &mut exchanges[position];
        exchange.method = request["method"].as_str().unwrap_or_default().to_owned();
        exchange.url = request["url"].as_str().unwrap_or_default().to_owned();
        // The later events repeat the request with the headers as finally sent (`Priority`...).
        exchange.request_headers = headers(&request["headers"]);
        let timings = &request["timings"];
        *described = request.clone();
        if exchange.started_ms == 0.0 {
            exchange.started_ms =
                timings["requestTime"].as_f64().or(params["timestamp"].as_f64()).unwrap_or(0.0);
        }
        let ended = timings["responseEnd"].as_f64().filter(|end| *end > 0.0).or(params["timestamp"].as_f64());
        if let Some(ended) = ended {
            exchange.time_ms = ended - exchange.started_ms;
        }
        match event.method.as_str() {
            "network.responseStarted" | "network.responseCompleted" => {
                let response = &params["response"];
                exchange.response = Some(Received {
                    status: response["status"].as_u64().and_then(|s| u16::try_from(s).ok()).unwrap_or(0),
                    status_text: response["statusText"].as_str().unwrap_or_default().to_owned(),
                    protocol: response["protocol"].as_str().unwrap_or_default().to_ascii_uppercase(),
                    headers: headers(&response["headers"]),
                    mime_type: response["mimeType"].as_str().unwrap_or_default().to_owned(),
                    headers_size: response["headersSize"].as_i64().unwrap_or(-1),
                    body_size: response["bodySize"].as_i64().unwrap_or(-1),
                });
            }
            "network.fetchError" => exchange.failure = params["errorText"].as_str().map(str::to_owned),
            _ => {}
        }
    }
    exchanges.sort_by(|(a, _), (b, _)| a.started_ms.total_cmp(&b.started_ms));
    let entries = exchanges.iter().map(|(exchange, request)| entry(exchange, request)).collect();
    log_of(Creator::new("Firefox", version), Some(Creator::new("Firefox", version)), entries)
}

/// BiDi's headers (`[{"name": ..., "value": {"type": "string", "value": ...}}]`) as HAR's.
fn headers(list: &Value) -> Vec<Header> {
    list.as_array()
        .into_iter()
        .flatten()
        .map(|header| {
            Header::new(
                header["name"].as_str().unwrap_or_default(),
                header["value"]["value"].as_str().unwrap_or_default(),
            )
        })
        .collect()
}

/// The exchange as `har-builder.js`'s `buildEntry` writes it, its sizes and `timings` from
/// BiDi's description of the `request` (`timings` in absolute milliseconds, 0 for a phase that
/// did not happen).
fn entry(exchange: &Exchange, request: &Value) -> Entry {
    let phases = &request["timings"];
    let protocol =
        exchange.response.as_ref().map(|r| r.protocol.clone()).unwrap_or_else(|| "HTTP/1.1".to_owned());
    let mut entry = base_entry(exchange, &protocol);
    let at = |name: &str| phases[name].as_f64().filter(|time| *time > 0.0);
    let span = |start: &str, end: &str| match (at(start), at(end)) {
        (Some(start), Some(end)) => end - start,
        _ => -1.0,
    };
    entry.request.headers_size = request["headersSize"].as_i64().filter(|size| *size > 0).unwrap_or(-1);
    entry.request.body_size = request["bodySize"].as_i64().unwrap_or(-1);
    entry.timings = json!({
        "blocked": span("requestTime", "requestStart"),
        "dns": span("dnsStart", "dnsEnd"),
        "connect": span("connectStart", "connectEnd"),
        "ssl": span("tlsStart", "tlsEnd"),
        "send": 0,
        "wait": span("requestStart", "responseStart"),
        "receive": span("responseStart", "responseEnd"),
    });
    entry
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(
        method: &str,
        id: &str,
        redirects: u64,
        url: &str,
        response: Option<(u16, &str)>,
    ) -> NetworkEvent {
        // The second request starts after the first's last hop.
        let started = if id == "1" { 1000.0 + redirects as f64 } else { 2000.0 };
        let mut params = json!({
            "redirectCount": redirects,
            "timestamp": 1000 + redirects,
            "request": { "request": id, "method": "GET", "url": url, "headers": [
                { "name": "Origin", "value": { "type": "string", "value": "http://app.test:1" } },
            ], "timings": { "requestTime": started, "responseEnd": 0 } },
        });
        if let Some((status, location)) = response {
            params["response"] = json!({ "status": status, "statusText": "", "protocol": "http/1.1", "headers": [
                { "name": "location", "value": { "type": "string", "value": location } },
            ] });
        }
        NetworkEvent { method: method.to_owned(), params }
    }

    #[test]
    fn redirect_hops_are_entries_and_a_request_without_a_response_has_status_0() {
        let events = [
            event("network.beforeRequestSent", "1", 0, "http://api.test:2/a", None),
            event(
                "network.responseCompleted",
                "1",
                0,
                "http://api.test:2/a",
                Some((302, "http://cdn.test:1/b")),
            ),
            event("network.beforeRequestSent", "1", 1, "http://cdn.test:1/b", None),
            event("network.responseCompleted", "1", 1, "http://cdn.test:1/b", Some((200, ""))),
            event("network.beforeRequestSent", "2", 0, "http://api.test:2/c", None),
            event("network.fetchError", "2", 0, "http://api.test:2/c", None),
        ];
        let log = log("153.0", &events);
        let statuses: Vec<_> = log.entries.iter().map(|e| e.response.status).collect();
        assert_eq!(statuses, [302, 200, 0]);
        assert_eq!(log.entries[0].response.redirect_url, "http://cdn.test:1/b");
        assert_eq!(log.entries[0].request.http_version, "HTTP/1.1");
        assert_eq!(log.entries[2].request.header("origin"), Some("http://app.test:1"));
        assert_eq!(log.browser.as_ref().map(|b| b.name.as_str()), Some("Firefox"));
    }
}
