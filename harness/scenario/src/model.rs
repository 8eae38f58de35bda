//! What a scenario file means, with the syntax gone: plain data for the runner.

use std::path::PathBuf;

use corsproof_behaviour::Behaviour;
pub use corsproof_oracle::ReasonClass;
use serde::{Deserialize, Serialize};

/// One scenario file, parsed and validated.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioFile {
    /// The file, as given (relative paths stay relative, for stable reports and snapshot names).
    pub path: PathBuf,
    /// Its scenarios, in file order.
    pub scenarios: Vec<Scenario>,
}

/// A page at an origin makes requests, in order; each has a server behaviour and expectations.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Unique within its file: lower-case letters, digits and `-`.
    pub name: String,
    /// One line saying what the scenario proves.
    pub about: String,
    /// The origin name of the page (`app`, `app-https`, ...).
    pub page: String,
    /// Whether the page is sandboxed (served with `Content-Security-Policy: sandbox
    /// allow-scripts`): its origin is then opaque, and its requests say `Origin: null`.
    pub sandbox: bool,
    /// Whether the page declares itself public (served with `Content-Security-Policy:
    /// treat-as-public-address`), so that Local Network Access judges its requests to the
    /// loopback mock origins as a page on the internet's: Chromium honours the declaration,
    /// Firefox and WebKit do not.
    pub public_page: bool,
    /// Whether the user granted the public page the permission to reach the loopback and
    /// private networks (set through WebDriver before the page's requests); only with
    /// `public_page`.
    pub local_network_granted: bool,
    /// The requests the page makes, in order; at least one.
    pub requests: Vec<RequestStep>,
    /// Cookies the browser holds before the first request (`[[scenario.cookie]]`), each set by
    /// a first-party response of its origin, so that a request's cookies can depend on state the
    /// scenario itself does not create.
    pub cookies: Vec<CookieBefore>,
    /// The line of the scenario's `[[scenario]]` header, for reports.
    pub line: usize,
}

impl Scenario {
    /// Whether any request scripts the mock server (such scenarios cannot run against `--target`).
    pub fn scripts_the_server(&self) -> bool {
        self.requests.iter().any(|request| request.server.is_some())
    }
}

/// A cookie set before a scenario's requests: the runner opens a URL of `origin` in the
/// browser's window, whose response sets it, before it loads the scenario's page. Its `Path` is
/// `/t/{token}` (or below), and the runner sets it once for each request's token, so it rides
/// along with this scenario's requests only: scenarios share one browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieBefore {
    /// The mock origin whose response sets it (its host is the cookie's, unless `Domain` says
    /// otherwise).
    pub origin: String,
    /// The `Set-Cookie` line, `{token}` kept (`sid=1; SameSite=None; Secure; Path=/t/{token}`).
    pub set_cookie: String,
}

/// One request the page makes.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestStep {
    /// The origin name the request goes to; `None` means the external `--target`.
    pub to: Option<String>,
    /// The path (with any query of the page's own), starting with `/`.
    pub path: String,
    /// The method, sent as written (`patch` stays lower-case).
    pub method: String,
    /// Headers the page sets, in file order.
    pub headers: Vec<(String, String)>,
    /// The request body.
    pub body: Option<String>,
    /// The credentials mode.
    pub credentials: Credentials,
    /// The request mode.
    pub mode: Mode,
    /// The redirect mode.
    pub redirect: RedirectMode,
    /// fetch() or XMLHttpRequest.
    pub api: Api,
    /// fetch()'s options whose defaults a scenario may change: `referrerPolicy`, `keepalive`,
    /// `cache` and `priority` (fetch only: XMLHttpRequest has none of them).
    pub options: FetchOptions,
    /// The 0-based index of an earlier request in the same scenario whose URL this one reuses
    /// (so a preflight-cache entry or an HTTP cache entry can serve it).
    pub same_url_as: Option<usize>,
    /// The mock server's behaviour for this request's URL, read once from the `server` table.
    /// Its text values may hold the placeholders `{token}` (this request's token) and
    /// `{ORIGIN-NAME}` (that origin's URL), which the runner fills before it renders the
    /// behaviour into the URL's query, e.g. a location `{api-https}/t/{token}-2/next`.
    pub server: Option<Behaviour>,
    /// What the author expects.
    pub expect: Expectation,
}

