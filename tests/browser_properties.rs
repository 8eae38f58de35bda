//! The oracle against the browsers on generated cases: proptest draws (request, server behaviour)
//! pairs, each engine (Chromium, Firefox, WebKit) runs them all in one batch, and the oracle,
//! with that engine's profile, must predict each one. A case where
//! they disagree is shrunk with the browser in the loop and printed as a scenario file, ready to
//! add to the corpus.
//!
//! Seeded and bounded: `CORSPROOF_SEED` (default below) and `CORSPROOF_CASES` (default 200)
//! reproduce a run exactly.

mod agreement;

use std::path::PathBuf;
use std::time::Duration;

use corsproof_behaviour::NamedOrigin;
use corsproof_behaviour::vocabulary::Words;
use corsproof_browser::{BrowserConfig, Engine};
use corsproof_runner::fate::{Difference, Fate};
use corsproof_runner::predict::{Prediction, predict};
use corsproof_runner::{Job, RequestObservation, RunConfig, Runner};
use corsproof_scenario::{
    Api, Credentials, Expectation, FetchOptions, Mode, Outcome, RedirectMode, RequestStep, Scenario, to_toml,
};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

const DEFAULT_SEED: u64 = 0x00c0_25f0_0f00;
const DEFAULT_CASES: usize = 200;
/// Browser runs one shrink may take; each is one page load and one request.
const SHRINK_RUNS: usize = 150;
/// Disagreements shrunk and printed per run; the rest are counted.
const SHRUNK_PER_RUN: usize = 3;
/// How long the page waits for one request; generated answers are never slow.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// One generated request: where the page is, what it asks, how the server answers.
#[derive(Debug, Clone)]
struct Case {
    page: &'static str,
    sandbox: bool,
    to: &'static str,
    method: &'static str,
    headers: Vec<(&'static str, &'static str)>,
    body: bool,
    credentials: Credentials,
    api: Api,
    server: Vec<(&'static str, &'static str)>,
    /// A second, identical request to the same URL, for the preflight cache.
    repeat: bool,
}

fn one_of<T: Clone + std::fmt::Debug + 'static>(items: &'static [T]) -> impl Strategy<Value = T> {
    proptest::sample::select(items)
}

/// A server word: absent, or one of its values. Absent is first, so that shrinking removes it.
fn word(
    key: &'static str,
    values: &'static [&'static str],
) -> impl Strategy<Value = Option<(&'static str, &'static str)>> {
    proptest::option::weighted(0.6, one_of(values).prop_map(move |value| (key, value)))
}

fn server() -> impl Strategy<Value = Vec<(&'static str, &'static str)>> {
    (
        word("acao", &["origin", "*", "null", "{app}", "{api}"]),
        word("acac", &["true", "TRUE"]),
        word("acam", &["PUT", "*", "GET, PUT, DELETE, PATCH", "patch", "put"]),
        word("acah", &["x-custom", "*", "x-custom, authorization, content-type", "X-CUSTOM"]),
        word("aceh", &["x-total", "*"]),
        word("header", &["X-Total: 1"]),
        word("status", &["201", "404", "500"]),
        word("preflight_status", &["204", "404", "500"]),
        word("preflight_acao", &["none", "*"]),
        word("max_age", &["0", "600"]),
    )
        .prop_map(|words| {
            let (acao, acac, acam, acah, aceh, header, status, preflight_status, preflight_acao, max_age) =
                words;
            [acao, acac, acam, acah, aceh, header, status, preflight_status, preflight_acao, max_age]
                .into_iter()
                .flatten()
                .collect()
        })
}

