//! Firefox ESR through geckodriver (see shared/browsers.md).

use std::net::SocketAddr;
use std::path::Path;

use corsproof_oracle::Engine;
use fantoccini::wd::Capabilities;
use serde_json::{Value, json};

use super::{BrowserEngine, ConsoleSource, Executable, Provider, Requirements, VersionSource};
use crate::driver::free_port;
use crate::host_map::{HostMap, wildcard_suffix};
use crate::session::{BrowserConfig, BrowserError};

/// What to do when Firefox or geckodriver is missing.
pub const FIREFOX_INSTALL_HINT: &str = "install Firefox ESR and geckodriver with `corsproof \
     install-browsers --engine firefox` (or `apt-get install firefox-esr` and `cargo install --locked \
     geckodriver`), or point --webdriver at a running driver";

/// Firefox ESR, a Debian package (a plain `firefox` does too), and geckodriver, which Debian
/// does not package: it is built from crates.io.
static REQUIREMENTS: Requirements = Requirements {
    browser: Executable {
        name: "firefox-esr",
        aliases: &["firefox"],
        dirs: &[],
        provider: Provider::Debian("firefox-esr"),
        version: VersionSource::Flag,
    },
    driver: Executable {
        name: "geckodriver",
        aliases: &[],
        dirs: &[],
        provider: Provider::Crate("geckodriver"),
        version: VersionSource::Flag,
    },
    display: None,
};

/// Firefox's `network.dns.localDomains` for `hosts`: every exact name to map, sorted, joined with
/// commas. Firefox looks each name up in that list as it is (`nsDNSService::IsLocalDomain` in
/// netwerk/dns/nsDNSService2.cpp), so a wildcard means nothing to it and is left out: only the
/// names listed exactly are mapped. Firefox resolves them to loopback whatever `hosts.address`
/// says. `None` when no name needs mapping.
fn local_domains(hosts: &HostMap) -> Option<String> {
    let names: Vec<&str> =
        hosts.names_to_map().into_iter().filter(|name| wildcard_suffix(name).is_none()).collect();
    (!names.is_empty()).then(|| names.join(","))
}

/// The preferences that send every request through `proxy`: a manual proxy for `http://` and,
/// by `CONNECT`, `https://`, with nothing exempt, loopback included
/// (`network.proxy.allow_hijacking_localhost`; Firefox otherwise never proxies `localhost` and
/// 127.0.0.1, `nsProtocolProxyService::CanUseProxy` in netwerk/base/nsProtocolProxyService.cpp).
fn proxy_everything(proxy: SocketAddr) -> [(&'static str, Value); 7] {
    let host = proxy.ip().to_string();
    [
        ("network.proxy.type", json!(1)),
        ("network.proxy.http", json!(host)),
        ("network.proxy.http_port", json!(proxy.port())),
        ("network.proxy.ssl", json!(host)),
        ("network.proxy.ssl_port", json!(proxy.port())),
        ("network.proxy.no_proxies_on", json!("")),
        ("network.proxy.allow_hijacking_localhost", json!(true)),
    ]
}

/// Gecko: Firefox (ESR), through geckodriver.
#[derive(Debug)]
pub(super) struct Firefox;

impl BrowserEngine for Firefox {
    fn engine(&self) -> Engine {
        Engine::Firefox
    }

    fn requirements(&self) -> &'static Requirements {
        &REQUIREMENTS
    }

    fn summary(&self) -> &'static str {
        "Gecko: Firefox ESR through geckodriver"
    }

    fn install_hint(&self) -> &'static str {
        FIREFOX_INSTALL_HINT
    }

    /// A free port of its own for WebDriver BiDi's websocket: geckodriver's default, 9222, would
    /// collide between drivers running at once.
    fn driver_args(&self) -> Result<Vec<String>, BrowserError> {
        Ok(vec![format!("--websocket-port={}", free_port()?)])
    }

    /// Headless, a fresh profile, the mapped host names resolved to loopback
    /// (`network.dns.localDomains`, [`local_domains`]), no HTTP/3 and no HTTPS-First upgrade (they would change
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
        if let Some(domains) = config.hosts.as_ref().and_then(local_domains) {
            prefs["network.dns.localDomains"] = json!(domains);
        }
        if let Some(proxy) = config.hosts.as_ref().and_then(HostMap::proxy_for_everything) {
            for (name, value) in proxy_everything(proxy) {
                prefs[name] = value;
            }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host_map::tests::{mock_hosts, through_proxy, with_page};

    #[test]
    fn the_mock_names_are_listed_one_by_one() {
        assert_eq!(
            local_domains(&mock_hosts()).as_deref(),
            Some("api.test,app.test,cdn.test,evil.test,sub.app.test")
        );
    }

    #[test]
    fn a_name_under_no_wildcard_is_listed_too() {
        assert_eq!(
            local_domains(&with_page(mock_hosts(), "app.example.com")).as_deref(),
            Some("api.test,app.example.com,app.test,cdn.test,evil.test,sub.app.test")
        );
    }

    #[test]
    fn the_list_is_a_preference_of_the_session() {
        let config = BrowserConfig { hosts: Some(mock_hosts()), ..BrowserConfig::default() };
        let capabilities = Firefox.capabilities(&config, None, Path::new("/profile"));
        let prefs = &capabilities["moz:firefoxOptions"]["prefs"];
        assert_eq!(prefs["network.dns.localDomains"], "api.test,app.test,cdn.test,evil.test,sub.app.test");
        let unmapped = Firefox.capabilities(&BrowserConfig::default(), None, Path::new("/profile"));
        assert!(unmapped["moz:firefoxOptions"]["prefs"].get("network.dns.localDomains").is_none());
    }

    #[test]
    fn through_the_proxy_every_request_goes_there_loopback_included() {
        let config = BrowserConfig { hosts: Some(through_proxy(mock_hosts())), ..BrowserConfig::default() };
        let capabilities = Firefox.capabilities(&config, None, Path::new("/profile"));
        let prefs = &capabilities["moz:firefoxOptions"]["prefs"];
        assert_eq!(
            (&prefs["network.proxy.type"], &prefs["network.proxy.http"]),
            (&json!(1), &json!("127.0.0.1"))
        );
        assert_eq!(
            (&prefs["network.proxy.ssl"], &prefs["network.proxy.ssl_port"]),
            (&json!("127.0.0.1"), &json!(8080))
        );
        assert_eq!(prefs["network.proxy.allow_hijacking_localhost"], json!(true));
        let direct = BrowserConfig { hosts: Some(mock_hosts()), ..BrowserConfig::default() };
        let direct = Firefox.capabilities(&direct, None, Path::new("/profile"));
        assert_eq!(direct["moz:firefoxOptions"]["prefs"]["network.proxy.type"], json!(0), "only when asked");
    }
}
