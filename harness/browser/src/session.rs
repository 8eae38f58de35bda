//! One WebDriver session: launch, load pages, run requests, read the console, close.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use corsproof_oracle::Engine;
use fantoccini::wd::TimeoutConfiguration;
use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde::Deserialize;

use corsproof_har::model::Har;

use crate::bidi::BidiConsole;
use crate::console::{ConsoleEntry, ReadBrowserLog, SocketConsole};
use crate::devtools::DevtoolsNetwork;
use crate::driver::{DriverProcess, TrustStore};
use crate::engine::{ConsoleSource, Executable, browser_engine};
use crate::har_export::har_from_events;
use crate::host_map::HostMap;
use crate::inspector::{InspectorConsole, page_path};
use crate::liveness;
use crate::locate::SearchPath;
use crate::network::{NetworkBuffer, NetworkEvent};
use crate::page::{PageRequest, PageResult};

/// How to get a browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrowserConfig {
    /// Which engine.
    pub engine: Engine,
    /// A WebDriver endpoint (a driver or a Selenium Grid) that is already running; `None`
    /// starts a driver here.
    pub webdriver: Option<String>,
    /// The host names the browser must send elsewhere than the machine's resolver would (the
    /// mock origins' `*.test`), said once for every engine; each engine's module turns it into
    /// its own setting. `None` leaves every name to the browser.
    pub hosts: Option<HostMap>,
    /// A CA certificate (PEM) to trust besides the system's. WebKitGTK checks an HTTPS proxy's
    /// certificate against the system store whatever `acceptInsecureCerts` says, so for WebKit
    /// the routing proxy's CA must be in that store (see `driver.rs`).
    pub trust_ca_pem: Option<String>,
    /// How long one batch of requests may take in the page before the session is given up.
    pub batch_timeout: Duration,
    /// Record the page's network traffic through the engine's own channel (see `network.rs`),
    /// for [`Browser::network_har`]. Off by default: it costs the browser a little per request.
    pub record_network: bool,
}

impl Default for BrowserConfig {
    fn default() -> Self {
        Self {
            engine: Engine::Chromium,
            webdriver: None,
            hosts: None,
            trust_ca_pem: None,
            batch_timeout: Duration::from_secs(120),
            record_network: false,
        }
    }
}

/// Why the browser could not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BrowserError {
    /// The browser or its driver is not installed.
    #[error("{what} was not found; {hint}", hint = crate::install_hint(*.engine))]
    NotInstalled {
        /// What is missing.
        what: String,
        /// The engine it belongs to, which says how to install it.
        engine: Engine,
    },
    /// The driver could not be started.
    #[error("the WebDriver driver failed: {0}")]
    Driver(String),
    /// The driver would not open a session.
    #[error("the browser would not start a session: {0}")]
    Session(String),
    /// The browser, the driver or the session went away; a new browser may do better.
    #[error("the browser was lost: {0}")]
    Lost(String),
    /// The page could not run the requests (no page script, a script error).
    #[error("the page could not run the requests: {0}")]
    Page(String),
}

impl BrowserError {
    /// Whether launching a new browser and trying again makes sense.
    pub fn is_lost(&self) -> bool {
        matches!(self, BrowserError::Lost(_))
    }

    /// Whether a second launch may succeed where this one failed: a driver that lost its port
    /// to another process or died at start, a session refused under load. A missing browser or
    /// a page error will not go away by trying again.
    pub fn is_transient(&self) -> bool {
        matches!(self, BrowserError::Lost(_) | BrowserError::Driver(_) | BrowserError::Session(_))
    }
}

/// Where a session's console is read from, as its engine says ([`ConsoleSource`]).
#[derive(Debug)]
enum SessionConsole {
    /// chromedriver's `se/log` command.
    SeLog,
    /// The session's WebDriver BiDi websocket, or the browser's remote inspector.
    Socket(SocketConsole),
    /// Nowhere: a browser behind a `--webdriver` URL whose console only its own inspector
    /// serves, or a closed session.
    Unavailable,
}

/// A running browser session (and, unless it was given a WebDriver URL, its driver).
#[derive(Debug)]
pub struct Browser {
    client: Client,
    /// Whether the driver takes WebDriver's set-permission command.
    sets_permissions: bool,
    console: SessionConsole,
    driver: Option<DriverProcess>,
    profile: Option<Profile>,
    version: String,
    engine: Engine,
    /// The recorded network events, when the session records them.
    network: Option<Arc<NetworkBuffer>>,
    /// Chromium's DevTools socket, which fills `network` (the other engines fill it from the
    /// console's socket).
    devtools: Option<DevtoolsNetwork>,
}

