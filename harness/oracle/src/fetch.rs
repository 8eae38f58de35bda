//! The fetch itself: `plan` what goes out first, then a state machine that takes one response
//! at a time and says what the browser sends next, until a [`Verdict`].

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use crate::cache::{Lookup, PreflightCache};
use crate::cors_check::cors_check;
use crate::engine::Engine;
use crate::exchange::{Exchange, Response};
use crate::expose;
use crate::fix::Requirement;
use crate::header::{self, Header, is_token, trim};
use crate::method::{Method, MethodError};
use crate::origin::Origin;
use crate::preflight::{PreflightQuestion, PreflightRequest, judge_preflight};
use crate::reason::{Block, NetworkError, Reason, Stage};
use crate::redirect::{self, MAX_REDIRECTS};
use crate::request::{Body, CacheMode, CredentialsMode, Initiator, RedirectMode, Request, RequestMode};
use crate::safelist::{
    cors_unsafe_names_in, is_forbidden_request_header, is_no_cors_safelisted_request_header,
};
use crate::url::{Url, UrlError};

/// The oracle: an engine profile and the two steps, `plan` and `judge`.
///
/// ```
/// use std::time::Duration;
/// use corsproof_oracle::{
///     CredentialsMode, Engine, Exchange, Oracle, Origin, PreflightCache, Request, Response,
/// };
///
/// let oracle = Oracle::new(Engine::Chromium);
/// let page: Origin = "https://app.example".parse().unwrap();
/// let request = Request::fetch("PUT", "https://api.example/items/1")
///     .header("Content-Type", "application/json")
///     .header("X-Trace", "1")
///     .credentials(CredentialsMode::Include);
/// let cache = PreflightCache::new();
/// let now = Duration::from_secs(1_000);
///
/// // Step 1: what goes out first.
/// let plan = oracle.plan(&page, &request, &cache, now);
/// let preflight = plan.preflight.as_ref().unwrap();
/// assert_eq!(preflight.request_method, "PUT");
/// assert_eq!(preflight.request_headers.as_deref(), Some("content-type,x-trace"));
///
/// // Step 2: the server's answers, then the verdict.
/// let exchange = Exchange::preflighted(
///     Response::new(204)
///         .header("Access-Control-Allow-Origin", "https://app.example")
///         .header("Access-Control-Allow-Credentials", "true")
///         .header("Access-Control-Allow-Methods", "PUT")
///         .header("Access-Control-Allow-Headers", "content-type, x-trace")
///         .header("Access-Control-Max-Age", "600"),
///     Response::new(200)
///         .header("Access-Control-Allow-Origin", "https://app.example")
///         .header("Access-Control-Allow-Credentials", "true"),
/// );
/// let verdict = plan.judge(&exchange);
/// assert!(verdict.is_allowed());
/// assert_eq!(verdict.requests.len(), 2);
/// assert!(!verdict.requests[0].cookies && verdict.requests[1].cookies);
///
/// // The next identical request is covered by the cache: no preflight.
/// let again = oracle.plan(&page, &request, &verdict.cache, now + Duration::from_secs(60));
/// assert!(again.preflight.is_none());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct Oracle {
    engine: Engine,
}

impl Oracle {
    /// An oracle for `engine`.
    pub fn new(engine: Engine) -> Self {
        Oracle { engine }
    }

    /// The engine profile.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Step one: what the browser sends first for `request` made by a page of `page`, given
    /// the preflight cache and the time `now` (on any clock; only differences matter).
    pub fn plan(&self, page: &Origin, request: &Request, cache: &PreflightCache, now: Duration) -> Plan {
        Plan::new(self.engine, page, request, cache, now)
    }

    /// Both steps over a recorded exchange.
    pub fn judge(
        &self,
        page: &Origin,
        request: &Request,
        cache: &PreflightCache,
        now: Duration,
        exchange: &Exchange,
    ) -> Verdict {
        self.plan(page, request, cache, now).judge(exchange)
    }

    /// Both steps with an empty cache at time zero: one request judged on its own.
    pub fn judge_once(&self, page: &Origin, request: &Request, exchange: &Exchange) -> Verdict {
        self.judge(page, request, &PreflightCache::new(), Duration::ZERO, exchange)
    }
}