fn case() -> impl Strategy<Value = Case> {
    let origins = proptest::prop_oneof![
        one_of(&["api", "app", "app-port2", "app-sub", "api-https", "localhost"]).prop_map(|to| ("app", to)),
        one_of(&["api-https", "app-https"]).prop_map(|to| ("app-https", to)),
    ];
    let headers = proptest::sample::subsequence(
        &[
            ("Content-Type", "text/plain"),
            ("Content-Type", "application/json"),
            ("X-Custom", "1"),
            ("Authorization", "Bearer t"),
            ("Accept-Language", "en-US"),
            ("Range", "bytes=0-10"),
        ][..],
        0..=2,
    );
    (
        origins,
        proptest::bool::weighted(0.1),
        one_of(&["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "patch"]),
        headers,
        any_bool(),
        one_of(&[Credentials::SameOrigin, Credentials::Include, Credentials::Omit]),
        one_of(&[Api::Fetch, Api::Xhr]),
        server(),
        proptest::bool::weighted(0.2),
    )
        .prop_map(|((page, to), sandbox, method, headers, body, credentials, api, server, repeat)| {
            Case {
                page,
                sandbox,
                to,
                method,
                // Two values of one header would be joined by the browser; keep the first.
                headers: headers.into_iter().fold(Vec::new(), |mut kept, (name, value)| {
                    if !kept.iter().any(|(known, _): &(&str, &str)| *known == name) {
                        kept.push((name, value));
                    }
                    kept
                }),
                body,
                credentials,
                api,
                server,
                repeat,
            }
        })
}

fn any_bool() -> impl Strategy<Value = bool> {
    proptest::bool::ANY
}

impl Case {
    /// The case as a scenario; expectations are filled in from the browser once it has run.
    fn scenario(&self, name: &str) -> Scenario {
        let server = (!self.server.is_empty()).then(|| {
            let mut words = Words::default();
            for (key, value) in &self.server {
                words.add(key, *value).expect("generated words are vocabulary words, each once");
            }
            words.behaviour().expect("generated values are values the vocabulary takes")
        });
        let first = RequestStep {
            to: Some(self.to.to_owned()),
            path: "/generated".to_owned(),
            method: self.method.to_owned(),
            headers: self.headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
            body: (self.body && !matches!(self.method, "GET" | "HEAD")).then(|| "x".to_owned()),
            credentials: self.credentials,
            mode: Mode::Cors,
            redirect: RedirectMode::Follow,
            api: self.api,
            options: FetchOptions::default(),
            same_url_as: None,
            server,
            expect: unknown(),
        };
        let mut requests = vec![first.clone()];
        if self.repeat {
            requests.push(RequestStep { path: "/".to_owned(), same_url_as: Some(0), server: None, ..first });
        }
        Scenario {
            name: name.to_owned(),
            about: "Generated by tests/browser_properties.rs: the oracle disagreed with Chromium".to_owned(),
            page: self.page.to_owned(),
            sandbox: self.sandbox,
            public_page: false,
            local_network_granted: false,
            requests,
            cookies: Vec::new(),
            line: 1,
        }
    }
}

/// An expectation that checks nothing but the outcome; the comparison is with the oracle.
fn unknown() -> Expectation {
    Expectation::outcome(Outcome::Allowed)
}

/// Where the browser and the oracle differ on one scenario: `request N field: chromium X, oracle Y`,
/// over the same fields as the snapshots' agreement test.
fn disagreements(observed: &[RequestObservation], predicted: &[Prediction]) -> Vec<String> {
    let observed: Vec<Fate> = observed.iter().map(Fate::observed).collect();
    let predicted: Vec<Fate> = predicted.iter().map(Fate::predicted).collect();
    agreement::disagreements(&observed, &predicted)
        .into_iter()
        .map(|(request, Difference { field, this: browser, other: oracle })| {
            format!("request {request} {field}: chromium {browser}, oracle {oracle}")
        })
        .collect()
}

/// The scenario with the browser's observation as its expectations: the browser is right.
fn as_corpus_entry(mut scenario: Scenario, observed: &[RequestObservation]) -> String {
    scenario.name = "generated-case".to_owned();
    for (step, seen) in scenario.requests.iter_mut().zip(observed) {
        step.expect = Expectation {
            preflight: seen.preflight,
            reached_server: seen.reached_server,
            reason: seen.reason_class,
            status: seen.status,
            readable_headers: seen.readable_headers.clone(),
            ..Expectation::outcome(seen.outcome)
        };
    }
    to_toml(&scenario)
}

/// Runs scenarios in the browser and returns, per scenario, its disagreements with the oracle
/// (or why it could not run) and what the browser observed.
async fn judge(
    engine: Engine,
    runner: &mut Runner,
    origins: &[NamedOrigin],
    scenarios: Vec<Scenario>,
) -> Vec<(Result<Vec<String>, String>, Vec<RequestObservation>)> {
    let jobs = scenarios
        .into_iter()
        .map(|scenario| Job { file: PathBuf::from("tests/browser_properties.rs"), scenario })
        .collect();
    runner
        .run(jobs, &mut |_| {})
        .await
        .into_iter()
        .map(|result| match result.observation {
            Ok(observation) => {
                let verdict = predict(&result.job.scenario, origins, engine, REQUEST_TIMEOUT)
                    .map(|predicted| disagreements(&observation.requests, &predicted))
                    .map_err(|error| error.to_string());
                (verdict, observation.requests)
            }
            Err(error) => (Err(error.to_string()), Vec::new()),
        })
        .collect()
}

fn setting(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(text) => {
            let text = text.trim();
            let parsed = match text.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => text.parse(),
            };
            parsed.unwrap_or_else(|_| panic!("{name}={text} is not a number"))
        }
        Err(_) => default,
    }
}

