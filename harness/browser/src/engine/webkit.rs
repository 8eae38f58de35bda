//! WebKitGTK's MiniBrowser through WebKitWebDriver, on an Xvfb display of its own (see
//! shared/browsers.md).

use std::path::Path;

use corsproof_oracle::Engine;
use fantoccini::wd::Capabilities;
use serde_json::{Value, json};

use super::{
    BrowserEngine, ConsoleSource, Executable, InspectedLaunch, Provider, Requirements, VersionSource,
};
use crate::host_map::HostMap;
use crate::session::BrowserConfig;

/// What to do when WebKitGTK's MiniBrowser, WebKitWebDriver or Xvfb is missing.
pub const WEBKIT_INSTALL_HINT: &str = "install WebKitGTK's MiniBrowser, WebKitWebDriver and Xvfb with \
     `corsproof install-browsers --engine webkit` (or `apt-get install webkit2gtk-driver xvfb`), or \
     point --webdriver at a running driver";

/// WebKitWebDriver (Debian's webkit2gtk-driver, which brings WebKitGTK and its MiniBrowser
/// along), and Xvfb: WebKitGTK draws even in automation mode, and without an X display the
/// new-session call hangs.
static REQUIREMENTS: Requirements = Requirements {
    browser: Executable {
        name: "MiniBrowser",
        aliases: &[],
        // Where WebKitGTK keeps MiniBrowser, which is not on `PATH` (newest API first).
        dirs: &[
            "/usr/lib/x86_64-linux-gnu/webkitgtk-6.0",
            "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1",
            "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.0",
        ],
        provider: Provider::Debian("webkit2gtk-driver"),
        version: VersionSource::Unshown,
    },
    driver: Executable {
        name: "WebKitWebDriver",
        aliases: &[],
        dirs: &[],
        provider: Provider::Debian("webkit2gtk-driver"),
        // It has no `--version`: it prints its usage and fails.
        version: VersionSource::Package,
    },
    display: Some(Executable {
        name: "Xvfb",
        aliases: &[],
        dirs: &[],
        provider: Provider::Debian("xvfb"),
        version: VersionSource::Unshown,
    }),
};

/// The WebDriver `proxy` capability for `hosts`: every `http://` and `https://` request through
/// `hosts.proxy`, which routes the mapped names (whichever they are) to their address. WebKitGTK
/// has no resolver setting (no flag, no preference, and WebKitWebDriver passes no host rules),
/// so the proxy is its only way to the names; `None` without one.
fn proxy(hosts: &HostMap) -> Option<Value> {
    let proxy = hosts.proxy?.to_string();
    Some(json!({ "proxyType": "manual", "httpProxy": proxy, "sslProxy": proxy }))
}

/// MiniBrowser's arguments: the automation mode WebKitWebDriver drives.
const AUTOMATION: &[&str] = &["--automation"];

/// WebKit: WebKitGTK's MiniBrowser, through WebKitWebDriver.
#[derive(Debug)]
pub(super) struct WebKit;

impl BrowserEngine for WebKit {
    fn sets_permissions(&self) -> bool {
        false
    }

    fn engine(&self) -> Engine {
        Engine::WebKit
    }

    fn requirements(&self) -> &'static Requirements {
        &REQUIREMENTS
    }

    fn summary(&self) -> &'static str {
        "WebKit: WebKitGTK's MiniBrowser through WebKitWebDriver, on an Xvfb display of its own"
    }

    fn install_hint(&self) -> &'static str {
        WEBKIT_INSTALL_HINT
    }

    /// WebKitGTK reaches `https://` origins only through the routing proxy (`sslProxy`), and
    /// checks that proxy's certificate against the system store whatever `acceptInsecureCerts`
    /// says.
    fn needs_system_trust(&self) -> bool {
        true
    }

    /// The automation mode, insecure certificates accepted, and the mapped host names routed
    /// through their proxy ([`proxy`]). MiniBrowser's automation sessions are ephemeral, so it
    /// needs no profile folder. `binary` is `None` when the browser was started before the
    /// driver (its console is read through its inspector), and the driver then starts none.
    fn capabilities(&self, config: &BrowserConfig, binary: Option<&Path>, _: &Path) -> Capabilities {
        let mut options = json!({ "args": AUTOMATION });
        if let Some(binary) = binary {
            options["binary"] = json!(binary);
        }
        let mut capabilities = Capabilities::new();
        capabilities.insert("browserName".into(), json!("MiniBrowser"));
        capabilities.insert("acceptInsecureCerts".into(), json!(true));
        capabilities.insert("webkitgtk:browserOptions".into(), options);
        if let Some(proxy) = config.hosts.as_ref().and_then(proxy) {
            capabilities.insert("proxy".into(), proxy);
        }
        capabilities
    }

    /// WebKitWebDriver serves neither `se/log` nor WebDriver BiDi (`webSocketUrl: true` is
    /// refused: "Failed to match capabilities"), and in automation mode MiniBrowser's
    /// `--enable-write-console-messages-to-stdout` prints nothing (its sessions are ephemeral,
    /// whose messages WebCore keeps off the system console). The remote inspector has them:
    /// MiniBrowser serves it with `WEBKIT_INSPECTOR_HTTP_SERVER`, and WebKitWebDriver drives a
    /// running MiniBrowser through its inspector server with `--target` (see `inspector.rs`).
    fn console_source(&self) -> ConsoleSource {
        ConsoleSource::Inspector(InspectedLaunch {
            args: AUTOMATION,
            http_server_variable: "WEBKIT_INSPECTOR_HTTP_SERVER",
            driver_target_flag: "--target",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host_map::tests::{mock_hosts, with_page};

    #[test]
    fn the_mock_names_go_through_the_routing_proxy() {
        let config = BrowserConfig { hosts: Some(mock_hosts()), ..BrowserConfig::default() };
        let capabilities = WebKit.capabilities(&config, None, Path::new("/profile"));
        assert_eq!(
            capabilities["proxy"],
            json!({ "proxyType": "manual", "httpProxy": "127.0.0.1:8080", "sslProxy": "127.0.0.1:8080" })
        );
    }

    #[test]
    fn a_name_under_no_wildcard_goes_through_the_same_proxy() {
        assert_eq!(proxy(&with_page(mock_hosts(), "app.example.com")), proxy(&mock_hosts()));
        assert!(proxy(&with_page(mock_hosts(), "app.example.com")).is_some());
    }

    #[test]
    fn without_a_proxy_webkit_resolves_every_name_itself() {
        let hosts = HostMap { proxy: None, ..mock_hosts() };
        let config = BrowserConfig { hosts: Some(hosts), ..BrowserConfig::default() };
        assert!(WebKit.capabilities(&config, None, Path::new("/profile")).get("proxy").is_none());
    }
}
