//! corsproof from Rust: check your own server's CORS in `cargo test`, the way a browser would.
//!
//! ```no_run
//! # async fn demo() {
//! use corsproof::{Checker, Probe};
//! let checked = Checker::new()
//!     .check(&Probe::new("http://127.0.0.1:3000/api/items").origin("https://app.example"))
//!     .await
//!     .unwrap();
//! checked.assert_allowed();
//! # }
//! ```
//!
//! The command-line tool (`corsproof run`, `record`, `serve`, `check`) is this package's binary.

pub use corsproof_check::*;
