//! WebKit's events (the remote Web Inspector's `Network` domain) in the shape Safari's Web
//! Inspector "Export HAR" writes: `Source/WebInspectorUI/UserInterface/Controllers/HARBuilder.js`
//! in WebKit. `creator` is `WebKit Web Inspector` (at `WI.Platform.version.build` there; the
//! browser's version here); one page, `page_0`, which every entry names; entries carry
//! `_priority`, `_fetchType`, `connection`, `serverIPAddress` (the address without its port)
//! and `_serverPort` from the load's metrics, `httpVersion` as Web Inspector displays the
//! protocol (`HTTP/1.1`), and a failed load's reason in `response._error` (WebKit's own words,
//! `Origin … is not allowed by Access-Control-Allow-Origin. Status code: 200`);
//! the request headers are those the metrics say were really sent (`Host`, `Connection`...),
//! else those the page asked for. Web Inspector lists no preflight: WebKit does not report its
//! `OPTIONS` requests to the inspector, so a preflighted request is one entry, and a request
//! its preflight refused has no response (status 0, no headers).

use std::collections::HashMap;

use corsproof_har::model::{Creator, Entry, Extra, Log, Page};
use serde_json::{Value, json};

use super::{Exchange, Received, base_entry, headers_from_object, iso_8601, log_of};

/// The one page Web Inspector's export names.
const PAGE_ID: &str = "page_0";
use crate::network::NetworkEvent;

/// One request as the inspector told it, with what only WebKit's export writes.
#[derive(Debug, Default)]
struct Loaded {
    exchange: Exchange,
    /// The page that made it (`documentURL`), the title of `page_0`.
    document: String,
    priority: Option<String>,
    remote_address: Option<String>,
    protocol: Option<String>,
    connection: Option<String>,
    /// Where the response came from (`network`, `memory-cache`...).
    source: Option<String>,
    request_headers_size: Option<i64>,
}

/// The log Web Inspector would write of `events` from WebKit `version`.
pub(super) fn log(version: &str, events: &[NetworkEvent]) -> Log {
    let mut loads: Vec<Loaded> = Vec::new();
    let mut current: HashMap<String, usize> = HashMap::new();
    for event in events {
        let params = &event.params;
        let Some(id) = params["requestId"].as_str() else { continue };
        if event.method == "Network.requestWillBeSent" {
            if let Some(&last) = current.get(id)
                && !params["redirectResponse"].is_null()
            {
                loads[last].exchange.response = Some(received(&params["redirectResponse"]));
            }
            let request = &params["request"];
            loads.push(Loaded {
                exchange: Exchange {
                    started_ms: params["walltime"].as_f64().unwrap_or_default() * 1000.0,
                    method: request["method"].as_str().unwrap_or_default().to_owned(),
                    url: request["url"].as_str().unwrap_or_default().to_owned(),
                    request_headers: headers_from_object(&request["headers"]),
                    ..Exchange::default()
                },
                document: params["documentURL"].as_str().unwrap_or_default().to_owned(),
                ..Loaded::default()
            });
            current.insert(id.to_owned(), loads.len() - 1);
            continue;
        }
        let Some(&position) = current.get(id) else { continue };
        let load = &mut loads[position];
        match event.method.as_str() {
            "Network.responseReceived" => {
                let response = &params["response"];
                load.exchange.response = Some(received(response));
                load.source = response["source"].as_str().map(str::to_owned);
                let timing = &response["timing"];
                load.exchange.time_ms = timing["responseEnd"]
                    .as_f64()
                    .filter(|end| *end > 0.0)
                    .or(timing["responseStart"].as_f64())
                    .unwrap_or(0.0);
            }
            "Network.loadingFinished" => {
                let metrics = &params["metrics"];
                if metrics["requestHeaders"].is_object() {
                    load.exchange.request_headers = headers_from_object(&metrics["requestHeaders"]);
                }
                load.priority = metrics["priority"].as_str().map(str::to_owned);
                load.remote_address = metrics["remoteAddress"].as_str().map(str::to_owned);
                load.protocol = metrics["protocol"].as_str().map(str::to_owned);
                load.connection = metrics["connectionIdentifier"].as_str().map(str::to_owned);
                load.request_headers_size = metrics["requestHeaderBytesSent"].as_i64();
                if let (Some(response), Some(size)) =
                    (load.exchange.response.as_mut(), metrics["responseHeaderBytesReceived"].as_i64())
                {
                    response.headers_size = size;
                }
                if let (Some(response), Some(size)) =
                    (load.exchange.response.as_mut(), metrics["responseBodyBytesReceived"].as_i64())
                {
                    response.body_size = size;
                }
            }
            "Network.loadingFailed" => {
                load.exchange.failure = params["errorText"].as_str().map(str::to_owned)
            }
            _ => {}
        }
    }
    loads.sort_by(|a, b| a.exchange.started_ms.total_cmp(&b.exchange.started_ms));
    let mut log =
        log_of(Creator::new("WebKit Web Inspector", version), None, loads.iter().map(entry).collect());
    if let Some(first) = loads.first() {
        log.pages.push(Page {
            started_date_time: iso_8601(first.exchange.started_ms),
            id: PAGE_ID.to_owned(),
            title: first.document.clone(),
            extra: Extra::from([("pageTimings".to_owned(), json!({}))]),
        });
    }
    log
}

