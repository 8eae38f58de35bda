//! The checker on the real CORS implementations (Express `cors`, nginx `add_header`,
//! `django-cors-headers`, `@koa/cors`, `@fastify/cors`, Starlette's `CORSMiddleware` under
//! FastAPI, `Flask-Cors`, Apache `mod_headers`, Caddy `header`), each in a correct and in broken
//! configurations: it must find every known gotcha, and Chromium, pointed at the same live servers
//! through the scenario runner's `--target`, must reach the same verdicts.

mod support;

use std::path::PathBuf;
use std::time::Duration;

use corsproof::{Checked, Checker, Engine, Probe};
use corsproof_runner::{Job, PageOrigin, RunConfig, Runner};
use corsproof_scenario::{
    Api, Credentials, Expectation, FetchOptions, Mode, Outcome, ReasonClass, RedirectMode, RequestStep,
    Scenario,
};
use support::implementations::{CORRECT_POLICY, Implementation, RunningServer, start_allowing};

/// Where the page is: the origin the implementations allow, one they do not, or another named
/// one (a lookalike a loose allow-list lets in); the browser loads a mock page at each.
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
    use Implementation::{Apache, Caddy, Django, Express, FastApi, Fastify, Flask, Koa, Nginx};
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
        case(Koa, "correct", "a credentialed GET from the allowed origin", Page::Allowed, "GET", "/api/items", &[], true, Allowed),
        case(Koa, "correct", "a preflighted credentialed PUT from the allowed origin", Page::Allowed, "PUT", "/api/items/1", PUT_HEADERS, true, Allowed),
        case(Koa, "correct", "keepHeadersOnError keeps the headers on the thrown 500", Page::Allowed, "GET", "/api/error", &[], true, Allowed),
        case(Koa, "correct", "another origin gets nothing", Page::Attacker, "GET", "/api/items", &[], true, Blocked(MissingAllowOrigin)),
        case(Koa, "credentials-default-origin", "credentials without origin: @koa/cors turns its default `*` into any request's origin", Page::Attacker, "GET", "/api/items", &[], true, Allowed),
        case(Koa, "cors-after-router", "cors() after the router never sees a matched route", Page::Allowed, "GET", "/api/items", &[], true, Blocked(MissingAllowOrigin)),
        case(Koa, "cors-after-router", "the preflight passes, the PUT it allowed has no CORS headers", Page::Allowed, "PUT", "/api/items/1", PUT_HEADERS, false, Blocked(MissingAllowOrigin)),
        case(Fastify, "correct", "a credentialed GET from the allowed origin", Page::Allowed, "GET", "/api/items", &[], true, Allowed),
        case(Fastify, "correct", "a preflighted credentialed PUT from the allowed origin", Page::Allowed, "PUT", "/api/items/1", PUT_HEADERS, true, Allowed),
        case(Fastify, "correct", "the onRequest hook's headers stay on the 500", Page::Allowed, "GET", "/api/error", &[], true, Allowed),
        case(Fastify, "correct", "another origin gets nothing", Page::Attacker, "GET", "/api/items", &[], true, Blocked(MissingAllowOrigin)),
        case(Fastify, "reflect-any-origin", "origin: true with credentials lets any origin read credentialed answers", Page::Attacker, "GET", "/api/items", &[], true, Allowed),
        case(Fastify, "default-methods", "the default methods (GET,HEAD,POST since @fastify/cors 11) refuse the PUT preflight", Page::Allowed, "PUT", "/api/items/1", PUT_HEADERS, true, Blocked(MethodNotAllowed)),
        case(Fastify, "default-methods", "GET still works, which is why the upgrade ships", Page::Allowed, "GET", "/api/items", &[], true, Allowed),
        case(FastApi, "correct", "a credentialed GET from the allowed origin", Page::Allowed, "GET", "/api/items", &[], true, Allowed),
        case(FastApi, "correct", "a preflighted credentialed PUT from the allowed origin", Page::Allowed, "PUT", "/api/items/1", PUT_HEADERS, true, Allowed),
        case(FastApi, "correct", "the 500 made inside CORSMiddleware keeps its headers", Page::Allowed, "GET", "/api/error", &[], true, Allowed),
        case(FastApi, "correct", "another origin gets only a stray Allow-Credentials, so nothing", Page::Attacker, "GET", "/api/items", &[], true, Blocked(MissingAllowOrigin)),
        case(FastApi, "wildcard-credentials", "allow_origins=[\"*\"] with allow_credentials echoes any origin", Page::Attacker, "GET", "/api/items", &[], true, Allowed),
        case(FastApi, "unhandled-error", "ServerErrorMiddleware's 500 has no CORS headers", Page::Allowed, "GET", "/api/error", &[], true, Blocked(MissingAllowOrigin)),
        case(FastApi, "unhandled-error", "the routes that work are fine", Page::Allowed, "GET", "/api/items", &[], true, Allowed),
        case(Flask, "correct", "a credentialed GET from the allowed origin", Page::Allowed, "GET", "/api/items", &[], true, Allowed),
        case(Flask, "correct", "a preflighted credentialed PUT from the allowed origin", Page::Allowed, "PUT", "/api/items/1", PUT_HEADERS, true, Allowed),
        case(Flask, "correct", "the after_request hook decorates the 500 too", Page::Allowed, "GET", "/api/error", &[], true, Allowed),
        case(Flask, "correct", "another origin gets nothing", Page::Attacker, "GET", "/api/items", &[], true, Blocked(MissingAllowOrigin)),
        case(Flask, "credentials-default-origins", "supports_credentials with the default origins echoes any origin", Page::Attacker, "GET", "/api/items", &[], true, Allowed),
        case(Flask, "regex-prefix-match", "an escaped but unanchored origin regex admits app.example.com.evil.net", Page::Named("https://app.example.com.evil.net"), "GET", "/api/items", &[], true, Allowed),
        case(Flask, "regex-prefix-match", "the intended origin works", Page::Allowed, "GET", "/api/items", &[], true, Allowed),
        case(Apache, "correct", "a credentialed GET from the allowed origin", Page::Allowed, "GET", "/api/items", &[], true, Allowed),
        case(Apache, "correct", "a preflighted credentialed PUT, the preflight answered by mod_rewrite", Page::Allowed, "PUT", "/api/items/1", PUT_HEADERS, true, Allowed),
        case(Apache, "correct", "`Header always` keeps the headers on Apache's own 500", Page::Allowed, "GET", "/api/error", &[], true, Allowed),
        case(Apache, "correct", "another origin gets nothing", Page::Attacker, "GET", "/api/items", &[], true, Blocked(MissingAllowOrigin)),
        case(Apache, "no-always", "`Header set` leaves mod_rewrite's 204 to the preflight bare", Page::Allowed, "PUT", "/api/items/1", PUT_HEADERS, false, Blocked(MissingAllowOrigin)),
        case(Apache, "no-always", "`Header set` leaves Apache's own 500 bare", Page::Allowed, "GET", "/api/error", &[], false, Blocked(MissingAllowOrigin)),
        case(Apache, "no-always", "the app's 200 has the headers, where people first look", Page::Allowed, "GET", "/api/items", &[], true, Allowed),
        case(Apache, "reflect-any-origin", "mirroring any Origin with credentials lets any origin read credentialed answers", Page::Attacker, "GET", "/api/items", &[], true, Allowed),
        case(Caddy, "correct", "a credentialed GET from the allowed origin", Page::Allowed, "GET", "/api/items", &[], true, Allowed),
        case(Caddy, "correct", "a preflighted credentialed PUT, the preflight answered by respond", Page::Allowed, "PUT", "/api/items/1", PUT_HEADERS, true, Allowed),
        case(Caddy, "correct", "the headers set before the error stay on the 500", Page::Allowed, "GET", "/api/error", &[], true, Allowed),
        case(Caddy, "correct", "another origin gets nothing", Page::Attacker, "GET", "/api/items", &[], true, Blocked(MissingAllowOrigin)),
        case(Caddy, "wildcard-credentials", "`*` with credentials works for no one", Page::Allowed, "GET", "/api/items", &[], true, Blocked(WildcardWithCredentials)),
        case(Caddy, "wildcard-credentials", "without credentials the same PUT passes, which is why it ships", Page::Allowed, "PUT", "/api/items/1", PUT_HEADERS, false, Allowed),
    ]
}