/// "Response tainting": how the final response is filtered for the page.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Tainting {
    /// Same-origin: no CORS check, everything but `Set-Cookie` readable.
    Basic,
    /// Cross-origin under CORS: checked, and filtered to the exposed headers.
    Cors,
    /// Cross-origin `no-cors`: no check, nothing readable.
    Opaque,
}

/// Why a header the page set is not sent.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum DropReason {
    /// A forbidden request-header: the browser owns it.
    Forbidden,
    /// A `no-cors` request may only carry no-CORS-safelisted headers.
    NotNoCorsSafelisted,
}

/// A header the page set that the browser silently drops.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct DroppedHeader {
    /// The header as the page set it.
    pub header: Header,
    /// Why it is dropped.
    pub reason: DropReason,
}

/// Whether a request is the preflight or the real thing.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum RequestKind {
    /// The `OPTIONS` preflight.
    Preflight,
    /// The actual request, or a hop of it after a redirect.
    Actual,
}

/// A request that reaches the server.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SentRequest {
    /// Preflight or actual.
    pub kind: RequestKind,
    /// The method on the wire (`OPTIONS` for a preflight).
    pub method: Method,
    /// The URL.
    pub url: Arc<str>,
    /// The `Origin` header, if sent (`null` after a tainted redirect).
    pub origin: Option<Arc<str>>,
    /// Whether cookies ride along.
    pub cookies: bool,
    /// The other CORS-relevant headers: the preflight's `Accept` and `Access-Control-Request-*`,
    /// or the headers the page set that survive (without the dropped ones; without
    /// `Authorization` after a cross-origin redirect).
    pub headers: Arc<[Header]>,
}

/// What the page can read of an allowed response.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ReadableResponse {
    /// The status.
    pub status: u16,
    /// The headers the page can read (`response.headers`, `getAllResponseHeaders()`).
    pub headers: Vec<Header>,
    /// The final URL (`response.url`).
    pub url: Arc<str>,
    /// Whether a redirect was followed (`response.redirected`).
    pub redirected: bool,
}

impl ReadableResponse {
    /// The names of the headers the page can read, lower-cased, sorted, each once: what
    /// `response.headers.keys()` lists.
    pub fn header_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .headers
            .iter()
            .map(|header| String::from_utf8_lossy(&header.name).to_ascii_lowercase())
            .collect();
        names.sort();
        names.dedup();
        names
    }
}

/// How the fetch ended, for the page.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Outcome {
    /// The page gets the response.
    Allowed(ReadableResponse),
    /// A `no-cors` response: the page gets it but can read nothing (status 0, no headers).
    Opaque,
    /// `redirect: 'manual'` met a redirect: an opaque-redirect response.
    OpaqueRedirect,
    /// The CORS protocol refused it: the page sees a network error.
    Blocked(Box<Block>),
    /// A network error for another reason.
    NetworkError(NetworkError),
}

/// Something that passed in the browser but is fragile.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum Warning {
    /// A response allowed one specific origin without `Vary: Origin`: an HTTP cache (the
    /// browser's or a CDN's) can serve it to a page of another origin, which is then blocked,
    /// or serve another origin's copy to this one.
    MissingVaryOrigin {
        /// The URL of the response.
        url: String,
    },
    /// `Authorization` was allowed only by `Access-Control-Allow-Headers: *`, which the
    /// standard never lets cover it. The engine still allows it (Chromium and Firefox have
    /// deprecated it, WebKit says nothing), but a browser that follows the standard will not: name
    /// `Authorization` in the list.
    AuthorizationCoveredByWildcard {
        /// The URL of the preflight.
        url: String,
    },
}

/// The oracle's answer.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Verdict {
    /// How it ended.
    pub outcome: Outcome,
    /// Every request that reached the server, in order.
    pub requests: Vec<SentRequest>,
    /// Fragile configurations seen on the way, whatever the outcome.
    pub warnings: Vec<Warning>,
    /// The preflight cache afterwards, expired entries pruned.
    pub cache: PreflightCache,
}

impl Verdict {
    /// Whether the page gets a readable response.
    pub fn is_allowed(&self) -> bool {
        matches!(self.outcome, Outcome::Allowed(_))
    }

    /// The CORS block, if that is how it ended.
    pub fn block(&self) -> Option<&Block> {
        match &self.outcome {
            Outcome::Blocked(block) => Some(block),
            _ => None,
        }
    }

