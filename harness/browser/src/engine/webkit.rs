//! WebKitGTK's MiniBrowser through WebKitWebDriver, on an Xvfb display of its own (see
//! shared/browsers.md).

use std::path::Path;

use corsproof_oracle::Engine;
use fantoccini::wd::Capabilities;
use serde_json::json;

use super::{BrowserEngine, ConsoleSource};
use crate::session::BrowserConfig;

/// What to do when WebKitGTK's MiniBrowser, WebKitWebDriver or Xvfb is missing.
pub const WEBKIT_INSTALL_HINT: &str = "install WebKitGTK's MiniBrowser, WebKitWebDriver and Xvfb with \
     `ci/install-browsers` (or `apt-get install webkit2gtk-driver xvfb`), or point --webdriver at a \
     running driver";

/// WebKit: WebKitGTK's MiniBrowser, through WebKitWebDriver.
#[derive(Debug)]
pub(super) struct WebKit;

impl BrowserEngine for WebKit {
    fn engine(&self) -> Engine {
        Engine::WebKit
    }

    fn browser_names(&self) -> &'static [&'static str] {
        &["MiniBrowser"]
    }

    fn driver_names(&self) -> &'static [&'static str] {
        &["WebKitWebDriver"]
    }

    /// Where WebKitGTK keeps MiniBrowser, which is not on `PATH` (newest API first).
    fn install_dirs(&self) -> &'static [&'static str] {
        &[
            "/usr/lib/x86_64-linux-gnu/webkitgtk-6.0",
            "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1",
            "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.0",
        ]
    }

    fn install_hint(&self) -> &'static str {
        WEBKIT_INSTALL_HINT
    }

    /// WebKitGTK draws even in automation mode: without an X display the new-session call hangs.
    fn needs_display(&self) -> bool {
        true
    }

    /// WebKitGTK reaches `https://` origins only through the routing proxy (`sslProxy`), and
    /// checks that proxy's certificate against the system store whatever `acceptInsecureCerts`
    /// says.
    fn needs_system_trust(&self) -> bool {
        true
    }

    /// The automation mode, insecure certificates accepted, and the mock host names routed
    /// through `config.proxy` (WebKit has no resolver setting). MiniBrowser's automation
    /// sessions are ephemeral, so it needs no profile folder.
    fn capabilities(&self, config: &BrowserConfig, binary: Option<&Path>, _: &Path) -> Capabilities {
        let mut options = json!({ "args": ["--automation"] });
        if let Some(binary) = binary {
            options["binary"] = json!(binary);
        }
        let mut capabilities = Capabilities::new();
        capabilities.insert("browserName".into(), json!("MiniBrowser"));
        capabilities.insert("acceptInsecureCerts".into(), json!(true));
        capabilities.insert("webkitgtk:browserOptions".into(), options);
        if let Some(proxy) = &config.proxy {
            capabilities.insert(
                "proxy".into(),
                json!({ "proxyType": "manual", "httpProxy": proxy, "sslProxy": proxy }),
            );
        }
        capabilities
    }

    /// WebKitWebDriver serves neither `se/log` nor WebDriver BiDi.
    fn console_source(&self) -> ConsoleSource {
        ConsoleSource::Unavailable
    }
}
