//! README.md's "The JSON report" documents `corsproof run --json` as it is. A report with every
//! optional field present (each snapshot state, a scenario that could not run, an engine that
//! could not start, a scenario one engine lacks) is serialized as the command serializes it;
//! every key path it emits, written as jq writes it
//! (`.scenarios[].observation.requests[].server_saw[].status`), must be a row of the section
//! whose type names each kind of value the path holds, and every row must be a path that is
//! emitted. Under a row whose type says "as `PATH`" lies what `PATH` documents (`.` is the
//! one-engine report itself); under one whose type says "keyed by", keys that are data (header
//! names), each a value of the row's type. A real run in Chromium then proves the report carries
//! the whole observation: every header the page read and the server received, not only those
//! the scenario names, which are all a snapshot keeps.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use corsproof_browser::{BrowserError, Engine};
use corsproof_runner::matrix::{EngineRun, Matrix};
use corsproof_runner::report::{
    self, AllJson, EngineJson, Report, ScenarioReport, SnapshotNote, UnfinishedScenario,
};
use corsproof_runner::snapshot::SnapshotBody;
use corsproof_runner::{
    HeaderValues, Job, JobResult, Mismatch, Observation, ReasonSource, RequestObservation, RunConfig, Runner,
    SeenRequest,
};
use corsproof_scenario::{Outcome, ReasonClass};
use serde_json::Value;

const README: &str = include_str!("../README.md");

/// The section's heading.
const HEADING: &str = "### The JSON report\n";

const SCENARIOS: &str = r#"
[[scenario]]
name = "post-items"
about = "The app may create items"
page = "app"

[[scenario.request]]
to = "api"
method = "POST"
path = "/items"

[scenario.request.expect]
outcome = "allowed"
"#;

/// What a sandboxed page at a chosen origin saw: a request whose every field is known, the
/// server's answer included.
fn observation() -> Observation {
    Observation {
        scenario: "post-items".into(),
        about: "The app may create items".into(),
        page: "app".into(),
        page_origin: Some("https://app.example.com".into()),
        sandbox: true,
        requests: vec![RequestObservation {
            request: "POST {target}/api/items".into(),
            outcome: Outcome::Blocked,
            reason_class: Some(ReasonClass::PreflightStatus),
            reason_in_preflight: true,
            reason: Some("Response to preflight request doesn't pass access control check".into()),
            reason_source: Some(ReasonSource::Console),
            js_error: Some("TypeError: Failed to fetch".into()),
            status: Some(200),
            response_type: Some("cors".into()),
            readable_headers: vec!["content-type".into()],
            header_values: HeaderValues::read([("content-type".into(), "application/json".into())]),
            body: Some("{}".into()),
            preflight: Some(true),
            reached_server: Some(false),
            server_saw: Some(vec![SeenRequest {
                method: "OPTIONS (preflight)".into(),
                url: "{target}/api/items".into(),
                origin: Some("https://app.example.com".into()),
                request_method: Some("POST".into()),
                request_headers: Some("content-type".into()),
                cookies: true,
                authorization: true,
                headers: [("cookie".to_owned(), Some("session=1".to_owned())), ("referer".to_owned(), None)]
                    .into_iter()
                    .collect(),
                received_headers: vec![
                    ("origin".into(), "https://app.example.com".into()),
                    ("cookie".into(), "session=1".into()),
                ],
                status: Some(401),
                cors_headers: vec!["vary: Origin".into()],
            }]),
        }],
    }
}