#[test]
fn the_oracle_agrees_with_chromium_on_generated_cases() {
    agrees_on_generated_cases(Engine::Chromium);
}

#[test]
fn the_oracle_agrees_with_firefox_on_generated_cases() {
    agrees_on_generated_cases(Engine::Firefox);
}

#[test]
fn the_oracle_agrees_with_webkit_on_generated_cases() {
    agrees_on_generated_cases(Engine::WebKit);
}

fn agrees_on_generated_cases(engine: Engine) {
    let seed = setting("CORSPROOF_SEED", DEFAULT_SEED);
    let count = usize::try_from(setting("CORSPROOF_CASES", DEFAULT_CASES as u64)).unwrap_or(DEFAULT_CASES);
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let mut generator =
        TestRunner::new_with_rng(Config::default(), TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes));
    let strategy = case();
    let mut trees: Vec<_> =
        (0..count).map(|_| strategy.new_tree(&mut generator).expect("the strategy never rejects")).collect();

    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let mut runner = runtime
        .block_on(Runner::start(RunConfig {
            browser: BrowserConfig { engine, ..BrowserConfig::default() },
            request_timeout: REQUEST_TIMEOUT,
            ..RunConfig::default()
        }))
        .unwrap_or_else(|error| panic!("the browser run could not start: {error}"));
    let origins = runner.server().origins().to_vec();

    let scenarios =
        trees.iter().enumerate().map(|(i, tree)| tree.current().scenario(&format!("case-{i}"))).collect();
    let verdicts = runtime.block_on(judge(engine, &mut runner, &origins, scenarios));
    let failing: Vec<usize> = verdicts
        .iter()
        .enumerate()
        .filter(|(_, (verdict, _))| !matches!(verdict, Ok(differences) if differences.is_empty()))
        .map(|(index, _)| index)
        .collect();
    eprintln!(
        "oracle vs {engine} on {count} generated cases (CORSPROOF_SEED={seed:#x}): {} agree, {} disagree",
        count - failing.len(),
        failing.len()
    );
    if failing.is_empty() {
        return;
    }

    let mut report = Vec::new();
    for &index in failing.iter().take(SHRUNK_PER_RUN) {
        let tree = &mut trees[index];
        let mut last = (tree.current(), verdicts[index].clone());
        // proptest's shrink walk, each step judged by the browser: simplify while the case still
        // fails, step back (complicate) when a simplification made it pass.
        for _ in 0..SHRINK_RUNS {
            let case = tree.current();
            let judged =
                runtime.block_on(judge(engine, &mut runner, &origins, vec![case.scenario("shrinking")]));
            let judged = judged.into_iter().next().expect("one verdict per scenario");
            let fails = !matches!(&judged.0, Ok(differences) if differences.is_empty());
            let moved = if fails {
                last = (case, judged);
                tree.simplify()
            } else {
                tree.complicate()
            };
            if !moved {
                break;
            }
        }
        let (case, (verdict, observed)) = last;
        let why = match verdict {
            Ok(differences) => differences.join("\n  "),
            Err(error) => format!("could not run: {error}"),
        };
        report.push(format!(
            "case {index}, shrunk:\n  {why}\n\n{}",
            as_corpus_entry(case.scenario("generated-case"), &observed)
        ));
    }
    panic!(
        "the oracle disagrees with {engine} on {} of {count} generated cases (CORSPROOF_SEED={seed:#x}); \
         the first {}, shrunk, as scenario files:\n\n{}",
        failing.len(),
        report.len(),
        report.join("\n")
    );
}
