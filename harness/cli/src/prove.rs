//! `corsproof check --prove`: a fix seen working in real browsers before it is trusted.
//!
//! The checker's verdict comes from the oracle, and the fix it prints is advice until a browser
//! has accepted it. `--prove` replays the blocked request in real browsers, from a page at the
//! page origin the user gave, against a mock origin that answers it twice: once as the user's
//! server answered (the browser should block it, which confirms the diagnosis), once with the
//! fix's headers (the browser should let the page read it). The mock origin is chosen to stand
//! where the user's URL stands (https, loopback address, `localhost`), so that mixed content and
//! local network rules apply to the replay as they do to the real request.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use corsproof::{Checked, Engine, Hop};
use corsproof_behaviour::{AllowOrigin, Behaviour, Reply};
use corsproof_browser::BrowserConfig;
use corsproof_oracle::AddressSpace;
use corsproof_runner::pipeline::{self, EngineFailure, EngineResults};
use corsproof_runner::{Job, PageOrigin, RunConfig};
use corsproof_scenario::{
    Api, Credentials, Expectation, FetchOptions, Mode, Outcome, RedirectMode, RequestStep, Scenario,
};
use serde_json::{Value, json};

/// The name the replay gives the user's page origin among the run's pages.
const PAGE_NAME: &str = "yours";

/// Why a blocked check cannot be replayed with its fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotReplayable {
    /// The browser would allow the request: there is nothing to fix.
    Allowed,
    /// The server did not answer, so there is no answer to replay.
    NoAnswer,
    /// The browser refuses the request before CORS (a network error: local network access,
    /// mixed content), which no response header changes.
    NotACorsBlock,
    /// The fix is on the page's side, or in where the server redirects, not in headers.
    NotAHeaderFix,
    /// The request was redirected; the replay covers one URL answering directly.
    Redirected,
    /// The page origin cannot be served as a page (`null`, or not an http(s) origin).
    PageOrigin(String),
}

impl fmt::Display for NotReplayable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotReplayable::Allowed => f.write_str("the browser would allow this request: there is no fix to prove"),
            NotReplayable::NoAnswer => {
                f.write_str("the server did not answer, so there is no answer to replay; fix the connection first")
            }
            NotReplayable::NotACorsBlock => f.write_str(
                "the browser refuses this request before CORS (a network error), which no response header changes",
            ),
            NotReplayable::NotAHeaderFix => {
                f.write_str("this fix is not a change of headers (see the fix above), so there is nothing to replay")
            }
            NotReplayable::Redirected => f.write_str(
                "the request was redirected; --prove replays a URL that answers directly: check the final URL",
            ),
            NotReplayable::PageOrigin(why) => write!(f, "the page origin cannot be replayed: {why}"),
        }
    }
}

/// What the replay sends through the real browsers: the page, the request, and the mock
/// origin's two behaviours for it.
#[derive(Debug, Clone)]
pub struct Replay {
    page: PageOrigin,
    /// The mock origin that stands for the user's server (`api-https`, `loopback-ip`, ...).
    origin_name: &'static str,
    as_answered: Behaviour,
    fixed: Behaviour,
    request: RequestStep,
}

impl Replay {
    /// The replay of a blocked check, or why there is none.
    fn of(checked: &Checked) -> Result<Replay, NotReplayable> {
        if checked.connection_error().is_some() {
            return Err(NotReplayable::NoAnswer);
        }
        let Some(block) = checked.block() else {
            return Err(if checked.is_allowed() {
                NotReplayable::Allowed
            } else {
                NotReplayable::NotACorsBlock
            });
        };
        if checked.hops().iter().filter(|hop| !hop.is_preflight()).count() > 1 {
            return Err(NotReplayable::Redirected);
        }
        let fix = block.fix();
        if fix.headers.is_empty() {
            return Err(NotReplayable::NotAHeaderFix);
        }
        let probe = checked.probe();
        let page = PageOrigin::parse(PAGE_NAME, probe.page_origin())
            .map_err(|error| NotReplayable::PageOrigin(error.to_string()))?;
        let url = corsproof_oracle::Url::parse_with_base(probe.url(), None)
            .map_err(|_| NotReplayable::PageOrigin(format!("`{}` is not a URL", probe.url())))?;

        let as_answered = Behaviour::split(
            checked.preflight().map_or_else(Reply::new, as_answered),
            checked.actual().map_or_else(Reply::new, as_answered),
        );
        let mut fixed = as_answered.clone();
        // A preflight answered outside 200-299 fails whatever its headers: the fix answers it.
        if !(200..300).contains(&fixed.preflight.status.unwrap_or(200)) {
            fixed.preflight.status = Some(204);
        }
        for header in &fix.headers {
            apply(&mut fixed.preflight, &header.name, &header.value);
            if !header.preflight_only {
                apply(&mut fixed.actual, &header.name, &header.value);
            }
        }
        let request = RequestStep {
            to: None,
            // The query stays home: the mock origin reads its own behaviour from the query.
            path: url.path().split('?').next().unwrap_or("/").to_owned(),
            method: probe.method_name().to_owned(),
            headers: probe.headers().to_vec(),
            body: probe.body_text().map(str::to_owned),
            credentials: if probe.is_credentialed() { Credentials::Include } else { Credentials::SameOrigin },
            mode: Mode::Cors,
            redirect: RedirectMode::Follow,
            api: Api::Fetch,
            options: FetchOptions::default(),
            same_url_as: None,
            server: None,
            expect: Expectation::outcome(Outcome::Allowed),
        };
        Ok(Replay { page, origin_name: stand_in(&url), as_answered, fixed, request })
    }