/// A verdict in words: `allowed`, `blocked (missing-allow-origin)`, or `no verdict`.
fn describe(verdict: Option<Verdict>) -> String {
    match verdict {
        Some(Verdict::Allowed) => "allowed".to_owned(),
        Some(Verdict::Blocked(class)) => format!("blocked ({})", class.name()),
        None => "no verdict".to_owned(),
    }
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
            options: FetchOptions::default(),
            same_url_as: None,
            server: None,
            expect,
        }],
        cookies: Vec::new(),
        line: 1,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_checker_finds_every_gotcha_and_chromium_agrees() {
    // The pages sit at origins chosen as a team chooses its own, so the implementations'
    // allow-lists name the real page origin, unchanged.
    let (allowed_page, attacker_page) =
        ("https://app.example.com".to_owned(), "https://evil.example.net".to_owned());
    let mut pages = vec![
        PageOrigin::parse("app", &allowed_page).expect("a page origin"),
        PageOrigin::parse("evil", &attacker_page).expect("a page origin"),
    ];
    // A mock page at every other origin a case names, under the name `named-N`.
    let mut named_origins: Vec<&'static str> = Vec::new();
    for case in cases() {
        if let Page::Named(origin) = case.page
            && origin != allowed_page
            && !named_origins.contains(&origin)
        {
            pages.push(
                PageOrigin::parse(&format!("named-{}", named_origins.len()), origin).expect("a page origin"),
            );
            named_origins.push(origin);
        }
    }
    let page_name = |page: Page| match page {
        Page::Allowed => "app".to_owned(),
        Page::Attacker => "evil".to_owned(),
        Page::Named(origin) => match named_origins.iter().position(|named| *named == origin) {
            Some(position) => format!("named-{position}"),
            None => "app".to_owned(),
        },
    };

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
    // Each case's verdicts, printed at the end (`--nocapture`) for the closing note.
    let mut checker_verdicts: Vec<Option<Verdict>> = vec![None; cases.len()];
    let mut browser_verdicts: Vec<Option<Verdict>> = vec![None; cases.len()];
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
            checker_verdicts[index] = verdict_of(&checked);
            if verdict_of(&checked) != Some(case.verdict) {
                failures.push(format!(
                    "{} {config}: {}: the checker says {:?}, expected {:?}\n{checked}",
                    implementation.name(),
                    case.shows,
                    verdict_of(&checked),
                    case.verdict
                ));
            }
            let scenario = scenario(case, index, &page_name(case.page));
            jobs.push((index, Job { file: PathBuf::from(file!()), scenario }));
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
                    browser_verdicts[*index] = browser;
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
    for (index, case) in cases.iter().enumerate() {
        let browser = describe(browser_verdicts[index]);
        println!(
            "{} {}: {}: checker {}, Chromium {browser}",
            case.implementation.name(),
            case.config,
            case.shows,
            describe(checker_verdicts[index])
        );
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

/// The root cause a broken configuration's report must rank first on `path`, with its severity:
/// a credentialed read by an outside origin before anything else, the bug a guide ships before
/// what it hides. `None` where the test does not pin it down.
fn most_severe(
    implementation: &str,
    config: &str,
    path: &str,
) -> Option<(corsproof::Severity, corsproof::Cause)> {
    use corsproof::{Cause, ReasonClass::MissingAllowOrigin, Severity, Stage};
    let blocked = |stage, status| Cause::Blocked { stage, class: MissingAllowOrigin, status };
    Some(match (implementation, config, path) {
        ("express", "reflect-any-origin", _)
        | ("django", "allow-all-credentials", _)
        | ("django", "regex-unescaped-dot", _) => (Severity::Critical, Cause::OriginNotInPolicy),
        ("express", "wildcard-credentials", _) => (Severity::High, Cause::OriginNotInPolicy),
        ("express", "no-options-handler", _) | ("nginx", "guide-if-block", _) => {
            (Severity::Medium, blocked(Stage::Preflight, None))
        }
        ("django", "middleware-order", _) => (Severity::Medium, blocked(Stage::Preflight, Some(401))),
        ("nginx", "no-always", "/api/error") => (Severity::Medium, blocked(Stage::Response, Some(500))),
        _ => return None,
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn verifying_the_policy_passes_the_correct_setups_and_fails_the_broken_ones() {
    let policy = corsproof::Policy::from_toml(CORRECT_POLICY).expect("a valid policy");
    let mut outcomes = Vec::new();
    let mut wrong = Vec::new();
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
                // The ranked failures of each configuration, for `--nocapture`.
                let failures: Vec<String> = report
                    .counterexamples()
                    .map(|found| {
                        format!(
                            "{} {} ({} of {} probes)",
                            found.severity, found.cause, found.count, report.cases
                        )
                    })
                    .collect();
                eprintln!(
                    "{} {config} {path}: {} failures in {:.2?}{}",
                    implementation.name(),
                    report.failures.len(),
                    report.elapsed,
                    failures.iter().map(|line| format!("\n  {line}")).collect::<String>()
                );
                if let Some(expected) = most_severe(implementation.name(), config, path) {
                    let found = report.counterexamples().next().map(|first| (first.severity, first.cause));
                    if found != Some(expected) {
                        wrong.push(format!(
                            "{} {config} {path}: the most severe failure is {found:?}, expected {expected:?}\n{report}",
                            implementation.name()
                        ));
                    }
                }
                outcomes.push((implementation.name(), *config, report));
            }
        }
    }
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
