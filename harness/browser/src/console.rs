//! The browser console, where Chromium writes why it blocked a request.
//!
//! JavaScript only sees `TypeError: Failed to fetch`; the reason is in the console, which
//! chromedriver hands out through the legacy `POST /session/{id}/se/log` command (each read
//! drains the buffer). WebDriver BiDi's `log.entryAdded` does not carry these messages in
//! Chromium.

use fantoccini::wd::WebDriverCompatibleCommand;
use serde::Deserialize;

/// One console message.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ConsoleEntry {
    /// `SEVERE`, `WARNING`, `INFO`, ...
    pub level: String,
    /// The text, which names the request's URL for network messages.
    pub message: String,
    /// `network`, `javascript`, `console-api`, ...
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
