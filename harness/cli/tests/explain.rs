//! `corsproof explain FILE.har` as a user types it: hand-made HAR files shaped as Chromium and
//! Firefox export them, and the bad files of `tests/fixtures/har/bad/`.

mod support;

use std::path::{Path, PathBuf};

use serde_json::Value;
use support::{corsproof, stderr, stdout};

/// The repository's top folder, where `tests/fixtures/har` is.
fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A HAR file of a test's own, removed when the test ends.
struct HarFile(PathBuf);

impl HarFile {
    fn path(&self) -> &str {
        self.0.to_str().expect("a UTF-8 temporary path")
    }
}

impl Drop for HarFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// `text` written to a fresh file named `name` in the temporary folder.
fn har_file(name: &str, text: &str) -> HarFile {
    let path = std::env::temp_dir().join(format!("corsproof-explain-{}-{name}", std::process::id()));
    std::fs::write(&path, text).expect("the HAR is written");
    HarFile(path)
}

fn explain(args: &[&str]) -> std::process::Output {
    let mut all = vec!["explain"];
    all.extend_from_slice(args);
    corsproof(&all, &repository())
}

const CHROME_UA: &str =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";

/// A Chromium export: the page, a PUT whose preflight does not allow PUT (the actual request is
/// listed first, as Chromium does: it started first; it failed with `net::ERR_FAILED`), and a GET
/// allowed by an echoed origin.
fn chromium_preflight_blocked() -> String {
    format!(
        r#"{{"log": {{"version": "1.2", "creator": {{"name": "WebInspector", "version": "537.36"}},
  "pages": [{{"startedDateTime": "2026-12-03T10:00:00.000Z", "id": "page_1", "title": "https://app.example.com/", "pageTimings": {{}}}}],
  "entries": [
    {{"pageref": "page_1", "_resourceType": "document", "startedDateTime": "2026-12-03T10:00:00.000Z", "time": 5,
      "request": {{"method": "GET", "url": "https://app.example.com/", "httpVersion": "HTTP/1.1",
        "headers": [{{"name": "User-Agent", "value": "{CHROME_UA}"}}], "cookies": [], "queryString": [], "headersSize": -1, "bodySize": 0}},
      "response": {{"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "headers": [], "cookies": [], "content": {{"size": 0, "mimeType": "text/html"}}, "redirectURL": "", "headersSize": -1, "bodySize": -1}},
      "cache": {{}}, "timings": {{}}}},
    {{"pageref": "page_1", "_resourceType": "fetch", "_initiator": {{"type": "script"}}, "startedDateTime": "2026-12-03T10:00:01.000Z", "time": 3,
      "request": {{"method": "PUT", "url": "https://api.example.com/items/1", "httpVersion": "",
        "headers": [{{"name": "Content-Type", "value": "application/json"}}, {{"name": "Referer", "value": "https://app.example.com/"}},
                   {{"name": "User-Agent", "value": "{CHROME_UA}"}}, {{"name": "sec-ch-ua-mobile", "value": "?0"}}],
        "cookies": [], "queryString": [], "postData": {{"mimeType": "application/json", "text": "{{}}"}}, "headersSize": -1, "bodySize": 2}},
      "response": {{"status": 0, "statusText": "", "httpVersion": "", "headers": [], "cookies": [], "content": {{"size": 0, "mimeType": "x-unknown"}}, "redirectURL": "", "headersSize": -1, "bodySize": -1, "_transferSize": 0, "_error": "net::ERR_FAILED"}},
      "cache": {{}}, "timings": {{}}}},
    {{"pageref": "page_1", "_resourceType": "preflight", "_initiator": {{"type": "preflight", "url": "https://api.example.com/items/1"}}, "startedDateTime": "2026-12-03T10:00:01.001Z", "time": 2,
      "request": {{"method": "OPTIONS", "url": "https://api.example.com/items/1", "httpVersion": "HTTP/1.1",
        "headers": [{{"name": "Accept", "value": "*/*"}}, {{"name": "Access-Control-Request-Method", "value": "PUT"}},
                   {{"name": "Access-Control-Request-Headers", "value": "content-type"}}, {{"name": "Origin", "value": "https://app.example.com"}},
                   {{"name": "User-Agent", "value": "{CHROME_UA}"}}, {{"name": "Sec-Fetch-Mode", "value": "cors"}}],
        "cookies": [], "queryString": [], "headersSize": -1, "bodySize": 0}},
      "response": {{"status": 204, "statusText": "No Content", "httpVersion": "HTTP/1.1",
        "headers": [{{"name": "Access-Control-Allow-Origin", "value": "https://app.example.com"}}, {{"name": "Access-Control-Allow-Methods", "value": "GET, POST"}},
                   {{"name": "Access-Control-Allow-Headers", "value": "content-type"}}],
        "cookies": [], "content": {{"size": 0, "mimeType": "x-unknown"}}, "redirectURL": "", "headersSize": -1, "bodySize": 0}},
      "cache": {{}}, "timings": {{}}}},
    {{"pageref": "page_1", "_resourceType": "fetch", "startedDateTime": "2026-12-03T10:00:02.000Z", "time": 3,
      "request": {{"method": "GET", "url": "https://api.example.com/items", "httpVersion": "h2",
        "headers": [{{"name": ":method", "value": "GET"}}, {{"name": ":authority", "value": "api.example.com"}}, {{"name": "origin", "value": "https://app.example.com"}},
                   {{"name": "accept-encoding", "value": "gzip, deflate, br"}}, {{"name": "user-agent", "value": "{CHROME_UA}"}}],
        "cookies": [], "queryString": [], "headersSize": -1, "bodySize": 0}},
      "response": {{"status": 200, "statusText": "", "httpVersion": "h2",
        "headers": [{{"name": "access-control-allow-origin", "value": "https://app.example.com"}}, {{"name": "vary", "value": "Origin"}}],
        "cookies": [], "content": {{"size": 2, "mimeType": "application/json"}}, "redirectURL": "", "headersSize": -1, "bodySize": -1}},
      "cache": {{}}, "timings": {{}}}}
  ]}}}}"#
    )
}

