//! What a browser must reach, said once for every engine: each engine module turns a
//! [`HostMap`] into its own setting (Chromium's resolver rules, Firefox's local domains,
//! WebKit's proxy), so that a new engine brings its own form and nothing else changes.

use std::net::{IpAddr, SocketAddr};

/// Host names that must lead to one address, and a proxy that leads there for engines that
/// cannot be told how to resolve a name. The mock server's host names are mapped this way,
/// and so, later, are page origins a user chooses; the machine's own settings never change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostMap {
    /// The host names to map: exact names (`app.test`, `app.example.com`) or wildcards
    /// (`*.test`, every name under `.test`). `localhost` and IP literals may be among them:
    /// every engine resolves those on its own, so no engine maps them.
    pub names: Vec<String>,
    /// The address the names resolve to.
    pub address: IpAddr,
    /// An HTTP proxy that routes the names to `address`, for engines with no resolver setting
    /// (WebKit); `None` leaves such an engine resolving every name itself.
    pub proxy: Option<SocketAddr>,
    /// Whether every engine must send every request through `proxy`, loopback included: the
    /// proxy is then the only way to what a resolver setting cannot reach (a page origin a user
    /// chose on a port nothing listens on, such as `https://app.example.com`'s 443) and the
    /// witness of what your own server (`--target`) answered. Without a proxy it means nothing.
    pub through_proxy: bool,
}

impl HostMap {
    /// The names an engine must be told about, sorted and each once: every name but
    /// `localhost` and IP literals, which resolve natively.
    /// The proxy every request must go through, if the map says so and has one.
    pub(crate) fn proxy_for_everything(&self) -> Option<SocketAddr> {
        self.proxy.filter(|_| self.through_proxy)
    }

    pub(crate) fn names_to_map(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .names
            .iter()
            .map(String::as_str)
            .filter(|name| *name != "localhost" && name.parse::<IpAddr>().is_err())
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }
}

/// The suffix a wildcard name stands for (`.test` for `*.test`); `None` for an exact name.
pub(crate) fn wildcard_suffix(name: &str) -> Option<&str> {
    name.strip_prefix('*').filter(|suffix| suffix.starts_with('.'))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// What the mock server gives today: the origin table's host names, `*.test` and its
    /// loopback bind address, the routing proxy on port 8080.
    pub(crate) fn mock_hosts() -> HostMap {
        let names = [
            "*.test",
            "127.0.0.1",
            "api.test",
            "app.test",
            "cdn.test",
            "evil.test",
            "localhost",
            "sub.app.test",
        ];
        HostMap {
            names: names.map(String::from).to_vec(),
            address: IpAddr::from([127, 0, 0, 1]),
            proxy: Some(SocketAddr::from(([127, 0, 0, 1], 8080))),
            through_proxy: false,
        }
    }

    /// `hosts` with every request through its proxy, as a run with a chosen page origin or
    /// against `--target` asks.
    pub(crate) fn through_proxy(hosts: HostMap) -> HostMap {
        HostMap { through_proxy: true, ..hosts }
    }

    /// `hosts` with a page origin's host name a user chose.
    pub(crate) fn with_page(mut hosts: HostMap, name: &str) -> HostMap {
        hosts.names.push(name.to_owned());
        hosts
    }

    #[test]
    fn localhost_and_ip_literals_are_never_mapped() {
        let map = HostMap {
            names: ["localhost", "127.0.0.1", "::1", "b.test", "*.test", "a.test", "b.test"]
                .map(String::from)
                .to_vec(),
            ..mock_hosts()
        };
        assert_eq!(map.names_to_map(), ["*.test", "a.test", "b.test"]);
    }

    #[test]
    fn a_wildcard_is_a_star_and_a_dot() {
        assert_eq!(wildcard_suffix("*.test"), Some(".test"));
        assert_eq!(wildcard_suffix("app.test"), None);
        assert_eq!(wildcard_suffix("*test"), None);
    }
}
