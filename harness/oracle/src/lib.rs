//! The Fetch standard's CORS rules, with no I/O.
//!
//! `corsproof-oracle` says what a browser does with a cross-origin request: what it sends
//! (a preflight or not, the exact `Access-Control-Request-*` bytes, the `Origin`, whether
//! cookies ride along), and what it does with the answers (the page reads the response, or
//! gets a network error, and why, and how the server can fix it). Everything that judges a
//! server in corsproof goes through it.
//!
//! It is a pure function of its inputs: no sockets, no threads, no clock. Time is a
//! parameter (`now`, a [`Duration`](std::time::Duration) on any clock) and the preflight
//! cache is a value that goes in and comes out.
//!
//! Two steps, so that a driver can put a real server between them:
//!
//! 1. [`Oracle::plan`] gives a [`Plan`]: the preflight to send (if any), the `Origin`, the
//!    headers that are dropped and sent.
//! 2. [`Plan::judge`] takes the recorded responses ([`Exchange`]) and gives a [`Verdict`]; or
//!    [`Plan::start`] gives a state machine ([`Step`], [`Fetch`]) fed one response at a time,
//!    which is what redirects need (each hop's request depends on the previous response).
//!
//! ```
//! use corsproof_oracle::{Engine, Oracle, Origin, Request, Response, Step};
//!
//! let oracle = Oracle::new(Engine::Chromium);
//! let page: Origin = "https://app.example".parse().unwrap();
//! let request = Request::get("https://api.example/start");
//!
//! let mut step = oracle.plan(&page, &request, &Default::default(), Default::default()).start();
//! let verdict = loop {
//!     match step {
//!         Step::Send(fetch) => {
//!             // A real driver sends `fetch.request()` to a server here.
//!             let response = if fetch.request().url.ends_with("/start") {
//!                 Response::new(302)
//!                     .header("Location", "https://cdn.example/final")
//!                     .header("Access-Control-Allow-Origin", "*")
//!             } else {
//!                 Response::new(200).header("Access-Control-Allow-Origin", "https://app.example")
//!             };
//!             step = fetch.on_response(&response);
//!         }
//!         Step::Done(verdict) => break verdict,
//!     }
//! };
//! // api.example redirected to another origin, so the second hop carries `Origin: null`,
//! // and cdn.example's exact-origin answer no longer matches.
//! assert_eq!(verdict.requests[1].origin.as_deref(), Some("null"));
//! let block = verdict.block().unwrap();
//! assert!(block.console_message(Engine::Chromium).contains("not equal to the supplied origin"));
//! assert!(block.fix().snippet(corsproof_oracle::Framework::Nginx).contains("add_header"));
//! ```

mod address_space;
mod cache;
mod console;
mod cookie;
mod cors_check;
mod engine;
mod exchange;
mod expose;
mod fetch;
mod fix;
mod header;
mod method;
mod origin;
mod preflight;
mod reason;
mod redirect;
mod request;
mod safelist;
mod url;

pub use address_space::{
    AddressSpace, LocalNetworkCause, LocalNetworkPermission, LocalNetworkRequest, UnknownAddressSpace,
    is_secure_context,
};
pub use cache::{CacheEntry, CacheKey, PreflightCache};
pub use console::{ConsoleTable, Reading, ReasonClass, Sentence};
pub use cookie::{
    Cookie, CookieError, CookieFate, CookieProfile, NotSent, SameSite, SetBy, ThirdPartyCookies,
    registrable_domain,
};
pub use engine::{DEFAULT_MAX_AGE, Engine};
pub use exchange::{Exchange, Response};
pub use expose::{is_cors_safelisted_response_header, is_forbidden_response_header};
pub use fetch::{
    DropReason, DroppedHeader, Fetch, Oracle, Outcome, Plan, ReadableResponse, RequestKind, SentRequest,
    Step, Tainting, Verdict, Warning,
};
pub use fix::{Fix, FixHeader, Framework, OriginTrust, Requirement, UnknownFramework};
pub use header::Header;
pub use method::{Method, MethodError};
pub use origin::Origin;
pub use preflight::PreflightRequest;
pub use reason::{Block, NetworkError, Reason, Stage};
pub use request::{
    Body, CacheMode, CredentialsMode, Initiator, RedirectMode, Request, RequestMode, UnknownOption,
};
pub use safelist::{cors_unsafe_names, is_cors_safelisted_request_header, is_forbidden_request_header};
pub use url::{BAD_PORTS, Url, UrlError, is_bad_port};