/// One engine's results: the scenario once per snapshot state, and once unable to run.
fn results() -> Vec<JobResult> {
    let file = corsproof_scenario::parse_str(Path::new("api.toml"), SCENARIOS)
        .unwrap_or_else(|error| panic!("{}", error.render(false)));
    let scenario = file.scenarios.into_iter().next().expect("one scenario");
    let job = |name: &str| Job {
        file: file.path.clone(),
        scenario: corsproof_scenario::Scenario { name: name.to_owned(), ..scenario.clone() },
    };
    let mismatch =
        Mismatch { request: 1, field: "outcome", expected: "allowed".into(), observed: "blocked".into() };
    let mut results: Vec<JobResult> = snapshot_states()
        .iter()
        .map(|(name, _)| JobResult {
            job: job(name),
            observation: Ok(observation()),
            mismatches: vec![mismatch.clone()],
            elapsed: Duration::from_millis(42),
            har: None,
        })
        .collect();
    results.push(JobResult {
        job: job("could-not-run"),
        observation: Err(BrowserError::Page("the page would not load".into()).into()),
        mismatches: vec![],
        elapsed: Duration::ZERO,
        har: None,
    });
    results
}

/// Every state a scenario's snapshot can be in, each named as its scenario.
fn snapshot_states() -> [(&'static str, SnapshotNote); 7] {
    [
        ("matches", SnapshotNote::Matches),
        ("changed", SnapshotNote::Changed("-  outcome: \"allowed\"\n+  outcome: \"blocked\"".into())),
        ("new", SnapshotNote::New),
        ("unreviewed", SnapshotNote::Unreviewed("snapshots/chromium/api__unreviewed.snap.new".into())),
        ("written", SnapshotNote::Written { changed: true }),
        ("not-taken", SnapshotNote::NotTaken),
        ("unlocatable", SnapshotNote::Unlocatable("corsproof.toml: unknown key".into())),
    ]
}

/// The report of `results` with a pending note and a load error, as `run` makes it.
fn report(results: &[JobResult], browser: &str) -> Report {
    let notes = snapshot_states().map(|(_, note)| note);
    let scenarios = results
        .iter()
        .zip(notes.into_iter().chain([SnapshotNote::NotTaken]))
        .map(|(result, note)| ScenarioReport {
            pending: Some("pending: snapshots/chromium/api__changed.snap.new".into()),
            ..ScenarioReport::new(result, note)
        })
        .collect();
    Report {
        scenarios,
        load_errors: vec!["broken.toml:3:1: unknown field `credential`".into()],
        browser: browser.into(),
        elapsed: Duration::from_millis(1500),
        startup: Duration::from_millis(500),
        interrupted: true,
        unfinished: vec![UnfinishedScenario {
            id: "scenarios/api.toml::delete-items".into(),
            file: "scenarios/api.toml".into(),
            line: 40,
        }],
    }
}

/// `run --json` for one engine.
fn one_engine() -> Value {
    let text = report::json(&report(&results(), "chromium 1"));
    serde_json::from_str(&text).expect("the report is JSON")
}

/// `run --browser all --json`: an engine that ran everything, one that lacks a scenario, and
/// one that could not start.
fn all_engines() -> Value {
    let chromium_results = results();
    let chromium = report(&chromium_results, "chromium 1");
    let firefox_results: Vec<JobResult> = results().into_iter().skip(1).collect();
    let firefox = report(&firefox_results, "firefox 2");
    let not_started = "MiniBrowser was not found; install it with `corsproof install-browsers`";
    let runs = [
        EngineRun { engine: "chromium", outcome: Ok((&chromium, &chromium_results)) },
        EngineRun { engine: "firefox", outcome: Ok((&firefox, &firefox_results)) },
        EngineRun { engine: "webkit", outcome: Err(not_started) },
    ];
    let matrix = Matrix::build(&runs, chromium.load_errors.clone(), Duration::from_secs(3));
    let engines = runs
        .iter()
        .map(|run| EngineJson {
            engine: run.engine,
            report: run.outcome.ok().map(|(report, _)| report),
            error: run.outcome.err(),
        })
        .collect();
    let all = AllJson { interrupted: true, engines, matrix: &matrix };
    serde_json::to_value(&all).expect("the report is JSON")
}

/// Every key path in `value` under `path`, with the kinds of value each holds (`[]` steps into
/// an array's elements).
fn paths(value: &Value, path: &str, found: &mut BTreeMap<String, BTreeSet<&'static str>>) {
    match value {
        Value::Object(fields) => {
            for (key, field) in fields {
                let path = format!("{path}.{key}");
                found.entry(path.clone()).or_default().insert(kind(field));
                paths(field, &path, found);
            }
        }
        Value::Array(items) => {
            for item in items {
                paths(item, &format!("{path}[]"), found);
            }
        }
        _ => {}
    }
}

/// Every key path `run --json` emits, for one engine and for every engine, with its kinds.
fn emitted() -> BTreeMap<String, BTreeSet<&'static str>> {
    let mut found = BTreeMap::new();
    paths(&one_engine(), "", &mut found);
    paths(&all_engines(), "", &mut found);
    found
}

