//! What the oracle says a browser does with a scenario against the mock origins: the same plan
//! as a real run, with the oracle in the browser's place and the mock server's own answers
//! ([`corsproof_server::answer`]) to the behaviours the plan recorded fed to it hop by hop.
//! Comparing this with the browser's snapshots proves the oracle.

use std::time::Duration;

use corsproof_behaviour::{NamedOrigin, Reply};
use corsproof_oracle::{
    AddressSpace, Body, CacheMode, CredentialsMode, Engine, LocalNetworkPermission, LocalNetworkRequest,
    Oracle, Origin as PageOrigin, PreflightCache, RedirectMode as OracleRedirect, Request, RequestKind,
    RequestMode, Response, Stage, Step, is_secure_context,
};
use corsproof_scenario::{Api, Credentials, Mode, Outcome, ReasonClass, RedirectMode, Scenario};
use corsproof_server::Answer;

use crate::observe::{Console, Redactor};
use crate::plan::{PlanError, PlannedStep, Planner, origin_url};

/// The oracle's account of one request, in the terms of an observation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prediction {
    /// Allowed, blocked, a network error or a timeout.
    pub outcome: Outcome,
    /// The reason class of a block.
    pub reason_class: Option<ReasonClass>,
    /// Whether the block was on the preflight.
    pub reason_in_preflight: bool,
    /// The engine's console line for a block, written from its console table and redacted as
    /// a run redacts the browser's ([`Redactor`]), so that it reads as a snapshot's `reason`;
    /// `None` when nothing was blocked or the engine's console cannot be read.
    pub reason: Option<String>,
    /// Whether a preflight reaches the server.
    pub preflight: bool,
    /// Whether the actual request reaches the server.
    pub reached_server: bool,
    /// The status the page reads.
    pub status: Option<u16>,
    /// The response header names the page can read, sorted.
    pub readable_headers: Vec<String>,
}

/// Predicts every request of `scenario`, in order, with one preflight cache across them.
/// `timeout` is the page's wait per request, as in a real run.
pub fn predict(
    scenario: &Scenario,
    origins: &[NamedOrigin],
    engine: Engine,
    timeout: Duration,
) -> Result<Vec<Prediction>, PlanError> {
    let planner = Planner { origins, pages: &[], target: None, run_id: "oracle".to_owned(), timeout };
    let planned = planner.plan(scenario, 0)?;
    let redactor = Redactor::new(origins, None, &planned);
    let page_url = origin_url(origins, &scenario.page)?;
    let page: PageOrigin = if scenario.sandbox {
        PageOrigin::opaque()
    } else {
        page_url.parse().map_err(|_| PlanError::NotAnOrigin(page_url))?
    };
    let oracle = Oracle::new(engine);
    let mut cache = PreflightCache::new();
    let mut http_cache =
        HttpCache { keyed_by_credentials: engine.http_cache_keyed_by_credentials(), ..HttpCache::default() };
    let mut now = Duration::ZERO;
    let mut predictions = Vec::with_capacity(planned.steps.len());
    for (step, planned_step) in scenario.requests.iter().zip(&planned.steps) {
        let url = planned_step.request.url.clone();
        let mut request = match step.api {
            Api::Fetch => Request::fetch(step.method.clone(), url),
            Api::Xhr => Request::xhr(step.method.clone(), url),
        };
        for (name, value) in &step.headers {
            request = request.header(name.as_bytes().to_vec(), value.as_bytes().to_vec());
        }
        if step.body.is_some() {
            request = request.body(Body::Text);
        }
        request = match step.api {
            Api::Fetch => request
                .credentials(credentials(step.credentials))
                .mode(mode(step.mode))
                .redirect(redirect(step.redirect))
                .cache(
                    step.options
                        .cache
                        .and_then(|cache| cache.name().parse().ok())
                        .unwrap_or(CacheMode::Default),
                ),
            Api::Xhr => request.with_credentials(step.credentials == Credentials::Include),
        };
        if let Some(mut prediction) = local_network(scenario, engine, &page, &planned_step.request.url) {
            prediction.reason = prediction.reason.map(|line| redactor.redact(&line));
            predictions.push(prediction);
            now += Duration::from_millis(10);
            continue;
        }
        let (mut prediction, after) =
            follow(&oracle, &page, &request, planned_step, &cache, &mut http_cache, now, timeout);
        cache = after;
        prediction.reason = prediction.reason.map(|line| redactor.redact(&line));
        predictions.push(prediction);
        // Requests of a scenario run one after another, a few milliseconds apart.
        now += Duration::from_millis(10);
    }
    Ok(predictions)
}