    /// The two scenarios: the server's answer as it is, then with the fix.
    fn jobs(&self) -> Vec<Job> {
        let scenario = |name: &str, about: &str, behaviour: &Behaviour, outcome| Scenario {
            name: name.to_owned(),
            about: about.to_owned(),
            page: PAGE_NAME.to_owned(),
            sandbox: false,
            public_page: false,
            local_network_granted: false,
            requests: vec![RequestStep {
                to: Some(self.origin_name.to_owned()),
                server: Some(behaviour.clone()),
                expect: Expectation::outcome(outcome),
                ..self.request.clone()
            }],
            cookies: Vec::new(),
            line: 1,
        };
        [
            scenario(
                "as-answered",
                "the request, answered as the server answered it",
                &self.as_answered,
                Outcome::Blocked,
            ),
            scenario("fixed", "the request, answered with the fix's headers", &self.fixed, Outcome::Allowed),
        ]
        .into_iter()
        .map(|scenario| Job { file: PathBuf::from("corsproof check --prove"), scenario })
        .collect()
    }
}

/// The mock origin that stands where `url` stands: an https URL is replayed over https (an
/// https page cannot read http), a loopback address or `localhost` on the same kind of host.
fn stand_in(url: &corsproof_oracle::Url) -> &'static str {
    match (url.scheme(), url.host()) {
        ("https", _) => "api-https",
        (_, "localhost") => "localhost",
        (_, host) if AddressSpace::of_host(host) == Some(AddressSpace::Loopback) => "loopback-ip",
        _ => "api",
    }
}

/// The server's answer on `hop` as a mock origin's reply: its status and CORS headers.
fn as_answered(hop: &Hop) -> Reply {
    let mut reply = Reply::new();
    let Ok(received) = &hop.received else { return reply };
    reply.status = Some(received.status);
    for (name, value) in &received.headers {
        let value = String::from_utf8_lossy(value).into_owned();
        if name == "access-control-allow-origin" {
            reply.allow_origin.push(AllowOrigin::Literal(value));
        } else if name.starts_with("access-control-") || name == "vary" {
            apply(&mut reply, name, &value);
        }
    }
    reply
}

/// Sets the header `name` (any case) of `reply` to `value`, replacing what was there.
fn apply(reply: &mut Reply, name: &str, value: &str) {
    let value = value.to_owned();
    match name.to_ascii_lowercase().as_str() {
        "access-control-allow-origin" => reply.allow_origin = vec![AllowOrigin::Literal(value)],
        "access-control-allow-credentials" => reply.allow_credentials = Some(value),
        "access-control-allow-methods" => reply.allow_methods = Some(value),
        "access-control-allow-headers" => reply.allow_headers = Some(value),
        "access-control-expose-headers" => reply.expose_headers = Some(value),
        "access-control-max-age" => reply.max_age = Some(value),
        "vary" => reply.vary = Some(value),
        other => {
            reply.headers.retain(|(name, _)| !name.eq_ignore_ascii_case(other));
            reply.headers.push((other.to_owned(), value));
        }
    }
}

/// What one engine did with the replay.
#[derive(Debug, Clone)]
pub enum EngineProof {
    /// The engine ran both requests.
    Ran {
        /// The engine.
        engine: Engine,
        /// The browser and its version.
        browser: String,
        /// What it did with the server's own answer.
        as_answered: Seen,
        /// What it did with the fixed answer.
        fixed: Seen,
    },
    /// The engine could not run (not installed, did not start), with the next step.
    CannotRun {
        /// The engine.
        engine: Engine,
        /// Why, with the install command.
        why: String,
    },
}

/// One request's fate in one browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// Allowed, blocked, a network error, or a timeout.
    pub outcome: Option<Outcome>,
    /// The browser's own words, when it gave any, or why the scenario could not run.
    pub words: Option<String>,
}