    /// The readable response, if allowed.
    pub fn response(&self) -> Option<&ReadableResponse> {
        match &self.outcome {
            Outcome::Allowed(response) => Some(response),
            _ => None,
        }
    }

    /// What the engine prints or throws, when the page does not get the response.
    pub fn explain(&self, engine: Engine) -> Option<String> {
        match &self.outcome {
            Outcome::Blocked(block) => Some(block.console_message(engine)),
            Outcome::NetworkError(error) => Some(error.explain(engine)),
            Outcome::Allowed(_) | Outcome::Opaque | Outcome::OpaqueRedirect => None,
        }
    }
}

/// One step of the state machine: send a request, or done.
#[derive(Debug)]
pub enum Step {
    /// The browser sends [`Fetch::request`] and waits for its response.
    Send(Box<Fetch>),
    /// The fetch is over.
    Done(Verdict),
}

impl Step {
    /// Drives the machine with recorded responses until it is done.
    pub fn run(self, exchange: &Exchange) -> Verdict {
        let mut preflights = exchange.preflights.iter();
        let mut responses = exchange.responses.iter();
        let mut step = self;
        loop {
            match step {
                Step::Done(verdict) => return verdict,
                Step::Send(fetch) => {
                    let next = match fetch.request().kind {
                        RequestKind::Preflight => preflights.next(),
                        RequestKind::Actual => responses.next(),
                    };
                    step = match next {
                        Some(response) => fetch.on_response(response),
                        None => fetch.on_network_error(),
                    };
                }
            }
        }
    }
}

/// Step one's answer: what goes out first, and the state machine to continue with.
#[derive(Debug)]
pub struct Plan {
    /// The `Origin` of the first request sent (preflight or actual), `None` when not sent.
    pub origin: Option<Arc<str>>,
    /// The preflight, when one is sent first.
    pub preflight: Option<PreflightRequest>,
    /// Whether a preflight would be needed but the cache covers the request.
    pub preflight_cached: bool,
    /// Headers the page set that the browser drops.
    pub dropped_headers: Vec<DroppedHeader>,
    /// Headers the actual request carries that the page controls (including the
    /// `Content-Type` implied by the body).
    pub sent_headers: Arc<[Header]>,
    /// Whether the actual request to the first URL carries cookies.
    pub cookies: bool,
    /// The response tainting, `None` when the request is refused before anything is sent.
    pub tainting: Option<Tainting>,
    first: Step,
}

impl Plan {
    fn new(engine: Engine, page: &Origin, request: &Request, cache: &PreflightCache, now: Duration) -> Plan {
        let mut dropped_headers = Vec::new();
        let first = match Fetch::new(engine, page, request, cache, now, &mut dropped_headers) {
            Ok(fetch) => fetch.begin_hop(),
            Err(error) => Step::Done(Verdict {
                outcome: Outcome::NetworkError(error),
                requests: Vec::new(),
                warnings: Vec::new(),
                cache: cache.clone(),
            }),
        };
        match first {
            Step::Send(mut fetch) => Plan {
                origin: fetch.request().origin.clone(),
                preflight: fetch.first_preflight.take(),
                preflight_cached: fetch.preflight_cached,
                dropped_headers,
                sent_headers: Arc::clone(&fetch.headers),
                cookies: fetch.cookies(),
                tainting: Some(fetch.tainting),
                first: Step::Send(fetch),
            },
            Step::Done(_) => Plan {
                origin: None,
                preflight: None,
                preflight_cached: false,
                dropped_headers,
                sent_headers: Arc::default(),
                cookies: false,
                tainting: None,
                first,
            },
        }
    }

    /// The error that stops the request before anything is sent (a `TypeError` in JS).
    pub fn early_error(&self) -> Option<&NetworkError> {
        match &self.first {
            Step::Done(verdict) => match &verdict.outcome {
                Outcome::NetworkError(error) => Some(error),
                _ => None,
            },
            Step::Send(_) => None,
        }
    }

    /// Starts the state machine: the first request to send, or an immediate verdict.
    pub fn start(self) -> Step {
        self.first
    }

    /// Step two over a recorded exchange.
    pub fn judge(self, exchange: &Exchange) -> Verdict {
        self.first.run(exchange)
    }
}

