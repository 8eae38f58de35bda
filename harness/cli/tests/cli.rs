//! `corsproof run` and `corsproof record` as a user types them, in real Chromium.

mod support;

use std::path::PathBuf;
use std::process::Command;

use support::{corsproof, corsproof_in_ci, folder, stand_in_server, stderr, stdout};

const GOOD: &str = r#"
[[scenario]]
name = "no-acao"
about = "A simple GET without Access-Control-Allow-Origin is blocked but reaches the server"
page = "app"

[[scenario.request]]
to = "api"
path = "/data"

[scenario.request.expect]
outcome = "blocked"
reached_server = true
reason = "missing-allow-origin"

[[scenario]]
name = "echoed"
about = "The same GET with the Origin echoed is allowed"
page = "app"

[[scenario.request]]
to = "api"
path = "/data"

[scenario.request.server]
acao = "origin"

[scenario.request.expect]
outcome = "allowed"
status = 200
"#;

const BROKEN: &str = r#"[[scenario]]
name = "bad"
about = "credentials has a typo"
page = "app"

[[scenario.request]]
to = "api"
credentials = "includ"

[scenario.request.expect]
outcome = "allowed"
"#;

#[test]
fn a_broken_file_is_located_and_does_not_stop_the_others() {
    let dir = folder("broken", &[("good.toml", GOOD), ("broken.toml", BROKEN)]);
    // A missing snapshot fails the run: the good file's are recorded first.
    assert!(corsproof(&["record", "good.toml"], &dir).status.success());
    let output = corsproof(&["run", "."], &dir);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("2 passed, 0 failed, 1 file not loaded"), "{text}");
    assert!(text.contains("broken.toml:8:15"), "the error names file, line and column:\n{text}");
    assert!(text.contains("credentials = \"includ\""), "the source line is shown:\n{text}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_name_too_long_for_its_snapshot_file_is_located_before_anything_runs() {
    // The snapshot `long__<name>.snap.new` would be 6 + 241 + 9 bytes: one over a file name's 255.
    let name = "n".repeat(241);
    let long = GOOD.replacen("name = \"no-acao\"", &format!("name = \"{name}\""), 1);
    assert_ne!(long, GOOD, "the fixture names its first scenario no-acao");
    let dir = folder("long-name", &[("long.toml", &long), ("good.toml", GOOD)]);
    let output = corsproof(&["record", "."], &dir);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("long.toml:3:8"), "the error names file, line and column:\n{text}");
    assert!(text.contains("over the 255 a file name may have"), "{text}");
    assert!(text.contains("a scenario name of at most 240 characters"), "{text}");
    assert!(!text.contains("os error"), "no file system error reaches the user:\n{text}");
    assert!(
        dir.join("snapshots/chromium/good__no-acao.snap").exists(),
        "the other file was recorded:\n{text}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// A WebDriver address with nothing behind it (port 9, discard): a run that got as far as
/// starting a browser would fail with exit 2, `the browser would not start a session`, so a test
/// that passes with it shows that no browser was needed, as on a machine without one.
const NO_BROWSER: [&str; 2] = ["--webdriver", "http://127.0.0.1:9"];

/// `corsproof ARGS` with [`NO_BROWSER`], in `dir`: its exit code and its standard error, after
/// checking that it never got to a browser.
fn without_a_browser(args: &[&str], dir: &std::path::Path) -> (Option<i32>, String) {
    let output = corsproof(&[args, &NO_BROWSER[..]].concat(), dir);
    let errors = stderr(&output);
    assert!(!errors.contains("session"), "no browser is started:\n{errors}");
    assert!(!stdout(&output).contains("passed"), "no run is reported:\n{}", stdout(&output));
    (output.status.code(), errors)
}

#[test]
fn nothing_to_run_is_an_error_before_any_browser_starts() {
    let dir = folder("nothing", &[("notes.txt", "not a scenario")]);
    for command in ["run", "record"] {
        let (code, errors) = without_a_browser(&[command, "."], &dir);
        assert_eq!(code, Some(1), "{command}: {errors}");
        assert!(errors.contains("corsproof: no scenario file (`*.toml`) in ."), "{command}: {errors}");
    }
    // Without paths, the default `scenarios` folder, absent here.
    let (code, errors) = without_a_browser(&["run"], &dir);
    assert_eq!(code, Some(1), "{errors}");
    assert!(errors.contains("scenarios: cannot read the file: there is no such file or folder"), "{errors}");
    assert!(errors.contains("nothing to run: the one scenario file did not load"), "{errors}");

    std::fs::write(dir.join("api.toml"), GOOD).unwrap();
    for browser in ["chromium", "all"] {
        let args = ["run", "--browser", browser, "--filter", "no-such", "api.toml", "--junit", "r.xml"];
        let (code, errors) = without_a_browser(&args, &dir);
        assert_eq!(code, Some(1), "{browser}: {errors}");
        assert!(
            errors.contains(
                "--filter `no-such` matched none of the 2 scenarios in the files given: \
                 `api.toml::no-acao`, `api.toml::echoed`"
            ),
            "{browser}: {errors}"
        );
    }
    assert!(!dir.join("r.xml").exists(), "nothing ran, so no report was written");
    let (code, errors) = without_a_browser(&["record", "--filter", "no-such", "."], &dir);
    assert_eq!(code, Some(1), "{errors}");
    assert!(errors.contains("--filter `no-such` matched none of the 2 scenarios"), "{errors}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn record_starts_no_browser_when_every_file_failed_to_load() {
    let dir = folder("none-loaded", &[("broken.toml", BROKEN)]);
    std::fs::write(dir.join("latin1.toml"), b"[[scenario]]\nname = \"caf\xE9\"\n").unwrap();
    let (code, errors) = without_a_browser(&["record", "."], &dir);
    assert_eq!(code, Some(1), "{errors}");
    assert!(errors.contains("broken.toml:8:15"), "{errors}");
    assert!(errors.contains("latin1.toml:2:12: the byte 0xE9 is not UTF-8"), "{errors}");
    assert!(errors.contains("nothing to run: none of the 2 scenario files loaded"), "{errors}");
    assert!(!dir.join("snapshots").exists(), "nothing was recorded");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_file_that_is_not_utf8_is_located_at_its_first_bad_byte() {
    let dir = folder("latin1", &[]);
    // `café` in Latin-1 on line 4, column 15: `é` is the one byte 0xE9.
    let latin1 = GOOD.replacen("about = \"A simple GET", "about = \"A café GET", 1);
    let mut bytes = latin1.into_bytes();
    let at = bytes.windows(2).position(|pair| pair == "é".as_bytes()).unwrap();
    bytes.splice(at..at + 2, [0xE9]);
    std::fs::write(dir.join("latin1.toml"), bytes).unwrap();
    let (code, errors) = without_a_browser(&["run", "latin1.toml"], &dir);
    assert_eq!(code, Some(1), "{errors}");
    assert!(errors.contains("latin1.toml:4:15: the byte 0xE9 is not UTF-8"), "{errors}");
    assert!(errors.contains("about = \"A caf\u{FFFD} GET"), "the line is shown:\n{errors}");
    assert!(!errors.contains("stream did not contain"), "{errors}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn an_out_of_range_timeout_is_refused_when_the_arguments_are_read() {
    let dir = folder("timeout", &[("api.toml", GOOD)]);
    // 2^31 ms overflows a page's setTimeout, which then fires at once: every request a timeout.
    for refused in ["2147483648", "0"] {
        let output = corsproof(&["run", "--timeout-ms", refused, "api.toml"], &dir);
        let errors = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{refused}: {errors}");
        assert!(errors.contains(&format!("invalid value '{refused}' for '--timeout-ms <MS>'")), "{errors}");
        assert!(errors.contains("is not in 1..=2147483647"), "the range is named:\n{errors}");
    }
    let (code, errors) =
        without_a_browser(&["record", "--timeout-ms", "2147483647", "--filter", "none", "api.toml"], &dir);
    assert_eq!(code, Some(1), "the largest is taken:\n{errors}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn report_files_that_cannot_be_written_fail_before_the_run() {
    let dir = folder("reports", &[("api.toml", GOOD), ("a-file", "")]);
    let cases: [(&[&str], &str); 5] = [
        (
            &["--junit", "no/such/dir/x.xml"],
            "--junit no/such/dir/x.xml: cannot be written: the folder no/such/dir does not exist",
        ),
        (&["--junit", "."], "--junit .: cannot be written: it is a folder"),
        (
            &["--har", "a-file"],
            "--har a-file: cannot be written: a file stands where a folder of its path should be",
        ),
        (
            &["--browser", "all", "--report-dir", "a-file/report"],
            "--report-dir a-file/report: cannot be written",
        ),
        (&["--browser", "all", "--junit", "no/x.xml"], "--junit no/x.xml: cannot be written"),
    ];
    for (options, said) in cases {
        let (code, errors) = without_a_browser(&[&["run", "api.toml"], options].concat(), &dir);
        assert_eq!(code, Some(2), "{options:?}: {errors}");
        assert!(errors.contains(&format!("corsproof: {said}")), "{options:?}: {errors}");
        assert!(!errors.contains("os error"), "in words:\n{errors}");
    }
    // One that can be written is created before the run, whatever the run then does.
    let output = corsproof(
        &[&["run", "api.toml", "--junit", "made.xml", "--har", "hars"], &NO_BROWSER[..]].concat(),
        &dir,
    );
    assert_eq!(output.status.code(), Some(2), "the browser at port 9 does not start");
    assert!(dir.join("made.xml").is_file() && dir.join("hars/chromium").is_dir());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn record_writes_snapshots_beside_the_files_and_run_holds_them() {
    let dir = folder("record", &[("api.toml", GOOD)]);
    let recorded = corsproof(&["record", "api.toml"], &dir);
    let text = stdout(&recorded);
    assert!(recorded.status.success(), "{text}");
    let snapshot = dir.join("snapshots/chromium/api__no-acao.snap");
    assert!(text.contains("new     ") && text.contains("api__no-acao.snap"), "{text}");
    let stored = std::fs::read_to_string(&snapshot).expect("the snapshot was written");
    assert!(stored.starts_with("---\nsource: api.toml\n"), "the header names the user's file:\n{stored}");
    assert!(stored.contains("outcome: \"blocked\""), "{stored}");
    assert!(stored.contains("No 'Access-Control-Allow-Origin' header is present"), "{stored}");

    // The longest wait a page's timer takes (2^31 - 1 ms) is a wait, not an instant timeout.
    let again = corsproof(&["record", "api.toml", "--timeout-ms", "2147483647"], &dir);
    assert!(stdout(&again).contains("0 snapshots written, 2 unchanged"), "{}", stdout(&again));

    let run = corsproof(&["run", "api.toml", "--junit", "report.xml"], &dir);
    assert!(run.status.success(), "{}", stdout(&run));
    assert!(stdout(&run).contains("2 passed, 0 failed"));
    let junit = std::fs::read_to_string(dir.join("report.xml")).unwrap();
    assert!(
        junit.contains("<testsuite name=\"chromium\" tests=\"2\" failures=\"0\" errors=\"0\""),
        "{junit}"
    );
    let echoed = testcase(&junit, "echoed");
    assert!(
        echoed.starts_with("<testcase classname=\"api.toml\" name=\"echoed\" file=\"api.toml\" line=\"16\""),
        "{junit}"
    );
    assert!(echoed.ends_with("\"/>"), "it passed:\n{junit}");
    assert!(seconds(echoed) < 5.0, "its own time, under the request timeout:\n{junit}");

    // A browser that now behaves differently shows up as a failing run with a diff.
    std::fs::write(&snapshot, stored.replace("outcome: \"blocked\"", "outcome: \"allowed\"")).unwrap();
    let changed = corsproof(&["run", "api.toml", "--junit", "changed.xml"], &dir);
    let text = stdout(&changed);
    assert_eq!(changed.status.code(), Some(1), "{text}");
    assert!(text.contains("snapshot changed"), "{text}");
    assert!(
        text.contains("-    outcome: \"allowed\"") && text.contains("+    outcome: \"blocked\""),
        "{text}"
    );
    let junit = std::fs::read_to_string(dir.join("changed.xml")).unwrap();
    assert!(
        junit.contains("<testsuite name=\"chromium\" tests=\"2\" failures=\"1\" errors=\"0\""),
        "{junit}"
    );
    let no_acao = testcase(&junit, "no-acao");
    assert!(no_acao.contains(" file=\"api.toml\" line=\"2\" "), "{junit}");
    assert!(
        no_acao.contains(
            "<failure message=\"snapshot changed\">snapshot changed (`corsproof review` or `corsproof record` \
             accepts it):\n"
        ),
        "a one-line message, the diff in the body:\n{junit}"
    );
    assert!(
        no_acao.contains("-    outcome: &quot;allowed&quot;")
            && no_acao.contains("+    outcome: &quot;blocked&quot;"),
        "{junit}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn an_unmet_expectation_fails_the_run_and_says_what_differed() {
    let wrong = GOOD.replace("outcome = \"allowed\"\nstatus = 200", "outcome = \"blocked\"");
    let dir = folder("wrong", &[("wrong.toml", &wrong)]);
    let output =
        corsproof(&["run", "wrong.toml", "--filter", "echoed", "--json", "--junit", "report.xml"], &dir);
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    let scenarios = report["scenarios"].as_array().unwrap();
    assert_eq!(scenarios.len(), 1, "--filter keeps one scenario");
    assert_eq!(scenarios[0]["mismatches"][0], "request 1: outcome expected blocked, observed allowed");
    assert_eq!((&scenarios[0]["file"], &scenarios[0]["line"]), (&"wrong.toml".into(), &16.into()));
    let junit = std::fs::read_to_string(dir.join("report.xml")).unwrap();
    assert!(
        testcase(&junit, "echoed").contains(
            "<failure message=\"request 1: outcome expected blocked, observed allowed\">\
             request 1: outcome expected blocked, observed allowed\nno snapshot"
        ),
        "{junit}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// The `<testcase>` element named `name` in a JUnit document, whole.
fn testcase<'a>(junit: &'a str, name: &str) -> &'a str {
    let named = format!(" name=\"{name}\" ");
    let start = junit
        .match_indices("<testcase ")
        .map(|(at, _)| at)
        .find(|&at| junit[at..].split_once('>').is_some_and(|(head, _)| head.contains(&named)))
        .unwrap_or_else(|| panic!("no test case {name}:\n{junit}"));
    let case = &junit[start..];
    let head = case.find('>').map_or(case.len(), |at| at + 1);
    let end = if case[..head].ends_with("/>") {
        head
    } else {
        case.find("</testcase>").map_or(case.len(), |at| at + "</testcase>".len())
    };
    &case[..end]
}

/// A test case's `time`, in seconds.
fn seconds(testcase: &str) -> f64 {
    let (_, rest) = testcase.split_once(" time=\"").expect("a time");
    rest.split('"').next().unwrap().parse().expect("seconds")
}

#[test]
fn with_every_engine_junit_has_a_suite_each_that_says_why_it_did_not_start() {
    let dir = folder("junit-all", &[("api.toml", GOOD)]);
    // Port 9 (discard) has no WebDriver behind it: no engine starts, as a missing one does not.
    let args =
        ["run", "--browser", "all", "--webdriver", "http://127.0.0.1:9", "--junit", "all.xml", "api.toml"];
    let output = corsproof(&args, &dir);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let junit = std::fs::read_to_string(dir.join("all.xml")).expect("--junit with --browser all");
    assert!(
        junit.contains("<testsuites name=\"corsproof\" tests=\"3\" failures=\"0\" errors=\"3\""),
        "{junit}"
    );
    for engine in ["chromium", "firefox", "webkit"] {
        let suite = format!(
            "<testsuite name=\"{engine}\" tests=\"1\" failures=\"0\" errors=\"1\" time=\"0.000\">\n    \
             <testcase classname=\"{engine}\" name=\"browser start\" time=\"0.000\">\n      \
             <error message=\"the browser would not start a session: "
        );
        assert!(junit.contains(&suite), "{engine}:\n{junit}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_scenario_that_scripts_the_server_cannot_run_against_a_target() {
    let dir = folder("target", &[("api.toml", GOOD)]);
    let output =
        corsproof(&["run", "api.toml", "--target", "http://127.0.0.1:9", "--filter", "echoed"], &dir);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("cannot run against --target"), "{text}");
    let _ = std::fs::remove_dir_all(dir);
}

const SLOW: &str = r#"
[[scenario]]
name = "slow"
about = "The server holds the answer for 20 s"
page = "app"

[[scenario.request]]
to = "api"

[scenario.request.server]
delay_ms = 20000

[scenario.request.expect]
outcome = "timeout"
"#;

/// Chromium processes started by the corsproof process `pid` (they carry its profile folder).
fn chromium_of(pid: u32) -> usize {
    let pattern = format!("corsproof-profile-{pid}-");
    let output = Command::new("pgrep").args(["-f", &pattern]).output().expect("pgrep runs");
    String::from_utf8_lossy(&output.stdout).lines().count()
}

/// Starts a run that will sit on a slow request, and waits until its browser is up.
fn start_slow_run(name: &str) -> (std::process::Child, PathBuf) {
    let dir = folder(name, &[("slow.toml", SLOW)]);
    let child = Command::new(env!("CARGO_BIN_EXE_corsproof"))
        .args(["run", "slow.toml", "--timeout-ms", "30000"])
        .current_dir(&dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("corsproof starts");
    assert!(eventually(|| chromium_of(child.id()) > 0), "the browser never started");
    (child, dir)
}

/// Whether `check` holds within 10 s.
fn eventually(mut check: impl FnMut() -> bool) -> bool {
    for _ in 0..200 {
        if check() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    false
}

/// Whether the browser of the corsproof process `pid` is gone within 10 s.
fn browser_gone(pid: u32) -> bool {
    eventually(|| chromium_of(pid) == 0)
}

#[test]
fn ctrl_c_stops_the_browser_and_the_driver() {
    let (mut child, dir) = start_slow_run("ctrl-c");
    let pid = child.id();
    assert!(Command::new("kill").args(["-INT", &pid.to_string()]).status().unwrap().success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "an interrupted run says so in its exit code");
    assert!(browser_gone(pid), "Chromium outlived an interrupted run");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_killed_run_leaves_no_browser_behind() {
    let (mut child, dir) = start_slow_run("killed");
    let pid = child.id();
    child.kill().unwrap(); // SIGKILL: no chance to clean up, so the watchdog must
    child.wait().unwrap();
    assert!(browser_gone(pid), "Chromium outlived a killed run");
    let _ = std::fs::remove_dir_all(dir);
}

const AGAINST_A_TARGET: &str = r#"
[[scenario]]
name = "echoing-route"
about = "A route of your server that echoes the Origin is allowed"
page = "app"

[[scenario.request]]
path = "/echo?acao=origin"

[scenario.request.expect]
outcome = "allowed"
status = 200
body = "ok"

[[scenario]]
name = "route-without-cors"
about = "A route of your server without CORS headers is blocked"
page = "app"

[[scenario.request]]
path = "/echo"

[scenario.request.expect]
outcome = "blocked"
reason = "missing-allow-origin"
"#;

#[test]
fn the_same_files_run_against_your_own_server() {
    let (mut server, ports) = stand_in_server();
    let dir = folder("against-target", &[("mine.toml", AGAINST_A_TARGET)]);
    let target = format!("http://127.0.0.1:{}", ports[1]);
    let recorded = corsproof(&["record", "mine.toml", "--target", &target], &dir);
    assert!(recorded.status.success(), "{}", stdout(&recorded));
    let output = corsproof_in_ci(&["run", "mine.toml", "--target", &target], &dir, true);
    // The body your server sent is checked, though it is your data and no snapshot keeps it.
    let wrong_body = AGAINST_A_TARGET.replace("body = \"ok\"", "body = \"not what it sends\"");
    std::fs::write(dir.join("mine.toml"), wrong_body).unwrap();
    let checked =
        corsproof_in_ci(&["run", "mine.toml", "--target", &target, "--filter", "echoing"], &dir, true);
    let _ = server.kill();
    let _ = server.wait();
    let text = stdout(&output);
    assert!(output.status.success(), "{text}");
    assert!(text.contains("2 passed, 0 failed"), "{text}");
    let checked_text = stdout(&checked);
    assert!(!checked.status.success(), "{checked_text}");
    assert!(checked_text.contains(r#"body expected "not what it sends", observed "ok""#), "{checked_text}");
    // The snapshot holds what your server answered, with its address redacted (its port
    // changes from run to run), and not the body.
    let snapshot = std::fs::read_to_string(dir.join("snapshots/chromium/mine__echoing-route.snap")).unwrap();
    assert!(snapshot.contains("url: \"{target}/echo\"") && snapshot.contains("status: 200"), "{snapshot}");
    assert!(snapshot.contains("access-control-allow-origin: {app}"), "{snapshot}");
    assert!(!snapshot.contains("body:"), "{snapshot}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_missing_snapshot_fails_and_only_outside_ci_is_left_pending() {
    let dir = folder("missing", &[("api.toml", GOOD)]);
    let pending = dir.join("snapshots/chromium/api__echoed.snap.new");

    let in_ci = corsproof_in_ci(&["run", "api.toml", "--filter", "echoed"], &dir, true);
    let text = stdout(&in_ci);
    assert_eq!(in_ci.status.code(), Some(1), "{text}");
    assert!(text.contains("FAIL api.toml::echoed") && text.contains("no snapshot"), "{text}");
    let settle = ["`corsproof review`", "`corsproof record`", "`cargo insta review`"];
    assert!(settle.iter().all(|command| text.contains(command)), "{text}");
    assert!(text.contains("CI=true: no pending snapshot written"), "{text}");
    assert!(!dir.join("snapshots").exists(), "under CI nothing is written");

    let outside = corsproof_in_ci(&["run", "api.toml", "--filter", "echoed"], &dir, false);
    let text = stdout(&outside);
    assert_eq!(outside.status.code(), Some(1), "{text}");
    assert!(text.contains("no snapshot") && text.contains("api__echoed.snap.new"), "{text}");
    let written = std::fs::read_to_string(&pending).expect("the pending snapshot was written");
    assert!(written.starts_with("---\nsource: api.toml\n") && written.contains("outcome: \"allowed\""));
    assert!(!dir.join("snapshots/chromium/api__echoed.snap").exists(), "only the pending file");

    // Accepted (as `cargo insta review` does), the snapshot holds; a pending file left beside
    // it is unreviewed work under CI, and stale outside it.
    std::fs::copy(&pending, dir.join("snapshots/chromium/api__echoed.snap")).unwrap();
    let unreviewed = corsproof_in_ci(&["run", "api.toml", "--filter", "echoed"], &dir, true);
    let text = stdout(&unreviewed);
    assert_eq!(unreviewed.status.code(), Some(1), "{text}");
    assert!(text.contains("unreviewed pending snapshot") && text.contains("api__echoed.snap.new"), "{text}");
    assert!(pending.exists(), "CI removes nothing");
    let settled = corsproof_in_ci(&["run", "api.toml", "--filter", "echoed"], &dir, false);
    assert!(settled.status.success(), "{}", stdout(&settled));
    assert!(!pending.exists(), "a stale pending file beside a match is removed");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_snapshot_no_scenario_produces_is_reported_and_removed_on_request() {
    let dir = folder("stale", &[("api.toml", GOOD)]);
    assert!(corsproof(&["record", "api.toml"], &dir).status.success());
    let stray = dir.join("snapshots/chromium/api__renamed.snap");
    std::fs::write(&stray, "---\nsource: api.toml\n---\nscenario: renamed\n").unwrap();

    let filtered = corsproof_in_ci(&["run", "api.toml", "--filter", "echoed"], &dir, true);
    assert!(!stderr(&filtered).contains("stale"), "a filtered run cannot tell:\n{}", stderr(&filtered));
    let run = corsproof_in_ci(&["run", "."], &dir, true);
    assert!(run.status.success(), "stale snapshots do not fail the run:\n{}", stdout(&run));
    let warning = stderr(&run);
    assert!(
        warning.contains("warning: stale snapshot") && warning.contains("api__renamed.snap"),
        "{warning}"
    );
    assert!(!warning.contains("api__echoed.snap"), "{warning}");
    assert!(stray.exists(), "only --remove-stale deletes it");

    let removed = corsproof_in_ci(&["record", "api.toml", "--remove-stale"], &dir, true);
    assert!(removed.status.success(), "{}", stdout(&removed));
    assert!(stderr(&removed).contains("removed stale snapshot"), "{}", stderr(&removed));
    assert!(!stray.exists());
    assert!(dir.join("snapshots/chromium/api__echoed.snap").exists(), "the others stay");
    let _ = std::fs::remove_dir_all(dir);
}
