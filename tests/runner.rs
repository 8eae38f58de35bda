//! The runner in real Chromium: verdicts for hung and crashing servers, a browser that dies
//! mid-run, and no process left behind.

use std::time::Duration;

use corsproof_runner::{Job, JobResult, RunConfig, Runner};
use corsproof_scenario::{
    Api, Credentials, Expectation, Mode, Outcome, ReasonClass, RedirectMode, RequestStep, Scenario,
};

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
        same_url_as: None,
        server: (!server.is_empty()).then(|| server.to_owned()),
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
            requests,
            line: 1,
        },
    }
}

async fn start(request_timeout: Duration) -> Runner {
    let config = RunConfig { request_timeout, ..RunConfig::default() };
    Runner::start(config).await.unwrap_or_else(|error| panic!("{error}"))
}

fn only(results: &[JobResult]) -> &corsproof_runner::RequestObservation {
    let observation = results[0].observation.as_ref().unwrap_or_else(|e| panic!("could not run: {e}"));
    &observation.requests[0]
}

/// Chromium processes started by this test process (they carry our profile directory).
fn our_chromium_processes() -> usize {
    let pattern = format!("corsproof-profile-{}-", std::process::id());
    let output = std::process::Command::new("pgrep").args(["-f", &pattern]).output().expect("pgrep runs");
    String::from_utf8_lossy(&output.stdout).lines().count()
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

#[tokio::test(flavor = "multi_thread")]
async fn a_browser_that_dies_is_restarted_and_the_run_goes_on() {
    let mut runner = start(Duration::from_secs(5)).await;
    let first =
        runner.run(vec![job("before", vec![step("api", "acao=*", Outcome::Allowed)])], &mut |_| {}).await;
    assert_eq!(only(&first).outcome, Outcome::Allowed);

    let pattern = format!("corsproof-profile-{}-", std::process::id());
    let killed =
        std::process::Command::new("pkill").args(["-KILL", "-f", &pattern]).status().expect("pkill runs");
    assert!(killed.success(), "there was a Chromium to kill");

    let after =
        runner.run(vec![job("after", vec![step("api", "acao=*", Outcome::Allowed)])], &mut |_| {}).await;
    assert_eq!(only(&after).outcome, Outcome::Allowed, "{:?}", after[0].observation);
    assert_eq!(runner.restarts(), 1);
    runner.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn closing_the_runner_leaves_no_browser_behind() {
    let runner = start(Duration::from_secs(5)).await;
    assert!(our_chromium_processes() > 0, "the browser runs while the runner does");
    runner.close().await;
    let mut remaining = our_chromium_processes();
    for _ in 0..50 {
        if remaining == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        remaining = our_chromium_processes();
    }
    assert_eq!(remaining, 0, "Chromium processes outlived the runner");
}
