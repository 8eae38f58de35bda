//! The driver: the oracle says what the browser sends, the client sends it, the oracle judges
//! each answer, hop by hop, until the verdict.

use std::net::IpAddr;
use std::time::Duration;

use corsproof_oracle::{
    AddressSpace, Cookie, CookieFate, CredentialsMode, Engine, LocalNetworkPermission, LocalNetworkRequest,
    NetworkError, Oracle, Origin, Outcome, PreflightCache, RequestKind, Response, SetBy, Step, Url, Verdict,
    is_secure_context,
};
use rustls::pki_types::CertificateDer;

use crate::advice::{Advice, FixFor};
use crate::checked::{Checked, Hop, ProbeCookie};
use crate::client::Client;
use crate::probe::{Probe, ProbeError};

/// Checks probes against live servers, as one browser engine would.
///
/// ```no_run
/// # async fn demo() -> Result<(), corsproof_check::ProbeError> {
/// use corsproof_check::{Checker, Probe};
/// let checker = Checker::new();
/// let checked = checker.check(&Probe::new("http://127.0.0.1:3000/api").origin("https://app.example")).await?;
/// checked.assert_allowed();
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Checker {
    client: Client,
    engine: Engine,
    advice: Advice,
    page_space: Option<AddressSpace>,
    permission: LocalNetworkPermission,
}

impl Default for Checker {
    fn default() -> Self {
        Self::new()
    }
}

impl Checker {
    /// How long one exchange may take before it counts as no answer.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

    /// Judges as Chromium, trusts the web's certificate roots, waits 10 s per exchange.
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// A checker with other options.
    pub fn builder() -> CheckerBuilder {
        CheckerBuilder {
            engine: Engine::Chromium,
            roots: Vec::new(),
            insecure: false,
            timeout: Self::DEFAULT_TIMEOUT,
            resolve: Vec::new(),
            advice: Advice::default(),
            page_space: None,
            permission: LocalNetworkPermission::NotGranted,
            requests_per_second: None,
        }
    }

    /// The same checker, with `origins` declared the user's own as
    /// [`CheckerBuilder::own_origins`] does (a policy's origins, once it is read).
    pub fn with_own_origins<S: Into<String>>(mut self, origins: impl IntoIterator<Item = S>) -> Self {
        self.advice.add_own_origins(origins);
        self
    }

    /// The client the checker sends with (the Private Network Access probe sends its own
    /// preflight through it).
    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    /// How many HTTP requests this checker and its clones have sent (preflights and redirects
    /// included): what a scan reports as its load on the server.
    pub fn requests_sent(&self) -> u64 {
        self.client.requests_sent()
    }

    /// The engine whose rules and words the verdicts use.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// The address space the page is known to be in, for Local Network Access: the one the
    /// builder was given ([`CheckerBuilder::page_space`]), else its host's when the host says
    /// it (an IP literal by its range, `localhost` and `*.localhost` loopback). A DNS name says
    /// nothing about where the page is served, and a checked server on this machine usually
    /// stands in for one on the internet, so such a page is not judged (`None`) until told:
    /// `page_space(AddressSpace::Public)` (`--page-space public`) for a page on the internet.
    ///
    /// ```
    /// use corsproof_check::Checker;
    /// use corsproof_oracle::AddressSpace;
    ///
    /// let checker = Checker::new();
    /// let space = |origin: &str| checker.page_space(&origin.parse().unwrap());
    /// assert_eq!(space("http://localhost:5173"), Some(AddressSpace::Loopback));
    /// assert_eq!(space("http://192.168.1.20"), Some(AddressSpace::Local));
    /// assert_eq!(space("https://app.example.com"), None);
    /// let public = Checker::builder().page_space(AddressSpace::Public).build();
    /// assert_eq!(public.page_space(&"https://app.example.com".parse().unwrap()), Some(AddressSpace::Public));
    /// ```
    pub fn page_space(&self, page: &Origin) -> Option<AddressSpace> {
        self.page_space.or_else(|| page.host().and_then(AddressSpace::of_host))
    }

    /// Local Network Access for one request of a page of `page` to `url`, before it is sent:
    /// the address it connects to decides its space. `None` when it goes out; a page not known
    /// to be public, or an address that does not resolve (the exchange then fails on its own),
    /// is never stopped.
    async fn local_network_error(
        &self,
        page: &Origin,
        page_space: Option<AddressSpace>,
        url: &str,
    ) -> Option<NetworkError> {
        let page_space = page_space.filter(|space| *space == AddressSpace::Public)?;
        let target = AddressSpace::of_ip(self.client.address_of(url).await.ok()?);
        let request = LocalNetworkRequest {
            page: page_space,
            secure_context: is_secure_context(page),
            target,
            permission: self.permission,
        };
        request.check(self.engine, url, page).err()
    }

