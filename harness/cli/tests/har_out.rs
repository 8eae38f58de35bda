//! `corsproof check --har FILE` and `corsproof run --har DIR` as a user types them: the files
//! are valid HAR 1.2 (held to the specification strictly), hold every exchange with the headers
//! the server received, and carry the verdicts the reports give.

mod support;

use std::path::Path;

use corsproof_har::model::{Entry, Har};
use serde_json::Value;
use support::{api, check, corsproof_in_ci, folder, stand_in_server, stderr, stdout};

/// Reads a HAR file corsproof wrote, after holding it to HAR 1.2 strictly.
fn read_valid(path: &Path) -> Har {
    let text = std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    let json: Value =
        serde_json::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    let violations = corsproof_har::spec::violations(&json);
    assert!(violations.is_empty(), "{} is not valid HAR 1.2:\n{violations:#?}", path.display());
    let har: Har = serde_json::from_value(json).expect("the model reads it");
    assert_eq!((har.log.version.as_str(), har.log.creator.name.as_str()), ("1.2", "corsproof"));
    assert_eq!(har.log.pages.len(), 1, "one page per file");
    assert!(
        har.log.entries.iter().all(|entry| entry.pageref.as_deref() == Some(har.log.pages[0].id.as_str()))
    );
    har
}

fn kinds(har: &Har) -> Vec<(&str, &str)> {
    har.log
        .entries
        .iter()
        .map(|entry| (entry.request.method.as_str(), entry.resource_type.as_deref().unwrap_or_default()))
        .collect()
}

/// `corsproof check URL` of a PUT with `X-Token: 1` from `https://app.example`, with `flag` and
/// `--har FILE`.
fn check_put(url: &str, file: &Path, flag: &str) -> std::process::Output {
    let har = file.to_str().expect("a UTF-8 path");
    check(&[url, "--origin", "https://app.example", "-X", "PUT", "-H", "X-Token: 1", flag, "--har", har])
}

