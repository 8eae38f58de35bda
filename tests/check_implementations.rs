//! The checker on the real CORS implementations (Express `cors`, nginx `add_header`,
//! `django-cors-headers`), each in a correct and in broken configurations: it must find every
//! known gotcha, and Chromium, pointed at the same live servers through the scenario runner's
//! `--target`, must reach the same verdicts.

mod support;

use std::path::PathBuf;
use std::time::Duration;

use corsproof::{Checked, Checker, Engine, Probe};
use corsproof_runner::{Job, PageOrigin, RunConfig, Runner};
use corsproof_scenario::{
    Api, Credentials, Expectation, Mode, Outcome, ReasonClass, RedirectMode, RequestStep, Scenario,
};
use support::implementations::{Implementation, RunningServer, start_allowing};

/// Where the page is: a mock origin the implementations allow, one they do not, or (checker
/// only) an origin no mock page can be at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Page {
    Allowed,
    Attacker,
    Named(&'static str),
}

/// What the browser must conclude.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Allowed,
    Blocked(ReasonClass),
}

#[derive(Debug)]
struct Case {
    implementation: Implementation,
    config: &'static str,
    /// What the case shows, for failure messages.
    shows: &'static str,
    page: Page,
    method: &'static str,
    path: &'static str,
    headers: &'static [(&'static str, &'static str)],
    credentials: bool,
    verdict: Verdict,
}

const PUT_HEADERS: &[(&str, &str)] = &[("X-Request-Id", "7"), ("Content-Type", "application/json")];

#[rustfmt::skip]
fn cases() -> Vec<Case> {
    use Implementation::{Django, Express, Nginx};
    use ReasonClass::*;
    use Verdict::{Allowed, Blocked};
    let case = |implementation, config, shows, page, method, path, headers, credentials, verdict| Case {
        implementation, config, shows, page, method, path, headers, credentials, verdict,
    };
    vec![
        case(Express, "correct", "a credentialed GET from the allowed origin", Page::Allowed, "GET", "/api/items", &[], true, Allowed),
        case(Express, "correct", "a preflighted PUT from the allowed origin", Page::Allowed, "PUT", "/api/items/1", PUT_HEADERS, true, Allowed),
        case(Express, "correct", "the error answer keeps its CORS headers", Page::Allowed, "GET", "/api/error", &[], false, Allowed),
        case(Express, "correct", "another origin gets nothing", Page::Attacker, "GET", "/api/items", &[], true, Blocked(MissingAllowOrigin)),
        case(Express, "reflect-any-origin", "origin: true with credentials lets any origin read credentialed answers", Page::Attacker, "GET", "/api/items", &[], true, Allowed),
        case(Express, "wildcard-credentials", "`*` with credentials works for no one", Page::Allowed, "GET", "/api/items", &[], true, Blocked(WildcardWithCredentials)),
        case(Express, "no-options-handler", "Express answers the preflight itself, without CORS headers", Page::Allowed, "PUT", "/api/items/1", PUT_HEADERS, false, Blocked(MissingAllowOrigin)),
        case(Express, "no-options-handler", "a simple GET still works", Page::Allowed, "GET", "/api/items", &[], false, Allowed),
        case(Nginx, "correct", "a preflighted credentialed PUT from the allowed origin", Page::Allowed, "PUT", "/api/items/1", PUT_HEADERS, true, Allowed),
        case(Nginx, "correct", "`always` keeps the headers on the 500", Page::Allowed, "GET", "/api/error", &[], false, Allowed),
        case(Nginx, "correct", "another origin gets nothing", Page::Attacker, "GET", "/api/items", &[], false, Blocked(MissingAllowOrigin)),
        case(Nginx, "guide-if-block", "add_header inside `if` drops the inherited Allow-Origin from the preflight", Page::Allowed, "PUT", "/api/items/1", PUT_HEADERS, false, Blocked(MissingAllowOrigin)),
        case(Nginx, "guide-if-block", "the simple GET works, which is why the bug ships", Page::Allowed, "GET", "/api/items", &[], false, Allowed),
        case(Nginx, "guide-if-block", "without `always` the 500 has no CORS headers either", Page::Allowed, "GET", "/api/error", &[], false, Blocked(MissingAllowOrigin)),
        case(Nginx, "no-always", "add_header without `always` is missing on the 500", Page::Allowed, "GET", "/api/error", &[], false, Blocked(MissingAllowOrigin)),
        case(Nginx, "no-always", "the preflighted PUT works", Page::Allowed, "PUT", "/api/items/1", PUT_HEADERS, false, Allowed),
        case(Django, "correct", "a preflighted credentialed PUT with a token from the allowed origin", Page::Allowed, "PUT", "/api/items/1", &[("X-Request-Id", "7"), ("Authorization", "Bearer t")], true, Allowed),
        case(Django, "correct", "another origin gets nothing", Page::Attacker, "GET", "/api/items", &[], true, Blocked(MissingAllowOrigin)),
        case(Django, "allow-all-credentials", "CORS_ALLOW_ALL_ORIGINS with credentials reflects any origin", Page::Attacker, "GET", "/api/items", &[], true, Allowed),
        case(Django, "middleware-order", "auth middleware above CorsMiddleware answers the preflight 401 without CORS headers", Page::Allowed, "PUT", "/api/items/1", PUT_HEADERS, false, Blocked(MissingAllowOrigin)),
        case(Django, "regex-unescaped-dot", "an unescaped dot in the origin regex admits appXexample.com", Page::Named("https://appXexample.com"), "GET", "/api/items", &[], true, Allowed),
        case(Django, "regex-unescaped-dot", "the intended origin works", Page::Named("https://app.example.com"), "GET", "/api/items", &[], true, Allowed),
    ]
}