/// The word the README's type column uses for a value's kind.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The section's rows: each path and its type.
fn documented() -> BTreeMap<String, String> {
    let (_, section) = README.split_once(HEADING).expect("README.md has a section \"The JSON report\"");
    let section = section.split("\n## ").next().unwrap_or(section);
    let section = section.split("\n### ").next().unwrap_or(section);
    let mut rows = BTreeMap::new();
    for line in section.lines().filter(|line| line.starts_with("| `")) {
        let cells: Vec<&str> = line.split(" | ").collect();
        let path = cells[0].trim_start_matches("| ").trim_matches('`');
        assert!(cells.len() >= 3, "a row has a path, a type and a meaning: {line}");
        let previous = rows.insert(path.to_owned(), cells[1].to_owned());
        assert!(previous.is_none(), "{path} is documented twice");
    }
    assert!(!rows.is_empty(), "the section has rows");
    rows
}

/// The row that documents `path`: its own, or the one it has under a row that says "as
/// `PATH`"; the row's path and type, `None` when no row documents it.
fn resolve(rows: &BTreeMap<String, String>, path: &str) -> Option<(String, String)> {
    if let Some(kind) = rows.get(path) {
        return Some((path.to_owned(), kind.clone()));
    }
    if let Some((map, _key)) = path.rsplit_once('.')
        && let Some(kind) = rows.get(map).filter(|kind| kind.contains("keyed by"))
    {
        return Some((map.to_owned(), kind.clone()));
    }
    rows.iter().find_map(|(prefix, kind)| {
        let target = alias(kind)?;
        let rest = path.strip_prefix(prefix.as_str())?;
        if !rest.starts_with('.') && !rest.starts_with("[]") {
            return None;
        }
        resolve(rows, &if target == "." { rest.to_owned() } else { format!("{target}{rest}") })
    })
}

/// The path a type's "as `PATH`" refers to.
fn alias(kind: &str) -> Option<&str> {
    let (_, rest) = kind.split_once("as `")?;
    rest.split('`').next()
}

#[test]
fn every_field_emitted_is_documented_with_its_type() {
    let rows = documented();
    let emitted = emitted();
    for (path, kinds) in &emitted {
        let (row, kind) = resolve(&rows, path)
            .unwrap_or_else(|| panic!("README.md's \"The JSON report\" has no row for `{path}`"));
        for value in kinds {
            assert!(kind.contains(value), "`{path}` (row `{row}`) holds a {value}, its type says {kind:?}");
        }
    }
}

#[test]
fn every_field_documented_is_emitted() {
    let rows = documented();
    let emitted = emitted();
    for (path, kind) in &rows {
        assert!(emitted.contains_key(path), "README.md documents `{path}`, which `run --json` never emits");
        if let Some(target) = alias(kind) {
            assert!(
                target == "." || rows.contains_key(target),
                "`{path}` is documented as `{target}`, which has no row"
            );
        }
    }
}

#[test]
fn one_engine_carries_every_request_as_observed() {
    let report = one_engine();
    let expected = serde_json::to_value(observation()).expect("JSON");
    assert_eq!(report["scenarios"][0]["observation"], expected, "the whole observation, as observed");
    let could_not_run = report["scenarios"].as_array().and_then(|all| all.last()).expect("scenarios");
    assert!(could_not_run.get("observation").is_none(), "none when it could not run: {could_not_run}");
    assert_eq!(could_not_run["error"], "the page could not run the requests: the page would not load");
}

