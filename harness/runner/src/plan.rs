//! From a scenario to the exact requests the page makes: URLs, tokens, behaviours.
//!
//! Each request's server behaviour is the typed [`Behaviour`] its scenario file gave, with the
//! placeholders filled; the URL's query is only its rendering on the wire (the mock server's
//! vocabulary), so a redirect hop that carries the same token keeps its own behaviour, and the
//! page, the journal and the console all name the same URL. Every request gets a token of its
//! own, unless it reuses an earlier request's URL (`same_url_as`), so no scenario's
//! preflight-cache or HTTP-cache entry can serve another's.

use std::collections::HashMap;
use std::time::Duration;

use corsproof_behaviour::vocabulary::{self, VocabularyError};
use corsproof_behaviour::{Behaviour, NamedOrigin, Reply};
use corsproof_browser::PageRequest;
use corsproof_oracle::Url;
use corsproof_scenario::{RequestStep, Scenario, fill_placeholders};
use corsproof_server::{PAGE_PATH, PUBLIC_QUERY, SANDBOX_QUERY, TARGET_TOKEN, TOKEN_PREFIX};

use crate::page::PageOrigin;

/// Makes scenarios concrete for one run.
#[derive(Debug, Clone)]
pub struct Planner<'a> {
    /// The mock origins.
    pub origins: &'a [NamedOrigin],
    /// Page origins the user chose: a scenario whose `page` names one is loaded there instead
    /// of at the mock origin of that name, and `{NAME}` placeholders stand for it.
    pub pages: &'a [PageOrigin],
    /// A server of yours that every request goes to instead (`--target`), without trailing `/`.
    pub target: Option<String>,
    /// Keeps tokens unique across runs against the same server, and, from
    /// [`unguessable_run_id`], unguessable: the journal is read by token.
    pub run_id: String,
    /// How long the page waits for each request.
    pub timeout: Duration,
}

/// A run id no one can guess: 64 random bits, in hex. Each run, and each attempt at a chunk after
/// a lost browser, plans under one of its own, so that its tokens are new.
pub fn unguessable_run_id() -> String {
    // Should the OS refuse randomness now, std's hasher keys, drawn from it once per thread
    // (long before, by any map), are as unguessable.
    let bits = getrandom::u64().unwrap_or_else(|_| {
        use std::hash::{BuildHasher, Hasher};
        std::collections::hash_map::RandomState::new().build_hasher().finish()
    });
    format!("{bits:016x}")
}

/// A scenario made concrete.
#[derive(Debug, Clone)]
pub struct PlannedScenario {
    /// The URL of the page to load.
    pub page_url: String,
    /// The page's origin when the user chose it.
    pub page_origin: Option<String>,
    /// Whether its requests go to your server (`--target`).
    pub your_server: bool,
    /// For a page that declares itself public, whether the user grants it the local network
    /// permission (the runner sets it either way before the requests); `None` for other pages.
    pub local_network_granted: Option<bool>,
    /// The requests, in order.
    pub steps: Vec<PlannedStep>,
    /// URLs the browser's window opens before the page, each on a mock origin whose response
    /// sets the scenario's cookies of that origin (`[[scenario.cookie]]`), once for each
    /// request's token: a first-party response, the way a user's earlier visit leaves a cookie,
    /// and one every engine stores as its `Set-Cookie` line says.
    pub cookie_urls: Vec<String>,
}

/// One request made concrete.
#[derive(Debug, Clone)]
pub struct PlannedStep {
    /// The request's token (shared with the step whose URL this one reuses).
    pub token: String,
    /// Where the journal keeps what this request made the server see: its token at the mock
    /// origins; [`TARGET_TOKEN`] for your server, whose exchanges the proxy journals in order.
    pub journal: String,
    /// What the page is asked to do.
    pub request: PageRequest,
    /// What the mock server plays at each URL this request may visit: its own URL first, with
    /// the behaviour its `server` table asked for (placeholders filled), then every mock-origin
    /// URL a `location` leads to, hop after hop. Empty against `--target`.
    pub visits: Vec<Visit>,
}