fn verdict_of(checked: &Checked) -> Option<Verdict> {
    if checked.is_allowed() {
        Some(Verdict::Allowed)
    } else {
        checked.block().map(|block| Verdict::Blocked(Engine::Chromium.console().class_of(&block.reason)))
    }
}

fn scenario(case: &Case, index: usize, page: &str) -> Scenario {
    let expect = match case.verdict {
        Verdict::Allowed => Expectation::outcome(Outcome::Allowed),
        Verdict::Blocked(class) => {
            Expectation { reason: Some(class), ..Expectation::outcome(Outcome::Blocked) }
        }
    };
    Scenario {
        name: format!("case-{index}"),
        about: case.shows.to_owned(),
        page: page.to_owned(),
        sandbox: false,
        public_page: false,
        local_network_granted: false,
        requests: vec![RequestStep {
            to: None,
            path: case.path.to_owned(),
            method: case.method.to_owned(),
            headers: case.headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
            body: (case.method == "PUT").then(|| "{}".to_owned()),
            credentials: if case.credentials { Credentials::Include } else { Credentials::SameOrigin },
            mode: Mode::Cors,
            redirect: RedirectMode::Follow,
            api: Api::Fetch,
            same_url_as: None,
            server: None,
            expect,
        }],
        line: 1,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_checker_finds_every_gotcha_and_chromium_agrees() {
    // The pages sit at origins chosen as a team chooses its own, so the implementations'
    // allow-lists name the real page origin, unchanged.
    let (allowed_page, attacker_page) =
        ("https://app.example.com".to_owned(), "https://evil.example.net".to_owned());
    let pages = vec![
        PageOrigin::parse("app", &allowed_page).expect("a page origin"),
        PageOrigin::parse("evil", &attacker_page).expect("a page origin"),
    ];

    let cases = cases();
    let mut configurations: Vec<(Implementation, &'static str)> = Vec::new();
    for case in &cases {
        if !configurations.contains(&(case.implementation, case.config)) {
            configurations.push((case.implementation, case.config));
        }
    }
    let started = futures_join_all(configurations.iter().copied().map(|(implementation, config)| {
        let page = allowed_page.clone();
        async move { start_allowing(implementation, config, &[page.as_str()]).await }
    }))
    .await;
    let servers: Vec<RunningServer> = started
        .into_iter()
        .zip(&configurations)
        .map(|(server, (implementation, config))| {
            server.unwrap_or_else(|error| panic!("{} {config}: {error:#}", implementation.name()))
        })
        .collect();

    let checker = Checker::new();
    let mut failures = Vec::new();
    for ((implementation, config), server) in configurations.iter().zip(&servers) {
        let base = server.base_url();
        let here: Vec<(usize, &Case)> = cases
            .iter()
            .enumerate()
            .filter(|(_, case)| case.implementation == *implementation && case.config == *config)
            .collect();
        let mut jobs = Vec::new();
        for &(index, case) in &here {
            let origin = match case.page {
                Page::Allowed => allowed_page.clone(),
                Page::Attacker => attacker_page.clone(),
                Page::Named(origin) => origin.to_owned(),
            };
            let mut probe = Probe::new(format!("{base}{}", case.path))
                .origin(&origin)
                .method(case.method)
                .credentials(case.credentials);
            for (name, value) in case.headers {
                probe = probe.header(*name, *value);
            }
            if case.method == "PUT" {
                probe = probe.body("{}");
            }
            let checked = checker.check(&probe).await.expect("a valid probe");
            if verdict_of(&checked) != Some(case.verdict) {
                failures.push(format!(
                    "{} {config}: {}: the checker says {:?}, expected {:?}\n{checked}",
                    implementation.name(),
                    case.shows,
                    verdict_of(&checked),
                    case.verdict
                ));
            }
            match case.page {
                Page::Allowed => jobs.push((
                    index,
                    Job { file: PathBuf::from(file!()), scenario: scenario(case, index, "app") },
                )),
                Page::Attacker => jobs.push((
                    index,
                    Job { file: PathBuf::from(file!()), scenario: scenario(case, index, "evil") },
                )),
                Page::Named(_) => {}
            }
        }
        let run = RunConfig {
            target: Some(base.clone()),
            pages: pages.clone(),
            request_timeout: Duration::from_secs(5),
            ..RunConfig::default()
        };
        let mut runner = Runner::start(run)
            .await
            .unwrap_or_else(|error| panic!("the browser run could not start: {error}"));
        let results = runner.run(jobs.iter().map(|(_, job)| job.clone()).collect(), &mut |_| {}).await;
        runner.close().await;
        for ((index, _), result) in jobs.iter().zip(results) {
            let case = &cases[*index];
            match &result.observation {
                Ok(observation) => {
                    let seen = &observation.requests[0];
                    let browser = match seen.outcome {
                        Outcome::Allowed => Some(Verdict::Allowed),
                        Outcome::Blocked => seen.reason_class.map(Verdict::Blocked),
                        _ => None,
                    };
                    if browser != Some(case.verdict) {
                        failures.push(format!(
                            "{} {config}: {}: Chromium says {browser:?} ({}), expected {:?}",
                            implementation.name(),
                            case.shows,
                            seen.reason.as_deref().unwrap_or("no reason"),
                            case.verdict
                        ));
                    }
                }
                Err(error) => {
                    failures.push(format!("{} {config}: {}: {error}", implementation.name(), case.shows))
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

/// Starts every future and waits for all, in order (the servers start concurrently).
async fn futures_join_all<F: std::future::Future + Send + 'static>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut outputs = Vec::with_capacity(handles.len());
    for handle in handles {
        outputs.push(handle.await.expect("a start task"));
    }
    outputs
}

/// The policy every `correct` configuration implements.
const POLICY: &str = r#"
origins = ["https://app.example.com"]
credentials = true
methods = ["GET", "PUT", "DELETE"]
headers = ["content-type", "authorization", "x-request-id"]
expose = ["x-request-id"]
max_age = 600
"#;

#[tokio::test(flavor = "multi_thread")]
async fn verifying_the_policy_passes_the_correct_setups_and_fails_the_broken_ones() {
    let policy = corsproof::Policy::from_toml(POLICY).expect("a valid policy");
    let mut outcomes = Vec::new();
    for implementation in Implementation::ALL {
        for config in implementation.configurations() {
            let server = support::implementations::start(implementation, config)
                .await
                .unwrap_or_else(|error| panic!("{} {config}: {error:#}", implementation.name()));
            // The resource and the error path: a gotcha may only show on the 500.
            for path in ["/api/items", "/api/error"] {
                let url = format!("{}{path}", server.base_url());
                let settings = corsproof::VerifyConfig::default();
                let report = corsproof::verify(&policy, &url, &settings).await;
                outcomes.push((implementation.name(), *config, report));
            }
        }
    }
    let mut wrong = Vec::new();
    for (name, config, reports) in
        outcomes.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)).map(|c| (c[0].0, c[0].1, c))
    {
        let passed = reports.iter().all(|(_, _, report)| report.passed());
        if passed != (config == "correct") {
            let reports: Vec<String> = reports.iter().map(|(_, _, report)| report.to_string()).collect();
            wrong.push(format!(
                "{name} {config} {}:\n{}",
                if passed { "passed" } else { "failed" },
                reports.join("\n")
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}
