//! The runner in real browsers: verdicts for hung and crashing servers (Chromium), in every
//! engine a browser that dies is replaced (mid-chunk, its browser or its driver killed, at no cost
//! to what the run observes) and no process or temp file outlives the run, and the pipeline runs
//! engines side by side and tells its reporter.

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
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| environment_value(pid, OWNER_VARIABLE).is_some_and(|value| value == marker.as_bytes()))
        // A zombie has no environment left to read, so it is not counted: it holds no resources.
        .collect()
}

/// The `TMPDIR` in process `pid`'s environment, if it has one.
fn temp_folder_of(pid: u32) -> Option<std::path::PathBuf> {
    let value = environment_value(pid, "TMPDIR")?;
    Some(std::path::PathBuf::from(String::from_utf8_lossy(&value).into_owned()))
}

/// The value of `name` in process `pid`'s environment (`/proc/PID/environ`).
fn environment_value(pid: u32, name: &str) -> Option<Vec<u8>> {
    let environ = std::fs::read(format!("/proc/{pid}/environ")).ok()?;
    let prefix = format!("{name}=");
    let value = environ.split(|&byte| byte == 0).find_map(|pair| pair.strip_prefix(prefix.as_bytes()))?;
    Some(value.to_vec())
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

/// What a kill mid-chunk takes down.
#[derive(Debug, Clone, Copy)]
enum Victim {
    /// The browser's main process (the driver lives on, its session dead).
    Browser,
    /// The driver (the browser lives on, unreachable).
    Driver,
}

/// The command name (`/proc/PID/comm`) of a process.
fn command_name(pid: u32) -> Option<String> {
    std::fs::read_to_string(format!("/proc/{pid}/comm")).ok().map(|name| name.trim().to_owned())
}

/// The parent of a process, from `/proc/PID/stat` (the fields after the command name's `)`).
fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.get(stat.rfind(')')? + 1..)?.split_whitespace().nth(1)?.parse().ok()
}

/// The process `victim` names among one browser's: the one of the engine's browser or driver
/// executable whose parent is not of the same executable (a browser's helpers are its children).
fn victim_of(marker: &str, engine: Engine, victim: Victim) -> Option<u32> {
    let name = match (engine, victim) {
        (Engine::Chromium, Victim::Browser) => "chromium",
        (Engine::Chromium, Victim::Driver) => "chromedriver",
        (Engine::Firefox, Victim::Browser) => "firefox-esr",
        (Engine::Firefox, Victim::Driver) => "geckodriver",
        (Engine::WebKit, Victim::Browser) => "MiniBrowser",
        (Engine::WebKit, Victim::Driver) => "WebKitWebDriver",
    };
    processes_marked(marker).into_iter().find(|&pid| {
        command_name(pid).as_deref() == Some(name)
            && parent_of(pid).and_then(command_name).as_deref() != Some(name)
    })
}

/// A chunk of scenarios slow enough (each request waits `delay_ms` at the server, each scenario
/// makes three, the page runs them over six connections a host) that a kill at its first request
/// lands while the page is still running it; one holds a cookie set before it and sends it.
fn slow_chunk() -> Vec<Job> {
    let slow = |name: &str, server: &str, outcome: Outcome| {
        job(name, (0..3).map(|_| step("api", &format!("{server}delay_ms=300"), outcome)).collect())
    };
    let mut jobs: Vec<Job> = (0..10)
        .map(|i| match i % 2 {
            0 => slow(&format!("allowed-{i}"), "acao=*&", Outcome::Allowed),
            _ => slow(&format!("blocked-{i}"), "", Outcome::Blocked),
        })
        .collect();
    let mut with_cookie = step("api-https", "acao=origin&acac=true&delay_ms=300", Outcome::Allowed);
    with_cookie.credentials = Credentials::Include;
    let mut cookie = job("cookie", vec![with_cookie.clone(), with_cookie]);
    cookie.scenario.cookies = vec![corsproof_scenario::CookieBefore {
        origin: "api-https".to_owned(),
        set_cookie: "sid=1; Secure; SameSite=None; Path=/t/{token}".to_owned(),
    }];
    jobs.push(cookie);
    jobs
}

