//! The browser console, where the engines write why they blocked a request.
//!
//! JavaScript only sees `TypeError: Failed to fetch`; the reason is in the console. chromedriver
//! hands it out through the legacy `POST /session/{id}/se/log` command (each read drains the
//! buffer; WebDriver BiDi's `log.entryAdded` does not carry these messages in Chromium).
//! Firefox's and WebKit's arrive as events on a websocket (`bidi.rs`, `inspector.rs`), which a
//! [`ConsoleBuffer`] keeps until the next read.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fantoccini::wd::WebDriverCompatibleCommand;
use serde::Deserialize;
use serde_json::Value;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

/// One console message.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ConsoleEntry {
    /// `SEVERE`, `WARNING`, `INFO`, ...
    pub level: String,
    /// The text, which names the request's URL for network messages: in the text itself, or
    /// first, as `<url> - <text>`, when the engine gives the URL beside the text (chromedriver
    /// writes its network messages so, and WebKit's are written alike).
    pub message: String,
    /// `network`, `javascript`, `console-api`, `security`, ...
    #[serde(default)]
    pub source: Option<String>,
}

/// `POST /session/{id}/se/log {"type":"browser"}`.
#[derive(Debug)]
pub(crate) struct ReadBrowserLog;

impl WebDriverCompatibleCommand for ReadBrowserLog {
    fn endpoint(&self, base_url: &url::Url, session_id: Option<&str>) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/se/log", session_id.unwrap_or_default()))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(r#"{"type":"browser"}"#.to_owned()))
    }
}

/// A drain waits until no entry arrived for this long...
const QUIET: Duration = Duration::from_millis(150);
/// ...but not longer than this in all.
const SETTLE_AT_MOST: Duration = Duration::from_secs(2);

/// The console entries a websocket's reader task received and no one has read yet.
#[derive(Debug, Default)]
pub(crate) struct ConsoleBuffer {
    entries: Mutex<Vec<ConsoleEntry>>,
    /// Every entry ever received, to see when they stop coming.
    received: AtomicU64,
    /// The websocket closed or failed.
    closed: AtomicBool,
}

impl ConsoleBuffer {
    /// Keeps `entry` for the next drain.
    pub(crate) fn push(&self, entry: ConsoleEntry) {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).push(entry);
        self.received.fetch_add(1, Ordering::SeqCst);
    }

    /// Notes that no entry will come any more.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
    }

    /// The entries received since the last drain, once no new one came for a moment: they
    /// travel from the page's process to the websocket on their own schedule, a little after the
    /// page's promise settled. Fails when the `channel` closed (the browser was lost).
    pub(crate) async fn drain(&self, channel: &str) -> Result<Vec<ConsoleEntry>, String> {
        settle(&self.received, QUIET, SETTLE_AT_MOST).await;
        let entries = std::mem::take(&mut *self.entries.lock().unwrap_or_else(|e| e.into_inner()));
        if entries.is_empty() && self.closed.load(Ordering::SeqCst) {
            return Err(format!("{channel} closed"));
        }
        Ok(entries)
    }

    /// The entries not drained yet, for tests.
    #[cfg(test)]
    pub(crate) fn pending(&self) -> Vec<ConsoleEntry> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// Waits until `received`, a count of things a reader task received, stopped changing for
/// `quiet`, or `at_most` passed: what a socket delivers travels on its own schedule, a little
/// after the page's promise settled.
pub(crate) async fn settle(received: &AtomicU64, quiet: Duration, at_most: Duration) {
    let started = Instant::now();
    let mut seen = received.load(Ordering::SeqCst);
    loop {
        tokio::time::sleep(quiet).await;
        let now = received.load(Ordering::SeqCst);
        if now == seen || started.elapsed() >= at_most {
            break;
        }
        seen = now;
    }
}

/// The JSON of a websocket's text message; `None` for anything else.
pub(crate) fn parse(message: &Message) -> Option<Value> {
    match message {
        Message::Text(text) => serde_json::from_str(text.as_str()).ok(),
        _ => None,
    }
}

/// A console a websocket's reader task fills (WebDriver BiDi's, WebKit's inspector's): its
/// buffer, and the task, stopped when this is dropped.
#[derive(Debug)]
pub(crate) struct SocketConsole {
    buffer: Arc<ConsoleBuffer>,
    reader: JoinHandle<()>,
    /// What the socket is, for the error when it closed.
    channel: &'static str,
}

impl SocketConsole {
    /// Runs `read`, which fills `buffer` until the socket ends, in a task of its own.
    pub(crate) fn spawn(
        buffer: Arc<ConsoleBuffer>,
        channel: &'static str,
        read: impl Future<Output = ()> + Send + 'static,
    ) -> Self {
        let reader = tokio::spawn({
            let buffer = Arc::clone(&buffer);
            async move {
                read.await;
                buffer.close();
            }
        });
        Self { buffer, reader, channel }
    }

    /// The entries received since the last drain (see [`ConsoleBuffer::drain`]). Fails when
    /// the socket is gone (the browser was lost).
    pub(crate) async fn drain(&self) -> Result<Vec<ConsoleEntry>, String> {
        self.buffer.drain(self.channel).await
    }
}

impl Drop for SocketConsole {
    fn drop(&mut self) {
        self.reader.abort();
    }
}