/// What the author expects of one request. Only `outcome` is required.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectation {
    /// Whether the page got the response.
    pub outcome: Outcome,
    /// Whether the browser sent a preflight.
    pub preflight: Option<bool>,
    /// Whether the actual (non-preflight) request reached the server.
    pub reached_server: Option<bool>,
    /// Whether the actual request reached the server with cookies.
    pub cookies_sent: Option<bool>,
    /// Why the browser blocked it.
    pub reason: Option<ReasonClass>,
    /// The status the page read.
    pub status: Option<u16>,
    /// Response headers the page must be able to read (lower-case names).
    pub readable_headers: Vec<String>,
    /// Response headers the page must not be able to read (lower-case names).
    pub hidden_headers: Vec<String>,
    /// Every request the server received for this one, in order (preflights and redirect hops
    /// included), as the snapshot's `server_saw` lists them; `None` is not checked.
    pub server_saw: Option<Vec<ExpectedHop>>,
    /// The response's type as `Response.type` says it (`basic`, `cors`, `opaque`,
    /// `opaqueredirect`).
    pub response_type: Option<ResponseType>,
    /// The body the page read, exactly (empty for an opaque response), origin URLs written as
    /// `{name}` as in snapshots.
    pub body: Option<String>,
    /// What the page reads for each named response header (lower-case names, file order): the
    /// value `headers.get()` gives, or that it cannot read it.
    pub headers: Vec<(String, HeaderReading)>,
}

impl Expectation {
    /// Expects only `outcome`; every other key left out, as in a file that gives only `outcome`.
    pub fn outcome(outcome: Outcome) -> Self {
        Self {
            outcome,
            preflight: None,
            reached_server: None,
            cookies_sent: None,
            reason: None,
            status: None,
            readable_headers: Vec::new(),
            hidden_headers: Vec::new(),
            server_saw: None,
            response_type: None,
            body: None,
            headers: Vec::new(),
        }
    }
}

/// fetch()'s request options that change what the browser sends or decides, beyond `mode`,
/// `credentials` and `redirect`. `None` and `false` leave fetch's default, so a scenario that
/// does not name an option makes the request as before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FetchOptions {
    /// `referrerPolicy`: what `Referer` says, and the `Origin` of a non-CORS POST.
    pub referrer_policy: Option<ReferrerPolicy>,
    /// `keepalive`: the request may outlive the page (and has a body limit of its own).
    pub keepalive: bool,
    /// `cache`: how the HTTP cache is used (`only-if-cached` needs `same-origin` mode).
    pub cache: Option<CacheMode>,
    /// `priority`: the fetch priority hint, which must not change any CORS decision.
    pub priority: Option<Priority>,
}

impl FetchOptions {
    /// Whether every option is fetch's default (nothing to pass, nothing to write back).
    pub fn is_default(&self) -> bool {
        *self == FetchOptions::default()
    }
}

/// `referrerPolicy` of fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReferrerPolicy {
    /// No `Referer`; a non-CORS POST says `Origin: null`.
    NoReferrer,
    /// The full URL, except from https to http.
    NoReferrerWhenDowngrade,
    /// The full URL to the same origin, nothing cross-origin.
    SameOrigin,
    /// The origin only.
    Origin,
    /// The origin only, except from https to http.
    StrictOrigin,
    /// The full URL to the same origin, the origin cross-origin.
    OriginWhenCrossOrigin,
    /// The browsers' default: as `origin-when-cross-origin`, nothing from https to http.
    StrictOriginWhenCrossOrigin,
    /// The full URL, always.
    UnsafeUrl,
}

/// `cache` of fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CacheMode {
    /// The HTTP cache as the headers say.
    Default,
    /// Neither read nor write the cache.
    NoStore,
    /// Go to the network, then update the cache.
    Reload,
    /// Revalidate whatever the cache holds.
    NoCache,
    /// Use any cached response, however stale.
    ForceCache,
    /// Only the cache: a `TypeError` unless the mode is `same-origin`.
    OnlyIfCached,
}

/// `priority` of fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Priority {
    /// Before other fetches.
    High,
    /// After other fetches.
    Low,
    /// The browser decides (the default).
    Auto,
}

/// One request as the author expects the server to have received it: one entry of the
/// snapshot's `server_saw`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedHop {
    /// The browser's preflight, or an actual request with its method.
    pub method: HopMethod,
    /// The URL without its query, in the snapshot's form (`{api}/t/{token}/data`), where
    /// `{token}` is this request's token; `None` is not checked.
    pub url: Option<String>,
    /// The `Origin` header; `None` is not checked.
    pub origin: Option<ExpectedHeader>,
    /// Other request headers, by lower-case name in file order.
    pub headers: Vec<(String, ExpectedHeader)>,
}

/// The method of a request the server received, as the snapshot names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HopMethod {
    /// The CORS preflight (`OPTIONS (preflight)`).
    Preflight,
    /// Any other request, by its method as received (`GET`, `patch`, a non-preflight `OPTIONS`).
    Actual(String),
}

impl HopMethod {
    /// The snapshot's spelling of a preflight's method.
    pub const PREFLIGHT: &'static str = "OPTIONS (preflight)";