/// A Firefox export: a GET answered without `Access-Control-Allow-Origin` (Firefox records the
/// response), a redirect chain, and a PUT sent without a preflight entry (the preflight cache
/// answered).
const FIREFOX: &str = r#"{"log": {"version": "1.2", "creator": {"name": "Firefox", "version": "128.5.0"},
  "browser": {"name": "Firefox", "version": "128.5.0"},
  "pages": [{"startedDateTime": "2026-12-03T10:00:00.000+00:00", "id": "page_1", "title": "Items", "pageTimings": {}}],
  "entries": [
    {"pageref": "page_1", "startedDateTime": "2026-12-03T10:00:01.000+00:00", "time": 4,
     "request": {"bodySize": 0, "method": "GET", "url": "https://api.example.com/public", "httpVersion": "HTTP/2",
       "headers": [{"name": "Host", "value": "api.example.com"}, {"name": "User-Agent", "value": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"},
                   {"name": "Origin", "value": "https://app.example.com"}, {"name": "Priority", "value": "u=4"}, {"name": "Pragma", "value": "no-cache"}],
       "cookies": [], "queryString": [], "headersSize": 300},
     "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/2", "headers": [{"name": "content-type", "value": "application/json"}],
       "cookies": [], "content": {"mimeType": "application/json", "size": 2}, "redirectURL": "", "headersSize": 80, "bodySize": 2},
     "cache": {}, "timings": {}},
    {"pageref": "page_1", "startedDateTime": "2026-12-03T10:00:02.000+00:00", "time": 4,
     "request": {"bodySize": 0, "method": "GET", "url": "https://api.example.com/old", "httpVersion": "HTTP/2",
       "headers": [{"name": "Origin", "value": "https://app.example.com"}], "cookies": [], "queryString": [], "headersSize": 100},
     "response": {"status": 302, "statusText": "Found", "httpVersion": "HTTP/2",
       "headers": [{"name": "location", "value": "/new"}, {"name": "access-control-allow-origin", "value": "*"}],
       "cookies": [], "content": {"mimeType": "text/plain", "size": 0}, "redirectURL": "https://api.example.com/new", "headersSize": 80, "bodySize": 0},
     "cache": {}, "timings": {}},
    {"pageref": "page_1", "startedDateTime": "2026-12-03T10:00:02.100+00:00", "time": 4,
     "request": {"bodySize": 0, "method": "GET", "url": "https://api.example.com/new", "httpVersion": "HTTP/2",
       "headers": [{"name": "Origin", "value": "https://app.example.com"}], "cookies": [], "queryString": [], "headersSize": 100},
     "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/2",
       "headers": [{"name": "access-control-allow-origin", "value": "*"}],
       "cookies": [], "content": {"mimeType": "application/json", "size": 2}, "redirectURL": "", "headersSize": 80, "bodySize": 2},
     "cache": {}, "timings": {}},
    {"pageref": "page_1", "startedDateTime": "2026-12-03T10:00:03.000+00:00", "time": 4,
     "request": {"bodySize": 2, "method": "PUT", "url": "https://api.example.com/items/1", "httpVersion": "HTTP/2",
       "headers": [{"name": "Origin", "value": "https://app.example.com"}, {"name": "Content-Type", "value": "application/json"}],
       "cookies": [], "queryString": [], "headersSize": 100},
     "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/2",
       "headers": [{"name": "access-control-allow-origin", "value": "https://app.example.com"}],
       "cookies": [], "content": {"mimeType": "application/json", "size": 2}, "redirectURL": "", "headersSize": 80, "bodySize": 2},
     "cache": {}, "timings": {}}
  ]}}"#;