/// The inspector's response object as a [`Received`].
fn received(response: &Value) -> Received {
    Received {
        status: response["status"].as_u64().and_then(|s| u16::try_from(s).ok()).unwrap_or(0),
        status_text: response["statusText"].as_str().unwrap_or_default().to_owned(),
        protocol: String::new(),
        headers: headers_from_object(&response["headers"]),
        mime_type: response["mimeType"].as_str().unwrap_or_default().to_owned(),
        headers_size: -1,
        body_size: -1,
    }
}

/// The load as `HARBuilder.entry` writes it.
fn entry(load: &Loaded) -> Entry {
    let mut entry = base_entry(&load.exchange, &display_protocol(load.protocol.as_deref()));
    entry.pageref = Some(PAGE_ID.to_owned());
    entry.timings = json!({
        "blocked": -1, "dns": -1, "connect": -1, "ssl": -1, "send": 0, "wait": entry.time, "receive": 0,
    });
    entry.request.headers_size = load.request_headers_size.unwrap_or(-1);
    entry.response.error = load.exchange.failure.clone();
    if let Some(content) = entry.response.content.as_object_mut()
        && content["mimeType"] == ""
    {
        content.insert("mimeType".to_owned(), json!("x-unknown"));
    }
    if let Some((ip, port)) = load.remote_address.as_deref().and_then(|address| address.rsplit_once(':')) {
        entry.server_ip_address = Some(ip.to_owned());
        if let Ok(port) = port.parse::<u16>() {
            entry.extra.insert("_serverPort".to_owned(), json!(port));
        }
    }
    if let Some(connection) = &load.connection {
        entry.extra.insert("connection".to_owned(), json!(connection));
    }
    let fetch_type = match load.source.as_deref() {
        Some("network") => Some("Network Load"),
        Some("memory-cache") => Some("Memory Cache"),
        Some("disk-cache") => Some("Disk Cache"),
        Some("service-worker") => Some("Service Worker"),
        _ => None,
    };
    if let Some(fetch_type) = fetch_type {
        entry.extra.insert("_fetchType".to_owned(), json!(fetch_type));
    }
    if let Some(priority) = &load.priority {
        entry.extra.insert("_priority".to_owned(), json!(priority));
    }
    entry
}

/// The protocol as Web Inspector displays it (`WI.Resource.displayNameForProtocol`), the
/// inverse of `HARBuilder.protocolFromHARProtocol`: `http/1.1` is `HTTP/1.1`, `h2` `HTTP/2`.
fn display_protocol(protocol: Option<&str>) -> String {
    match protocol {
        Some("h2") => "HTTP/2".to_owned(),
        Some(other) => other.to_ascii_uppercase(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_load_keeps_webkits_reason_and_a_finished_one_its_real_headers() {
        let event = |method: &str, params: Value| NetworkEvent { method: method.to_owned(), params };
        let sent = |id: &str, walltime: f64| {
            event(
                "Network.requestWillBeSent",
                json!({
                    "requestId": id, "walltime": walltime, "documentURL": "http://app.test:1/_page",
                    "request": { "method": "GET", "url": "http://api.test:2/x", "headers": { "Origin": "http://app.test:1" } },
                }),
            )
        };
        let events = [
            sent("0.1", 1.0),
            event(
                "Network.loadingFailed",
                json!({ "requestId": "0.1", "errorText": "Origin http://app.test:1 is not allowed by Access-Control-Allow-Origin. Status code: 200" }),
            ),
            sent("0.2", 2.0),
            event(
                "Network.responseReceived",
                json!({ "requestId": "0.2", "response": {
                "status": 200, "statusText": "OK", "headers": { "Access-Control-Allow-Origin": "*" }, "mimeType": "text/plain",
                "source": "network", "timing": { "responseStart": 0.8 } } }),
            ),
            event(
                "Network.loadingFinished",
                json!({ "requestId": "0.2", "metrics": {
                "protocol": "http/1.1", "remoteAddress": "127.0.0.1:2", "priority": "medium",
                "requestHeaders": { "Origin": "http://app.test:1", "Host": "api.test:2" } } }),
            ),
        ];
        let log = log("2.50", &events);
        let (failed, finished) = (&log.entries[0], &log.entries[1]);
        assert_eq!(failed.response.status, 0);
        assert!(failed.response.error.as_deref().is_some_and(|e| e.contains("Access-Control-Allow-Origin")));
        assert_eq!(finished.request.header("host"), Some("api.test:2"));
        assert_eq!(finished.request.http_version, "HTTP/1.1");
        assert_eq!(finished.server_ip_address.as_deref(), Some("127.0.0.1"));
        assert_eq!(finished.extra["_fetchType"], "Network Load");
        assert_eq!(log.pages[0].title, "http://app.test:1/_page");
        assert_eq!(log.creator.name, "WebKit Web Inspector");
    }
}
