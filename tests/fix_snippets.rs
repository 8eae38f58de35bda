//! Every fix corsproof prints is proven on the real thing: for a few blocked requests, each
//! framework's `Fix::snippet` is applied, unchanged, to that framework's real server (the
//! snippet contract of `corsproof::Framework`), and then the checker must say the page's
//! request is allowed, an attacker's origin must still be blocked, and a real Chromium, pointed
//! at the same server, must agree on both. The advice itself must be safe: an origin nobody
//! declared is only ever allowed "if it is yours".

mod support;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use corsproof::{Checked, Checker, FixFor, Framework, Probe};
use corsproof_oracle::{CredentialsMode, Engine, Exchange, Oracle, Origin, Request, Response};
use corsproof_runner::{Job, PageOrigin, RunConfig, Runner};
use corsproof_scenario::{
    Api, Credentials, Expectation, FetchOptions, Mode, Outcome, RedirectMode, RequestStep, Scenario,
};
use support::implementations::{
    ALLOWED_ORIGIN, Implementation, RunningServer, build_tower_http, start_with_snippet,
};

/// The frameworks whose real server applies a snippet (the `snippet` configuration), and the
/// framework each server's default headers show (`Framework::detect`). One line per server.
const SERVERS: &[(Framework, Implementation, Option<Framework>)] = &[
    (Framework::Express, Implementation::Express, Some(Framework::Express)),
    (Framework::Nginx, Implementation::Nginx, Some(Framework::Nginx)),
    (Framework::Django, Implementation::Django, Some(Framework::Django)),
    // axum and tower-http send no Server header of their own.
    (Framework::TowerHttp, Implementation::TowerHttp, None),
    // Koa and Fastify send no header of their own either.
    (Framework::Koa, Implementation::Koa, None),
    (Framework::Fastify, Implementation::Fastify, None),
    // uvicorn's `server: uvicorn`.
    (Framework::FastApi, Implementation::FastApi, Some(Framework::FastApi)),
    // Flask runs under waitress here (`Server: waitress`), which says nothing of the framework.
    (Framework::Flask, Implementation::Flask, None),
    (Framework::Apache, Implementation::Apache, Some(Framework::Apache)),
    (Framework::Caddy, Implementation::Caddy, Some(Framework::Caddy)),
];

/// How many Chromiums run at once.
const BROWSERS_AT_ONCE: usize = 4;

/// An origin the fixes never allow.
const ATTACKER: &str = "https://evil.example.net";

/// A request a page makes, blocked by a server without CORS; its fix is what is proven.
#[derive(Debug)]
struct Blocked {
    shows: &'static str,
    method: &'static str,
    path: &'static str,
    headers: &'static [(&'static str, &'static str)],
    credentials: bool,
    /// Other paths the same fix must serve to the page too (an error answer).
    also: &'static [&'static str],
}

const BLOCKED: &[Blocked] = &[
    Blocked {
        shows: "a credentialed GET",
        method: "GET",
        path: "/api/items",
        headers: &[],
        credentials: true,
        also: &["/api/error"],
    },
    Blocked {
        shows: "a preflighted credentialed PUT with a custom header and JSON",
        method: "PUT",
        path: "/api/items/1",
        headers: &[("X-Request-Id", "7"), ("Content-Type", "application/json")],
        credentials: true,
        also: &[],
    },
];

impl Blocked {
    fn probe(&self, base: &str, path: &str, origin: &str) -> Probe {
        let mut probe = Probe::new(format!("{base}{path}")).origin(origin).credentials(self.credentials);
        if path == self.path {
            probe = probe.method(self.method);
            for (name, value) in self.headers {
                probe = probe.header(*name, *value);
            }
            if self.method == "PUT" {
                probe = probe.body("{}");
            }
        }
        probe
    }