/// What Local Network Access does with a request to a mock origin, `None` when it goes out.
/// Every mock origin listens on loopback, so a page is public only when it declares itself so
/// (`public_page`) to an engine that honours the declaration, and a request is never sent
/// (no preflight, nothing reaches the server); a request to the page's own origin goes out.
/// The outcome is what a run reads from the engine's line: Chromium's is a CORS-policy line (a block),
/// Firefox's a network failure.
fn local_network(scenario: &Scenario, engine: Engine, page: &PageOrigin, url: &str) -> Option<Prediction> {
    let page_space = if scenario.public_page && engine.honours_treat_as_public_address() {
        AddressSpace::Public
    } else {
        AddressSpace::Loopback
    };
    let request = LocalNetworkRequest {
        page: page_space,
        secure_context: is_secure_context(page),
        target: AddressSpace::Loopback,
        permission: if scenario.local_network_granted {
            LocalNetworkPermission::Granted
        } else {
            LocalNetworkPermission::NotGranted
        },
    };
    let error = request.check(engine, url, page).err()?;
    let line = error.console_message(engine).unwrap_or_default();
    let reading = match Console::of(engine) {
        Console::Readable(table) => table.read(&line),
        Console::Unavailable => None,
    };
    Some(Prediction {
        outcome: if reading.is_some() { Outcome::Blocked } else { Outcome::NetworkError },
        reason_class: reading.map(|reading| reading.class),
        reason_in_preflight: false,
        reason: reading.map(|_| line),
        preflight: false,
        reached_server: false,
        status: None,
        readable_headers: vec![],
    })
}

/// Runs the oracle's state machine against the mock server's answers to the behaviours `planned`
/// recorded for the URLs it visits.
#[allow(clippy::too_many_arguments)]
fn follow(
    oracle: &Oracle,
    page: &PageOrigin,
    request: &Request,
    planned: &PlannedStep,
    cache: &PreflightCache,
    http_cache: &mut HttpCache,
    now: Duration,
    timeout: Duration,
) -> (Prediction, PreflightCache) {
    let mut sent_preflight = false;
    let mut sent_actual = false;
    // Whether an actual request went to the server rather than the HTTP cache.
    let mut network_actual = false;
    let mut step = oracle.plan(page, request, cache, now).start();
    loop {
        match step {
            Step::Send(fetch) => {
                let sent = fetch.request();
                let preflight = sent.kind == RequestKind::Preflight;
                sent_preflight |= preflight;
                sent_actual |= !preflight;
                let get = !preflight && sent.method.as_str() == "GET";
                if let Some(answer) = http_cache.lookup(get, &sent.url, sent.origin.as_deref(), sent.cookies)
                {
                    step = fetch.on_response(&Response::new(answer.status).headers(answer.headers));
                    continue;
                }
                // "only-if-cached" with nothing stored: a network error, and nothing goes out.
                if !preflight && request.cache == CacheMode::OnlyIfCached {
                    step = fetch.on_network_error();
                    continue;
                }
                network_actual |= !preflight;
                let Some(reply) = reply_at(planned, &sent.url, preflight) else {
                    // No mock origin there: nothing answers.
                    step = fetch.on_network_error();
                    continue;
                };
                if reply.delay >= timeout {
                    let prediction = Prediction {
                        outcome: Outcome::Timeout,
                        reason_class: None,
                        reason_in_preflight: false,
                        reason: None,
                        preflight: sent_preflight,
                        reached_server: sent_actual,
                        status: None,
                        readable_headers: vec![],
                    };
                    return (prediction, cache.clone());
                }
                let mut answer = corsproof_server::answer(&reply, sent.origin.as_deref());
                // The mock origins' TLS listener speaks HTTP/2 to every browser.
                if sent.url.starts_with("https://") {
                    let added = oracle.engine().http2_response_headers().iter();
                    answer.headers.extend(added.map(|(name, value)| (name.to_string(), value.to_string())));
                }
                if get && !answer.closes {
                    http_cache.store(&sent.url, sent.origin.as_deref(), sent.cookies, &answer);
                }
                step = if answer.closes {
                    fetch.on_network_error()
                } else {
                    fetch.on_response(&Response::new(answer.status).headers(answer.headers))
                };
            }
            Step::Done(verdict) => {
                let preflight = verdict.requests.iter().any(|r| r.kind == RequestKind::Preflight);
                let reached_server =
                    verdict.requests.iter().any(|r| r.kind == RequestKind::Actual) && network_actual;
                let mut prediction = Prediction {
                    outcome: Outcome::Allowed,
                    reason_class: None,
                    reason_in_preflight: false,
                    reason: None,
                    preflight,
                    reached_server,
                    status: None,
                    readable_headers: vec![],
                };
                match &verdict.outcome {
                    corsproof_oracle::Outcome::Allowed(response) => {
                        prediction.status = Some(response.status);
                        prediction.readable_headers = response.header_names();
                    }
                    corsproof_oracle::Outcome::Opaque | corsproof_oracle::Outcome::OpaqueRedirect => {
                        prediction.status = Some(0);
                    }
                    corsproof_oracle::Outcome::Blocked(block) => {
                        prediction.outcome = Outcome::Blocked;
                        prediction.reason_class = engine_reason_class(block, oracle.engine());
                        prediction.reason = engine_console_message(block, oracle.engine());
                        prediction.reason_in_preflight = block.stage == Stage::Preflight;
                    }
                    corsproof_oracle::Outcome::NetworkError(_) => prediction.outcome = Outcome::NetworkError,
                }
                return (prediction, verdict.cache);
            }
        }
    }
}

