//! Chromium through chromedriver (see shared/browsers.md).

use std::net::SocketAddr;
use std::path::Path;

use corsproof_oracle::Engine;
use fantoccini::wd::Capabilities;
use serde_json::json;

use super::{BrowserEngine, ConsoleSource, Executable, Provider, Requirements, VersionSource};
use crate::host_map::{HostMap, wildcard_suffix};
use crate::session::BrowserConfig;

/// What to do when Chromium or chromedriver is missing.
pub const INSTALL_HINT: &str = "install Chromium and chromedriver with `corsproof install-browsers \
     --engine chromium` (or `apt-get install chromium chromium-driver`), or point --webdriver at a \
     running driver";

/// Chromium and chromedriver, both Debian packages; Chrome's own names are looked for too.
static REQUIREMENTS: Requirements = Requirements {
    browser: Executable {
        name: "chromium",
        aliases: &["chromium-browser", "google-chrome"],
        dirs: &[],
        provider: Provider::Debian("chromium"),
        version: VersionSource::Flag,
    },
    driver: Executable {
        name: "chromedriver",
        aliases: &[],
        dirs: &[],
        provider: Provider::Debian("chromium-driver"),
        version: VersionSource::Flag,
    },
    display: None,
};

/// Chromium's `--host-resolver-rules` value for `hosts`: one `MAP <name> <address>` per name,
/// joined with commas (`MAP *.test 127.0.0.1, MAP app.example.com 127.0.0.1`); `None` when no
/// name needs mapping. Chromium matches a rule's name as a glob (`HostMappingRules` in
/// net/base/host_mapping_rules.cc), so a wildcard serves every name under it and those names
/// get no rule of their own; `localhost` and IP literals resolve natively and get none either.
pub fn host_resolver_rules(hosts: &HostMap) -> Option<String> {
    let names = hosts.names_to_map();
    let wildcards: Vec<(&str, &str)> =
        names.iter().filter_map(|name| Some((*name, wildcard_suffix(name)?))).collect();
    let covered =
        |name: &str| wildcards.iter().any(|(wildcard, suffix)| name != *wildcard && name.ends_with(suffix));
    let rules: Vec<String> = names
        .iter()
        .filter(|name| !covered(name))
        .map(|name| format!("MAP {name} {}", hosts.address))
        .collect();
    (!rules.is_empty()).then(|| rules.join(", "))
}

/// The switches that send every request through `proxy`: `--proxy-server`, and
/// `--proxy-bypass-list=<-loopback>` to take back the bypass Chromium gives `localhost` and
/// loopback addresses implicitly (`ProxyBypassRules::MatchesImplicitRules`,
/// net/proxy_resolution/proxy_bypass_rules.cc), so that a `--target` on 127.0.0.1 is seen too.
fn proxy_everything(proxy: SocketAddr) -> [String; 2] {
    [format!("--proxy-server=http://{proxy}"), "--proxy-bypass-list=<-loopback>".to_owned()]
}

/// Blink, through chromedriver.
#[derive(Debug)]
pub(super) struct Chromium;

impl BrowserEngine for Chromium {
    fn engine(&self) -> Engine {
        Engine::Chromium
    }

    fn requirements(&self) -> &'static Requirements {
        &REQUIREMENTS
    }

    fn summary(&self) -> &'static str {
        "Blink: Chromium through chromedriver"
    }

    fn install_hint(&self) -> &'static str {
        INSTALL_HINT
    }

    /// Headless, no sandbox (root), no background networking (the network is closed), insecure
    /// certificates accepted (the mock origins' CA is throwaway), the mapped host names resolved
    /// by `--host-resolver-rules` ([`host_resolver_rules`]), console messages kept, and third-party cookies allowed
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
        if let Some(rules) = config.hosts.as_ref().and_then(host_resolver_rules) {
            args.push(format!("--host-resolver-rules={rules}"));
        }
        if let Some(proxy) = config.hosts.as_ref().and_then(HostMap::proxy_for_everything) {
            args.extend(proxy_everything(proxy));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host_map::tests::{mock_hosts, through_proxy, with_page};

    #[test]
    fn the_mock_names_are_one_wildcard_rule() {
        assert_eq!(host_resolver_rules(&mock_hosts()).as_deref(), Some("MAP *.test 127.0.0.1"));
    }

    #[test]
    fn a_name_under_no_wildcard_gets_a_rule_of_its_own() {
        assert_eq!(
            host_resolver_rules(&with_page(mock_hosts(), "app.example.com")).as_deref(),
            Some("MAP *.test 127.0.0.1, MAP app.example.com 127.0.0.1")
        );
    }

    #[test]
    fn a_wildcard_covers_every_name_under_it_and_no_other() {
        let names = ["a.test", "*.app.test", "x.app.test", "*.example", "test", "atest"];
        let hosts = HostMap { names: names.map(String::from).to_vec(), ..mock_hosts() };
        assert_eq!(
            host_resolver_rules(&hosts).as_deref(),
            Some(
                "MAP *.app.test 127.0.0.1, MAP *.example 127.0.0.1, MAP a.test 127.0.0.1, MAP atest 127.0.0.1, MAP test 127.0.0.1"
            )
        );
        let hosts = HostMap { names: ["*.test", "*.app.test", "a.test"].map(String::from).to_vec(), ..hosts };
        assert_eq!(host_resolver_rules(&hosts).as_deref(), Some("MAP *.test 127.0.0.1"));
    }

    #[test]
    fn names_that_resolve_natively_need_no_flag() {
        let hosts = HostMap { names: vec!["localhost".into(), "127.0.0.1".into()], ..mock_hosts() };
        assert_eq!(host_resolver_rules(&hosts), None);
        let config = BrowserConfig { hosts: Some(hosts), ..BrowserConfig::default() };
        let capabilities = Chromium.capabilities(&config, None, Path::new("/profile"));
        let args = &capabilities["goog:chromeOptions"]["args"];
        assert!(!args.to_string().contains("host-resolver-rules"), "{args}");
    }

    #[test]
    fn the_rules_are_one_argument_of_the_session() {
        let config = BrowserConfig { hosts: Some(mock_hosts()), ..BrowserConfig::default() };
        let capabilities = Chromium.capabilities(&config, None, Path::new("/profile"));
        let args = capabilities["goog:chromeOptions"]["args"].as_array().expect("a list of arguments");
        assert!(args.contains(&json!("--host-resolver-rules=MAP *.test 127.0.0.1")), "{args:?}");
    }

    #[test]
    fn through_the_proxy_every_request_goes_there_loopback_included() {
        let args = |hosts: HostMap| {
            let config = BrowserConfig { hosts: Some(hosts), ..BrowserConfig::default() };
            Chromium.capabilities(&config, None, Path::new("/profile"))["goog:chromeOptions"]["args"].clone()
        };
        let through = args(through_proxy(mock_hosts()));
        let through = through.as_array().expect("a list of arguments");
        assert!(through.contains(&json!("--proxy-server=http://127.0.0.1:8080")), "{through:?}");
        assert!(through.contains(&json!("--proxy-bypass-list=<-loopback>")), "{through:?}");
        assert!(!args(mock_hosts()).to_string().contains("--proxy-server"), "only when asked");
        let without_proxy = HostMap { proxy: None, ..through_proxy(mock_hosts()) };
        assert!(!args(without_proxy).to_string().contains("--proxy-server"));
    }
}