/// What the in-flight fetch waits for.
#[derive(Clone, Copy, Debug)]
enum Pending {
    Preflight,
    Actual,
}

/// A fetch in flight: it knows the request the browser is sending and takes its response.
#[derive(Debug)]
pub struct Fetch {
    engine: Engine,
    page: Origin,
    initiator: Initiator,
    credentials: CredentialsMode,
    mode: RequestMode,
    redirect_mode: RedirectMode,
    use_cors_preflight: bool,
    stream_body: bool,
    initial_url: Arc<str>,
    url: Url,
    /// Whether `url` has the page's origin: asked on every hop, so worked out once per URL.
    url_is_same_origin: bool,
    method: Method,
    headers: Arc<[Header]>,
    tainting: Tainting,
    /// "Serializing a request origin": the page's origin, or `null` once the redirect chain
    /// is tainted.
    request_origin: Arc<str>,
    redirects: u8,
    preflight_branch: bool,
    preflight_cached: bool,
    unsafe_names: Vec<String>,
    cache: PreflightCache,
    now: Duration,
    sent: Vec<SentRequest>,
    warnings: Vec<Warning>,
    pending: Pending,
    /// The first preflight, handed to the [`Plan`].
    first_preflight: Option<PreflightRequest>,
}

/// A fetch that ended: how.
enum End {
    /// Why, on which response, its status, and where that response redirected to.
    Blocked(Reason, Stage, Option<u16>, Option<String>),
    Network(NetworkError),
    Done(Outcome),
}

impl Fetch {
    /// Validates the page's request the way the `Request` constructor and `XMLHttpRequest`
    /// do, and sets up the state, boxed where it is built since the state machine hands it
    /// out boxed. Errors are the `TypeError`s thrown before anything is sent.
    fn new(
        engine: Engine,
        page: &Origin,
        request: &Request,
        cache: &PreflightCache,
        now: Duration,
        dropped: &mut Vec<DroppedHeader>,
    ) -> Result<Box<Fetch>, NetworkError> {
        let invalid_url = || NetworkError::InvalidUrl { url: request.url.clone() };
        let url = match Url::parse_with_base(&request.url, None) {
            Err(UrlError::RelativeWithoutBase) => {
                let base = page.as_base_url().ok_or_else(invalid_url)?;
                Url::parse_with_base(&request.url, Some(&base)).map_err(|_| invalid_url())?
            }
            other => other.map_err(|_| invalid_url())?,
        };
        if request.initiator == Initiator::Fetch && url.has_credentials() {
            return Err(NetworkError::CredentialsInUrl);
        }
        let method = Method::normalize(request.method.as_bytes()).map_err(|error| match error {
            MethodError::NotAToken => NetworkError::InvalidMethod { method: request.method.clone() },
            MethodError::Forbidden => NetworkError::ForbiddenMethod { method: request.method.clone() },
        })?;
        let headers = page_headers(engine, request, dropped)?;
        if request.mode == RequestMode::NoCors && !method.is_cors_safelisted() {
            return Err(NetworkError::NoCorsMethod { method: method.as_str().to_owned() });
        }
        // The Request constructor: "If request's cache mode is "only-if-cached" and request's
        // mode is not "same-origin", then throw a TypeError."
        if request.cache == CacheMode::OnlyIfCached && request.mode != RequestMode::SameOrigin {
            return Err(NetworkError::OnlyIfCachedOutsideSameOrigin);
        }
        if !url.is_http_family() {
            return Err(NetworkError::UnsupportedScheme { scheme: url.scheme().to_owned() });
        }
        if blocked_as_mixed_content(engine, page, &url) {
            return Err(NetworkError::MixedContent { url: url.to_string() });
        }
        let same_origin = page.is_same_origin_with_url(&url);
        if request.mode == RequestMode::SameOrigin && !same_origin {
            return Err(NetworkError::SameOriginModeCrossOrigin);
        }
        if request.mode == RequestMode::NoCors && !same_origin && request.redirect != RedirectMode::Follow {
            return Err(NetworkError::NoCorsRedirectNotFollowed);
        }
        Ok(Box::new(Fetch {
            engine,
            page: page.clone(),
            initiator: request.initiator,
            credentials: request.credentials,
            mode: request.mode,
            redirect_mode: request.redirect,
            use_cors_preflight: request.use_cors_preflight,
            stream_body: request.body == Body::Stream,
            initial_url: url.shared(),
            url,
            url_is_same_origin: same_origin,
            method,
            // `Arc::default` shares one static empty slice: most requests set no headers.
            headers: if headers.is_empty() { Arc::default() } else { headers.into() },
            tainting: Tainting::Basic,
            request_origin: page.shared(),
            redirects: 0,
            preflight_branch: false,
            preflight_cached: false,
            unsafe_names: Vec::new(),
            cache: cache.clone(),
            now,
            sent: Vec::new(),
            warnings: Vec::new(),
            pending: Pending::Actual,
            first_preflight: None,
        }))
    }