    /// The fix the oracle writes for this request answered without any CORS header, as
    /// `check` prints it (the origin unconfirmed: its condition rides along as a comment).
    fn fix(&self) -> corsproof::Fix {
        let page: Origin = ALLOWED_ORIGIN.parse().expect("an origin");
        let mut request = Request::fetch(self.method, format!("https://api.example.org{}", self.path));
        for (name, value) in self.headers {
            request = request.header(*name, *value);
        }
        if self.credentials {
            request = request.credentials(CredentialsMode::Include);
        }
        // Both answers bare: a preflight, when one is needed, is blocked first.
        let bare = Exchange::preflighted(Response::new(204), Response::new(200));
        let verdict = Oracle::new(Engine::Chromium).judge_once(&page, &request, &bare);
        verdict
            .block()
            .unwrap_or_else(|| panic!("{}: not blocked without CORS: {verdict:?}", self.shows))
            .fix()
    }
}

/// What one server with one snippet must show.
struct Proof {
    framework: Framework,
    blocked: &'static Blocked,
    detected: Option<Framework>,
}

fn scenario(name: String, page: &str, probe: &Probe, expect: Outcome) -> Scenario {
    let path = probe.url().split_once("127.0.0.1").and_then(|(_, rest)| rest.find('/').map(|at| &rest[at..]));
    Scenario {
        name,
        about: String::new(),
        page: page.to_owned(),
        sandbox: false,
        public_page: false,
        local_network_granted: false,
        requests: vec![RequestStep {
            to: None,
            path: path.unwrap_or("/").to_owned(),
            method: probe.method_name().to_owned(),
            headers: probe.headers().to_vec(),
            body: (probe.method_name() == "PUT").then(|| "{}".to_owned()),
            credentials: if probe.is_credentialed() { Credentials::Include } else { Credentials::SameOrigin },
            mode: Mode::Cors,
            redirect: RedirectMode::Follow,
            api: Api::Fetch,
            options: FetchOptions::default(),
            same_url_as: None,
            server: None,
            expect: Expectation::outcome(expect),
        }],
        cookies: Vec::new(),
        line: 1,
    }
}

