//! WebKit's console through its remote Web Inspector, the one channel of WebKitGTK's console
//! that works in an automation session here.
//!
//! WebKitWebDriver 2.50 serves neither `se/log` nor WebDriver BiDi (a `webSocketUrl: true`
//! session is refused with "Failed to match capabilities"), and MiniBrowser's
//! `--enable-write-console-messages-to-stdout` prints nothing in automation mode: automation
//! sessions are ephemeral, and WebCore's `PageConsoleClient::addMessage` writes no ephemeral
//! page's messages to the system console. The inspector gets them all: a MiniBrowser started
//! with `WEBKIT_INSPECTOR_HTTP_SERVER=127.0.0.1:PORT` lists its pages at `http://…/` and serves
//! each on a websocket (`/socket/<connection>/<page>/WebPage`) that speaks the Web Inspector
//! protocol. That socket multiplexes the page's targets: `Target.targetCreated` names one (a
//! new one may come with a process swap), `Target.sendMessageToTarget` carries our
//! `Console.enable` to it, and its `Console.messageAdded` events come back wrapped in
//! `Target.dispatchMessageFromTarget`. `Console.enable` also replays the messages the page
//! printed before it (WebKit keeps the last hundred).
//!
//! For one blocked request WebKit prints three messages: `Origin … is not allowed by
//! Access-Control-Allow-Origin. Status code: 200` (source `security`, no URL), `Fetch API
//! cannot load <url> due to access control checks.` (`javascript`) and `Failed to load
//! resource: Origin … Status code: 200` (`network`, with the request's URL beside the text).
//! Each becomes a [`ConsoleEntry`]; a message that comes with a URL is written `<url> - <text>`,
//! so that it names its request as chromedriver's network messages do.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::console::{ConsoleBuffer, ConsoleEntry, SocketConsole, parse};
use crate::devtools::http_get;
use crate::network::NetworkBuffer;

/// How long the inspector may take to list its pages, connect and enable the console.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The console of the page an inspected browser's automation session drives.
#[derive(Debug)]
pub(crate) struct InspectorConsole;

/// `Console.messageAdded`'s message, the parts kept.
#[derive(Debug, Deserialize)]
struct InspectorMessage {
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    level: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    url: Option<String>,
}

impl InspectorMessage {
    fn entry(self) -> ConsoleEntry {
        let level = match self.level.as_str() {
            "error" => "SEVERE".to_owned(),
            "warning" => "WARNING".to_owned(),
            other => other.to_ascii_uppercase(),
        };
        let message = match self.url.filter(|url| !url.is_empty()) {
            Some(url) => format!("{url} - {}", self.text),
            None => self.text,
        };
        ConsoleEntry { level, message, source: self.source }
    }
}

/// The socket to one page, and what it has told so far.
struct PageSocket {
    socket: tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    next_id: u64,
    targets: Targets,
    /// Where the targets' `Network.*` events go, when the session records the network.
    network: Option<Arc<NetworkBuffer>>,
}

/// What the page's targets have said that later frames refer to.
#[derive(Debug, Default)]
struct Targets {
    /// The ids of the `Console.enable` commands sent, not answered yet.
    enabling: Vec<u64>,
    /// The last entry of each target, which a `Console.messageRepeatCountUpdated` repeats.
    last: HashMap<String, ConsoleEntry>,
}

/// What one inspector frame was.
enum Event {
    /// The console of a target was enabled.
    Enabled,
    /// Nothing to keep.
    Other,
}

impl PageSocket {
    /// Sends `Console.enable` to `target` through the page's socket, and `Network.enable` when
    /// the session records the network.
    async fn enable_console(&mut self, target: &str) -> Result<(), String> {
        if self.network.is_some() {
            self.send_to_target(target, "Network.enable").await?;
        }
        let id = self.send_to_target(target, "Console.enable").await?;
        self.targets.enabling.push(id);
        Ok(())
    }