    /// Sends what the browser would send for `probe` (a preflight when one is needed, then the
    /// actual request, following redirects) and judges every answer. A request Local Network
    /// Access stops (a public page's request to a loopback or private address, in Chromium and
    /// Firefox) is not sent: the verdict is the engine's network error, as in the browser.
    pub async fn check(&self, probe: &Probe) -> Result<Checked, ProbeError> {
        let (page, request) = probe.to_oracle()?;
        let cookies = probe.parsed_cookies()?;
        let page_space = self.page_space(&page);
        let oracle = Oracle::new(self.engine);
        let mut hops = Vec::new();
        let mut step = oracle.plan(&page, &request, &PreflightCache::new(), Duration::ZERO).start();
        let verdict = loop {
            match step {
                Step::Send(fetch) => {
                    let sent = fetch.request().clone();
                    if let Some(error) = self.local_network_error(&page, page_space, &sent.url).await {
                        break Verdict {
                            outcome: Outcome::NetworkError(error),
                            requests: hops.iter().map(|hop: &Hop| hop.sent.clone()).collect(),
                            warnings: Vec::new(),
                            cache: PreflightCache::new(),
                        };
                    }
                    let mut headers: Vec<(Vec<u8>, Vec<u8>)> = Vec::with_capacity(sent.headers.len() + 1);
                    // The preflight's planned headers carry Origin already; the actual request's do not.
                    if let Some(origin) = &sent.origin
                        && !sent.headers.iter().any(|h| h.is("origin"))
                    {
                        headers.push((b"origin".to_vec(), origin.as_bytes().to_vec()));
                    }
                    headers.extend(sent.headers.iter().map(|h| (h.name.to_vec(), h.value.to_vec())));
                    // The browser adds the cookies it would send; a preflight never carries any.
                    if sent.kind == RequestKind::Actual
                        && let Some(cookie) =
                            cookie_header(&cookies, self.engine, &page, &sent.url, request.credentials)
                    {
                        headers.push((b"cookie".to_vec(), cookie.into_bytes()));
                    }
                    let body = match sent.kind {
                        RequestKind::Actual if !matches!(sent.method.as_str(), "GET" | "HEAD") => {
                            probe.body.as_deref()
                        }
                        _ => None,
                    };
                    let started_unix_ms = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |since| since.as_millis() as u64);
                    let sending = std::time::Instant::now();
                    let received = self.client.send(sent.method.as_str(), &sent.url, &headers, body).await;
                    let took = sending.elapsed();
                    step = match &received {
                        Ok(answer) => fetch.on_response(&Response::new(answer.status).headers(
                            answer.headers.iter().map(|(name, value)| (name.as_str(), value.clone())),
                        )),
                        Err(_) => fetch.on_network_error(),
                    };
                    hops.push(Hop { sent, headers, received, started_unix_ms, took });
                }
                Step::Done(verdict) => break verdict,
            }
        };
        let first_url =
            hops.iter().find(|hop| !hop.is_preflight()).map_or(request.url.as_str(), |hop| &*hop.sent.url);
        let cookies = probe_cookies(cookies, self.engine, &page, first_url, request.credentials);
        Ok(Checked {
            probe: probe.clone(),
            engine: self.engine,
            hops,
            verdict,
            advice: self.advice.clone(),
            cookies,
        })
    }
}

/// The `Cookie` header the browser puts on an actual request to `url`: the cookies its rules
/// let ride, in the order given; `None` when none does.
fn cookie_header(
    cookies: &[Cookie],
    engine: Engine,
    page: &Origin,
    url: &str,
    credentials: CredentialsMode,
) -> Option<String> {
    let url: Url = url.parse().ok()?;
    let sent: Vec<String> = cookies
        .iter()
        .filter(|cookie| cookie.fate(engine, page, &url, credentials, SetBy::ThePage).is_sent())
        .map(Cookie::pair)
        .collect();
    (!sent.is_empty()).then(|| sent.join("; "))
}

/// Each cookie's fate on the page's request (the first actual request), as set by an answer to
/// the page, and as it would be had the user got it on its own site.
fn probe_cookies(
    cookies: Vec<Cookie>,
    engine: Engine,
    page: &Origin,
    url: &str,
    credentials: CredentialsMode,
) -> Vec<ProbeCookie> {
    let Ok(url) = url.parse::<Url>() else { return Vec::new() };
    cookies
        .into_iter()
        .map(|cookie| {
            let fate = cookie.fate(engine, page, &url, credentials, SetBy::ThePage);
            let from_its_own_site = match cookie.fate(engine, page, &url, credentials, SetBy::ItsOwnSite) {
                CookieFate::NotSent(reason) if fate.is_sent() => Some(reason),
                _ => None,
            };
            ProbeCookie { cookie, fate, from_its_own_site }
        })
        .collect()
}

