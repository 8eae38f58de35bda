//! Named origins: which host, scheme and listener each name stands for.
//!
//! Scenario files and tests say `app` and `api`, never ports, because ports are ephemeral. Every
//! listener answers every host name, so an origin is only a (scheme, host, listener) triple; the
//! table holds the pairs that make the classic cross-origin cases: another host, another port,
//! another scheme, a subdomain (two, for same-site cases between siblings), another site (over
//! HTTPS too, for `SameSite=None; Secure` third-party cookies), and the loopback names.

use std::fmt;

use serde::Serialize;

/// One of the server's origin sockets (the routing proxy is not one: it is no origin).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Listener {
    /// The first plain port: HTTP/1.1 (and HTTP/2 with prior knowledge).
    HttpA,
    /// The second plain port, so the same host exists on two ports.
    HttpB,
    /// The TLS port: HTTP/2 and HTTP/1.1 chosen through ALPN.
    Https,
}

impl Listener {
    /// Every listener, in start order.
    pub const ALL: [Listener; 3] = [Listener::HttpA, Listener::HttpB, Listener::Https];

    /// The name used in the journal and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Listener::HttpA => "http-a",
            Listener::HttpB => "http-b",
            Listener::Https => "https",
        }
    }

    /// `http` or `https`.
    pub fn scheme(self) -> &'static str {
        match self {
            Listener::Https => "https",
            Listener::HttpA | Listener::HttpB => "http",
        }
    }
}

impl fmt::Display for Listener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The origins every server has: (name, host, listener).
pub const ORIGIN_TABLE: &[(&str, &str, Listener)] = &[
    ("app", "app.test", Listener::HttpA),
    ("app-port2", "app.test", Listener::HttpB),
    ("app-https", "app.test", Listener::Https),
    ("app-sub", "sub.app.test", Listener::HttpA),
    ("app-sub2", "sub2.app.test", Listener::HttpA),
    ("api", "api.test", Listener::HttpB),
    ("api-port1", "api.test", Listener::HttpA),
    ("api-https", "api.test", Listener::Https),
    ("cdn", "cdn.test", Listener::HttpA),
    ("evil", "evil.test", Listener::HttpA),
    ("site2", "site2.test", Listener::HttpA),
    ("site2-https", "site2.test", Listener::Https),
    ("localhost", "localhost", Listener::HttpA),
    ("loopback-ip", "127.0.0.1", Listener::HttpA),
];

/// A named origin of a running server: what scenario files call `api` and a browser calls
/// `http://api.test:41234`. (The oracle's `Origin` is any serialized origin, a page's included;
/// this is one of the mock server's, with its name and listener.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NamedOrigin {
    /// The name scenario files use (`app`, `api-https`, ...).
    pub name: String,
    /// `http` or `https`.
    pub scheme: String,
    /// The host name.
    pub host: String,
    /// The port of its listener.
    pub port: u16,
    /// The listener that serves it.
    pub listener: Listener,
}

impl NamedOrigin {
    /// Every origin of the table, each on the port `port_of` gives its listener: a running
    /// server's origins, or stand-ins for what needs no server (predictions, tests).
    ///
    /// ```
    /// use corsproof_behaviour::{Listener, NamedOrigin};
    ///
    /// let origins = NamedOrigin::table(|listener| if listener == Listener::Https { 8443 } else { 8001 });
    /// assert_eq!(origins[0].url(), "http://app.test:8001");
    /// ```
    pub fn table(port_of: impl Fn(Listener) -> u16) -> Vec<NamedOrigin> {
        ORIGIN_TABLE
            .iter()
            .map(|(name, host, listener)| NamedOrigin {
                name: name.to_string(),
                scheme: listener.scheme().to_owned(),
                host: host.to_string(),
                port: port_of(*listener),
                listener: *listener,
            })
            .collect()
    }

    /// The serialized origin, as a browser sends it in `Origin` (`http://app.test:41234`).
    pub fn url(&self) -> String {
        format!("{}://{}:{}", self.scheme, self.host, self.port)
    }

    /// An absolute URL on this origin; `path` starts with `/`.
    pub fn join(&self, path: &str) -> String {
        format!("{}{path}", self.url())
    }
}

impl fmt::Display for NamedOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url())
    }
}

/// Every host name in the table, for the certificate and for browsers' host mapping.
pub fn host_names() -> Vec<String> {
    let mut names: Vec<String> = ORIGIN_TABLE.iter().map(|(_, host, _)| host.to_string()).collect();
    names.push("*.test".to_owned());
    names.sort();
    names.dedup();
    names
}
