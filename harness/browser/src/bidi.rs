//! The console through WebDriver BiDi, for Firefox: geckodriver does not serve the legacy
//! `se/log` command, but the session's websocket (capability `webSocketUrl: true`) delivers
//! every console message, the CORS blocks included, as `log.entryAdded` events.
//!
//! A task reads the websocket and buffers the entries in a [`ConsoleBuffer`];
//! [`BidiConsole::drain`] hands them out like a `se/log` read.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::console::{ConsoleBuffer, ConsoleEntry, SocketConsole, parse};
use crate::network::NetworkBuffer;

/// The network events a recording session subscribes to: what Firefox's Network panel shows of
/// a request, its headers as sent, the response's as received, and the error that ended it.
const NETWORK_EVENTS: [&str; 4] = [
    "network.beforeRequestSent",
    "network.responseStarted",
    "network.responseCompleted",
    "network.fetchError",
];

/// How long the websocket may take to connect and to answer the subscription.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The session's BiDi connection, subscribed to `log.entryAdded`.
#[derive(Debug)]
pub(crate) struct BidiConsole;

/// `log.entryAdded`'s parameters, the parts kept.
#[derive(Debug, Deserialize)]
struct LogEntry {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    level: String,
    #[serde(default)]
    text: Option<String>,
}

impl BidiConsole {
    /// Connects to the session's websocket and subscribes to the console, and, when `network`
    /// is given, to the page's network events ([`NETWORK_EVENTS`]), which go there.
    pub(crate) async fn connect(
        url: &str,
        network: Option<Arc<NetworkBuffer>>,
    ) -> Result<SocketConsole, String> {
        let connecting = tokio_tungstenite::connect_async(url);
        let (mut socket, _) = tokio::time::timeout(CONNECT_TIMEOUT, connecting)
            .await
            .map_err(|_| format!("the BiDi websocket {url} did not answer within {CONNECT_TIMEOUT:?}"))?
            .map_err(|e| format!("the BiDi websocket {url}: {e}"))?;
        let mut events = vec!["log.entryAdded"];
        if network.is_some() {
            events.extend(NETWORK_EVENTS);
        }
        let subscribe = json!({ "id": 1, "method": "session.subscribe", "params": { "events": events } });
        socket
            .send(Message::text(subscribe.to_string()))
            .await
            .map_err(|e| format!("BiDi session.subscribe: {e}"))?;
        let buffer = Arc::new(ConsoleBuffer::default());
        let answer = async {
            while let Some(message) = socket.next().await {
                let message = message.map_err(|e| format!("BiDi session.subscribe: {e}"))?;
                let Some(value) = parse(&message) else { continue };
                if value.get("id") == Some(&json!(1)) {
                    return match value.get("error") {
                        None => Ok(()),
                        Some(error) => {
                            Err(format!("BiDi session.subscribe failed: {error} {}", value["message"]))
                        }
                    };
                }
                buffer.push_event(&value);
            }
            Err("the BiDi websocket closed before answering session.subscribe".to_owned())
        };
        tokio::time::timeout(CONNECT_TIMEOUT, answer)
            .await
            .map_err(|_| format!("BiDi session.subscribe was not answered within {CONNECT_TIMEOUT:?}"))??;
        let reader = {
            let buffer = Arc::clone(&buffer);
            async move {
                while let Some(Ok(message)) = socket.next().await {
                    if let Some(value) = parse(&message) {
                        buffer.push_event(&value);
                        if let Some(network) = &network
                            && let Some(method) =
                                value["method"].as_str().filter(|method| NETWORK_EVENTS.contains(method))
                        {
                            network.push(method, value["params"].clone());
                        }
                    }
                }
            }
        };
        Ok(SocketConsole::spawn(buffer, "the BiDi websocket", reader))
    }
}

/// Reading BiDi's events into a console.
trait PushEvent {
    /// Buffers a `log.entryAdded` event; ignores everything else.
    fn push_event(&self, value: &Value);
}

impl PushEvent for ConsoleBuffer {
    fn push_event(&self, value: &Value) {
        if value.get("method").and_then(Value::as_str) != Some("log.entryAdded") {
            return;
        }
        let Ok(entry) = serde_json::from_value::<LogEntry>(value["params"].clone()) else { return };
        let level = match entry.level.as_str() {
            "error" => "SEVERE".to_owned(),
            "warn" => "WARNING".to_owned(),
            other => other.to_ascii_uppercase(),
        };
        let entry = ConsoleEntry { level, message: entry.text.unwrap_or_default(), source: entry.kind };
        self.push(entry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_events_become_console_entries_and_other_messages_are_ignored() {
        let buffer = ConsoleBuffer::default();
        buffer.push_event(&json!({
            "type": "event",
            "method": "log.entryAdded",
            "params": {
                "type": "javascript",
                "level": "error",
                "text": "Cross-Origin Request Blocked: ... (Reason: CORS header 'Access-Control-Allow-Origin' missing). Status code: 200.",
                "timestamp": 1,
                "source": { "realm": "r" },
            },
        }));
        buffer.push_event(&json!({ "type": "event", "method": "browsingContext.load", "params": {} }));
        buffer.push_event(&json!({ "type": "success", "id": 7, "result": {} }));
        let entries = buffer.pending();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].level, "SEVERE");
        assert_eq!(entries[0].source.as_deref(), Some("javascript"));
        assert!(entries[0].message.starts_with("Cross-Origin Request Blocked"));
    }
}