/// The browser's HTTP cache, as far as the mock server's answers use it: a GET answered 200 with
/// `Cache-Control: max-age=N` (N > 0, no `no-store` or `no-cache`) is stored under its URL and
/// serves later GETs of that URL, mode and credentials alike, as Chromium does within one page;
/// `Vary: Origin` makes it serve only requests with the same `Origin`, any other `Vary` nothing.
/// Firefox keeps credentialed and uncredentialed requests apart (`keyed_by_credentials`).
#[derive(Default)]
struct HttpCache {
    /// (URL, the request's Origin, whether it carried credentials, the answer).
    stored: Vec<(String, Option<String>, bool, Answer)>,
    keyed_by_credentials: bool,
}

impl HttpCache {
    fn store(&mut self, url: &str, origin: Option<&str>, credentials: bool, answer: &Answer) {
        let directives: Vec<String> = answer
            .headers
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case("cache-control"))
            .flat_map(|(_, value)| value.split(','))
            .map(|directive| directive.trim().to_ascii_lowercase())
            .collect();
        let fresh = directives
            .iter()
            .any(|d| d.strip_prefix("max-age=").and_then(|s| s.parse::<u64>().ok()).is_some_and(|s| s > 0));
        let forbidden = directives.iter().any(|d| d == "no-store" || d == "no-cache");
        let keyed = self.keyed_by_credentials;
        self.stored.retain(|(stored, _, with, _)| stored != url || (keyed && *with != credentials));
        if answer.status == 200 && fresh && !forbidden {
            self.stored.push((url.to_owned(), origin.map(str::to_owned), credentials, answer.clone()));
        }
    }

    fn lookup(&self, get: bool, url: &str, origin: Option<&str>, credentials: bool) -> Option<Answer> {
        let (_, stored_origin, _, answer) = self.stored.iter().find(|(stored, _, with, _)| {
            get && stored == url && (!self.keyed_by_credentials || *with == credentials)
        })?;
        let vary: Vec<String> = answer
            .headers
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case("vary"))
            .flat_map(|(_, value)| value.split(','))
            .map(|name| name.trim().to_ascii_lowercase())
            .filter(|name| !name.is_empty())
            .collect();
        let matches = vary.iter().all(|name| name == "origin" && stored_origin.as_deref() == origin);
        matches.then(|| answer.clone())
    }
}