#[test]
fn a_chromium_preflight_that_does_not_allow_put_is_explained_in_chromiums_words() {
    let path = har_file("chromium.har", &chromium_preflight_blocked());
    let output = explain(&[path.path()]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}{}", stderr(&output));
    assert!(
        text.contains("judged as Chromium (creator WebInspector 537.36, User-Agent Chrome/156.0.0.0)"),
        "{text}"
    );
    assert!(text.contains("2 cross-origin fetches"), "{text}");
    assert!(text.contains("1. PUT https://api.example.com/items/1"), "{text}");
    assert!(
        text.contains("page origin  https://app.example.com (from its preflight's Origin header)"),
        "{text}"
    );
    assert!(text.contains("entry 2: preflight OPTIONS https://api.example.com/items/1 → 204"), "{text}");
    assert!(
        text.contains("entry 1: PUT https://api.example.com/items/1 → no response (net::ERR_FAILED)"),
        "{text}"
    );
    assert!(text.contains("Chromium blocked at the preflight"), "{text}");
    assert!(
        text.contains(
            "console: Access to fetch at 'https://api.example.com/items/1' from origin 'https://app.example.com' \
             has been blocked by CORS policy: Method PUT is not allowed by Access-Control-Allow-Methods in \
             preflight response."
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "send, if https://app.example.com is your page's origin (say so with --origin https://app.example.com):"
        ),
        "{text}"
    );
    assert!(text.contains("Access-Control-Allow-Methods: PUT"), "{text}");
    assert!(text.contains("2. GET https://api.example.com/items"), "{text}");
    assert!(text.contains("Chromium allowed"), "{text}");
    assert!(text.contains("1 allowed, 1 not; other entries: 1 same-origin\n"), "{text}");
}

