//! The console through WebDriver BiDi, for Firefox: geckodriver does not serve the legacy
//! `se/log` command, but the session's websocket (capability `webSocketUrl: true`) delivers
//! every console message, the CORS blocks included, as `log.entryAdded` events.
//!
//! A task reads the websocket and buffers the entries; [`BidiConsole::drain`] hands them out
//! like a `se/log` read, once the events have stopped arriving for a moment: they travel from
//! the content process to the websocket on their own schedule, a little after the page's
//! promise settled.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

use crate::console::ConsoleEntry;

/// How long the websocket may take to connect and to answer the subscription.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// A drain waits until no event arrived for this long...
const QUIET: Duration = Duration::from_millis(150);
/// ...but not longer than this in all.
const SETTLE_AT_MOST: Duration = Duration::from_secs(2);

/// The session's BiDi connection, subscribed to `log.entryAdded`.
#[derive(Debug)]
pub(crate) struct BidiConsole {
    shared: Arc<Shared>,
    reader: JoinHandle<()>,
}

#[derive(Debug, Default)]
struct Shared {
    entries: Mutex<Vec<ConsoleEntry>>,
    /// Every entry ever received, to see when they stop coming.
    received: AtomicU64,
    /// The websocket closed or failed.
    closed: AtomicBool,
}

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
    /// Connects to the session's websocket and subscribes to the console.
    pub(crate) async fn connect(url: &str) -> Result<Self, String> {
        let connecting = tokio_tungstenite::connect_async(url);
        let (mut socket, _) = tokio::time::timeout(CONNECT_TIMEOUT, connecting)
            .await
            .map_err(|_| format!("the BiDi websocket {url} did not answer within {CONNECT_TIMEOUT:?}"))?
            .map_err(|e| format!("the BiDi websocket {url}: {e}"))?;
        let subscribe = json!({
            "id": 1,
            "method": "session.subscribe",
            "params": { "events": ["log.entryAdded"] },
        });
        socket
            .send(Message::text(subscribe.to_string()))
            .await
            .map_err(|e| format!("BiDi session.subscribe: {e}"))?;
        let shared = Arc::new(Shared::default());
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
                shared.record(&value);
            }
            Err("the BiDi websocket closed before answering session.subscribe".to_owned())
        };
        tokio::time::timeout(CONNECT_TIMEOUT, answer)
            .await
            .map_err(|_| format!("BiDi session.subscribe was not answered within {CONNECT_TIMEOUT:?}"))??;
        let reader = tokio::spawn({
            let shared = Arc::clone(&shared);
            async move {
                while let Some(Ok(message)) = socket.next().await {
                    if let Some(value) = parse(&message) {
                        shared.record(&value);
                    }
                }
                shared.closed.store(true, Ordering::SeqCst);
            }
        });
        Ok(Self { shared, reader })
    }

    /// The entries received since the last drain, once no new one came for a moment. Fails
    /// when the websocket is gone (the browser was lost).
    pub(crate) async fn drain(&self) -> Result<Vec<ConsoleEntry>, String> {
        let started = Instant::now();
        let mut seen = self.shared.received.load(Ordering::SeqCst);
        loop {
            tokio::time::sleep(QUIET).await;
            let now = self.shared.received.load(Ordering::SeqCst);
            if now == seen || started.elapsed() >= SETTLE_AT_MOST {
                break;
            }
            seen = now;
        }
        let entries = std::mem::take(&mut *self.shared.entries.lock().unwrap_or_else(|e| e.into_inner()));
        if entries.is_empty() && self.shared.closed.load(Ordering::SeqCst) {
            return Err("the BiDi websocket closed".to_owned());
        }
        Ok(entries)
    }
}

impl Drop for BidiConsole {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

impl Shared {
    /// Buffers a `log.entryAdded` event; ignores everything else.
    fn record(&self, value: &Value) {
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
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).push(entry);
        self.received.fetch_add(1, Ordering::SeqCst);
    }
}

fn parse(message: &Message) -> Option<Value> {
    match message {
        Message::Text(text) => serde_json::from_str(text.as_str()).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_events_become_console_entries_and_other_messages_are_ignored() {
        let shared = Shared::default();
        shared.record(&json!({
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
        shared.record(&json!({ "type": "event", "method": "browsingContext.load", "params": {} }));
        shared.record(&json!({ "type": "success", "id": 7, "result": {} }));
        let entries = shared.entries.lock().unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].level, "SEVERE");
        assert_eq!(entries[0].source.as_deref(), Some("javascript"));
        assert!(entries[0].message.starts_with("Cross-Origin Request Blocked"));
    }
}
