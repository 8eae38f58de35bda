//! corsproof from Rust: check your own server's CORS in `cargo test`, the way a browser would.
//!
//! The library is the checker: it asks the Fetch-standard oracle what a browser sends for a
//! request (a preflight when one is needed, with its exact `Access-Control-Request-*`, then the
//! actual request with the right `Origin`, following redirects), sends exactly that to any URL,
//! an in-process test server included, and judges every answer as Chromium, Firefox or WebKit
//! would. The command-line tool (`corsproof run`, `record`, `serve`, `check`) is this package's
//! binary.
//!
//! # Only the checker: `default-features = false`
//!
//! The `cli` feature, on by default, builds the binary and everything only it needs: the mock
//! origins, the real browsers over WebDriver (fantoccini), the scenario runner, clap and
//! mimalloc. A test suite that only checks its own server turns it off and compiles the checker's
//! dependencies alone (hyper, rustls, proptest, toml):
//!
//! ```toml
//! [dev-dependencies]
//! corsproof = { version = "0.1", default-features = false }
//! tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
//! ```
//!
//! # Check one request: [`Checker`] and [`Probe`]
//!
//! A [`Probe`] is a request as a page's script makes it; [`Checker::check`] gives a [`Checked`]:
//! every exchange ([`Hop`]), the browser's [`Verdict`], the console's words and the fix. A failed
//! assertion prints all of it.
//!
//! ```no_run
//! # async fn demo() -> Result<(), corsproof::ProbeError> {
//! use corsproof::{Checker, Probe};
//!
//! let probe = Probe::new("http://127.0.0.1:3000/api/items/1")
//!     .origin("https://app.example")
//!     .method("PUT")
//!     .header("Content-Type", "application/json")
//!     .credentials(true);
//! Checker::new().check(&probe).await?.assert_allowed();
//! # Ok(()) }
//! ```
//!
//! [`Checker::builder`] judges as another [`Engine`], trusts a test CA ([`CertificateDer`], or
//! PEM text), connects a host name to a local address (`curl --resolve`) and sets the timeout.
//!
//! # Read the verdict: [`Outcome`], [`Block`], [`Reason`], [`Fix`]
//!
//! The verdict is the oracle's own: what the page gets ([`Outcome`]), and for a CORS refusal the
//! [`Block`] with its machine-readable [`Reason`], the engine's console line and a [`Fix`] (the
//! headers to send and a snippet for each [`Framework`]: Express, nginx, Django, tower-http,
//! FastAPI, Flask, Koa, Fastify, Apache httpd, Caddy) written from the [`Requirement`]: what the
//! server must allow for this one request. A fix allows the page's origin only "if it is
//! yours" ([`OriginTrust`]) unless you declared it ([`CheckerBuilder::own_origins`]); the
//! report shows the snippet of the framework the answer shows, or the one [`FixFor`] chooses.
//!
//! ```no_run
//! # async fn demo() -> Result<(), corsproof::ProbeError> {
//! use corsproof::{Checker, Engine, Outcome, Probe, Reason};
//!
//! let checker = Checker::builder().engine(Engine::Firefox).build();
//! let checked = checker.check(&Probe::new("https://api.example/items").origin("https://app.example")).await?;
//! match &checked.verdict().outcome {
//!     Outcome::Allowed(response) => println!("the page reads {:?}", response.header_names()),
//!     Outcome::Blocked(block) => {
//!         if let Reason::MethodNotAllowed { method } = &block.reason {
//!             println!("list {method} in Access-Control-Allow-Methods");
//!         }
//!         println!("{}", block.console_message(Engine::Firefox));
//!         for header in &block.fix().headers {
//!             println!("{}: {}", header.name, header.value);
//!         }
//!     }
//!     other => println!("{other:?}"),
//! }
//! # Ok(()) }
//! ```
//!
//! # State the policy you intend: [`Policy`]
//!
//! Built in Rust ([`Policy::builder`]) or read from TOML ([`Policy::from_toml`]); what a browser
//! can never honour (`*` with credentials, `null`, an origin no browser sends) is refused with
//! a [`PolicyError`] or a [`PolicyFileError`] (line and column). [`Policy::expects`] says what a
//! browser should conclude for a probe if the server implemented exactly the policy.
//!
//! ```
//! use corsproof::{Policy, Probe};
//!
//! let policy = Policy::from_toml(
//!     r#"
//!     origins = ["https://app.example"]
//!     credentials = true
//!     methods = ["PUT"]
//!     "#,
//! )?;
//! let put = Probe::new("https://api.example/items/1").origin("https://app.example").method("PUT");
//! assert!(policy.expects(&put)?.is_allowed());
//! let from_attacker = put.origin("https://app.example.evil.com");
//! assert!(!policy.expects(&from_attacker)?.is_allowed());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Verify a server against the policy: [`verify`] and [`assert_policy`]
//!
//! Probes generated from the allowed origins and from every origin an attacker would try, with
//! various methods, headers and credentials, are checked against the server; every verdict
//! that differs from the policy's is grouped by root cause ([`Cause`]), one of each group is
//! shrunk to a minimal probe ([`Counterexample`], [`Disagreement`]), and they are ranked by
//! [`Severity`] with the hygiene [`Finding`]s in the [`Report`], most severe first.
//!
//! ```no_run
//! # async fn demo() {
//! use corsproof::{Policy, VerifyConfig, assert_policy, verify};
//!
//! let policy = Policy::builder().allow_origin(["https://app.example"]).allow_methods(["PUT"]).build().unwrap();
//! // In a #[tokio::test]: panics with the whole report unless the server honours the policy.
//! assert_policy(&policy, "http://127.0.0.1:3000/api/items").await;
//! // Or look at the report.
//! let report = verify(&policy, "http://127.0.0.1:3000/api/items", &VerifyConfig::default().cases(256).seed(7)).await;
//! println!("{report}");
//! # }
//! ```
//!
//! # Hygiene of one check: [`findings`]
//!
//! ```no_run
//! # async fn demo() -> Result<(), corsproof::ProbeError> {
//! use corsproof::{Checker, Probe, Severity, findings};
//!
//! let checked = Checker::new().check(&Probe::new("https://api.example/items").origin("https://app.example")).await?;
//! for finding in findings(&checked, None) {
//!     if finding.severity() >= Severity::Low {
//!         println!("{}: {finding}", finding.url());
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! # Your own properties: [`strategies`]
//!
//! The generators [`verify`] uses are proptest 1 strategies: allowed origins, attacker origins
//! (one per [`strategies::Attack`]) and whole probes.
//!
//! ```
//! use corsproof::{Policy, strategies};
//! use proptest::strategy::{Strategy, ValueTree};
//! use proptest::test_runner::TestRunner;
//!
//! let policy = Policy::builder().allow_origin(["https://app.example"]).build().unwrap();
//! let attacker = strategies::attacker_origin(&policy).expect("a listed origin has attackers");
//! let mut runner = TestRunner::deterministic();
//! for _ in 0..32 {
//!     let origin = attacker.new_tree(&mut runner).unwrap().current();
//!     assert!(!policy.allows_origin(&origin), "{origin}");
//! }
//! ```