/// The reply the mock server plays at `url` by the plan: the behaviour recorded there, or a 400
/// for a query it refuses; `None` for a URL off the mock origins.
pub(crate) fn reply_at(planned: &PlannedStep, url: &str, preflight: bool) -> Option<Reply> {
    let visit = planned.visit(url)?;
    Some(match &visit.behaviour {
        Ok(behaviour) => behaviour.reply_for(preflight).clone(),
        Err(_) => Reply::new().status(400),
    })
}

/// The class a run would read from the engine's console for this block: the class of the
/// sentence the engine prints for its reason, from the engine's console table (Firefox words
/// several reasons alike: a list in ACAO and a non-origin as a mismatch, a redirected preflight
/// as a redirect); `None` where the console cannot be read.
pub fn engine_reason_class(block: &corsproof_oracle::Block, engine: Engine) -> Option<ReasonClass> {
    match Console::of(engine) {
        Console::Readable(table) => Some(table.class_of(&block.reason)),
        Console::Unavailable => None,
    }
}

/// The line a run would read from the engine's console for this block, before redaction: the
/// engine's own sentence from its console table ([`corsproof_oracle::Block::console_message`]);
/// `None` where a run reads no console (WebKit), as [`engine_reason_class`].
fn engine_console_message(block: &corsproof_oracle::Block, engine: Engine) -> Option<String> {
    match Console::of(engine) {
        Console::Readable(_) => Some(block.console_message(engine)),
        Console::Unavailable => None,
    }
}

fn credentials(credentials: Credentials) -> CredentialsMode {
    match credentials {
        Credentials::Omit => CredentialsMode::Omit,
        Credentials::SameOrigin => CredentialsMode::SameOrigin,
        Credentials::Include => CredentialsMode::Include,
    }
}

fn mode(mode: Mode) -> RequestMode {
    match mode {
        Mode::Cors => RequestMode::Cors,
        Mode::NoCors => RequestMode::NoCors,
        Mode::SameOrigin => RequestMode::SameOrigin,
    }
}

fn redirect(redirect: RedirectMode) -> OracleRedirect {
    match redirect {
        RedirectMode::Follow => OracleRedirect::Follow,
        RedirectMode::Error => OracleRedirect::Error,
        RedirectMode::Manual => OracleRedirect::Manual,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "http://api.test:8002/t/x/data";

    fn answer(reply: Reply, origin: Option<&str>) -> Answer {
        corsproof_server::answer(&reply.allow_origin(corsproof_behaviour::AllowOrigin::Echo), origin)
    }

    #[test]
    fn http_cache_serves_a_fresh_get_to_any_origin_without_vary() {
        let mut cache = HttpCache::default();
        cache.store(URL, None, false, &answer(Reply::new().header("Cache-Control", "max-age=600"), None));
        let served = cache.lookup(true, URL, Some("http://app.test:8001"), false).expect("stored");
        assert!(!served.headers.iter().any(|(name, _)| name == "access-control-allow-origin"));
        assert!(cache.lookup(false, URL, None, false).is_none(), "only GETs are served");
    }

    #[test]
    fn http_cache_vary_origin_serves_only_the_same_origin() {
        let mut cache = HttpCache::default();
        let reply = Reply::new().header("Cache-Control", "max-age=600").vary("Origin");
        cache.store(URL, None, false, &answer(reply, None));
        assert!(cache.lookup(true, URL, Some("http://app.test:8001"), false).is_none());
        assert!(cache.lookup(true, URL, None, false).is_some());
    }

    #[test]
    fn http_cache_keyed_by_credentials_serves_only_the_same_kind() {
        let mut cache = HttpCache { keyed_by_credentials: true, ..HttpCache::default() };
        cache.store(URL, None, false, &answer(Reply::new().header("Cache-Control", "max-age=600"), None));
        assert!(cache.lookup(true, URL, None, false).is_some());
        assert!(cache.lookup(true, URL, None, true).is_none());
    }

    #[test]
    fn http_cache_stores_nothing_without_freshness_or_with_no_store() {
        let mut cache = HttpCache::default();
        cache.store(URL, None, false, &answer(Reply::new(), None));
        cache.store(
            URL,
            None,
            false,
            &answer(Reply::new().header("Cache-Control", "max-age=600, no-store"), None),
        );
        assert!(cache.lookup(true, URL, None, false).is_none());
    }
}