impl Browser {
    /// Starts a driver (unless `config.webdriver` names one) and a session.
    pub async fn launch(config: &BrowserConfig) -> Result<Self, BrowserError> {
        let profile =
            Profile::create().map_err(|e| BrowserError::Session(format!("no profile directory: {e}")))?;
        let engine = browser_engine(config.engine);
        let (driver, url, binary) = match &config.webdriver {
            Some(url) => (None, url.clone(), None),
            None => {
                let search = SearchPath::from_env();
                let find = |executable: &Executable| {
                    executable.find(&search).ok_or_else(|| BrowserError::NotInstalled {
                        what: executable.name.to_owned(),
                        engine: config.engine,
                    })
                };
                let requirements = engine.requirements();
                let binary = find(&requirements.browser)?;
                let driver_path = find(&requirements.driver)?;
                let trust = match &config.trust_ca_pem {
                    Some(pem) if engine.needs_system_trust() => TrustStore::with_extra_ca(&profile.path, pem)
                        .map_err(|e| BrowserError::Driver(format!("cannot write the CA bundle: {e}")))?,
                    _ => None,
                };
                let driver =
                    DriverProcess::start(&driver_path, engine, trust.as_ref(), &binary, &profile.path)
                        .await?;
                let url = driver.url();
                // A browser already started (to serve its inspector) is not the driver's to start.
                let binary = driver.inspector().is_none().then_some(binary);
                (Some(driver), url, binary)
            }
        };
        // The inspector's page is found before the session starts (see `page_path`), and its
        // console connected once the session drives it.
        let inspected = match driver.as_ref().and_then(DriverProcess::inspector) {
            Some(http) => Some((http, page_path(http).await.map_err(BrowserError::Session)?)),
            None => None,
        };
        let capabilities = engine.capabilities(config, binary.as_deref(), &profile.path);
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&url)
            .await
            .map_err(|e| BrowserError::Session(e.to_string()))?;
        let version = client
            .capabilities()
            .and_then(|caps| caps.get("browserVersion"))
            .and_then(|v| v.as_str())
            .unwrap_or("unknown")
            .to_owned();
        let timeouts =
            TimeoutConfiguration::new(Some(config.batch_timeout), Some(Duration::from_secs(30)), None);
        let mut browser = Self {
            client,
            sets_permissions: engine.sets_permissions(),
            console: SessionConsole::Unavailable,
            driver,
            profile: Some(profile),
            version,
            engine: config.engine,
            network: config.record_network.then(|| Arc::new(NetworkBuffer::default())),
            devtools: None,
        };
        if let Err(error) = browser.client.update_timeouts(timeouts).await {
            browser.close().await;
            return Err(BrowserError::Session(error.to_string()));
        }
        match browser.open_console(engine.console_source(), inspected).await {
            Ok(console) => browser.console = console,
            Err(error) => {
                browser.close().await;
                return Err(BrowserError::Session(error));
            }
        }
        if let Err(error) = browser.open_devtools_network().await {
            browser.close().await;
            return Err(BrowserError::Session(error));
        }
        Ok(browser)
    }

    /// Connects to where the session's console is read; `inspected` is the browser's inspector
    /// and the page it listed, when the console is read there.
    async fn open_console(
        &self,
        source: ConsoleSource,
        inspected: Option<(std::net::SocketAddr, String)>,
    ) -> Result<SessionConsole, String> {
        match source {
            ConsoleSource::SeLog => Ok(SessionConsole::SeLog),
            ConsoleSource::Inspector(_) => match inspected {
                Some((http, page)) => InspectorConsole::connect(http, &page, self.network.clone())
                    .await
                    .map(SessionConsole::Socket),
                None => Ok(SessionConsole::Unavailable),
            },
            ConsoleSource::Bidi => {
                let websocket = self
                    .client
                    .capabilities()
                    .and_then(|caps| caps.get("webSocketUrl"))
                    .and_then(|v| v.as_str())
                    .map(str::to_owned);
                match websocket {
                    Some(url) => {
                        BidiConsole::connect(&url, self.network.clone()).await.map(SessionConsole::Socket)
                    }
                    None => {
                        Err("the driver gave no webSocketUrl: it does not speak WebDriver BiDi".to_owned())
                    }
                }
            }
        }
    }

    /// Connects Chromium's DevTools `Network` domain when the session records the network and
    /// the driver named the browser's DevTools endpoint (`goog:chromeOptions.debuggerAddress`,
    /// which only chromedriver gives; the other engines record on the console's socket).
    async fn open_devtools_network(&mut self) -> Result<(), String> {
        let Some(buffer) = &self.network else { return Ok(()) };
        let address = self
            .client
            .capabilities()
            .and_then(|caps| caps.get("goog:chromeOptions"))
            .and_then(|options| options.get("debuggerAddress"))
            .and_then(|v| v.as_str())
            .map(str::to_owned);
        if let Some(address) = address {
            self.devtools = Some(DevtoolsNetwork::connect(&address, Arc::clone(buffer)).await?);
        }
        Ok(())
    }

    /// The page's network events received since the last call, as the engine's channel sent
    /// them (see `network.rs`), once they stopped coming for a moment. Fails when the session
    /// was not launched with [`BrowserConfig::record_network`].
    pub async fn drain_network(&mut self) -> Result<Vec<NetworkEvent>, BrowserError> {
        match &self.network {
            Some(buffer) => Ok(buffer.drain().await),
            None => Err(BrowserError::Page(
                "the network is not recorded: launch the browser with `record_network: true`".to_owned(),
            )),
        }
    }

    /// The page's requests since the last drain as a HAR file, in the shape this engine's
    /// developer tools export ([`har_from_events`](crate::har_from_events)).
    pub async fn network_har(&mut self) -> Result<Har, BrowserError> {
        let events = self.drain_network().await?;
        Ok(har_from_events(self.engine, &self.version, &events))
    }

    /// The browser's version, as the driver reports it.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The value of [`OWNER_VARIABLE`](crate::OWNER_VARIABLE) in the environment of every
    /// process of this browser (driver, browser, helpers, Xvfb); `None` for a driver that was
    /// already running.
    pub fn process_marker(&self) -> Option<&str> {
        self.driver.as_ref().map(DriverProcess::marker)
    }

    /// Loads `url` in the session's window.
    pub async fn open(&mut self, url: &str) -> Result<(), BrowserError> {
        let outcome = self.client.goto(url).await;
        self.checked(outcome).await
    }

    /// Runs `script` (a function body; `arguments` are `args`) in the open page and returns
    /// what it returns: how a test asserts on what a page rendered (a report's highlighted
    /// header, a filter that hid rows), not only on the HTML it was sent.
    pub async fn execute(
        &mut self,
        script: &str,
        args: Vec<serde_json::Value>,
    ) -> Result<serde_json::Value, BrowserError> {
        let outcome = self.client.execute(script, args).await;
        self.checked(outcome).await
    }

    /// The open page's viewport as a PNG (WebDriver's take-screenshot), for a picture of what a
    /// reader sees.
    pub async fn screenshot(&mut self) -> Result<Vec<u8>, BrowserError> {
        let outcome = self.client.screenshot().await;
        self.checked(outcome).await
    }

    /// Grants or denies the open page's origin the permissions Local Network Access asks for
    /// (`loopback-network` and `local-network`), through WebDriver's set-permission. Set
    /// either way, never left to a prompt: headless Chromium denies an unanswered one at once,
    /// headless Firefox holds the request for minutes. A driver without the command (WebKit's,
    /// whose engine has no Local Network Access) is left alone.
    pub async fn set_local_network_permission(&mut self, granted: bool) -> Result<(), BrowserError> {
        if !self.sets_permissions {
            return Ok(());
        }
        for name in ["loopback-network", "local-network"] {
            let outcome = self.client.issue_cmd(SetPermission { name, granted }).await;
            self.checked(outcome).await?;
        }
        Ok(())
    }

    /// Runs each sequence's requests in order, the sequences concurrently, in the open page.
    pub async fn run_sequences(
        &mut self,
        sequences: &[Vec<PageRequest>],
    ) -> Result<Vec<Vec<PageResult>>, BrowserError> {
        const SCRIPT: &str = r#"
            const [sequences, done] = arguments;
            if (!window.corsproof) { done({ error: "the page has no corsproof script: " + location.href }); return; }
            window.corsproof.runSequences(sequences).then(
                (results) => done({ results }),
                (error) => done({ error: String(error) }));
        "#;
        let argument = serde_json::to_value(sequences).map_err(|e| BrowserError::Page(e.to_string()))?;
        let outcome = self.client.execute_async(SCRIPT, vec![argument]).await;
        let value = self.checked(outcome).await?;

        #[derive(Deserialize)]
        struct Answer {
            results: Option<Vec<Vec<PageResult>>>,
            error: Option<String>,
        }
        let answer: Answer = serde_json::from_value(value)
            .map_err(|e| BrowserError::Page(format!("unexpected answer: {e}")))?;
        match (answer.results, answer.error) {
            (Some(results), _) => Ok(results),
            (None, error) => Err(BrowserError::Page(error.unwrap_or_else(|| "no results".to_owned()))),
        }
    }

    /// Whether this session's console can be read: always for a browser started here; behind
    /// a `--webdriver` URL, not for WebKit, whose console only its own inspector serves.
    pub fn reads_console(&self) -> bool {
        !matches!(self.console, SessionConsole::Unavailable)
    }

    /// The console messages written since the last call; always none when the console cannot
    /// be read ([`Browser::reads_console`]).
    pub async fn drain_console(&mut self) -> Result<Vec<ConsoleEntry>, BrowserError> {
        match &self.console {
            SessionConsole::Socket(console) => console.drain().await.map_err(BrowserError::Lost),
            SessionConsole::Unavailable => Ok(Vec::new()),
            SessionConsole::SeLog => {
                let outcome = self.client.issue_cmd(ReadBrowserLog).await;
                let value = self.checked(outcome).await?;
                serde_json::from_value(value)
                    .map_err(|e| BrowserError::Page(format!("unexpected console log: {e}")))
            }
        }
    }

    /// Ends the session, then stops the driver and the browser (in that order: killing
    /// geckodriver first can leave Firefox running).
    pub async fn close(mut self) {
        let client = self.client.clone();
        let _ = tokio::time::timeout(Duration::from_secs(5), client.close()).await;
        self.console = SessionConsole::Unavailable;
        drop(self.devtools.take());
        drop(self.driver.take());
        drop(self.profile.take());
    }

    /// A command's outcome, its failure classified: the browser is lost when its driver, its
    /// main process or its session is found gone, or, all looking alive, when the failure's
    /// words say so (see `liveness.rs`); otherwise the page failed.
    async fn checked<T>(
        &mut self,
        outcome: Result<T, fantoccini::error::CmdError>,
    ) -> Result<T, BrowserError> {
        let error = match outcome {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        let text = error.to_string();
        Err(match liveness::gone(&error, &self.client, self.driver.as_mut()).await {
            Some(gone) => BrowserError::Lost(format!("{text} ({gone})")),
            None => BrowserError::Page(text),
        })
    }
}