impl Seen {
    fn of(result: &corsproof_runner::JobResult) -> Seen {
        match &result.observation {
            Ok(observation) => {
                let request = observation.requests.first();
                Seen {
                    outcome: request.map(|request| request.outcome),
                    words: request.and_then(|request| request.reason.clone().or(request.js_error.clone())),
                }
            }
            Err(error) => Seen { outcome: None, words: Some(error.to_string()) },
        }
    }

    fn word(&self) -> &'static str {
        match self.outcome {
            Some(Outcome::Allowed) => "allowed",
            Some(Outcome::Blocked) => "blocked",
            Some(Outcome::NetworkError) => "a network error",
            Some(Outcome::Timeout) => "a timeout",
            None => "did not run",
        }
    }
}

/// The proof: what each engine did with the server's answer and with the fixed one.
#[derive(Debug, Clone)]
pub struct Proof {
    /// The page origin the requests came from.
    pub page: String,
    /// One entry per engine asked for, in order.
    pub engines: Vec<EngineProof>,
}

impl Proof {
    /// The engines in which the fix was seen to work: the page read the fixed answer.
    pub fn works_in(&self) -> Vec<Engine> {
        self.engines
            .iter()
            .filter_map(|proof| match proof {
                EngineProof::Ran { engine, fixed, .. } if fixed.outcome == Some(Outcome::Allowed) => {
                    Some(*engine)
                }
                _ => None,
            })
            .collect()
    }

    /// The proof as the JSON report's `prove` field.
    pub fn to_json(&self) -> Value {
        let seen = |seen: &Seen| json!({ "outcome": seen.word(), "browser_said": seen.words });
        json!({
            "page": self.page,
            "works_in": self.works_in().iter().map(ToString::to_string).collect::<Vec<_>>(),
            "engines": self.engines.iter().map(|proof| match proof {
                EngineProof::Ran { engine, browser, as_answered, fixed } => json!({
                    "engine": engine.to_string(),
                    "browser": browser,
                    "as_answered": seen(as_answered),
                    "fixed": seen(fixed),
                }),
                EngineProof::CannotRun { engine, why } => json!({ "engine": engine.to_string(), "error": why }),
            }).collect::<Vec<_>>(),
        })
    }
}

impl fmt::Display for Proof {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "\nproof in real browsers: a page at {} sent this request to a mock origin answering as your \
             server did, then with the fix's headers",
            self.page
        )?;
        for proof in &self.engines {
            match proof {
                EngineProof::Ran { browser, as_answered, fixed, .. } => {
                    let fixed_words = match fixed.outcome {
                        Some(Outcome::Allowed) => "the fix works".to_owned(),
                        _ => format!(
                            "the fix did NOT work: {}{}",
                            fixed.word(),
                            fixed.words.as_deref().map(|words| format!(" ({words})")).unwrap_or_default()
                        ),
                    };
                    writeln!(f, "  {browser:<28} your answer: {:<9} {fixed_words}", as_answered.word())?;
                }
                EngineProof::CannotRun { engine, why } => writeln!(f, "  {engine:<28} cannot run: {why}")?,
            }
        }
        let works_in = self.works_in();
        if works_in.is_empty() {
            writeln!(f, "the fix was not seen to work in any engine")
        } else {
            let names: Vec<String> = works_in.iter().map(ToString::to_string).collect();
            writeln!(f, "the fix was seen to work in: {}", names.join(", "))
        }
    }
}

/// Replays the blocked request of `checked` in each of `engines`, concurrently, each with its
/// own mock server and browser (an engine that cannot start is reported with its install
/// command), or says why it cannot be replayed.
pub async fn prove(checked: &Checked, engines: &[Engine]) -> Result<Proof, NotReplayable> {
    let replay = Replay::of(checked)?;
    let jobs = replay.jobs();
    let configs = engines
        .iter()
        .map(|&engine| RunConfig {
            browser: BrowserConfig { engine, ..BrowserConfig::default() },
            pages: vec![replay.page.clone()],
            request_timeout: Duration::from_secs(5),
            ..RunConfig::default()
        })
        .collect();
    let runs = pipeline::run(&jobs, configs, &mut |_: corsproof_runner::Event<'_>| {}).await;
    let engines = runs.into_iter().map(engine_proof).collect();
    Ok(Proof { page: replay.page.origin(), engines })
}

fn engine_proof(run: Result<EngineResults, EngineFailure>) -> EngineProof {
    match run {
        Ok(run) => match run.results.as_slice() {
            [as_answered, fixed] => EngineProof::Ran {
                engine: run.engine,
                browser: run.browser.clone(),
                as_answered: Seen::of(as_answered),
                fixed: Seen::of(fixed),
            },
            _ => EngineProof::CannotRun { engine: run.engine, why: "the replay did not run".to_owned() },
        },
        Err(failure) => {
            EngineProof::CannotRun { engine: failure.engine, why: format!("{:#}", failure.error) }
        }
    }
}