fn verdict(checked: &Checked) -> &'static str {
    if checked.is_allowed() {
        "allowed"
    } else if checked.block().is_some() {
        "blocked"
    } else {
        "no answer"
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_snippet_makes_the_page_work_keeps_the_attacker_out_and_chromium_agrees() {
    let started = Instant::now();
    let proofs: Vec<Proof> = SERVERS
        .iter()
        .flat_map(|&(framework, _, detected)| {
            BLOCKED.iter().map(move |blocked| Proof { framework, blocked, detected })
        })
        .collect();
    let snippets: Vec<String> =
        proofs.iter().map(|proof| proof.blocked.fix().snippet(proof.framework)).collect();
    // tower-http compiles its snippets in: one build for all of them.
    let tower: Vec<String> = proofs
        .iter()
        .zip(&snippets)
        .filter(|(proof, _)| proof.framework == Framework::TowerHttp)
        .map(|(_, snippet)| snippet.clone())
        .collect();
    build_tower_http(&tower).unwrap_or_else(|error| panic!("{error:#}"));
    let built = started.elapsed();

    let starts: Vec<_> = proofs
        .iter()
        .zip(&snippets)
        .map(|(proof, snippet)| {
            let implementation = SERVERS.iter().find(|(f, ..)| *f == proof.framework).map(|(_, i, _)| *i);
            let snippet = snippet.clone();
            tokio::spawn(async move { start_with_snippet(implementation.expect("a server"), &snippet).await })
        })
        .collect();
    let mut servers: Vec<RunningServer> = Vec::new();
    for ((start, proof), snippet) in starts.into_iter().zip(&proofs).zip(&snippets) {
        let server = start.await.expect("a start task").unwrap_or_else(|error| {
            panic!("{} with the fix for {}:\n{snippet}\n{error:#}", proof.framework, proof.blocked.shows)
        });
        servers.push(server);
    }

    let pages = vec![
        PageOrigin::parse("app", ALLOWED_ORIGIN).expect("a page origin"),
        PageOrigin::parse("evil", ATTACKER).expect("a page origin"),
    ];
    let checker = Checker::new();
    let mut failures = Vec::new();
    let mut runs = Vec::new();
    for ((proof, server), snippet) in proofs.iter().zip(&servers).zip(&snippets) {
        let base = server.base_url();
        let what = format!("{} / {}", proof.framework.name(), proof.blocked.shows);
        let mut jobs = Vec::new();
        let mut expected = Vec::new();
        for path in std::iter::once(proof.blocked.path).chain(proof.blocked.also.iter().copied()) {
            for (page, origin, want) in [("app", ALLOWED_ORIGIN, "allowed"), ("evil", ATTACKER, "blocked")] {
                let probe = proof.blocked.probe(&base, path, origin);
                let checked = checker.check(&probe).await.expect("a valid probe");
                if verdict(&checked) != want {
                    failures.push(format!(
                        "{what}: {page} {path}: the checker says {}, expected {want}\nsnippet:\n{snippet}\n{checked}\nserver log:\n{}",
                        verdict(&checked),
                        server.log()
                    ));
                }
                if path == proof.blocked.path
                    && page == "app"
                    && checked.detected_framework() != proof.detected
                {
                    failures.push(format!(
                        "{what}: detected {:?}, expected {:?}\n{checked}",
                        checked.detected_framework(),
                        proof.detected
                    ));
                }
                let outcome = if want == "allowed" { Outcome::Allowed } else { Outcome::Blocked };
                let name = format!("{}-{}-{page}", proof.framework.name(), jobs.len());
                jobs.push(Job {
                    file: PathBuf::from(file!()),
                    scenario: scenario(name, page, &probe, outcome),
                });
                expected.push((page, path, want, verdict(&checked)));
            }
        }
        // One Chromium per server, a few at once: each run is mostly the browser's start, and
        // twenty Chromiums at once on two cores time requests out.
        let run = RunConfig {
            target: Some(base.clone()),
            pages: pages.clone(),
            request_timeout: Duration::from_secs(10),
            ..RunConfig::default()
        };
        runs.push((what, snippet, expected, run, jobs));
    }
    // The runner's future is not Send: the runs share this thread, each waiting on its browser.
    let browsers = tokio::task::LocalSet::new();
    let at_once = std::sync::Arc::new(tokio::sync::Semaphore::new(BROWSERS_AT_ONCE));
    let observations = browsers
        .run_until(async {
            let handles: Vec<_> = runs
                .iter()
                .map(|(_, _, _, run, jobs)| {
                    let (run, jobs, at_once) = (run.clone(), jobs.clone(), at_once.clone());
                    tokio::task::spawn_local(async move {
                        let _turn = at_once.acquire_owned().await.map_err(|error| error.to_string())?;
                        let mut runner = Runner::start(run).await.map_err(|error| error.to_string())?;
                        let observed = runner.run(jobs, &mut |_| {}).await;
                        runner.close().await;
                        Ok::<_, String>(observed)
                    })
                })
                .collect();
            let mut observations = Vec::new();
            for handle in handles {
                observations.push(handle.await.expect("a browser task"));
            }
            observations
        })
        .await;
    let mut results = Vec::new();
    for ((what, snippet, expected, _, _), observed) in runs.into_iter().zip(observations) {
        let observed = match observed {
            Ok(observed) => observed,
            Err(error) => {
                failures.push(format!("{what}: the browser run could not start: {error}"));
                continue;
            }
        };
        for ((page, path, want, checker_said), result) in expected.into_iter().zip(observed) {
            let chromium = match &result.observation {
                Ok(observation) => match observation.requests[0].outcome {
                    Outcome::Allowed => "allowed",
                    Outcome::Blocked => "blocked",
                    _ => "other",
                },
                Err(error) => {
                    failures.push(format!("{what}: {page} {path}: {error}"));
                    "no run"
                }
            };
            if chromium != want {
                failures.push(format!(
                    "{what}: {page} {path}: Chromium says {chromium}, expected {want}\nsnippet:\n{snippet}"
                ));
            }
            results.push(format!("{what}: {page} {path}: checker {checker_said}, chromium {chromium}"));
        }
    }
    println!(
        "{} servers, built in {:.1?}, all in {:.1?}:\n{}",
        servers.len(),
        built,
        started.elapsed(),
        results.join("\n")
    );
    assert!(failures.is_empty(), "{} failures:\n\n{}", failures.len(), failures.join("\n\n"));
}

#[tokio::test]
async fn an_origin_nobody_declared_is_never_advised_unconditionally() {
    // The Express server allowing only the real page's origin, as a fix for it configures it.
    let snippet = BLOCKED[0].fix().snippet(Framework::Express);
    let server =
        start_with_snippet(Implementation::Express, &snippet).await.unwrap_or_else(|e| panic!("{e:#}"));
    let lookalike = "https://app.example.com.evil.com";
    let probe = BLOCKED[0].probe(&server.base_url(), "/api/items", lookalike);
    let checked = Checker::new().check(&probe).await.expect("a valid probe");
    checked.assert_blocked();
    let unconditional = format!("Send `Access-Control-Allow-Origin: {lookalike}`");
    for report in [checked.to_string(), checked.clone().with_fix_for(FixFor::All).to_string()] {
        assert!(!report.contains(&unconditional), "{report}");
        assert!(report.contains(&format!("fix: If {lookalike} is your page's origin, send")), "{report}");
        assert!(report.contains("--policy"), "{report}");
    }
    let fix = checked.fix().expect("a fix");
    for framework in Framework::ALL {
        let first = fix.snippet(framework).lines().next().unwrap_or_default().to_owned();
        assert!(first.contains(&format!("If {lookalike} is your page's origin")), "{framework}: {first}");
    }
    // Declared as the user's own, the same fix is said plainly.
    let declared = checked.with_own_origins([lookalike]);
    assert!(declared.to_string().contains(&unconditional), "{declared}");
}

#[tokio::test]
async fn the_report_shows_the_detected_framework_only_or_says_how_to_choose() {
    let snippet = BLOCKED[0].fix().snippet(Framework::Express);
    let server =
        start_with_snippet(Implementation::Express, &snippet).await.unwrap_or_else(|e| panic!("{e:#}"));
    let probe = BLOCKED[0].probe(&server.base_url(), "/api/items", ATTACKER);
    let checked = Checker::new().check(&probe).await.expect("a valid probe");
    let report = checked.to_string();
    assert!(report.contains("Express (cors), detected from the answer's headers:"), "{report}");
    for other in Framework::ALL.iter().filter(|f| **f != Framework::Express) {
        assert!(!report.contains(&format!("\n  {other}")), "{other} shown:\n{report}");
    }
    let chosen = checked.clone().with_fix_for(FixFor::Framework(Framework::Caddy)).to_string();
    assert!(chosen.contains("\n  Caddy:\n") && !chosen.contains("Express (cors)"), "{chosen}");
    let all = checked.with_fix_for(FixFor::All).to_string();
    for framework in Framework::ALL {
        assert!(all.contains(&format!("\n  {framework}:\n")), "{framework} missing:\n{all}");
    }
}

#[tokio::test]
async fn without_a_fingerprint_the_report_gives_the_headers_and_how_to_ask_for_a_snippet() {
    // An axum app without CORS: it sends no Server or X-Powered-By header.
    let app = axum::Router::new().route("/api/items", axum::routing::get(|| async { "[]" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let address = listener.local_addr().expect("an address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    let probe = BLOCKED[0].probe(&format!("http://{address}"), "/api/items", ALLOWED_ORIGIN);
    let checked = Checker::new().check(&probe).await.expect("a valid probe");
    assert_eq!(checked.detected_framework(), None);
    let report = checked.to_string();
    assert!(report.contains(&format!("  Access-Control-Allow-Origin: {ALLOWED_ORIGIN}\n")), "{report}");
    assert!(report.contains("`--fix-for NAME`") && report.contains(&Framework::names()), "{report}");
    for framework in Framework::ALL {
        assert!(!report.contains(&format!("\n  {framework}:")), "{framework} shown:\n{report}");
    }
}