#[tokio::test(flavor = "multi_thread")]
async fn check_writes_each_exchange_with_the_headers_the_server_received_and_the_verdict() {
    let (server, api) = api().await;
    let dir = folder("check", &[]);
    let file = dir.join("out/check.har");
    let url = format!("{api}/t/harcheck/items?acao=origin&acam=PUT");
    let output = check_put(&url, &file, "--json");
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let report: Value = serde_json::from_str(&stdout(&output)).expect("the JSON report");
    let har = read_valid(&file);
    assert_eq!(kinds(&har), [("OPTIONS", "preflight")], "blocked at the preflight: the PUT was never sent");
    let received = server.journal().entries("harcheck");
    assert_eq!(received.len(), har.log.entries.len(), "one entry per request the server received");
    for (entry, seen) in har.log.entries.iter().zip(&received) {
        assert_eq!(entry.request.method, seen.method);
        for header in &entry.request.headers {
            assert_eq!(
                seen.header(&header.name),
                Some(header.value.as_str()),
                "the server received {} as the HAR says",
                header.name
            );
        }
        assert_eq!(entry.request.header("access-control-request-headers"), Some("x-token"));
        assert_eq!(entry.response.status, 200);
        assert_eq!(entry.response.header("access-control-allow-methods"), Some("PUT"));
        let note = entry.corsproof.as_ref().expect("the verdict");
        assert_eq!(note.verdict, if report["allowed"] == true { "allowed" } else { "blocked" });
        assert_eq!(note.message.as_deref(), report["console"].as_str(), "the console line of the report");
        assert_eq!(note.reason.as_deref(), Some("header-not-allowed"));
        assert_eq!(note.engine.as_deref(), Some("chromium"));
    }
    assert_eq!(har.log.browser.as_ref().map(|browser| browser.name.as_str()), Some("chromium"));

    // Allowed: the preflight and the actual request, in order, each judged allowed.
    let allowed = format!("{api}/t/harcheck2/items?acao=origin&acam=PUT&acah=x-token&acac=true");
    let file = dir.join("allowed.har");
    let output = check_put(&allowed, &file, "--credentials");
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let har = read_valid(&file);
    assert_eq!(kinds(&har), [("OPTIONS", "preflight"), ("PUT", "fetch")]);
    assert!(
        har.log
            .entries
            .iter()
            .all(|entry| entry.corsproof.as_ref().map(|note| note.verdict.as_str()) == Some("allowed"))
    );
    assert!(har.log.entries[0].started_date_time <= har.log.entries[1].started_date_time, "in order");
    assert_eq!(har.log.entries[1].request.header("x-token"), Some("1"));
    assert_eq!(har.log.entries[1].request.header("origin"), Some("https://app.example"));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn check_names_a_har_path_it_cannot_write() {
    let (_server, api) = api().await;
    let dir = folder("check-unwritable", &[("a-file", "not a folder")]);
    let path = dir.join("a-file/check.har");
    let output = check(&[
        &format!("{api}/t/harbad/x?acao=origin"),
        "--origin",
        "https://app.example",
        "--har",
        path.to_str().expect("a UTF-8 path"),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let error = stderr(&output);
    assert!(error.contains(&format!("cannot write the HAR file {}", path.display())), "{error}");
    assert!(!error.contains("panicked"), "{error}");
    let _ = std::fs::remove_dir_all(dir);
}

const SCENARIOS: &str = r#"
[[scenario]]
name = "put-allowed"
about = "A PUT with a header of the page's, preflighted and allowed"
page = "app"

[[scenario.request]]
to = "api"
path = "/items"
method = "PUT"
headers = { "X-Token" = "1" }

[scenario.request.server]
acao = "origin"
acam = "PUT"
acah = "x-token"

[scenario.request.expect]
outcome = "allowed"

[[scenario]]
name = "put-refused"
about = "The same PUT, its header not allowed by the preflight"
page = "app"

[[scenario.request]]
to = "api"
path = "/items"
method = "PUT"
headers = { "X-Token" = "1" }

[scenario.request.server]
acao = "origin"
acam = "PUT"

[scenario.request.expect]
outcome = "blocked"
reason = "header-not-allowed"

[[scenario]]
name = "redirected"
about = "A GET redirected once on the same origin, each hop allowed"
page = "app"

[[scenario.request]]
to = "api"
path = "/start"

[scenario.request.server]
acao = "origin"
location = "{api}/t/{token}/moved?acao=origin"

[scenario.request.expect]
outcome = "allowed"
"#;

/// The observation of scenario `name` in a `run --json` report (one engine's).
fn observation<'a>(report: &'a Value, name: &str) -> &'a Value {
    let scenarios = report["scenarios"].as_array().expect("scenarios");
    let scenario = scenarios.iter().find(|scenario| scenario["observation"]["scenario"] == name);
    &scenario.unwrap_or_else(|| panic!("{name} in the report"))["observation"]
}

/// Each entry's note against the report's request: outcome, reason class and console line.
fn assert_notes_match(entries: &[Entry], request: &Value, engine: &str) {
    for entry in entries {
        let note = entry.corsproof.as_ref().expect("every entry carries the verdict");
        assert_eq!(Some(note.verdict.as_str()), request["outcome"].as_str());
        assert_eq!(note.reason.as_deref(), request["reason_class"].as_str());
        assert_eq!(note.message.as_deref(), request["reason"].as_str());
        assert_eq!(note.engine.as_deref(), Some(engine));
    }
}

#[test]
fn run_writes_one_har_per_scenario_from_the_journal_with_the_reports_verdicts() {
    let dir = folder("run", &[("api.toml", SCENARIOS)]);
    let output = corsproof_in_ci(&["run", "api.toml", "--json", "--har", "hars"], &dir, true);
    // No snapshots yet: the run fails on them, and the files are written all the same.
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("HAR files: 3 in hars"), "{}", stderr(&output));
    let report: Value = serde_json::from_str(&stdout(&output)).expect("the JSON report");

    let allowed = read_valid(&dir.join("hars/chromium/api__put-allowed.har"));
    assert_eq!(allowed.log.pages[0].title, "put-allowed");
    assert_eq!(allowed.log.browser.as_ref().map(|browser| browser.name.as_str()), Some("chromium"));
    assert_eq!(kinds(&allowed), [("OPTIONS", "preflight"), ("PUT", "fetch")]);
    let observed = observation(&report, "put-allowed");
    let request = &observed["requests"][0];
    assert_notes_match(&allowed.log.entries, request, "chromium");
    // The headers as the server received them: the report's, every one, in order (the report's
    // are redacted, so the values compared are those without a run's ports or tokens).
    for (entry, seen) in allowed.log.entries.iter().zip(request["server_saw"].as_array().expect("server_saw"))
    {
        let received = seen["received_headers"].as_array().expect("received_headers");
        let names: Vec<&str> = received.iter().filter_map(|pair| pair[0].as_str()).collect();
        let har_names: Vec<&str> = entry.request.headers.iter().map(|header| header.name.as_str()).collect();
        assert_eq!(har_names, names);
        for pair in received.iter().filter(|pair| !pair[1].as_str().unwrap_or_default().contains('{')) {
            assert_eq!(entry.request.header(pair[0].as_str().unwrap_or_default()), pair[1].as_str());
        }
    }
    let (preflight, put) = (&allowed.log.entries[0], &allowed.log.entries[1]);
    assert_eq!(preflight.request.header("access-control-request-headers"), Some("x-token"));
    assert!(preflight.request.header("origin").is_some_and(|origin| origin.starts_with("http://app.test:")));
    assert_eq!(put.request.header("x-token"), Some("1"));
    assert_eq!(put.response.status, 200);
    assert_eq!(
        preflight.response.header("access-control-allow-headers"),
        Some("x-token"),
        "what the server answered"
    );
    assert_eq!(
        put.response.content.get("text").and_then(Value::as_str),
        Some("ok"),
        "the body the page read"
    );

    let refused = read_valid(&dir.join("hars/chromium/api__put-refused.har"));
    assert_eq!(kinds(&refused), [("OPTIONS", "preflight"), ("PUT", "fetch")]);
    let request = &observation(&report, "put-refused")["requests"][0];
    assert_eq!(request["outcome"], "blocked");
    assert_notes_match(&refused.log.entries, request, "chromium");
    let never_sent = &refused.log.entries[1];
    assert_eq!(never_sent.response.status, 0, "the PUT never reached the server");
    assert!(
        never_sent
            .extra
            .get("comment")
            .and_then(Value::as_str)
            .is_some_and(|text| text.contains("no server received it"))
    );
    assert_eq!(refused.log.entries[0].response.header("access-control-allow-headers"), None);

    let redirected = read_valid(&dir.join("hars/chromium/api__redirected.har"));
    assert_eq!(kinds(&redirected), [("GET", "fetch"), ("GET", "fetch")], "each hop its entry");
    let hop = &redirected.log.entries[0];
    assert_eq!(hop.response.status / 100, 3);
    assert_eq!(hop.response.redirect_url, hop.response.header("location").unwrap_or_default());
    assert!(
        redirected.log.entries[1].request.url.contains("/moved"),
        "{:?}",
        redirected.log.entries[1].request.url
    );
    assert_notes_match(
        &redirected.log.entries,
        &observation(&report, "redirected")["requests"][0],
        "chromium",
    );

    // What corsproof writes, corsproof explain reads back to the same verdicts.
    let explained = corsproof_in_ci(&["explain", "hars/chromium/api__put-refused.har"], &dir, true);
    let text = stdout(&explained);
    assert_eq!(explained.status.code(), Some(1), "{text}{}", stderr(&explained));
    assert!(text.contains("Chromium blocked at the preflight"), "{text}");
    let explained = corsproof_in_ci(&["explain", "hars/chromium/api__put-allowed.har"], &dir, true);
    assert_eq!(explained.status.code(), Some(0), "{}{}", stdout(&explained), stderr(&explained));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn run_names_a_har_folder_it_cannot_write() {
    let dir = folder("run-unwritable", &[("api.toml", SCENARIOS), ("taken", "a file, not a folder")]);
    let output =
        corsproof_in_ci(&["run", "api.toml", "--filter", "put-allowed", "--har", "taken/hars"], &dir, true);
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    assert_eq!(stdout(&output), "", "it fails before the run, not after it with the report lost");
    let error = stderr(&output);
    assert!(
        error.contains(
            "--har taken/hars: cannot be written: a file stands where a folder of its path should be"
        ),
        "{error}"
    );
    assert!(!error.contains("panicked"), "{error}");
    let _ = std::fs::remove_dir_all(dir);
}

const AGAINST_A_TARGET: &str = r#"
[[scenario]]
name = "route-without-cors"
about = "A route of your server without CORS headers is blocked"
page = "app"

[[scenario.request]]
path = "/echo"
method = "DELETE"

[scenario.request.expect]
outcome = "blocked"
"#;

#[test]
fn against_your_server_the_answers_are_the_ones_the_proxy_journaled() {
    let (mut server, ports) = stand_in_server();
    let dir = folder("target", &[("mine.toml", AGAINST_A_TARGET)]);
    let target = format!("http://127.0.0.1:{}", ports[1]);
    let output =
        corsproof_in_ci(&["run", "mine.toml", "--target", &target, "--json", "--har", "hars"], &dir, true);
    let _ = server.kill();
    let _ = server.wait();
    let report: Value = serde_json::from_str(&stdout(&output)).expect("the JSON report");
    let har = read_valid(&dir.join("hars/chromium/mine__route-without-cors.har"));
    let request = &observation(&report, "route-without-cors")["requests"][0];
    assert_notes_match(&har.log.entries, request, "chromium");
    let preflight = &har.log.entries[0];
    assert_eq!(preflight.request.method, "OPTIONS");
    assert!(preflight.request.url.starts_with(&format!("{target}/echo")), "{}", preflight.request.url);
    let seen = &request["server_saw"][0];
    assert_eq!(Some(u64::from(preflight.response.status)), seen["status"].as_u64(), "your server's answer");
    assert!(
        preflight.response.header("content-type").is_some(),
        "every header it answered, not only CORS ones"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn run_in_every_engine_writes_each_engines_har_beside_its_report() {
    let dir = folder("all", &[("api.toml", SCENARIOS)]);
    let output = corsproof_in_ci(
        &[
            "run",
            "api.toml",
            "--browser",
            "all",
            "--filter",
            "put-refused",
            "--json",
            "--har",
            "hars",
            "--report-dir",
            "report",
        ],
        &dir,
        true,
    );
    assert!(stderr(&output).contains("HAR files: 3 in hars"), "{}", stderr(&output));
    let report: Value = serde_json::from_str(&stdout(&output)).expect("the JSON report");
    for engine in report["engines"].as_array().expect("engines") {
        let name = engine["engine"].as_str().expect("its name");
        let har = read_valid(&dir.join(format!("hars/{name}/api__put-refused.har")));
        assert_eq!(har.log.browser.as_ref().map(|browser| browser.name.as_str()), Some(name));
        assert_eq!(kinds(&har), [("OPTIONS", "preflight"), ("PUT", "fetch")], "{name}");
        assert_notes_match(
            &har.log.entries,
            &observation(&engine["report"], "put-refused")["requests"][0],
            name,
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}
