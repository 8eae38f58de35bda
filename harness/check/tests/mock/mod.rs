//! The mock origins and a checker that reaches them: `api.test` resolves to loopback and the
//! mock server's throwaway CA is trusted.

use std::net::{IpAddr, Ipv4Addr};

use corsproof_check::Checker;
use corsproof_server::{MockServer, ServerConfig};

pub async fn start() -> (MockServer, Checker) {
    let server = MockServer::start(ServerConfig::default()).await.expect("the mock origins start");
    let checker = Checker::builder()
        .resolve("api.test", IpAddr::V4(Ipv4Addr::LOCALHOST))
        .trust(server.certificates().ca_der.clone())
        .build();
    (server, checker)
}

/// `path_and_query` on the named mock origin.
pub fn url(server: &MockServer, origin: &str, path_and_query: &str) -> String {
    format!("{}{path_and_query}", server.origin(origin).expect("a known origin").url().trim_end_matches('/'))
}
