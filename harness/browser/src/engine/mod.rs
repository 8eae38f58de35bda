//! What the browser crate knows of each engine, one module per engine behind [`BrowserEngine`]:
//! what it needs installed ([`Requirements`]: the executables to look for, what provides each,
//! and a display server where it needs one) and how to install it, the driver's arguments,
//! whether the driver needs a CA store of its own, the session's capabilities (the
//! [`HostMap`](crate::HostMap) in the engine's own form among them) and where the console is
//! read. The session and the driver ask the trait; this module's [`browser_engine`] is the one
//! place that matches on [`Engine`].

mod chromium;
mod firefox;
mod requirement;
mod webkit;

use std::fmt;
use std::path::Path;

use corsproof_oracle::Engine;
use fantoccini::wd::Capabilities;

pub use chromium::{INSTALL_HINT, host_resolver_rules};
pub use firefox::FIREFOX_INSTALL_HINT;
pub use requirement::{Executable, Provider, Requirements, VersionSource};
pub use webkit::WEBKIT_INSTALL_HINT;

use crate::session::{BrowserConfig, BrowserError};

/// Where an engine's console, which holds the reasons for blocks, is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConsoleSource {
    /// The legacy `POST /session/{id}/se/log` command (see `console.rs`).
    SeLog,
    /// WebDriver BiDi's `log.entryAdded` events on the session's websocket (see `bidi.rs`).
    Bidi,
    /// The browser's remote Web Inspector (see `inspector.rs`): the browser is started here,
    /// before its driver, so that it serves the inspector, and the driver is pointed at it.
    Inspector(InspectedLaunch),
}

/// How to start a browser whose console is read through its remote inspector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct InspectedLaunch {
    /// The browser's arguments (its automation mode).
    pub(crate) args: &'static [&'static str],
    /// The environment variable that makes the browser serve its inspector over HTTP and
    /// websockets at the `127.0.0.1:PORT` it holds.
    pub(crate) http_server_variable: &'static str,
    /// The driver's argument that points it at a running browser's inspector server, before
    /// `127.0.0.1:PORT`.
    pub(crate) driver_target_flag: &'static str,
}

/// One engine as the browser crate drives it.
pub(crate) trait BrowserEngine: fmt::Debug + Sync {
    /// Which engine this is.
    fn engine(&self) -> Engine;

    /// What the engine needs installed: the browser, the driver and, where it needs one, a
    /// display server, each with what provides it and where its version is read.
    fn requirements(&self) -> &'static Requirements;

    /// One line on the engine and how it is driven, for `--browser`'s help.
    fn summary(&self) -> &'static str;

    /// What to do when the engine's browser or driver is missing.
    fn install_hint(&self) -> &'static str;

    /// Arguments the driver needs besides `--port`.
    fn driver_args(&self) -> Result<Vec<String>, BrowserError> {
        Ok(Vec::new())
    }

    /// Whether the browser trusts the mock server's CA only through the system store, so that
    /// the driver must run where a bundle with that CA stands in for it (see `TrustStore`).
    fn needs_system_trust(&self) -> bool {
        false
    }

    /// The capabilities of a new session: headless, the browser `binary` when one was found, a
    /// fresh `profile` folder, insecure certificates accepted, `config.hosts` in the engine's
    /// own form, and the console kept where [`BrowserEngine::console_source`] reads it.
    fn capabilities(&self, config: &BrowserConfig, binary: Option<&Path>, profile: &Path) -> Capabilities;

    /// Where the console is read.
    fn console_source(&self) -> ConsoleSource;

    /// Whether the driver takes WebDriver's set-permission command (`POST
    /// /session/{id}/permissions`): chromedriver 156 and geckodriver 0.37 do, WebKitWebDriver
    /// 2.50 answers "unknown command".
    fn sets_permissions(&self) -> bool {
        true
    }
}

/// The browser crate's module for `engine`.
pub(crate) fn browser_engine(engine: Engine) -> &'static dyn BrowserEngine {
    match engine {
        Engine::Chromium => &chromium::Chromium,
        Engine::Firefox => &firefox::Firefox,
        Engine::WebKit => &webkit::WebKit,
    }
}

/// Whether the runner can read `engine`'s console, where it writes why it blocked a request:
/// Chromium's through `se/log`, Firefox's through WebDriver BiDi, WebKit's through its remote
/// Web Inspector (WebKitWebDriver offers neither of the others). A browser behind a
/// `--webdriver` URL may still keep it shut ([`Browser::reads_console`](crate::Browser::reads_console)).
pub fn console_readable(engine: Engine) -> bool {
    match browser_engine(engine).console_source() {
        ConsoleSource::SeLog | ConsoleSource::Bidi | ConsoleSource::Inspector(_) => true,
    }
}

/// One line on `engine` and how it is driven (`Blink: Chromium through chromedriver`), for a
/// command line that lists the engines.
pub fn summary(engine: Engine) -> &'static str {
    browser_engine(engine).summary()
}

/// What `engine` needs installed to run without a `--webdriver` URL, and what provides each
/// executable (for `corsproof install-browsers`).
pub fn requirements(engine: Engine) -> &'static Requirements {
    browser_engine(engine).requirements()
}

/// What to do when `engine`'s browser or driver is missing.
pub fn install_hint(engine: Engine) -> &'static str {
    browser_engine(engine).install_hint()
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_install_hint_names_the_command_first_and_every_provider() {
        for engine in Engine::ALL {
            let hint = install_hint(engine);
            let command = format!("`corsproof install-browsers --engine {engine}`");
            assert!(hint.starts_with("install ") && hint.contains(&command), "{hint}");
            assert!(hint.find(&command) < hint.find("apt-get"), "{hint}");
            assert!(hint.ends_with("or point --webdriver at a running driver"), "{hint}");
            for executable in requirements(engine).executables() {
                let (Provider::Debian(name) | Provider::Crate(name)) = executable.provider;
                assert!(hint.contains(name), "{engine}'s hint does not name {name}: {hint}");
            }
        }
    }
}