    /// Sends the parameterless command `method` to `target`; returns the command's id, which
    /// its answer will carry (this task reads the answer, after this returns).
    async fn send_to_target(&mut self, target: &str, method: &str) -> Result<u64, String> {
        self.next_id += 2;
        let id = self.next_id - 1;
        let inner = json!({ "id": id, "method": method });
        let outer = json!({
            "id": self.next_id,
            "method": "Target.sendMessageToTarget",
            "params": { "targetId": target, "message": inner.to_string() },
        });
        self.socket
            .send(Message::text(outer.to_string()))
            .await
            .map_err(|e| format!("the inspector socket: {e}"))?;
        Ok(id)
    }

    /// Handles one frame: enables the console of a new target, buffers console messages.
    async fn handle(&mut self, value: &Value, buffer: &ConsoleBuffer) -> Result<Event, String> {
        match value.get("method").and_then(Value::as_str) {
            Some("Target.targetCreated") => {
                if let Some(target) = value["params"]["targetInfo"]["targetId"].as_str() {
                    self.enable_console(target).await?;
                }
                Ok(Event::Other)
            }
            Some("Target.dispatchMessageFromTarget") => {
                let target = value["params"]["targetId"].as_str().unwrap_or_default().to_owned();
                let Some(inner) =
                    value["params"]["message"].as_str().and_then(|m| serde_json::from_str::<Value>(m).ok())
                else {
                    return Ok(Event::Other);
                };
                if let Some(network) = &self.network
                    && let Some(method) =
                        inner["method"].as_str().filter(|method| method.starts_with("Network."))
                {
                    network.push(method, inner["params"].clone());
                }
                Ok(self.targets.read(target, &inner, buffer))
            }
            _ => Ok(Event::Other),
        }
    }
}

impl Targets {
    /// Reads what a target said: an answer to `Console.enable`, a console message, or a repeat
    /// of the last one (WebKit counts identical messages in a row instead of sending them again).
    fn read(&mut self, target: String, inner: &Value, buffer: &ConsoleBuffer) -> Event {
        if let Some(id) = inner.get("id").and_then(Value::as_u64) {
            if let Some(position) = self.enabling.iter().position(|&enabling| enabling == id) {
                self.enabling.remove(position);
                return Event::Enabled;
            }
            return Event::Other;
        }
        match inner.get("method").and_then(Value::as_str) {
            Some("Console.messageAdded") => {
                let Ok(message) =
                    serde_json::from_value::<InspectorMessage>(inner["params"]["message"].clone())
                else {
                    return Event::Other;
                };
                let entry = message.entry();
                buffer.push(entry.clone());
                self.last.insert(target, entry);
            }
            Some("Console.messageRepeatCountUpdated") => {
                if let Some(entry) = self.last.get(&target) {
                    buffer.push(entry.clone());
                }
            }
            _ => {}
        }
        Event::Other
    }
}

impl InspectorConsole {
    /// Connects to `page`, a page the inspector at `http` listed ([`page_path`]), and enables
    /// its console (and its `Network` domain, whose events go to `network`, when given);
    /// returns once the console is on.
    pub(crate) async fn connect(
        http: SocketAddr,
        page: &str,
        network: Option<Arc<NetworkBuffer>>,
    ) -> Result<SocketConsole, String> {
        let url = format!("ws://{http}{page}");
        let (socket, _) = tokio::time::timeout(CONNECT_TIMEOUT, tokio_tungstenite::connect_async(&url))
            .await
            .map_err(|_| format!("the inspector socket {url} did not answer within {CONNECT_TIMEOUT:?}"))?
            .map_err(|e| format!("the inspector socket {url}: {e}"))?;
        let mut page = PageSocket { socket, next_id: 0, targets: Targets::default(), network };
        let buffer = Arc::new(ConsoleBuffer::default());
        let enabled = async {
            while let Some(message) = page.socket.next().await {
                let message = message.map_err(|e| format!("the inspector socket {url}: {e}"))?;
                let Some(value) = parse(&message) else { continue };
                if let Event::Enabled = page.handle(&value, &buffer).await? {
                    return Ok(());
                }
            }
            Err(format!("the inspector socket {url} closed before the console was enabled"))
        };
        tokio::time::timeout(CONNECT_TIMEOUT, enabled)
            .await
            .map_err(|_| format!("the inspector did not enable the console within {CONNECT_TIMEOUT:?}"))??;
        let reader = {
            let buffer = Arc::clone(&buffer);
            async move {
                while let Some(Ok(message)) = page.socket.next().await {
                    if let Some(value) = parse(&message)
                        && page.handle(&value, &buffer).await.is_err()
                    {
                        break;
                    }
                }
            }
        };
        Ok(SocketConsole::spawn(buffer, "the inspector socket", reader))
    }
}

