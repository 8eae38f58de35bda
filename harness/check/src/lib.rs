//! Check a live server's CORS the way a browser would.
//!
//! A [`Probe`] is a request as a page makes it. The [`Checker`] asks the oracle what the browser
//! sends for it (a preflight when one is needed, with its exact `Access-Control-Request-*`, then
//! the actual request with the right `Origin`), sends exactly that to the server, judges every
//! answer with the oracle and hands back a [`Checked`]: the exchanges, the verdict, the
//! console's words and the fix. It works against any URL, an in-process test server included.
//!
//! Given the [`Policy`] a server should implement (in Rust or [TOML](Policy::from_toml)),
//! [`verify`] checks it for generated requests from allowed and attacker origins (the
//! [`strategies`], exported for your own property tests), groups every verdict that differs
//! from the policy's by root cause ([`Cause`]), shrinks one of each to a minimal probe, ranks
//! them by [`Severity`] with the hygiene [`findings`], most severe first.
//!
//! ```no_run
//! # async fn demo() {
//! use corsproof_check::{Checker, Probe};
//! let checked = Checker::new()
//!     .check(&Probe::new("http://127.0.0.1:3000/api/items/1").origin("https://app.example").method("PUT"))
//!     .await
//!     .unwrap();
//! checked.assert_allowed(); // on failure: the exchange, the console message, the fix
//! # }
//! ```
//!
//! Users reach all of it, and the oracle's types its signatures name, through the `corsproof`
//! crate: `corsproof = { version = "0.1", default-features = false }` is this crate without the
//! command-line tool's browser stack.

#![warn(missing_docs)]

mod advice;
mod checked;
mod checker;
mod client;
mod disagreement;
mod har;
mod hygiene;
mod local_network;
mod policy;
mod policy_set;
mod policy_toml;
mod probe;
mod report;
pub mod scan;
mod severity;
pub mod strategies;
mod tls;
mod verify;

pub use advice::{FixFor, UnknownFixFor};
pub use checked::{Checked, Hop, ProbeCookie};
pub use checker::{Checker, CheckerBuilder};
pub use client::{ClientError, Received};
pub use corsproof_oracle::{Cookie, CookieError, CookieFate, Engine, NotSent};
pub use corsproof_oracle::{Fix, Framework, OriginTrust, UnknownFramework};
pub use corsproof_oracle::{ReasonClass, Stage};
pub use disagreement::{Cause, Disagreement};
pub use hygiene::{Finding, findings};
pub use local_network::{ATTACKER_ORIGIN, PrivateNetworkToAnyOrigin, private_network_preflight};
pub use policy::{
    Allow, Any, Expected, Field, LONGEST_MAX_AGE, Policy, PolicyBuilder, PolicyError, Refusal,
    SAFELISTED_METHODS,
};
pub use policy_set::{PathPattern, PathPolicy, PolicySet};
pub use policy_toml::PolicyFileError;
pub use probe::{Probe, ProbeError, UrlProblem, check_url};
pub use report::{Counterexample, Failure, Report};
/// The certificate [`CheckerBuilder::trust`] takes (rustls' DER bytes), here so that a test can
/// trust its CA without depending on rustls itself.
pub use rustls::pki_types::CertificateDer;
pub use severity::Severity;
pub use tls::TlsFailure;
pub use verify::{VerifyConfig, assert_policy, verify};
