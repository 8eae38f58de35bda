//! Mock multi-origin server for CORS tests.
//!
//! One process serves several origins that differ by host, port and scheme (`http://app.test:A`,
//! `http://api.test:B`, `https://api.test:T` with HTTP/2), each able to answer any way a test
//! asks (a [`Behaviour`]), and keeps a [`Journal`] of every request so a test learns what the
//! browser really sent: whether there was a preflight, whether a blocked request still arrived.
//!
//! ```
//! use corsproof_behaviour::{AllowOrigin, Behaviour, Reply};
//! use corsproof_server::{MockServer, ServerConfig};
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let server = MockServer::start(ServerConfig::default()).await.unwrap();
//! server.script("t1", Behaviour::same(Reply::new().allow_origin(AllowOrigin::Echo)));
//! let url = server.origin("api").unwrap().join("/t/t1/data");
//! // ... a browser at server.origin("app") fetches `url` ...
//! assert!(server.journal().entries("t1").is_empty());
//! # let _ = url;
//! # });
//! ```
//!
//! Clients that cannot map the `*.test` names to the server use its routing proxy instead
//! ([`MockServer::proxy_addr`]), which answers for the server's own origins in-process.
//!
//! The server knows nothing of browsers: it only answers and remembers.

mod connections;
mod h1;
mod handler;
pub mod journal;
mod journal_access;
mod proxy;
mod server;
mod target;
mod tls;
mod wire;

/// The types of this crate's own signatures ([`MockServer::script`], [`MockServer::origins`],
/// [`MockServer::local_addr`]); the rest of the behaviour model is in `corsproof_behaviour`.
pub use corsproof_behaviour::{Behaviour, Listener, NamedOrigin};
pub use handler::{JOURNAL_PREFIX, PAGE_PATH, PUBLIC_QUERY, SANDBOX_QUERY, SCRIPT_PATH, TOKEN_PREFIX};
pub use journal::{Entry, Journal, TargetAnswer};
pub use server::{Limits, MockServer, PageHost, Ports, ServerConfig, StartError};
pub use target::{TARGET_TOKEN, TargetServer};
pub use tls::{Certificates, TlsError};
pub use wire::{Answer, answer};
