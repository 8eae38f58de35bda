//! Chromium's network traffic through its DevTools protocol, the channel Chromium's own Network
//! panel reads.
//!
//! chromedriver starts Chromium with a remote debugging port and tells the session where it is
//! (`goog:chromeOptions.debuggerAddress`, `localhost:PORT`). `GET /json` there lists the page
//! targets, each with its `webSocketDebuggerUrl`; a second client on that socket (chromedriver
//! is the first) sends `Network.enable` and receives every `Network.*` event of the page:
//! `requestWillBeSent` and `requestWillBeSentExtraInfo` (the headers really sent, cookies and
//! `Origin` included), `responseReceived` and `responseReceivedExtraInfo` (the headers really
//! received, even for a response the browser then blocked), `loadingFinished` and
//! `loadingFailed`, which carries `corsErrorStatus` for a CORS block.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

use crate::console::parse;
use crate::network::NetworkBuffer;

/// How long the DevTools endpoint may take to list its targets, connect and enable the domain.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The reader of a page's DevTools socket, stopped when this is dropped.
#[derive(Debug)]
pub(crate) struct DevtoolsNetwork {
    reader: JoinHandle<()>,
}

impl Drop for DevtoolsNetwork {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

impl DevtoolsNetwork {
    /// Connects to the first page target of the browser whose DevTools endpoint is at
    /// `debugger_address` (`localhost:PORT`), enables its `Network` domain and pushes every
    /// `Network.*` event into `buffer` until dropped.
    pub(crate) async fn connect(debugger_address: &str, buffer: Arc<NetworkBuffer>) -> Result<Self, String> {
        let targets = http_get(debugger_address, "/json").await?;
        let targets: Value = serde_json::from_str(&targets)
            .map_err(|e| format!("the DevTools endpoint {debugger_address} listed no JSON targets: {e}"))?;
        let url = targets
            .as_array()
            .into_iter()
            .flatten()
            .find(|target| target["type"] == "page")
            .and_then(|target| target["webSocketDebuggerUrl"].as_str())
            .ok_or_else(|| format!("the DevTools endpoint {debugger_address} lists no page target"))?
            .to_owned();
        let (mut socket, _) = tokio::time::timeout(CONNECT_TIMEOUT, tokio_tungstenite::connect_async(&url))
            .await
            .map_err(|_| format!("the DevTools socket {url} did not answer within {CONNECT_TIMEOUT:?}"))?
            .map_err(|e| format!("the DevTools socket {url}: {e}"))?;
        let enable = json!({ "id": 1, "method": "Network.enable", "params": {} });
        socket
            .send(Message::text(enable.to_string()))
            .await
            .map_err(|e| format!("the DevTools socket {url}: {e}"))?;
        let enabled = async {
            while let Some(message) = socket.next().await {
                let message = message.map_err(|e| format!("the DevTools socket {url}: {e}"))?;
                let Some(value) = parse(&message) else { continue };
                if value.get("id") == Some(&json!(1)) {
                    return match value.get("error") {
                        None => Ok(()),
                        Some(error) => Err(format!("DevTools Network.enable failed: {error}")),
                    };
                }
            }
            Err(format!("the DevTools socket {url} closed before Network.enable was answered"))
        };
        tokio::time::timeout(CONNECT_TIMEOUT, enabled)
            .await
            .map_err(|_| format!("DevTools Network.enable was not answered within {CONNECT_TIMEOUT:?}"))??;
        let reader = tokio::spawn(async move {
            while let Some(Ok(message)) = socket.next().await {
                let Some(value) = parse(&message) else { continue };
                if let Some(method) = value["method"].as_str().filter(|method| method.starts_with("Network."))
                {
                    buffer.push(method, value["params"].clone());
                }
            }
        });
        Ok(Self { reader })
    }
}

/// The body of `GET path` from the HTTP server at `authority` (`host:port`): up to its
/// `Content-Length` when it gives one (Chromium's DevTools server keeps the connection open),
/// else to the end of the connection (WebKit's inspector server closes it).
pub(crate) async fn http_get(authority: &str, path: &str) -> Result<String, String> {
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(authority).await?;
        let request = format!("GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await?;
        let mut response = Vec::new();
        let mut chunk = [0u8; 16 * 1024];
        loop {
            let read = stream.read(&mut chunk).await?;
            if read == 0 {
                break;
            }
            response.extend_from_slice(&chunk[..read]);
            if let Some((head, body)) = split_head(&response)
                && content_length(head).is_some_and(|length| body.len() >= length)
            {
                break;
            }
        }
        Ok::<_, std::io::Error>(response)
    };
    let response = tokio::time::timeout(CONNECT_TIMEOUT, exchange)
        .await
        .map_err(|_| format!("http://{authority}{path} did not answer within {CONNECT_TIMEOUT:?}"))?
        .map_err(|e| format!("http://{authority}{path}: {e}"))?;
    let body = split_head(&response).map_or(&response[..], |(_, body)| body);
    Ok(String::from_utf8_lossy(body).into_owned())
}

/// A response's head and what came after it, once the head is whole.
fn split_head(response: &[u8]) -> Option<(&[u8], &[u8])> {
    let end = response.windows(4).position(|window| window == b"\r\n\r\n")?;
    Some((&response[..end], &response[end + 4..]))
}

/// The head's `Content-Length`.
fn content_length(head: &[u8]) -> Option<usize> {
    String::from_utf8_lossy(head).lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim().eq_ignore_ascii_case("content-length").then(|| value.trim().parse().ok())?
    })
}