/// Each scenario's observation (or why it could not run) and mismatches: what a run's verdicts
/// and snapshots are made of.
fn verdicts(results: &[JobResult]) -> Vec<(String, Result<corsproof_runner::Observation, String>, usize)> {
    results
        .iter()
        .map(|result| {
            let observation = result.observation.clone().map_err(|error| error.to_string());
            (result.job.scenario.name.clone(), observation, result.mismatches.len())
        })
        .collect()
}

#[rstest]
#[case::chromium_browser(Engine::Chromium, Victim::Browser)]
#[case::chromium_driver(Engine::Chromium, Victim::Driver)]
#[case::firefox_browser(Engine::Firefox, Victim::Browser)]
#[case::firefox_driver(Engine::Firefox, Victim::Driver)]
#[case::webkit_browser(Engine::WebKit, Victim::Browser)]
#[case::webkit_driver(Engine::WebKit, Victim::Driver)]
#[tokio::test(flavor = "multi_thread")]
async fn a_browser_lost_mid_chunk_costs_nothing_but_time(#[case] engine: Engine, #[case] victim: Victim) {
    let mut runner = start_in(engine, Duration::from_secs(10)).await;
    let clean = runner.run(slow_chunk(), &mut |_| {}).await;
    assert_eq!(runner.restarts(), 0, "the clean run lost no browser");
    let clean = verdicts(&clean);
    for (name, observation, mismatches) in &clean {
        assert!(observation.is_ok(), "{name} ran cleanly: {observation:?}");
        assert_eq!(*mismatches, 0, "{name} met its expectations in the clean run");
    }

    // The kill lands when the chunk's first request reaches the server: after its one cookie
    // visit, while the page runs the slow requests.
    let marker = runner.browser_process_marker().expect("a driver of ours").to_owned();
    let target = victim_of(&marker, engine, victim).unwrap_or_else(|| panic!("no {victim:?} among {marker}"));
    let journal = runner.server().journal().clone();
    let tokened = move || journal.len() - journal.untokened().len();
    let started = tokened();
    let killer = tokio::spawn(async move {
        for _ in 0..4000 {
            if tokened() > started + 1 {
                kill_all(&[target]);
                return true;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        false
    });
    let mut restarted = Vec::new();
    let again = runner
        .run(slow_chunk(), &mut |event| {
            if let Event::BrowserRestarted { error, .. } = event {
                restarted.push(error.to_string());
            }
        })
        .await;
    assert!(killer.await.expect("the killer ran"), "the chunk's first request never reached the server");
    assert!(runner.restarts() >= 1, "the lost {victim:?} was noticed");
    assert!(!restarted.is_empty(), "the reporter heard of the restart");
    let again = verdicts(&again);
    let differing: Vec<_> = again.iter().zip(&clean).filter(|(rerun, clean)| rerun != clean).collect();
    assert_eq!(again.len(), clean.len());
    assert!(
        differing.is_empty(),
        "{} scenarios saw other things than in a clean run (restarted after: {restarted:?}); the first:\n\
         rerun: {:?}\nclean: {:?}",
        differing.len(),
        differing[0].0,
        differing[0].1,
    );
    runner.close().await;
}

#[rstest]
#[case::chromium(Engine::Chromium)]
#[case::firefox(Engine::Firefox)]
#[case::webkit(Engine::WebKit)]
#[tokio::test(flavor = "multi_thread")]
async fn closing_the_runner_leaves_no_process_or_folder_behind(#[case] engine: Engine) {
    let runner = start_in(engine, Duration::from_secs(5)).await;
    let marker = runner.browser_process_marker().expect("a driver of ours").to_owned();
    let ours = processes_marked(&marker);
    assert!(!ours.is_empty(), "the browser runs while the runner does");
    // What a killed browser leaves in its temp folder must go with its profile.
    let temps: Vec<std::path::PathBuf> = ours.iter().filter_map(|&pid| temp_folder_of(pid)).collect();
    assert!(!temps.is_empty(), "the driver and browser of {engine} are given a temp folder");
    for temp in &temps {
        let profile = temp.parent().expect("a temp folder inside the profile");
        let name = profile.file_name().and_then(|name| name.to_str()).unwrap_or_default();
        assert!(
            name.starts_with("corsproof-profile-") && temp.is_dir(),
            "TMPDIR {temp:?} is not a profile's"
        );
    }
    runner.close().await;
    for temp in &temps {
        assert!(!temp.exists(), "{temp:?} outlived the runner");
    }
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