#![warn(missing_docs)]

// Checking one request.
pub use corsproof_check::{
    CertificateDer, Checked, Checker, CheckerBuilder, ClientError, FixFor, Hop, Probe, ProbeError, Received,
    TlsFailure, UnknownFixFor, UrlProblem, check_url,
};

// The browser's verdict, as the oracle gives it, and everything its fields and methods name.
pub use corsproof_oracle::{AddressSpace, LocalNetworkCause, LocalNetworkPermission};

pub use corsproof_check::{ATTACKER_ORIGIN, PrivateNetworkToAnyOrigin, private_network_preflight};

pub use corsproof_oracle::{
    Block, CacheEntry, CacheKey, Engine, Fix, FixHeader, Framework, Header, Initiator, Method, MethodError,
    NetworkError, Origin, OriginTrust, Outcome, PreflightCache, ReadableResponse, Reason, RequestKind,
    Requirement, SentRequest, Stage, UnknownFramework, UnknownOption, Url, UrlError, Verdict, Warning,
};

// Cookies the user's browser holds, and whether the page's request carries each.
pub use corsproof_check::ProbeCookie;
pub use corsproof_oracle::{
    Cookie, CookieError, CookieFate, CookieProfile, CredentialsMode, NotSent, SameSite, SetBy,
    ThirdPartyCookies,
};

// The policy the user intends.
pub use corsproof_check::{
    Allow, Any, Expected, Field, LONGEST_MAX_AGE, PathPattern, PathPolicy, Policy, PolicyBuilder,
    PolicyError, PolicyFileError, PolicySet, Refusal, SAFELISTED_METHODS,
};

// Verifying a server against the policy.
pub use corsproof_check::{
    Cause, Counterexample, Disagreement, Failure, Finding, ReasonClass, Report, Severity, VerifyConfig,
    assert_policy, findings, strategies, verify,
};

// Scanning a whole API.
pub use corsproof_check::scan;
