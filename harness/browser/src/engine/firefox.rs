//! Firefox ESR through geckodriver (see shared/browsers.md).

use std::path::Path;

use corsproof_oracle::Engine;
use fantoccini::wd::Capabilities;
use serde_json::json;

use super::{BrowserEngine, ConsoleSource};
use crate::driver::free_port;
use crate::session::{BrowserConfig, BrowserError};

/// What to do when Firefox or geckodriver is missing.
pub const FIREFOX_INSTALL_HINT: &str = "install Firefox ESR and geckodriver with `ci/install-browsers` \
     (or `apt-get install firefox-esr` and `cargo install --locked geckodriver`), or point --webdriver \
     at a running driver";

/// Gecko: Firefox (ESR), through geckodriver.
#[derive(Debug)]
pub(super) struct Firefox;

impl BrowserEngine for Firefox {
    fn engine(&self) -> Engine {
        Engine::Firefox
    }

    fn browser_names(&self) -> &'static [&'static str] {
        &["firefox-esr", "firefox"]
    }

    fn driver_names(&self) -> &'static [&'static str] {
        &["geckodriver"]
    }

    fn install_hint(&self) -> &'static str {
        FIREFOX_INSTALL_HINT
    }

    /// A free port of its own for WebDriver BiDi's websocket: geckodriver's default, 9222, would
    /// collide between drivers running at once.
    fn driver_args(&self) -> Result<Vec<String>, BrowserError> {
        Ok(vec![format!("--websocket-port={}", free_port()?)])
    }

    /// Headless, a fresh profile, the mock host names resolved to loopback
    /// (`network.dns.localDomains`), no HTTP/3 and no HTTPS-First upgrade (they would change
    /// which origin a page talks to), no DNS over HTTPS and no system proxy, insecure
    /// certificates accepted, third-party cookies accepted (`network.cookie.cookieBehavior` 0, as
    /// the Chromium profile allows them: a partitioned `SameSite=None` cookie would never ride a
    /// cross-site request), no background connections to Mozilla's services (the network is
    /// closed), and WebDriver BiDi on (the console's only way out).
    fn capabilities(&self, config: &BrowserConfig, binary: Option<&Path>, profile: &Path) -> Capabilities {
        let mut prefs = json!({
            "network.http.http3.enable": false,
            "dom.security.https_first": false,
            "dom.security.https_first_pbm": false,
            "network.trr.mode": 5,
            "network.proxy.type": 0,
            "network.cookie.cookieBehavior": 0,
            "network.captive-portal-service.enabled": false,
            "network.connectivity-service.enabled": false,
            "browser.safebrowsing.malware.enabled": false,
            "browser.safebrowsing.phishing.enabled": false,
            "browser.safebrowsing.downloads.enabled": false,
            "app.update.disabledForTesting": true,
            "app.normandy.enabled": false,
            "datareporting.policy.dataSubmissionEnabled": false,
            "toolkit.telemetry.enabled": false,
            "extensions.getAddons.cache.enabled": false,
            "services.settings.server": "",
            "devtools.console.stdout.content": false,
        });
        if !config.local_domains.is_empty() {
            prefs["network.dns.localDomains"] = json!(config.local_domains.join(","));
        }
        let args = vec!["-headless".to_owned(), "-profile".to_owned(), profile.display().to_string()];
        let mut options = json!({ "args": args, "prefs": prefs });
        if let Some(binary) = binary {
            options["binary"] = json!(binary);
        }
        let mut capabilities = Capabilities::new();
        capabilities.insert("browserName".into(), json!("firefox"));
        capabilities.insert("acceptInsecureCerts".into(), json!(true));
        capabilities.insert("webSocketUrl".into(), json!(true));
        capabilities.insert("moz:firefoxOptions".into(), options);
        capabilities
    }

    /// geckodriver does not serve `se/log`; the session's BiDi websocket carries every console
    /// message, the CORS blocks included.
    fn console_source(&self) -> ConsoleSource {
        ConsoleSource::Bidi
    }
}