impl PlannedStep {
    /// What the mock server plays at `url` (as [`Url`] serializes it), if this request may
    /// visit it.
    pub fn visit(&self, url: &str) -> Option<&Visit> {
        self.visits.iter().find(|visit| visit.url == url)
    }
}

/// A URL of the mock origins, and the behaviour the mock server plays there.
#[derive(Debug, Clone, PartialEq)]
pub struct Visit {
    /// The URL as [`Url`] serializes it, the form a fetch's hops carry.
    pub url: String,
    /// The behaviour: the planner's own for a step's URL; for a URL whose query the author
    /// wrote (a `location`, or a `path` with a query), what the server reads from that query,
    /// parsed once here. The error, only ever a `location`'s (a step's own query the server
    /// cannot read is a [`PlanError::PathQuery`]), is what the server answers with a 400.
    pub behaviour: Result<Behaviour, VocabularyError>,
}

/// Why a scenario cannot be made concrete. Each says what to change in the scenario file or on
/// the command line; two scenarios that fail alike give equal errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// A `server` table scripts the mock server, and `--target` sends requests elsewhere.
    #[error(
        "this scenario scripts the mock server (it has a `server` table), so it cannot run against --target"
    )]
    ScriptsServerAgainstTarget,
    /// `same_url_as` shares a URL, and so its behaviour: the reusing request may not set its own.
    #[error(
        "request {request} reuses the URL of request {earlier} and so its server behaviour; remove its `server` table"
    )]
    BehaviourOnReusedUrl {
        /// The reusing request, from 1.
        request: usize,
        /// The request whose URL it reuses, from 1.
        earlier: usize,
    },
    /// `same_url_as` points at a request that comes later.
    #[error("request {request} reuses a later request's URL")]
    ReusesLaterUrl {
        /// The reusing request, from 1.
        request: usize,
    },
    /// Cookies set before the scenario are set through the mock origins, and `--target` sends
    /// the requests elsewhere.
    #[error(
        "this scenario sets cookies through the mock origins (it has a `[[scenario.cookie]]`), so it cannot run against --target"
    )]
    CookiesAgainstTarget,
    /// A request without `to` goes to `--target`, and there is none.
    #[error("this request names no origin (`to`), so it needs --target")]
    NeedsTarget,
    /// A name that is not in the origin table.
    #[error("unknown origin `{0}`")]
    UnknownOrigin(String),
    /// A `{NAME}` placeholder that is not in the origin table.
    #[error("unknown origin placeholder {{{0}}}")]
    UnknownPlaceholder(String),
    /// The page's origin does not parse as an origin (the oracle's predictions need one).
    #[error("`{0}` is not an origin")]
    NotAnOrigin(String),
    /// The mock server cannot read a request's URL query: its `path`'s own query together
    /// with the `server` table's words (a word twice, an unknown word, a value it refuses). It
    /// would answer a 400, which the page sees as a CORS block.
    #[error("the mock server cannot read the query of the request to `{path}`: {error}")]
    PathQuery {
        /// The request's `path`, as written.
        path: String,
        /// What the server's vocabulary refuses.
        error: VocabularyError,
    },
}