    /// The request the browser is sending now.
    pub fn request(&self) -> &SentRequest {
        // `sent` is never empty while a `Fetch` exists: every constructor path pushes the
        // request it waits for before handing the fetch out.
        self.sent.last().unwrap_or_else(|| unreachable!("a pending fetch has sent a request"))
    }

    /// The requests sent so far, the current one last.
    pub fn requests(&self) -> &[SentRequest] {
        &self.sent
    }

    /// The browser received `response` to [`Fetch::request`].
    pub fn on_response(mut self: Box<Self>, response: &Response) -> Step {
        let result = match self.pending {
            Pending::Preflight => self.on_preflight_response(response),
            Pending::Actual => self.on_actual_response(response),
        };
        match result {
            Ok(()) => Step::Send(self),
            Err(end) => self.finish(end),
        }
    }

    /// The request got no response at all (connection refused, reset, timeout).
    pub fn on_network_error(self: Box<Self>) -> Step {
        self.finish(End::Network(NetworkError::NoResponse))
    }

    fn request_origin(&self) -> &str {
        &self.request_origin
    }

    fn credentialed(&self) -> bool {
        self.credentials == CredentialsMode::Include
    }

    /// Whether the actual request to the current URL carries cookies.
    fn cookies(&self) -> bool {
        match self.credentials {
            CredentialsMode::Include => true,
            CredentialsMode::SameOrigin => self.tainting == Tainting::Basic,
            CredentialsMode::Omit => false,
        }
    }

    /// The `Origin` header of the actual request ("append a request `Origin` header").
    fn actual_origin_header(&self) -> Option<Arc<str>> {
        if self.tainting == Tainting::Cors {
            return Some(Arc::clone(&self.request_origin));
        }
        if self.method.is_get_or_head() {
            return None;
        }
        // The default referrer policy, strict-origin-when-cross-origin, hides the origin on
        // an https-to-http downgrade.
        let downgrade = self.mode != RequestMode::Cors
            && self.page.scheme() == Some("https")
            && self.url.scheme() != "https";
        Some(if downgrade { Arc::from("null") } else { Arc::clone(&self.request_origin) })
    }

    fn lookup(&self) -> Lookup {
        Lookup {
            engine: self.engine,
            origin: Arc::clone(&self.request_origin),
            url: self.url.shared(),
            credentials: self.credentialed(),
            now: self.now,
        }
    }

    /// Main fetch for the current URL: decides tainting and whether a preflight goes first.
    fn begin_hop(mut self: Box<Self>) -> Step {
        match self.prepare_hop() {
            Ok(()) => Step::Send(self),
            Err(end) => self.finish(end),
        }
    }