    /// As the snapshot's `server_saw` writes it.
    pub fn name(&self) -> &str {
        match self {
            HopMethod::Preflight => Self::PREFLIGHT,
            HopMethod::Actual(method) => method,
        }
    }
}

/// What a request header the server received must be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpectedHeader {
    /// Exactly this value, byte for byte, after placeholders (`{app}`, `{api-host}`,
    /// `{token}`) stand for the run's origins and token.
    Value(String),
    /// Present, with any value (`true` in a file).
    Present,
    /// Not sent at all (`false` in a file).
    Absent,
}

/// What the page reads for one response header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderReading {
    /// This value, as `headers.get()` gives it: several values of one name joined by `, `.
    Value(String),
    /// Nothing: `headers.get()` gives `null` (the header is not exposed, or not sent).
    Unreadable,
}

/// `Response.type`: what kind of response the page got, which decides what it may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResponseType {
    /// A same-origin response: everything but `Set-Cookie` readable.
    #[serde(rename = "basic")]
    Basic,
    /// A cross-origin response that passed the CORS check: the safelisted and exposed headers.
    #[serde(rename = "cors")]
    Cors,
    /// A `no-cors` cross-origin response: status 0, no header, an empty body.
    #[serde(rename = "opaque")]
    Opaque,
    /// A redirect under `redirect: "manual"`: status 0, no header, an empty body.
    #[serde(rename = "opaqueredirect")]
    OpaqueRedirect,
}

/// `credentials` of fetch (`withCredentials` for XHR: `include` sets it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Credentials {
    /// Never send cookies.
    Omit,
    /// Send cookies to the page's own origin only (fetch's default).
    #[default]
    SameOrigin,
    /// Send cookies cross-origin too.
    Include,
}

/// `mode` of fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// The CORS protocol applies (fetch's default).
    #[default]
    Cors,
    /// An opaque response: nothing readable, no CORS check.
    NoCors,
    /// Cross-origin is a network error.
    SameOrigin,
}

/// `redirect` of fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RedirectMode {
    /// Follow redirects (the default).
    #[default]
    Follow,
    /// A redirect is a network error.
    Error,
    /// Hand the redirect to the page as an opaque-redirect response.
    Manual,
}

/// Which page API makes the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Api {
    /// `fetch()`.
    #[default]
    Fetch,
    /// `XMLHttpRequest`.
    Xhr,
}

/// What happened to a request, as the page and the console tell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The page got a response (an opaque one in `no-cors` mode).
    Allowed,
    /// The browser's CORS checks refused it.
    Blocked,
    /// It failed for a reason that is not CORS: refused connection, certificate, closed
    /// connection, `redirect: error`, ...
    NetworkError,
    /// No outcome within the request's time limit.
    Timeout,
}

/// Each request-option enum's words, as scenario files and the fetch API both spell them.
macro_rules! words {
    ($name:ident { $($variant:ident => $word:literal),+ $(,)? }) => {
        impl $name {
            /// Every value, in the order the documentation lists them.
            pub const ALL: [$name; [$($word),+].len()] = [$($name::$variant),+];

            /// The word scenario files and the fetch API use (`same-origin`).
            pub fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $word),+
                }
            }
        }
    };
}

words!(Credentials { Omit => "omit", SameOrigin => "same-origin", Include => "include" });
words!(Mode { Cors => "cors", NoCors => "no-cors", SameOrigin => "same-origin" });
words!(RedirectMode { Follow => "follow", Error => "error", Manual => "manual" });
words!(Api { Fetch => "fetch", Xhr => "xhr" });
words!(ReferrerPolicy {
    NoReferrer => "no-referrer",
    NoReferrerWhenDowngrade => "no-referrer-when-downgrade",
    SameOrigin => "same-origin",
    Origin => "origin",
    StrictOrigin => "strict-origin",
    OriginWhenCrossOrigin => "origin-when-cross-origin",
    StrictOriginWhenCrossOrigin => "strict-origin-when-cross-origin",
    UnsafeUrl => "unsafe-url",
});
words!(CacheMode {
    Default => "default",
    NoStore => "no-store",
    Reload => "reload",
    NoCache => "no-cache",
    ForceCache => "force-cache",
    OnlyIfCached => "only-if-cached",
});
words!(Priority { High => "high", Low => "low", Auto => "auto" });
words!(ResponseType {
    Basic => "basic",
    Cors => "cors",
    Opaque => "opaque",
    OpaqueRedirect => "opaqueredirect",
});

impl Outcome {
    /// The name scenario files use (`network-error`).
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Allowed => "allowed",
            Outcome::Blocked => "blocked",
            Outcome::NetworkError => "network-error",
            Outcome::Timeout => "timeout",
        }
    }
}