impl Planner<'_> {
    /// Gives each request of the scenario its URL and token.
    pub fn plan(&self, scenario: &Scenario, scenario_index: usize) -> Result<PlannedScenario, PlanError> {
        if self.target.is_some() && scenario.scripts_the_server() {
            return Err(PlanError::ScriptsServerAgainstTarget);
        }
        if self.target.is_some() && !scenario.cookies.is_empty() {
            return Err(PlanError::CookiesAgainstTarget);
        }
        let chosen = self.pages.iter().find(|page| page.name == scenario.page).map(PageOrigin::origin);
        let page_origin = match &chosen {
            Some(origin) => origin.clone(),
            None => origin_url(self.origins, &scenario.page)?,
        };
        // The page's own switches, each a word of its query.
        let switches: Vec<&str> = [(scenario.sandbox, SANDBOX_QUERY), (scenario.public_page, PUBLIC_QUERY)]
            .into_iter()
            .filter_map(|(on, word)| on.then_some(word))
            .collect();
        let page_url = match switches.as_slice() {
            [] => format!("{page_origin}{PAGE_PATH}"),
            words => format!("{page_origin}{PAGE_PATH}?{}", words.join("&")),
        };
        let mut steps: Vec<PlannedStep> = Vec::with_capacity(scenario.requests.len());
        for (index, step) in scenario.requests.iter().enumerate() {
            let (token, (url, visits), journal_token) = match step.same_url_as {
                Some(earlier) => {
                    if step.server.is_some() {
                        return Err(PlanError::BehaviourOnReusedUrl {
                            request: index + 1,
                            earlier: earlier + 1,
                        });
                    }
                    let earlier =
                        steps.get(earlier).ok_or(PlanError::ReusesLaterUrl { request: index + 1 })?;
                    let journal = self.target.is_none().then(|| earlier.token.clone());
                    (earlier.token.clone(), (earlier.request.url.clone(), earlier.visits.clone()), journal)
                }
                None => {
                    let token = format!("{}s{scenario_index}r{index}", self.run_id);
                    let located = self.locate(step, &token)?;
                    (token, located, None)
                }
            };
            // Your server's exchanges are told apart by order: the page reads how many the
            // journal holds before each request.
            let (journal, journal_token) = match self.target {
                Some(_) => (TARGET_TOKEN.to_owned(), Some(TARGET_TOKEN.to_owned())),
                None => (token.clone(), journal_token),
            };
            steps.push(PlannedStep {
                request: PageRequest {
                    id: format!("{token}#{index}"),
                    api: step.api.name().to_owned(),
                    url,
                    method: step.method.clone(),
                    headers: step.headers.clone(),
                    body: step.body.clone(),
                    credentials: step.credentials.name().to_owned(),
                    mode: step.mode.name().to_owned(),
                    redirect: step.redirect.name().to_owned(),
                    referrer_policy: step.options.referrer_policy.map(|policy| policy.name().to_owned()),
                    keepalive: step.options.keepalive,
                    cache: step.options.cache.map(|cache| cache.name().to_owned()),
                    priority: step.options.priority.map(|priority| priority.name().to_owned()),
                    // A longer wait than a page's timer takes would time out at once.
                    timeout_ms: u64::try_from(self.timeout.as_millis())
                        .unwrap_or(u64::MAX)
                        .min(PageRequest::MAX_TIMEOUT_MS),
                    journal_token,
                },
                token,
                journal,
                visits,
            });
        }
        let cookie_urls = self.cookie_urls(scenario, scenario_index, &steps)?;
        Ok(PlannedScenario {
            page_url,
            page_origin: chosen,
            your_server: self.target.is_some(),
            local_network_granted: scenario.public_page.then_some(scenario.local_network_granted),
            steps,
            cookie_urls,
        })
    }

    /// One URL per origin of the scenario's cookies, whose answer sets each of them once for
    /// every request token (`{token}` filled, so `Path=/t/{token}` scopes it to that request's
    /// URL). Its own token (`c` and the origin's number) keeps its visit out of the requests'
    /// journal entries.
    fn cookie_urls(
        &self,
        scenario: &Scenario,
        scenario_index: usize,
        steps: &[PlannedStep],
    ) -> Result<Vec<String>, PlanError> {
        let mut tokens: Vec<&str> = Vec::new();
        for step in steps {
            if !tokens.contains(&step.token.as_str()) {
                tokens.push(&step.token);
            }
        }
        let mut origins: Vec<&str> = Vec::new();
        for cookie in &scenario.cookies {
            if !origins.contains(&cookie.origin.as_str()) {
                origins.push(&cookie.origin);
            }
        }
        let mut urls = Vec::with_capacity(origins.len());
        for (number, origin) in origins.into_iter().enumerate() {
            let mut reply = Reply::new();
            for cookie in scenario.cookies.iter().filter(|cookie| cookie.origin == origin) {
                for token in &tokens {
                    let line = fill_placeholders(&cookie.set_cookie, token, |_| None)
                        .map_err(PlanError::UnknownPlaceholder)?;
                    reply = reply.cookie(line);
                }
            }
            let query = vocabulary::to_query(&Behaviour::same(reply));
            let token = format!("{}s{scenario_index}c{number}", self.run_id);
            urls.push(format!("{}{TOKEN_PREFIX}{token}/cookies?{query}", origin_url(self.origins, origin)?));
        }
        Ok(urls)
    }

    /// The request's URL, and what the mock server plays at it and at every mock-origin URL it
    /// may be redirected to.
    fn locate(&self, step: &RequestStep, token: &str) -> Result<(String, Vec<Visit>), PlanError> {
        if let Some(target) = &self.target {
            return Ok((format!("{target}{}", step.path), Vec::new()));
        }
        let name = step.to.as_deref().ok_or(PlanError::NeedsTarget)?;
        let mut url = format!("{}{TOKEN_PREFIX}{token}{}", origin_url(self.origins, name)?, step.path);
        let behaviour = match &step.server {
            Some(written) => self.fill(written, token)?,
            None => Behaviour::default(),
        };
        let query = vocabulary::to_query(&behaviour);
        if !query.is_empty() {
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(&query);
        }
        let Ok(parsed) = Url::parse_with_base(&url, None) else {
            // Not a URL the oracle can send, so one it never visits.
            return Ok((url, Vec::new()));
        };
        // A `path` with a query of its own: the server reads that and the rendering as one, and
        // answers a 400 for what it cannot read, which the page would see as a CORS block.
        let behaviour = if query_of(&parsed) == query {
            behaviour
        } else {
            vocabulary::parse(query_of(&parsed))
                .map_err(|error| PlanError::PathQuery { path: step.path.clone(), error })?
        };
        let visits = self.visits(parsed, Ok(behaviour));
        Ok((url, visits))
    }

    /// The behaviour written in a scenario file with its placeholders filled: `{token}` with
    /// `token`, `{ORIGIN-NAME}` with that origin's URL.
    fn fill(&self, written: &Behaviour, token: &str) -> Result<Behaviour, PlanError> {
        let mut urls: HashMap<&str, String> =
            self.origins.iter().map(|o| (o.name.as_str(), o.url())).collect();
        urls.extend(self.pages.iter().map(|page| (page.name.as_str(), page.origin())));
        written.try_map_text(|text| {
            fill_placeholders(text, token, |name| urls.get(name).cloned())
                .map_err(PlanError::UnknownPlaceholder)
        })
    }

    /// `first` and every mock-origin URL its behaviour's `location`s lead to, transitively, each
    /// once; a `location` elsewhere (another host, `data:`) is no visit of the mock origins.
    fn visits(&self, first: Url, behaviour: Result<Behaviour, VocabularyError>) -> Vec<Visit> {
        let origins: Vec<Url> =
            self.origins.iter().filter_map(|origin| Url::parse_with_base(&origin.url(), None).ok()).collect();
        let mut visits: Vec<Visit> = Vec::new();
        let mut pending = vec![(first, behaviour)];
        while let Some((url, behaviour)) = pending.pop() {
            if visits.iter().any(|visit| visit.url == url.as_str()) {
                continue;
            }
            if let Ok(behaviour) = &behaviour {
                let locations = [&behaviour.actual.location, &behaviour.preflight.location];
                for location in locations.into_iter().flatten() {
                    let Ok(next) = Url::parse_with_base(location, Some(&url)) else { continue };
                    if origins.iter().any(|origin| origin.is_same_origin(&next)) {
                        let played = vocabulary::parse(query_of(&next));
                        pending.push((next, played));
                    }
                }
            }
            visits.push(Visit { url: url.as_str().to_owned(), behaviour });
        }
        visits
    }
}