    fn prepare_hop(&mut self) -> Result<(), End> {
        self.preflight_branch = false;
        self.unsafe_names.clear();
        if !(self.url_is_same_origin && self.tainting == Tainting::Basic) {
            match self.mode {
                // Main fetch: "request's mode is same-origin: return a network error".
                RequestMode::SameOrigin => {
                    return Err(End::Network(NetworkError::SameOriginModeCrossOrigin));
                }
                RequestMode::NoCors => {
                    if self.redirect_mode != RedirectMode::Follow {
                        return Err(End::Network(NetworkError::NoCorsRedirectNotFollowed));
                    }
                    self.tainting = Tainting::Opaque;
                }
                RequestMode::Cors => {
                    self.tainting = Tainting::Cors;
                    self.unsafe_names = cors_unsafe_names_in(self.engine, &self.headers);
                    self.preflight_branch = self.use_cors_preflight
                        || !self.method.is_cors_safelisted()
                        || !self.unsafe_names.is_empty();
                }
            }
        }
        if self.preflight_branch {
            let lookup = self.lookup();
            let method_covered = self.cache.has_method(&lookup, self.method.as_str())
                || (self.method.is_cors_safelisted() && !self.use_cors_preflight);
            let headers_covered = self.unsafe_names.iter().all(|name| self.cache.has_header(&lookup, name));
            if method_covered && headers_covered {
                self.preflight_cached = true;
            } else {
                if self.engine.preflight_cache_miss_evicts_entry() {
                    self.cache.clear(&self.request_origin, self.url.as_str());
                }
                let preflight = PreflightRequest {
                    url: self.url.shared(),
                    origin: Arc::clone(&self.request_origin),
                    request_method: self.method.clone(),
                    request_headers: (!self.unsafe_names.is_empty()).then(|| self.unsafe_names.join(",")),
                };
                self.sent.push(SentRequest {
                    kind: RequestKind::Preflight,
                    method: Method::options(),
                    url: self.url.shared(),
                    origin: Some(Arc::clone(&preflight.origin)),
                    cookies: false,
                    headers: preflight.headers(),
                });
                self.pending = Pending::Preflight;
                if self.sent.len() == 1 {
                    self.first_preflight = Some(preflight);
                }
                return Ok(());
            }
        }
        self.send_actual();
        Ok(())
    }

    fn send_actual(&mut self) {
        self.sent.push(SentRequest {
            kind: RequestKind::Actual,
            method: self.method.clone(),
            url: self.url.shared(),
            origin: self.actual_origin_header(),
            cookies: self.cookies(),
            headers: Arc::clone(&self.headers),
        });
        self.pending = Pending::Actual;
    }

    fn on_preflight_response(&mut self, response: &Response) -> Result<(), End> {
        // Field by field, so that the grant (which borrows the method) and the cache update
        // can coexist.
        let credentials = self.credentials == CredentialsMode::Include;
        let question = PreflightQuestion {
            origin: &self.request_origin,
            credentials,
            method: &self.method,
            unsafe_names: &self.unsafe_names,
            use_cors_preflight: self.use_cors_preflight,
        };
        let grant = judge_preflight(self.engine, response, &question)
            .map_err(|reason| End::Blocked(reason, Stage::Preflight, Some(response.status), None))?;
        let lookup = Lookup {
            engine: self.engine,
            origin: Arc::clone(&self.request_origin),
            url: self.url.shared(),
            credentials,
            now: self.now,
        };
        if self.engine.caches_preflights_for_opaque_origins() || &*self.request_origin != "null" {
            self.cache.store(self.engine, &lookup, &grant.methods, &grant.headers, grant.max_age);
        }
        if grant.authorization_by_wildcard {
            self.warnings.push(Warning::AuthorizationCoveredByWildcard { url: self.url.as_str().to_owned() });
        }
        self.send_actual();
        Ok(())
    }

    fn on_actual_response(&mut self, response: &Response) -> Result<(), End> {
        if self.tainting == Tainting::Cors
            && let Err(reason) = cors_check(&response.headers, self.request_origin(), self.credentialed())
        {
            let location = redirect::location(response, &self.url).and_then(Result::ok);
            let location = location.map(|location| location.as_str().to_owned());
            return Err(End::Blocked(reason, Stage::Response, Some(response.status), location));
        }
        if self.tainting == Tainting::Cors && !varies_on_origin(&response.headers) {
            self.warnings.push(Warning::MissingVaryOrigin { url: self.url.as_str().to_owned() });
        }
        let Some(location) = redirect::location(response, &self.url) else {
            return Err(End::Done(self.final_outcome(response)));
        };
        match self.redirect_mode {
            RedirectMode::Error => return Err(End::Network(NetworkError::RedirectModeError)),
            RedirectMode::Manual => return Err(End::Done(Outcome::OpaqueRedirect)),
            RedirectMode::Follow => {}
        }
        let location =
            location.map_err(|location| End::Network(NetworkError::InvalidLocation { location }))?;
        self.follow(response.status, location)
    }