#[test]
fn the_json_report_lists_every_fetch_with_its_verdict_and_fix() {
    let path = har_file("chromium-json.har", &chromium_preflight_blocked());
    let output = explain(&[path.path(), "--json"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let report: Value = serde_json::from_str(&stdout(&output)).expect("JSON on stdout");
    assert_eq!(report["engine"], "chromium");
    assert_eq!(report["failed"], 1);
    assert_eq!(report["skipped"]["same_origin"], 1);
    let put = &report["fetches"][0];
    assert_eq!(put["method"], "PUT");
    assert_eq!(put["page_origin"], "https://app.example.com");
    assert_eq!(put["page_origin_from"], "preflight-origin-header");
    assert_eq!(put["did"], "blocked-at-preflight");
    assert_eq!(put["reason"], "method-not-allowed");
    assert_eq!(put["preflight_entries"], serde_json::json!([2]));
    assert_eq!(put["request_entries"], serde_json::json!([1]));
    assert_eq!(put["recorded"]["kind"], "failed");
    assert_eq!(put["recorded"]["error"], "net::ERR_FAILED");
    assert_eq!(put["fix"]["origin_confirmed"], false);
    let summary = put["fix"]["summary"].as_str().unwrap_or_default();
    assert!(summary.contains("If https://app.example.com is your page's origin"), "{summary}");
    assert_eq!(put["notes"], serde_json::json!([]));
    assert_eq!(put["disagrees"], false);
    let get = &report["fetches"][1];
    assert_eq!(get["did"], "allowed");
    assert_eq!(get["fix"], Value::Null);
}

#[test]
fn an_origin_declared_with_origin_gets_a_plain_fix() {
    let path = har_file("chromium-own.har", &chromium_preflight_blocked());
    let output = explain(&[path.path(), "--origin", "https://app.example.com", "--json"]);
    let report: Value = serde_json::from_str(&stdout(&output)).expect("JSON on stdout");
    assert_eq!(report["fetches"][0]["fix"]["origin_confirmed"], true, "{report}");
    // As the user may write it: any path, any case.
    let text = stdout(&explain(&[path.path(), "--origin", "https://APP.example.com/shop"]));
    assert!(text.contains("   send:\n"), "{text}");
    assert!(!text.contains("if https://app.example.com is your page's origin"), "{text}");
    let wrong = explain(&[path.path(), "--origin", "app.example.com"]);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(stderr(&wrong).contains("--origin app.example.com: expected an origin"), "{}", stderr(&wrong));
}

#[test]
fn firefox_quirks_a_recorded_blocked_response_a_redirect_and_a_cached_preflight() {
    let path = har_file("firefox.har", FIREFOX);
    let output = explain(&[path.path()]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}{}", stderr(&output));
    assert!(text.contains("judged as Firefox (creator Firefox 128.5.0)"), "{text}");
    assert!(text.contains("1. GET https://api.example.com/public"), "{text}");
    assert!(
        text.contains("console: Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at https://api.example.com/public. (Reason: CORS header ‘Access-Control-Allow-Origin’ missing). Status code: 200."),
        "{text}"
    );
    // Firefox's own Priority and Pragma are not the page's: no preflight is wanted for them.
    assert!(!text.contains("priority"), "{text}");
    assert!(text.contains("2. GET https://api.example.com/old"), "{text}");
    assert!(text.contains("entry 2: GET https://api.example.com/new → 200"), "{text}");
    assert!(text.contains("3. PUT https://api.example.com/items/1"), "{text}");
    assert!(text.contains("note: no preflight in this HAR although the request needs one"), "{text}");
    assert!(text.contains("3 cross-origin fetches: 2 allowed, 1 not"), "{text}");
}

#[test]
fn engine_flag_judges_as_another_engine() {
    let path = har_file("firefox-as-webkit.har", FIREFOX);
    let output = explain(&[path.path(), "--engine", "webkit", "--json"]);
    let report: Value = serde_json::from_str(&stdout(&output)).expect("JSON on stdout");
    assert_eq!(report["engine"], "webkit");
    assert_eq!(report["engine_from"], "--engine");
    let console = report["fetches"][0]["console"].as_str().unwrap_or_default();
    assert!(console.contains("due to access control checks"), "{console}");
}

#[test]
fn a_har_with_nothing_blocked_exits_0() {
    let allowed = FIREFOX.replacen(
        r#""headers": [{"name": "content-type", "value": "application/json"}]"#,
        r#""headers": [{"name": "access-control-allow-origin", "value": "*"}]"#,
        1,
    );
    let path = har_file("firefox-allowed.har", &allowed);
    let output = explain(&[path.path()]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(stdout(&output).contains("3 cross-origin fetches: 3 allowed, 0 not"), "{}", stdout(&output));
}

/// `corsproof explain tests/fixtures/har/bad/NAME`: exit 2, nothing on stdout, and stderr.
fn bad(name: &str) -> String {
    let relative = format!("tests/fixtures/har/bad/{name}");
    let output = explain(&[&relative]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert_eq!(stdout(&output), "");
    stderr(&output)
}

#[test]
fn a_json_syntax_error_gives_its_line_column_and_what_was_expected() {
    let text = bad("syntax-error.har");
    assert!(
        text.starts_with(
            "tests/fixtures/har/bad/syntax-error.har:8:9: not valid JSON: expected `,` or `}`\n"
        ),
        "{text}"
    );
    assert!(text.contains("8 |         \"response\""), "{text}");
    assert!(text.contains("= expected `,` or `}`"), "{text}");
}

#[test]
fn a_missing_required_field_is_named_by_its_path() {
    let text = bad("missing-status.har");
    assert!(
        text.starts_with(
            "tests/fixtures/har/bad/missing-status.har:12:21: not a HAR file: `log.entries[1].response.status` is missing\n"
        ),
        "{text}"
    );
}

#[test]
fn a_field_of_the_wrong_type_is_named_by_its_path() {
    let text = bad("status-as-text.har");
    assert!(
        text.starts_with(
            "tests/fixtures/har/bad/status-as-text.har:7:32: not a HAR file: `log.entries[0].response.status` is a string \"200\"\n"
        ),
        "{text}"
    );
    assert!(text.contains("= expected a whole number from 0 to 65535"), "{text}");
}

#[test]
fn json_without_a_log_is_not_a_har() {
    let text = bad("no-log.har");
    assert!(
        text.starts_with("tests/fixtures/har/bad/no-log.har:1:1: not a HAR file: `log` is missing\n"),
        "{text}"
    );
}

#[test]
fn a_saved_web_page_is_not_json() {
    let text = bad("not-json.har");
    assert!(
        text.starts_with("tests/fixtures/har/bad/not-json.har:1:1: not valid JSON: expected value\n"),
        "{text}"
    );
}

#[test]
fn an_empty_file_says_so() {
    let text = bad("empty.har");
    assert!(text.starts_with("tests/fixtures/har/bad/empty.har:1:1: the file is empty\n"), "{text}");
    assert!(text.contains("= expected a HAR file"), "{text}");
}

#[test]
fn a_file_that_is_not_there_exits_2_saying_so_in_words() {
    let output = explain(&["tests/fixtures/har/bad/no-such-file.har"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).starts_with(
            "tests/fixtures/har/bad/no-such-file.har: cannot read the file: there is no such file\n"
        ),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_failure_the_file_recorded_no_response_for_is_said_with_the_check_to_run() {
    let text = format!(
        r#"{{"log": {{"creator": {{"name": "WebInspector", "version": "537.36"}}, "entries": [
  {{"_resourceType": "fetch", "request": {{"method": "GET", "url": "https://api.example.com/feed?page=2",
     "headers": [{{"name": "Origin", "value": "https://app.example.com"}}, {{"name": "Accept", "value": "application/json"}},
                {{"name": "X-Api-Key", "value": "it's 1"}}, {{"name": "Cookie", "value": "session=1"}}, {{"name": "User-Agent", "value": "{CHROME_UA}"}}]}},
   "response": {{"status": 0, "headers": [], "_error": "net::ERR_FAILED"}}}}]}}}}"#
    );
    let path = har_file("chromium-no-response.har", &text);
    let output = explain(&[path.path()]);
    let shown = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{shown}");
    assert!(shown.contains("Chromium failed, and the file recorded no response to say why"), "{shown}");
    assert!(
        shown.contains(
            "     corsproof check 'https://api.example.com/feed?page=2' --origin https://app.example.com \
             -H 'X-Api-Key: it'\\''s 1' --credentials --engine chromium\n"
        ),
        "{shown}"
    );
    assert!(!shown.contains("console:"), "{shown}");
    let report: Value = serde_json::from_str(&stdout(&explain(&[path.path(), "--json"]))).expect("JSON");
    assert_eq!(report["fetches"][0]["did"], "no-response-recorded");
    assert_eq!(report["fetches"][0]["console"], Value::Null);
    assert!(
        report["fetches"][0]["check_command"]
            .as_str()
            .is_some_and(|command| command.starts_with("corsproof check"))
    );
}

/// `corsproof explain --json` on a real HAR recorded from `engine` (`tests/fixtures/har/`, from
/// the engines' own channels): the exit code, the engine read from the file, and per fetch what
/// the browser did and the reason class.
fn real(engine: &str, name: &str) -> (Option<i32>, Value) {
    let relative = format!("tests/fixtures/har/{engine}/{name}.har");
    let output = explain(&[&relative, "--json"]);
    let report: Value = serde_json::from_str(&stdout(&output))
        .unwrap_or_else(|error| panic!("{relative}: {error}\n{}", stderr(&output)));
    assert_eq!(report["engine"], engine, "{relative}: {report}");
    (output.status.code(), report)
}

fn did_and_reason(report: &Value) -> Vec<(String, String)> {
    let text = |value: &Value| value.as_str().unwrap_or("-").to_owned();
    let fetches = report["fetches"].as_array().cloned().unwrap_or_default();
    fetches.iter().map(|fetch| (text(&fetch["did"]), text(&fetch["reason"]))).collect()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected.iter().map(|(did, reason)| ((*did).to_owned(), (*reason).to_owned())).collect()
}

#[test]
fn real_chromium_hars_are_explained() {
    let (code, report) = real("chromium", "blocked-missing-allow-origin");
    assert_eq!(code, Some(1));
    assert_eq!(did_and_reason(&report), pairs(&[("blocked", "missing-allow-origin")]));
    assert!(
        report["fetches"][0]["console"]
            .as_str()
            .is_some_and(|line| line.contains("has been blocked by CORS policy"))
    );

    let (code, report) = real("chromium", "preflight-refused-header");
    assert_eq!(code, Some(1));
    assert_eq!(did_and_reason(&report), pairs(&[("blocked-at-preflight", "header-not-allowed")]));
    assert_eq!(report["fetches"][0]["preflight_entries"].as_array().map(Vec::len), Some(1));

    let (code, report) = real("chromium", "redirect-hop");
    assert_eq!(code, Some(0));
    assert_eq!(report["fetches"][0]["request_entries"].as_array().map(Vec::len), Some(2));
}

#[test]
fn real_firefox_hars_are_explained() {
    let (code, report) = real("firefox", "blocked-missing-allow-origin");
    assert_eq!(code, Some(1));
    assert_eq!(did_and_reason(&report), pairs(&[("blocked", "missing-allow-origin")]));
    assert!(
        report["fetches"][0]["console"]
            .as_str()
            .is_some_and(|line| line.starts_with("Cross-Origin Request Blocked"))
    );

    let (code, report) = real("firefox", "preflight-cached");
    assert_eq!(code, Some(0));
    assert_eq!(did_and_reason(&report), pairs(&[("allowed", "-"), ("allowed", "-")]));
    let notes = report["fetches"][1]["notes"].to_string();
    assert!(notes.contains("preflight cache answered"), "{notes}");
}

#[test]
fn real_webkit_hars_are_explained() {
    let (code, report) = real("webkit", "preflight-refused-header");
    assert_eq!(code, Some(1));
    assert_eq!(did_and_reason(&report), pairs(&[("no-response-recorded", "header-not-allowed")]));
    let notes = report["fetches"][0]["notes"].to_string();
    assert!(notes.contains("does not list preflights"), "{notes}");
    assert!(
        report["fetches"][0]["check_command"]
            .as_str()
            .is_some_and(|command| command.contains("--engine webkit"))
    );

    let (code, report) = real("webkit", "allowed-simple-get");
    assert_eq!(code, Some(0));
    assert_eq!(did_and_reason(&report), pairs(&[("allowed", "-")]));
}

#[test]
fn the_readmes_samples_are_what_explain_prints() {
    let readme = include_str!("../../../README.md");
    let dir = std::env::temp_dir().join(format!("corsproof-explain-readme-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    std::fs::write(dir.join("app.example.com.har"), chromium_preflight_blocked())
        .expect("the HAR is written");
    let output = corsproof(&["explain", "app.example.com.har"], &dir);
    let _ = std::fs::remove_dir_all(&dir);
    let sample = format!("$ corsproof explain app.example.com.har\n{}```", stdout(&output));
    assert!(readme.contains(&sample), "README.md's sample is not what explain prints:\n{sample}");

    let bad = explain(&["tests/fixtures/har/bad/missing-status.har"]);
    let sample =
        format!("$ corsproof explain tests/fixtures/har/bad/missing-status.har\n{}```", stderr(&bad));
    assert!(readme.contains(&sample), "README.md's bad-file sample is not what explain prints:\n{sample}");
}