/// The websocket path of the first page the inspector at `http` lists (MiniBrowser's first
/// tab, which a new automation session is given), once it lists one. Asked before the driver
/// starts its session: WebKitGTK's inspector server tells its page list to one client, the one
/// that connected last, so the inspector's own HTTP server, which connected at the browser's
/// start, knows the page only when it heard of it before the driver connected.
pub(crate) async fn page_path(http: SocketAddr) -> Result<String, String> {
    let started = std::time::Instant::now();
    loop {
        if let Some(path) = first_page(&listing(http).await?) {
            return Ok(path);
        }
        if started.elapsed() > CONNECT_TIMEOUT {
            return Err(format!("the inspector at {http} listed no page within {CONNECT_TIMEOUT:?}"));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The inspector's page list (`GET /`).
async fn listing(http: SocketAddr) -> Result<String, String> {
    http_get(&http.to_string(), "/").await.map_err(|e| format!("the inspector: {e}"))
}

/// The first `/socket/<connection>/<page>/WebPage` path in the inspector's page list (which
/// also lists the automation session itself, as `.../Automation`).
fn first_page(listing: &str) -> Option<String> {
    listing.match_indices("/socket/").find_map(|(start, _)| {
        let path = &listing[start..];
        let end = path.find(|c: char| c == '\'' || c == '"' || c.is_whitespace())?;
        Some(path[..end].to_owned()).filter(|path| path.ends_with("/WebPage"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_list_gives_the_socket_path() {
        let listing = r#"<input type="button" value="Inspect" onclick="window.open('Main.html?ws=' + window.location.host + '/socket/1/1/WebPage', '_blank');">"#;
        assert_eq!(first_page(listing).as_deref(), Some("/socket/1/1/WebPage"));
        assert_eq!(first_page("<html><body>no targets</body></html>"), None);
        let both = "ws=' + '/socket/1/2/Automation', ... ws=' + '/socket/1/1/WebPage'";
        assert_eq!(first_page(both).as_deref(), Some("/socket/1/1/WebPage"));
    }

    #[test]
    fn a_message_with_a_url_names_it_first_and_repeats_are_kept() {
        let buffer = ConsoleBuffer::default();
        let mut targets = Targets::default();
        let network = json!({ "method": "Console.messageAdded", "params": { "message": {
            "source": "network", "level": "error", "url": "http://api.test:2/t/abc/data",
            "text": "Failed to load resource: Origin http://app.test:1 is not allowed by Access-Control-Allow-Origin. Status code: 200",
        }}});
        let security = json!({ "method": "Console.messageAdded", "params": { "message": {
            "source": "security", "level": "error", "url": "", "text": "Preflight response is not successful. Status code: 404",
        }}});
        let repeat = json!({ "method": "Console.messageRepeatCountUpdated", "params": { "count": 2 } });
        let mut handle = |inner: &Value| targets.read("page-1".to_owned(), inner, &buffer);
        handle(&network);
        handle(&security);
        handle(&repeat);
        let entries = buffer.pending();
        assert_eq!(entries.len(), 3);
        assert_eq!(
            entries[0].message,
            "http://api.test:2/t/abc/data - Failed to load resource: Origin http://app.test:1 is not allowed by Access-Control-Allow-Origin. Status code: 200"
        );
        assert_eq!((entries[0].level.as_str(), entries[0].source.as_deref()), ("SEVERE", Some("network")));
        assert_eq!(entries[1].message, "Preflight response is not successful. Status code: 404");
        assert_eq!(entries[2], entries[1]);
    }
}