/// A fresh browser profile directory, removed on drop.
#[derive(Debug)]
struct Profile {
    path: PathBuf,
}

impl Profile {
    fn create() -> std::io::Result<Self> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let name =
            format!("corsproof-profile-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let path = std::env::temp_dir().join(name);
        std::fs::create_dir_all(&path)?;
        Ok(Self { path })
    }
}

impl Drop for Profile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// `POST /session/{id}/permissions` (W3C Permissions, "Automation"), for the current page's
/// origin.
#[derive(Debug)]
struct SetPermission {
    name: &'static str,
    granted: bool,
}

impl fantoccini::wd::WebDriverCompatibleCommand for SetPermission {
    fn endpoint(&self, base_url: &url::Url, session_id: Option<&str>) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/permissions", session_id.unwrap_or_default()))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        let state = if self.granted { "granted" } else { "denied" };
        let body = serde_json::json!({ "descriptor": { "name": self.name }, "state": state });
        (http::Method::POST, Some(body.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_browser_says_how_to_install_it() {
        let message =
            BrowserError::NotInstalled { what: "chromedriver".into(), engine: Engine::Chromium }.to_string();
        assert!(message.starts_with("chromedriver was not found"), "{message}");
        assert!(message.contains("`corsproof install-browsers --engine chromium`"), "{message}");
        assert!(message.contains("apt-get install chromium chromium-driver"), "{message}");
        let message =
            BrowserError::NotInstalled { what: "geckodriver".into(), engine: Engine::Firefox }.to_string();
        assert!(message.starts_with("geckodriver was not found"), "{message}");
        assert!(message.contains("`corsproof install-browsers --engine firefox`"), "{message}");
        assert!(message.contains("cargo install --locked geckodriver"), "{message}");
        let message = BrowserError::NotInstalled { what: "Xvfb".into(), engine: Engine::WebKit }.to_string();
        assert!(message.starts_with("Xvfb was not found"), "{message}");
        assert!(message.contains("`corsproof install-browsers --engine webkit`"), "{message}");
        assert!(message.contains("apt-get install webkit2gtk-driver xvfb"), "{message}");
    }

    #[test]
    fn only_a_lost_browser_is_worth_a_restart() {
        assert!(BrowserError::Lost("chrome not reachable".into()).is_lost());
        assert!(!BrowserError::Page("no corsproof script".into()).is_lost());
        assert!(BrowserError::Session("webdriver server did not respond".into()).is_transient());
        assert!(!BrowserError::NotInstalled { what: "Xvfb".into(), engine: Engine::WebKit }.is_transient());
    }
}