/// The URL's query, without the `?` (empty without one).
fn query_of(url: &Url) -> &str {
    url.path().split_once('?').map_or("", |(_, query)| query)
}

pub(crate) fn origin_url(origins: &[NamedOrigin], name: &str) -> Result<String, PlanError> {
    origins
        .iter()
        .find(|origin| origin.name == name)
        .map(NamedOrigin::url)
        .ok_or_else(|| PlanError::UnknownOrigin(name.to_owned()))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use corsproof_behaviour::{AllowOrigin, Listener, Reply};

    use super::*;

    /// The mock origins with stand-in ports.
    fn origins() -> Vec<NamedOrigin> {
        NamedOrigin::table(|listener| match listener {
            Listener::HttpA => 8001,
            Listener::HttpB => 8002,
            Listener::Https => 8443,
        })
    }

    /// The one request of a scenario to `api` with `request` lines (after `to`), planned.
    fn planned(request: &str) -> PlannedStep {
        let text = format!(
            "[[scenario]]\nname = \"s\"\nabout = \"A scenario\"\npage = \"app\"\n\n[[scenario.request]]\nto = \"api\"\n{request}\n\
             [scenario.request.expect]\noutcome = \"allowed\"\n"
        );
        let mut scenario = plan_first(&text, None, 0).unwrap_or_else(|e| panic!("{e}"));
        scenario.steps.remove(0)
    }

    /// The first scenario of the file `text`, planned as the `index`th of a run (against
    /// `target`, if any) on the stand-in origins.
    fn plan_first(text: &str, target: Option<&str>, index: usize) -> Result<PlannedScenario, PlanError> {
        let file = corsproof_scenario::parse_str(Path::new("s.toml"), text).unwrap_or_else(|e| panic!("{e}"));
        let origins = origins();
        let planner = Planner {
            origins: &origins,
            pages: &[],
            target: target.map(str::to_owned),
            run_id: "run".to_owned(),
            timeout: Duration::ZERO,
        };
        planner.plan(&file.scenarios[0], index)
    }

    #[test]
    fn run_ids_are_sixty_four_random_bits_in_hex() {
        let ids: Vec<String> = (0..64).map(|_| unguessable_run_id()).collect();
        assert!(ids.iter().all(|id| id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit())), "{ids:?}");
        let mut distinct = ids.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), ids.len(), "no id twice");
    }

    #[test]
    fn a_scenario_planned_again_differs_in_its_tokens_alone() {
        let text = "[[scenario]]\nname = \"s\"\nabout = \"A scenario\"\npage = \"app\"\npublic_page = true\n\n\
                    [[scenario.cookie]]\norigin = \"api-https\"\nset_cookie = \"sid=1; Secure; SameSite=None; Path=/t/{token}\"\n\n\
                    [[scenario.request]]\nto = \"api-https\"\npath = \"/a\"\n\
                    [scenario.request.server]\nlocation = \"{api-https}/t/{token}/b\"\n\
                    [scenario.request.expect]\noutcome = \"allowed\"\n";
        let file = corsproof_scenario::parse_str(Path::new("s.toml"), text).unwrap_or_else(|e| panic!("{e}"));
        let origins = origins();
        let plan = || {
            let planner = Planner {
                origins: &origins,
                pages: &[],
                target: None,
                run_id: unguessable_run_id(),
                timeout: Duration::ZERO,
            };
            planner.plan(&file.scenarios[0], 3).unwrap_or_else(|e| panic!("{e}"))
        };
        let (first, again) = (plan(), plan());
        assert_ne!(first.steps[0].token, again.steps[0].token);
        assert_ne!(first.cookie_urls, again.cookie_urls);
        assert_eq!(
            (&first.page_url, first.local_network_granted),
            (&again.page_url, again.local_network_granted),
            "placed alike: the same page load"
        );
        let redacted = |planned: &PlannedScenario| {
            let redactor = crate::observe::Redactor::new(&origins, None, planned);
            let step = &planned.steps[0];
            let visits: Vec<String> = step.visits.iter().map(|visit| redactor.redact(&visit.url)).collect();
            (redactor.redact(&step.request.url), visits, step.visits.len())
        };
        assert_eq!(redacted(&first), redacted(&again), "what a snapshot keeps is the same");
    }

    #[test]
    fn a_wait_longer_than_a_page_timer_takes_is_the_longest_it_takes() {
        let text = "[[scenario]]\nname = \"s\"\nabout = \"A scenario\"\npage = \"app\"\n\n\
                    [[scenario.request]]\nto = \"api\"\n[scenario.request.expect]\noutcome = \"allowed\"\n";
        let file = corsproof_scenario::parse_str(Path::new("s.toml"), text).unwrap_or_else(|e| panic!("{e}"));
        let origins = origins();
        let timeout_ms = |timeout| {
            let planner =
                Planner { origins: &origins, pages: &[], target: None, run_id: "run".to_owned(), timeout };
            planner.plan(&file.scenarios[0], 0).unwrap_or_else(|e| panic!("{e}")).steps[0].request.timeout_ms
        };
        assert_eq!(timeout_ms(Duration::from_millis(5000)), 5000);
        assert_eq!(timeout_ms(Duration::from_millis(1 << 31)), PageRequest::MAX_TIMEOUT_MS);
        assert_eq!(timeout_ms(Duration::MAX), PageRequest::MAX_TIMEOUT_MS);
    }

    #[test]
    fn the_query_is_the_filled_behaviour_rendered() {
        let step = planned(
            "path = \"/data\"\n[scenario.request.server]\nlocation = \"{evil}/t/{token}/next\"\nacao = \"{app}\"\n",
        );
        let filled = Behaviour::same(
            Reply::new()
                .allow_origin("http://app.test:8001")
                .location("http://evil.test:8001/t/runs0r0/next"),
        );
        let query = vocabulary::to_query(&filled);
        assert_eq!(step.request.url, format!("http://api.test:8002/t/runs0r0/data?{query}"));
        assert_eq!(step.visits[0], Visit { url: step.request.url.clone(), behaviour: Ok(filled) });
    }

    #[test]
    fn a_request_without_a_server_table_has_no_query_and_the_default_behaviour() {
        let step = planned("path = \"/data\"\n");
        assert_eq!(step.request.url, "http://api.test:8002/t/runs0r0/data");
        assert_eq!(
            step.visits,
            [Visit { url: step.request.url.clone(), behaviour: Ok(Behaviour::default()) }]
        );
    }

    #[test]
    fn locations_on_the_mock_origins_are_visits_with_the_behaviour_of_their_query() {
        let step = planned(
            "path = \"/start\"\n[scenario.request.server]\n\
             location = \"{evil}/t/{token}/moved?acao=origin&location=%2Ft%2F{token}%2Fthird%23hop\"\n\
             preflight_location = \"data:text/plain,x\"\n",
        );
        let urls: Vec<&str> = step.visits.iter().map(|visit| visit.url.as_str()).collect();
        assert_eq!(
            urls[1..],
            [
                "http://evil.test:8001/t/runs0r0/moved?acao=origin&location=%2Ft%2Fruns0r0%2Fthird%23hop",
                "http://evil.test:8001/t/runs0r0/third",
            ],
            "a relative location is resolved against its hop; `data:` is no mock origin"
        );
        let moved = step.visit(urls[1]).unwrap().behaviour.as_ref().unwrap();
        assert_eq!(moved.actual.allow_origin, [AllowOrigin::Echo]);
        assert_eq!(step.visit(urls[2]).unwrap().behaviour, Ok(Behaviour::default()));
    }

    #[test]
    fn a_location_back_to_the_same_url_is_one_visit() {
        let step = planned("path = \"/loop\"\n[scenario.request.server]\nlocation = \"#again\"\n");
        assert_eq!(step.visits.len(), 1);
    }

    #[test]
    fn cookies_before_are_set_by_one_url_per_origin_once_per_request_token() {
        let text = "[[scenario]]\nname = \"s\"\nabout = \"A scenario\"\npage = \"app\"\n\n\
                    [[scenario.cookie]]\norigin = \"api-https\"\nset_cookie = \"sid=1; Secure; SameSite=None; Path=/t/{token}\"\n\n\
                    [[scenario.request]]\nto = \"api-https\"\n[scenario.request.expect]\noutcome = \"allowed\"\n\n\
                    [[scenario.request]]\nto = \"api-https\"\nsame_url_as = 1\n[scenario.request.expect]\noutcome = \"allowed\"\n\n\
                    [[scenario.request]]\nto = \"api\"\n[scenario.request.expect]\noutcome = \"allowed\"\n";
        let planned = plan_first(text, None, 4).unwrap_or_else(|e| panic!("{e}"));
        let [url] = &planned.cookie_urls[..] else { panic!("one origin: {:?}", planned.cookie_urls) };
        let (base, query) = url.split_once('?').expect("a query");
        assert_eq!(base, "https://api.test:8443/t/runs4c0/cookies");
        let behaviour = vocabulary::parse(query).expect("the server reads it");
        assert_eq!(
            behaviour.actual.cookies,
            [
                "sid=1; Secure; SameSite=None; Path=/t/runs4r0",
                "sid=1; Secure; SameSite=None; Path=/t/runs4r2",
            ],
            "once per distinct request token"
        );
        assert_eq!(
            plan_first(text, Some("http://127.0.0.1:3000"), 4).unwrap_err(),
            PlanError::CookiesAgainstTarget
        );
    }

    #[test]
    fn a_path_with_a_query_of_its_own_is_read_as_the_server_reads_it() {
        let step = planned("path = \"/x?_bust=1&status=201\"\n[scenario.request.server]\nacao = \"*\"\n");
        assert_eq!(step.request.url, "http://api.test:8002/t/runs0r0/x?_bust=1&status=201&acao=*");
        let behaviour = step.visits[0].behaviour.as_ref().unwrap();
        assert_eq!((behaviour.actual.status, behaviour.actual.allow_origin.len()), (Some(201), 1));
    }

    #[test]
    fn a_path_query_the_mock_server_cannot_read_is_refused_before_any_request() {
        let text = |request: &str| {
            format!(
                "[[scenario]]\nname = \"s\"\nabout = \"A scenario\"\npage = \"app\"\n\n[[scenario.request]]\n\
                 {request}\n[scenario.request.expect]\noutcome = \"allowed\"\n"
            )
        };
        // The path's words are each fine alone (the loader checks those); twice with the
        // `server` table's, the server refuses the query.
        let twice = text("to = \"api\"\npath = \"/x?status=201\"\n[scenario.request.server]\nstatus = 204\n");
        let Err(PlanError::PathQuery { path, error }) = plan_first(&twice, None, 0) else {
            panic!("`status` twice is a 400 of the mock server")
        };
        assert_eq!((path.as_str(), error.key.as_str()), ("/x?status=201", "status"));
        assert!(
            PlanError::PathQuery { path, error }.to_string().contains("given more than once"),
            "the words say why"
        );
        // Against your server the query is its own.
        let mine = text("path = \"/x?page=2&status=201\"\n");
        assert!(plan_first(&mine, Some("http://127.0.0.1:3000"), 0).is_ok());
    }
}