/// Options of a [`Checker`].
#[derive(Debug)]
pub struct CheckerBuilder {
    engine: Engine,
    roots: Vec<CertificateDer<'static>>,
    insecure: bool,
    timeout: Duration,
    resolve: Vec<(String, IpAddr)>,
    advice: Advice,
    page_space: Option<AddressSpace>,
    permission: LocalNetworkPermission,
    requests_per_second: Option<f64>,
}

impl CheckerBuilder {
    /// Sends at most this many requests a second, preflights and redirects included, from the
    /// checker and every clone of it together: a scan that must not load a production server.
    ///
    /// ```
    /// use corsproof_check::Checker;
    /// let gentle = Checker::builder().max_requests_per_second(20.0).build();
    /// assert_eq!(gentle.requests_sent(), 0);
    /// ```
    pub fn max_requests_per_second(mut self, per_second: f64) -> Self {
        self.requests_per_second = Some(per_second);
        self
    }

    /// Which framework's configuration the reports show a fix in: the one the server's answer
    /// shows ([`FixFor::Detected`], the default), a chosen one, or all of them.
    ///
    /// ```
    /// use corsproof_check::{Checker, FixFor, Framework};
    /// let checker = Checker::builder().fix_for(FixFor::Framework(Framework::Fastify)).build();
    /// # drop(checker);
    /// ```
    pub fn fix_for(mut self, fix_for: FixFor) -> Self {
        self.advice.fix_for = fix_for;
        self
    }

    /// The page origins that are yours (`https://app.example.com`): a fix that allows one of
    /// them says so plainly. Any other origin's fix stays conditional ("if it is your page's
    /// origin"), since a blocked origin may be an attacker's.
    ///
    /// ```
    /// use corsproof_check::Checker;
    /// let checker = Checker::builder().own_origins(["https://app.example.com"]).build();
    /// # drop(checker);
    /// ```
    pub fn own_origins<S: Into<String>>(mut self, origins: impl IntoIterator<Item = S>) -> Self {
        self.advice.add_own_origins(origins);
        self
    }

    /// The address space the page is served from, for Local Network Access: `Public` for a page
    /// on the internet, whose requests to this machine or your private network Chromium and
    /// Firefox stop unless the user grants a permission. Without it only a page origin whose
    /// host is an IP literal or `localhost` is judged ([`Checker::page_space`]).
    ///
    /// ```
    /// use corsproof_check::Checker;
    /// use corsproof_oracle::AddressSpace;
    ///
    /// let intranet = Checker::builder().page_space(AddressSpace::Local).build();
    /// assert_eq!(intranet.page_space(&"https://wiki.corp.example".parse().unwrap()), Some(AddressSpace::Local));
    /// ```
    pub fn page_space(mut self, space: AddressSpace) -> Self {
        self.page_space = Some(space);
        self
    }

    /// Whether the user granted the page the permission to reach a more private space
    /// (Chromium and Firefox ask). Not granted by default: what a page gets from a user who
    /// was not asked, or said no, and from a headless browser.
    pub fn local_network_permission(mut self, permission: LocalNetworkPermission) -> Self {
        self.permission = permission;
        self
    }

    /// Connect to `host` at `address` instead of resolving it (like `curl --resolve`); the URL,
    /// `Host` and TLS name stay `host`.
    pub fn resolve(mut self, host: impl Into<String>, address: IpAddr) -> Self {
        self.resolve.push((host.into(), address));
        self
    }

    /// Judge as this engine (Chromium by default).
    pub fn engine(mut self, engine: Engine) -> Self {
        self.engine = engine;
        self
    }

    /// Also trust this CA certificate (DER), for servers with a test CA.
    pub fn trust(mut self, certificate: CertificateDer<'static>) -> Self {
        self.roots.push(certificate);
        self
    }

    /// Also trust the CA certificates of a PEM text; fails on text that holds none.
    pub fn trust_pem(mut self, pem: &str) -> Result<Self, String> {
        let certificates: Vec<_> = rustls_pemfile::certs(&mut pem.as_bytes())
            .collect::<Result<_, _>>()
            .map_err(|e| format!("not a PEM certificate: {e}"))?;
        if certificates.is_empty() {
            return Err("no certificate in this PEM text".to_owned());
        }
        self.roots.extend(certificates);
        Ok(self)
    }

    /// Accept any certificate (like `curl -k`).
    pub fn insecure(mut self, insecure: bool) -> Self {
        self.insecure = insecure;
        self
    }

    /// How long one exchange may take.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The checker.
    pub fn build(self) -> Checker {
        Checker {
            client: {
                let client = Client::new(&self.roots, self.insecure, self.timeout, self.resolve);
                match self.requests_per_second {
                    Some(per_second) => client.limit_rate(per_second),
                    None => client,
                }
            },
            engine: self.engine,
            advice: self.advice,
            page_space: self.page_space,
            permission: self.permission,
        }
    }
}