/// A request that names one response header (`x-total`) and one request header (`x-alpha`), and
/// is preflighted.
const NAMES_ONE_HEADER_EACH: &str = r#"
[[scenario]]
name = "names-one-header-each"
about = "An allowed PUT whose scenario names one response header and one request header"
page = "app"

[[scenario.request]]
to = "api"
method = "PUT"
path = "/items"
headers = { "X-Alpha" = "a" }

[scenario.request.server]
acao = "origin"
acam = "PUT"
acah = "x-alpha"
aceh = "x-total"
header = "X-Total: 3"

[scenario.request.expect]
outcome = "allowed"
headers = { "x-total" = "3" }

[[scenario.request.expect.server_saw]]
method = "OPTIONS (preflight)"

[[scenario.request.expect.server_saw]]
method = "PUT"
headers = { "x-alpha" = "a" }
"#;

/// Whether `headers` (a `received_headers` array) holds `[name, value]`.
fn holds(headers: &Value, name: &str, value: &str) -> bool {
    headers.as_array().is_some_and(|pairs| pairs.contains(&serde_json::json!([name, value])))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_real_run_reports_every_header_read_and_received_and_snapshots_the_named_ones() {
    let file = corsproof_scenario::parse_str(Path::new("whole.toml"), NAMES_ONE_HEADER_EACH)
        .unwrap_or_else(|error| panic!("{}", error.render(false)));
    let jobs =
        file.scenarios.iter().map(|scenario| Job { file: file.path.clone(), scenario: scenario.clone() });
    let mut runner = Runner::start(RunConfig::for_engine(Engine::Chromium))
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    let results = runner.run(jobs.collect(), &mut |_| {}).await;
    runner.close().await;
    let observation =
        results[0].observation.as_ref().unwrap_or_else(|error| panic!("could not run: {error}"));
    let report = Report {
        scenarios: results.iter().map(|result| ScenarioReport::new(result, SnapshotNote::NotTaken)).collect(),
        load_errors: vec![],
        browser: "chromium".into(),
        elapsed: Duration::ZERO,
        startup: Duration::ZERO,
        interrupted: false,
        unfinished: vec![],
    };
    let json: Value = serde_json::from_str(&report::json(&report)).expect("the report is JSON");
    let request = &json["scenarios"][0]["observation"]["requests"][0];
    assert_eq!(request["outcome"], "allowed", "{request}");
    assert_eq!(results[0].mismatches, [], "the scenario holds in Chromium");

    // Every readable response header has its value, the unnamed `content-type` too.
    let values = request["header_values"].as_object().unwrap_or_else(|| panic!("header_values: {request}"));
    let names: Vec<&String> = values.keys().collect();
    assert_eq!(serde_json::json!(names), request["readable_headers"], "{request}");
    assert_eq!(values["x-total"], "3");
    assert!(values.get("content-type").is_some_and(|value| value.as_str().is_some_and(|v| !v.is_empty())));

    // Every request header each hop carried, those no `server_saw` entry names too.
    let [preflight, put] = &request["server_saw"].as_array().expect("server_saw")[..] else {
        panic!("a preflight and the PUT: {request}");
    };
    let preflight = &preflight["received_headers"];
    assert!(holds(preflight, "origin", "{app}"), "{preflight}");
    assert!(holds(preflight, "access-control-request-method", "PUT"), "{preflight}");
    assert!(holds(preflight, "access-control-request-headers", "x-alpha"), "{preflight}");
    let put = &put["received_headers"];
    assert!(holds(put, "x-alpha", "a") && holds(put, "host", "{api-host}"), "{put}");
    assert!(
        put.as_array().is_some_and(|pairs| pairs.iter().any(|pair| pair[0] == "user-agent")),
        "an unnamed header: {put}"
    );

    // The snapshot keeps only the named ones.
    let snapshot = SnapshotBody::of(observation);
    let snapshot = snapshot.as_str();
    assert!(snapshot.contains("    header_values:\n      x-total: \"3\"\n    body:"), "{snapshot}");
    assert!(!snapshot.contains("received_headers") && !snapshot.contains("user-agent"), "{snapshot}");
}
