//! The runner in real browsers: verdicts for hung and crashing servers (Chromium), in every
//! engine a browser that dies mid-run is replaced and no process outlives the run, and the
//! pipeline runs engines side by side and tells its reporter.

use std::time::Duration;

use corsproof_behaviour::vocabulary;
use corsproof_browser::{BrowserConfig, Engine, OWNER_VARIABLE};
use corsproof_runner::{Event, Job, JobResult, RunConfig, RunError, Runner, pipeline};
use corsproof_scenario::{
    Api, Credentials, Expectation, FetchOptions, Mode, Outcome, ReasonClass, RedirectMode, RequestStep,
    Scenario,
};
use rstest::rstest;

/// A request to `to` whose server behaviour is the vocabulary query `server`.
fn step(to: &str, server: &str, outcome: Outcome) -> RequestStep {
    RequestStep {
        to: Some(to.to_owned()),
        path: "/data".to_owned(),
        method: "GET".to_owned(),
        headers: vec![],
        body: None,
        credentials: Credentials::SameOrigin,
        mode: Mode::Cors,
        redirect: RedirectMode::Follow,
        api: Api::Fetch,
        options: FetchOptions::default(),
        same_url_as: None,
        server: (!server.is_empty())
            .then(|| vocabulary::parse(server).expect("a query the vocabulary reads")),
        expect: Expectation::outcome(outcome),
    }
}

fn job(name: &str, requests: Vec<RequestStep>) -> Job {
    Job {
        file: "tests/runner.rs".into(),
        scenario: Scenario {
            name: name.to_owned(),
            about: format!("{name} (built in tests/runner.rs)"),
            page: "app".to_owned(),
            sandbox: false,
            public_page: false,
            local_network_granted: false,
            requests,
            cookies: Vec::new(),
            line: 1,
        },
    }
}

async fn start(request_timeout: Duration) -> Runner {
    start_in(Engine::Chromium, request_timeout).await
}

async fn start_in(engine: Engine, request_timeout: Duration) -> Runner {
    let browser = BrowserConfig { engine, ..BrowserConfig::default() };
    let config = RunConfig { browser, request_timeout, ..RunConfig::default() };
    Runner::start(config).await.unwrap_or_else(|error| panic!("{error}"))
}

fn only(results: &[JobResult]) -> &corsproof_runner::RequestObservation {
    let observation = results[0].observation.as_ref().unwrap_or_else(|e| panic!("could not run: {e}"));
    &observation.requests[0]
}

/// The processes of one browser: driver, browser, helpers, Xvfb (each carries
/// `CORSPROOF_OWNER=<marker>` in its environment).
fn processes_marked(marker: &str) -> Vec<u32> {
    let marker = format!("{OWNER_VARIABLE}={marker}\0");
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/environ"))
                .is_ok_and(|environ| environ.windows(marker.len()).any(|window| window == marker.as_bytes()))
        })
        // A zombie has no environment left to read, so it is not counted: it holds no resources.
        .collect()
}