    /// "HTTP-redirect fetch", from the checks on the new URL to the next main fetch.
    fn follow(&mut self, status: u16, location: Url) -> Result<(), End> {
        if !location.is_http_family() {
            return Err(End::Network(NetworkError::RedirectToNonHttpScheme {
                location: location.to_string(),
            }));
        }
        if blocked_as_mixed_content(self.engine, &self.page, &location) {
            return Err(End::Network(NetworkError::MixedContent { url: location.to_string() }));
        }
        if self.redirects >= MAX_REDIRECTS {
            return Err(End::Network(NetworkError::TooManyRedirects));
        }
        self.redirects += 1;
        let location_is_same_origin = self.page.is_same_origin_with_url(&location);
        let cross_origin_credentials =
            self.mode == RequestMode::Cors && location.has_credentials() && !location_is_same_origin;
        if cross_origin_credentials || (self.tainting == Tainting::Cors && location.has_credentials()) {
            return Err(End::Blocked(
                Reason::RedirectContainsCredentials { location: location.to_string() },
                Stage::Response,
                Some(status),
                Some(location.to_string()),
            ));
        }
        if status != 303 && self.stream_body {
            return Err(End::Network(NetworkError::StreamBodyRedirect));
        }
        if let Some(method) = redirect::rewritten_method(status, &self.method) {
            self.method = method;
            self.stream_body = false;
            self.drop_headers(|h| redirect::is_request_body_header(&h.name));
        }
        if !self.url.is_same_origin(&location) {
            self.drop_headers(|h| h.is("authorization"));
            // Once `null`, always `null` (an opaque page's origin already is).
            if &*self.request_origin != "null" && !self.url_is_same_origin {
                self.request_origin = Arc::from("null");
            }
        }
        self.url = location;
        self.url_is_same_origin = location_is_same_origin;
        self.prepare_hop()
    }

    /// Removes request headers, sharing the list when nothing matches.
    fn drop_headers(&mut self, matches: impl Fn(&Header) -> bool) {
        if self.headers.iter().any(&matches) {
            self.headers = self.headers.iter().filter(|h| !matches(h)).cloned().collect();
        }
    }

    fn final_outcome(&self, response: &Response) -> Outcome {
        let headers = match self.tainting {
            Tainting::Opaque => return Outcome::Opaque,
            Tainting::Basic => expose::basic_headers(&response.headers),
            Tainting::Cors => expose::readable_headers(&response.headers, self.credentialed()),
        };
        Outcome::Allowed(ReadableResponse {
            status: response.status,
            headers,
            url: self.url.shared(),
            redirected: self.redirects > 0,
        })
    }

    /// The name of the header `reason` refuses, as the page wrote it (the reason holds it
    /// lower-cased); `None` when the reason refuses no header.
    fn header_as_written(&self, reason: &Reason) -> Option<String> {
        let refused = match reason {
            Reason::HeaderNotAllowed { header } => header.as_str(),
            Reason::AuthorizationNotCoveredByWildcard => "authorization",
            _ => return None,
        };
        let header =
            self.headers.iter().find(|header| header.name.eq_ignore_ascii_case(refused.as_bytes()))?;
        Some(String::from_utf8_lossy(&header.name).into_owned())
    }

    /// What the server must allow for this request, for fixes. Called once the fetch is over,
    /// so it takes the unsafe names rather than copying them.
    fn take_policy(&mut self) -> Requirement {
        Requirement {
            origin: self.request_origin().to_owned(),
            credentials: self.credentialed(),
            preflight: self.preflight_branch,
            methods: if self.method.is_cors_safelisted() {
                Vec::new()
            } else {
                vec![self.method.as_str().to_owned()]
            },
            headers: std::mem::take(&mut self.unsafe_names),
        }
    }

    fn finish(mut self: Box<Self>, end: End) -> Step {
        let outcome = match end {
            End::Done(outcome) => outcome,
            End::Network(error) => Outcome::NetworkError(error),
            End::Blocked(reason, stage, status, redirect_location) => Outcome::Blocked(Box::new(Block {
                policy: self.take_policy(),
                header_as_written: self.header_as_written(&reason),
                redirect_location,
                reason,
                stage,
                status,
                initial_url: String::from(&*self.initial_url),
                url: self.url.as_str().to_owned(),
                page_origin: self.page.serialize(),
                initiator: self.initiator,
            })),
        };
        let failed = matches!(outcome, Outcome::Blocked(_) | Outcome::NetworkError(_));
        if failed && self.preflight_branch && self.engine.clears_preflight_cache_on_failure() {
            // "If corsWithPreflightResponse is a network error, clear cache entries."
            self.cache.clear(&self.request_origin, self.url.as_str());
        }
        self.cache.prune(self.now);
        Step::Done(Verdict {
            outcome,
            requests: std::mem::take(&mut self.sent),
            warnings: std::mem::take(&mut self.warnings),
            cache: std::mem::take(&mut self.cache),
        })
    }
}

