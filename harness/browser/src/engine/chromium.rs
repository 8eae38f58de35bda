//! Chromium through chromedriver (see shared/browsers.md).

use std::path::Path;

use corsproof_oracle::Engine;
use fantoccini::wd::Capabilities;
use serde_json::json;

use super::{BrowserEngine, ConsoleSource};
use crate::session::BrowserConfig;

/// What to do when Chromium or chromedriver is missing.
pub const INSTALL_HINT: &str = "install Chromium and chromedriver with `ci/install-browsers` \
     (or `apt-get install chromium chromium-driver`), or point --webdriver at a running driver";

/// Blink, through chromedriver.
#[derive(Debug)]
pub(super) struct Chromium;

impl BrowserEngine for Chromium {
    fn engine(&self) -> Engine {
        Engine::Chromium
    }

    fn browser_names(&self) -> &'static [&'static str] {
        &["chromium", "chromium-browser", "google-chrome"]
    }

    fn driver_names(&self) -> &'static [&'static str] {
        &["chromedriver"]
    }

    fn install_hint(&self) -> &'static str {
        INSTALL_HINT
    }

    /// Headless, no sandbox (root), no background networking (the network is closed), insecure
    /// certificates accepted (the mock origins' CA is throwaway), the mock host names resolved by
    /// `--host-resolver-rules`, console messages kept, and third-party cookies allowed
    /// (`profile.cookie_controls_mode` 0, the default of a regular Chrome window; this headless
    /// Chromium blocks them otherwise, and no `SameSite=None` cookie would ever ride a
    /// cross-site request).
    fn capabilities(&self, config: &BrowserConfig, binary: Option<&Path>, profile: &Path) -> Capabilities {
        let mut args = vec![
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            format!("--user-data-dir={}", profile.display()),
        ];
        if let Some(rules) = &config.host_resolver_rules {
            args.push(format!("--host-resolver-rules={rules}"));
        }
        let mut options = json!({ "args": args, "prefs": { "profile.cookie_controls_mode": 0 } });
        if let Some(binary) = binary {
            options["binary"] = json!(binary);
        }
        let mut capabilities = Capabilities::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        capabilities.insert("acceptInsecureCerts".into(), json!(true));
        capabilities.insert("goog:chromeOptions".into(), options);
        capabilities.insert("goog:loggingPrefs".into(), json!({ "browser": "ALL" }));
        capabilities
    }

    /// chromedriver serves the legacy `se/log`; WebDriver BiDi's `log.entryAdded` does not carry
    /// the CORS messages in Chromium.
    fn console_source(&self) -> ConsoleSource {
        ConsoleSource::SeLog
    }
}