fn kill_all(pids: &[u32]) {
    for pid in pids {
        let _ = std::process::Command::new("kill").args(["-KILL", &pid.to_string()]).status();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_never_answers_is_a_timeout_not_a_hung_run() {
    let mut runner = start(Duration::from_millis(800)).await;
    let results = runner
        .run(vec![job("hangs", vec![step("api", "delay_ms=600000", Outcome::Timeout)])], &mut |_| {})
        .await;
    runner.close().await;
    let seen = only(&results);
    assert_eq!(seen.outcome, Outcome::Timeout);
    assert_eq!(seen.reached_server, Some(true), "the request did reach the hung server");
    assert!(results[0].mismatches.is_empty(), "{:?}", results[0].mismatches);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_closed_connection_and_a_refused_port_are_network_errors_not_cors_blocks() {
    let mut runner = start(Duration::from_secs(5)).await;
    let closed = job("closed", vec![step("api", "close=true&acao=*", Outcome::NetworkError)]);
    // The hop carries the request's token, as scenario files write it, so its console line is
    // tied to the request.
    let free_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let nowhere: String =
        form_urlencoded::byte_serialize(format!("http://api.test:{free_port}/t/{{token}}/x").as_bytes())
            .collect();
    let refused =
        job("refused", vec![step("api", &format!("acao=*&location={nowhere}"), Outcome::NetworkError)]);
    let results = runner.run(vec![closed, refused], &mut |_| {}).await;
    for result in &results {
        let seen = &result.observation.as_ref().expect("it ran").requests[0];
        assert_eq!(seen.outcome, Outcome::NetworkError, "{}", result.job.scenario.name);
        assert_eq!(seen.reason_class, None);
        assert!(seen.reason.as_deref().is_some_and(|r| r.contains("net::ERR_")), "reason: {:?}", seen.reason);
    }
    let refused_reason =
        results[1].observation.as_ref().unwrap().requests[0].reason.clone().unwrap_or_default();
    assert!(refused_reason.contains("ERR_CONNECTION_REFUSED"), "{refused_reason}");
    runner.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_blocked_request_carries_the_browsers_reason_and_class() {
    let mut runner = start(Duration::from_secs(5)).await;
    let mut blocked = step("api", "", Outcome::Blocked);
    blocked.expect.reason = Some(ReasonClass::MissingAllowOrigin);
    blocked.expect.reached_server = Some(true);
    blocked.expect.preflight = Some(false);
    let results = runner.run(vec![job("no-acao", vec![blocked])], &mut |_| {}).await;
    runner.close().await;
    let seen = only(&results);
    assert_eq!(seen.outcome, Outcome::Blocked);
    assert_eq!(
        seen.reason.as_deref(),
        Some(
            "Access to fetch at '{api}/t/{token1}/data' from origin '{app}' has been blocked by CORS policy: \
             No 'Access-Control-Allow-Origin' header is present on the requested resource."
        )
    );
    assert!(results[0].mismatches.is_empty(), "{:?}", results[0].mismatches);
}

#[rstest]
#[case::chromium(Engine::Chromium)]
#[case::firefox(Engine::Firefox)]
#[case::webkit(Engine::WebKit)]
#[tokio::test(flavor = "multi_thread")]
async fn a_browser_that_dies_is_restarted_and_the_run_goes_on(#[case] engine: Engine) {
    let mut runner = start_in(engine, Duration::from_secs(5)).await;
    let first =
        runner.run(vec![job("before", vec![step("api", "acao=*", Outcome::Allowed)])], &mut |_| {}).await;
    assert_eq!(only(&first).outcome, Outcome::Allowed);

    let marker = runner.browser_process_marker().expect("a driver of ours").to_owned();
    let ours = processes_marked(&marker);
    assert!(!ours.is_empty(), "there was a browser to kill");
    kill_all(&ours);

    let after =
        runner.run(vec![job("after", vec![step("api", "acao=*", Outcome::Allowed)])], &mut |_| {}).await;
    assert_eq!(only(&after).outcome, Outcome::Allowed, "{:?}", after[0].observation);
    assert_eq!(runner.restarts(), 1);
    runner.close().await;
}

#[rstest]
#[case::chromium(Engine::Chromium)]
#[case::firefox(Engine::Firefox)]
#[case::webkit(Engine::WebKit)]
#[tokio::test(flavor = "multi_thread")]
async fn closing_the_runner_leaves_no_process_behind(#[case] engine: Engine) {
    let runner = start_in(engine, Duration::from_secs(5)).await;
    let marker = runner.browser_process_marker().expect("a driver of ours").to_owned();
    assert!(!processes_marked(&marker).is_empty(), "the browser runs while the runner does");
    runner.close().await;
    let mut remaining = processes_marked(&marker);
    for _ in 0..50 {
        if remaining.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        remaining = processes_marked(&marker);
    }
    assert!(remaining.is_empty(), "{engine} processes outlived the runner: {remaining:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_pipeline_runs_engines_side_by_side_and_one_that_cannot_start_stops_none() {
    // Port 9 (discard) has no WebDriver behind it: the engine fails to start, as a missing one does.
    let mut unreachable = RunConfig::for_engine(Engine::WebKit);
    unreachable.browser.webdriver = Some("http://127.0.0.1:9".into());
    let jobs = vec![
        job("allowed", vec![step("api", "acao=*", Outcome::Allowed)]),
        job("blocked", vec![step("api", "", Outcome::Blocked)]),
    ];
    let mut events = Vec::new();
    let mut reporter = |event: Event<'_>| {
        events.push(match event {
            Event::EngineStarted { engine, browser } => {
                assert!(browser.starts_with("chromium "), "{browser}");
                format!("{engine} started")
            }
            Event::EngineFailed { engine, error } => {
                assert!(matches!(error, RunError::Browser(_)), "{error}");
                format!("{engine} failed")
            }
            Event::ScenarioFinished { engine, result } => {
                format!("{engine} finished {}", result.job.scenario.name)
            }
            Event::BrowserRestarted { engine, error } => format!("{engine} restarted: {error}"),
            Event::EngineFinished { engine, results } => {
                format!("{engine} finished {} scenarios", results.results.len())
            }
        });
    };
    let runs =
        pipeline::run(&jobs, vec![RunConfig::for_engine(Engine::Chromium), unreachable], &mut reporter).await;

    let [chromium, webkit] = <[_; 2]>::try_from(runs).unwrap_or_else(|_| panic!("one result per engine"));
    let chromium = chromium.unwrap_or_else(|failure| panic!("{}", failure.error));
    assert_eq!(chromium.engine, Engine::Chromium);
    let names: Vec<&str> = chromium.results.iter().map(|r| r.job.scenario.name.as_str()).collect();
    assert_eq!(names, ["allowed", "blocked"], "results in the jobs' order");
    assert!(chromium.results.iter().all(|result| result.mismatches.is_empty()));
    assert_eq!(webkit.expect_err("WebKit cannot start").engine, Engine::WebKit);

    let chromium_events: Vec<&str> =
        events.iter().filter(|event| event.starts_with("chromium")).map(String::as_str).collect();
    assert_eq!(chromium_events.first(), Some(&"chromium started"), "{events:?}");
    assert_eq!(chromium_events.last(), Some(&"chromium finished 2 scenarios"), "{events:?}");
    assert!(chromium_events.contains(&"chromium finished allowed"), "{events:?}");
    assert!(chromium_events.contains(&"chromium finished blocked"), "{events:?}");
    assert_eq!(
        events.iter().filter(|event| event.starts_with("webkit")).collect::<Vec<_>>(),
        ["webkit failed"]
    );
}