/// Mixed Content's "should fetching request be blocked as mixed content?" for fetch and XHR
/// (never upgraded): an https page and a URL that is not potentially trustworthy. The standard
/// restricts every potentially trustworthy page origin; Chromium only https ones, and so does
/// this. WebKit does not count loopback `http` URLs as trustworthy here
/// ([`Engine::mixed_content_exempts_loopback`]).
fn blocked_as_mixed_content(engine: Engine, page: &Origin, url: &Url) -> bool {
    page.scheme() == Some("https")
        && !(url.is_potentially_trustworthy()
            && (url.scheme() == "https" || engine.mixed_content_exempts_loopback()))
}

/// The headers the page's request carries after validation: invalid ones are a `TypeError`,
/// forbidden ones (and, in `no-cors`, unsafe ones) are dropped silently, and the body's
/// `Content-Type` is added when the page set none.
fn page_headers(
    engine: Engine,
    request: &Request,
    dropped: &mut Vec<DroppedHeader>,
) -> Result<Vec<Header>, NetworkError> {
    let mut headers: Vec<Header> = Vec::new();
    let implied =
        request.body.implied_content_type().map(|value| Header::with_static_name("Content-Type", value));
    for header in request.headers.iter().chain(implied.as_ref()) {
        let value = trim(&header.value);
        if !is_token(&header.name) || value.iter().any(|b| matches!(b, 0 | b'\r' | b'\n')) {
            return Err(NetworkError::InvalidHeader {
                name: String::from_utf8_lossy(&header.name).into_owned(),
            });
        }
        let is_implied = implied.as_ref().is_some_and(|i| std::ptr::eq(i, header));
        if is_implied && headers.iter().any(|h| h.is("content-type")) {
            continue;
        }
        let user_agent_refused = !engine.page_may_set_user_agent() && header.is("user-agent");
        let drop_reason = if is_forbidden_request_header(&header.name, value) || user_agent_refused {
            Some(DropReason::Forbidden)
        } else if request.mode == RequestMode::NoCors
            && !is_no_cors_safelisted_request_header(&header.name, &combined(&headers, header, value))
        {
            Some(DropReason::NotNoCorsSafelisted)
        } else {
            None
        };
        match drop_reason {
            Some(reason) => dropped.push(DroppedHeader { header: header.clone(), reason }),
            None => headers.push(Header {
                name: header.name.clone(),
                value: if value.len() == header.value.len() {
                    header.value.clone()
                } else {
                    Cow::Owned(value.to_vec())
                },
            }),
        }
    }
    Ok(headers)
}

/// Whether a CORS-passing response is safe to cache across origins: it allows `*`, or it
/// says `Vary: Origin` (or `Vary: *`).
///
/// `Vary` is looked at first: a well-configured server sends it, and then the (long)
/// `Access-Control-Allow-Origin` name need not be searched for a second time.
fn varies_on_origin(headers: &[Header]) -> bool {
    let vary_origin = header::values(headers, "vary").any(|value| {
        value.split(|b| *b == b',').map(trim).any(|item| item.eq_ignore_ascii_case(b"origin") || item == b"*")
    });
    vary_origin || header::get(headers, "access-control-allow-origin").as_deref() == Some(b"*")
}

/// The value a `no-cors` guard checks: what the header would read once appended.
fn combined(headers: &[Header], header: &Header, value: &[u8]) -> Vec<u8> {
    let mut joined = Vec::new();
    for existing in headers.iter().filter(|h| h.name.eq_ignore_ascii_case(&header.name)) {
        joined.extend_from_slice(&existing.value);
        joined.extend_from_slice(b", ");
    }
    joined.extend_from_slice(value);
    joined
}
