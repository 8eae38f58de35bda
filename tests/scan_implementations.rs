//! `corsproof scan` as a user runs it, on the real CORS implementations of
//! `tests/implementations/` (Express, nginx, Django, Koa, Fastify, FastAPI, Flask, Apache,
//! Caddy), each in its correct and in every broken configuration: the built binary, run in a
//! temporary folder outside the repository with the API's OpenAPI document, a policy file and
//! every report format. The correct configurations must pass the policy they implement, each
//! broken one must yield the finding its gotcha stands for, deduplicated across the routes it
//! affects, and the JSON, SARIF, JUnit and Markdown reports must tell the same story.
//!
//! One test per implementation, so that the implementations are scanned in parallel; within a
//! test, every configuration's server starts and is scanned concurrently.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

use serde_json::Value;
use support::implementations::{CORRECT_POLICY, Implementation, start};

/// The line a user whose API needs a session cookie adds to the policy, so that the
/// credentialed probes carry it as a signed-in user's browser does.
const SESSION_COOKIE: &str = "cookie = \"session=1; SameSite=None; Secure\"\n";

/// The API every implementation serves, as the scan is told of it: a path relative to the folder
/// the scan runs in, as a user names the document in their repository.
const OPENAPI: &str = "tests/implementations/openapi.yaml";

/// The endpoints the scan makes of the document, by label: its three operations, and the 404
/// error route of the one that documents a 404.
const ITEMS: &str = "GET /api/items";
const REPLACE: &str = "PUT /api/items/{id}";
const MISSING: &str = "PUT /api/items/{id} at a missing path (404)";
const ERROR: &str = "GET /api/error";
const ENDPOINTS: [&str; 4] = [ITEMS, REPLACE, MISSING, ERROR];

/// Origins the scan forges from https://app.example.com (the attacker classes of
/// `corsproof::scan`'s probes): one a loose allow-list lets in tells which loophole it has.
const UNRELATED: &str = "https://evil.example.net";
const PREFIXED: &str = "https://app.example.com.evil.com";
const DOT_REPLACED: &str = "https://appeexample.com";

/// A finding a configuration must yield.
#[derive(Debug, Clone)]
struct Expected {
    rule: &'static str,
    severity: &'static str,
    /// Words of its title that tell it from another finding of its rule (`blocked` is one rule
    /// for every stage and status): `at the preflight:`, `on the response answered 500`.
    title: &'static str,
    /// Every endpoint it affects, each once.
    endpoints: &'static [&'static str],
    /// Origins that must be among those it was seen with.
    seen_with: &'static [&'static str],
    /// Origins it must not have been seen with: a lookalike-only loophole lets no other site in.
    not_seen_with: &'static [&'static str],
}

/// `rule` at `severity` on `endpoints`, its title containing `title`.
fn finding(
    rule: &'static str,
    severity: &'static str,
    title: &'static str,
    endpoints: &'static [&'static str],
) -> Expected {
    Expected { rule, severity, title, endpoints, seen_with: &[], not_seen_with: &[] }
}

/// The critical finding of a server that lets other origins read credentialed answers: one
/// finding for every route, seen with `seen_with` and not with `not_seen_with`.
fn others_read_credentialed(
    seen_with: &'static [&'static str],
    not_seen_with: &'static [&'static str],
) -> Expected {
    Expected {
        seen_with,
        not_seen_with,
        ..finding("origin-not-in-policy", "critical", "", &[ITEMS, REPLACE, ERROR])
    }
}

/// One scan: a configuration, the policy it is scanned with, and every finding of medium
/// severity or above it must yield (lower ones are pinned only where they are the gotcha).
#[derive(Debug, Clone)]
struct Case {
    config: &'static str,
    /// Whether the policy names the session cookie a signed-in user's browser holds.
    session_cookie: bool,
    expected: Vec<Expected>,
}

fn case(config: &'static str, expected: Vec<Expected>) -> Case {
    Case { config, session_cookie: false, expected }
}

/// What each configuration of `implementation` must yield; the gotchas are those of
/// tests/check_implementations.rs and the server files' comments.
fn cases(implementation: Implementation) -> Vec<Case> {
    let preflight_blocked = |endpoints| finding("blocked", "medium", "blocked at the preflight:", endpoints);
    let error_blocked = finding("blocked", "medium", "on the response answered 500", &[ERROR]);
    let error_without_cors = finding("error-without-cors", "low", "", &[ERROR]);
    // `*` with credentials: the credentialed requests the policy allows are refused everywhere,
    // and every other origin reads the uncredentialed answers (high: no user's data).
    let wildcard = || {
        vec![
            finding("credentials-blocked", "medium", "`*` answers a credentialed request", &ENDPOINTS),
            Expected {
                seen_with: &[UNRELATED],
                ..finding("origin-not-in-policy", "high", "", &[ITEMS, REPLACE, ERROR])
            },
        ]
    };
    match implementation {
        Implementation::Express => vec![
            case("correct", vec![]),
            case(
                "reflect-any-origin",
                vec![others_read_credentialed(&[UNRELATED, PREFIXED, DOT_REPLACED], &[])],
            ),
            case("wildcard-credentials", wildcard()),
            // Express answers OPTIONS itself, without CORS headers; the GETs work.
            case("no-options-handler", vec![preflight_blocked(&[REPLACE, MISSING])]),
            // Scanned as the policy alone says: no cookie, so no CORS headers anywhere.
            case(
                "cors-needs-session",
                vec![
                    finding(
                        "blocked",
                        "medium",
                        "on the response: no `Access-Control-Allow-Origin`",
                        &[ITEMS],
                    ),
                    preflight_blocked(&[REPLACE]),
                    finding("blocked", "medium", "at the preflight answered 404", &[MISSING]),
                    error_blocked.clone(),
                ],
            ),
            // With the session cookie in the policy the answers are fine, and what is left is
            // the gotcha: a preflight never carries the cookie, so it never gets CORS headers.
            Case {
                session_cookie: true,
                ..case(
                    "cors-needs-session",
                    vec![
                        preflight_blocked(&[REPLACE]),
                        finding("blocked", "medium", "at the preflight answered 404", &[MISSING]),
                    ],
                )
            },
        ],
        Implementation::Nginx => vec![
            case("correct", vec![]),
            // The `if` branch's add_header drops every inherited header from the preflight, and
            // the location never exposes X-Request-Id nor adds headers to the 500 (no `always`).
            case(
                "guide-if-block",
                vec![
                    preflight_blocked(&[REPLACE, MISSING]),
                    finding("hides-exposed", "medium", "", &[ITEMS]),
                    error_blocked.clone(),
                    error_without_cors.clone(),
                ],
            ),
            // Without `always`, the app's 404 and 500 come without CORS headers.
            case(
                "no-always",
                vec![
                    error_blocked.clone(),
                    finding("blocked", "medium", "on the response answered 404", &[MISSING]),
                    finding("error-without-cors", "low", "", &[MISSING, ERROR]),
                ],
            ),
        ],
        Implementation::Django => vec![
            case("correct", vec![]),
            case(
                "allow-all-credentials",
                vec![others_read_credentialed(&[UNRELATED, PREFIXED, DOT_REPLACED], &[])],
            ),
            // The auth middleware answers the preflight 401 before CorsMiddleware sees it.
            case(
                "middleware-order",
                vec![
                    finding("blocked", "medium", "at the preflight answered 401", &[REPLACE, MISSING]),
                    finding("preflight-not-ok", "low", "", &[REPLACE, MISSING]),
                ],
            ),
            case(
                "regex-unescaped-dot",
                vec![others_read_credentialed(&[DOT_REPLACED], &[UNRELATED, PREFIXED])],
            ),
        ],
        Implementation::Koa => vec![
            case("correct", vec![]),
            case(
                "credentials-default-origin",
                vec![others_read_credentialed(&[UNRELATED, PREFIXED, DOT_REPLACED], &[])],
            ),
            // The preflight passes (no route matches OPTIONS, so cors() sees it); the matched
            // routes' answers, the 500 included, carry no CORS headers. The missing item matches
            // no route either, so cors() decorates its 404: that error route is fine.
            case(
                "cors-after-router",
                vec![
                    finding(
                        "blocked",
                        "medium",
                        "on the response: no `Access-Control-Allow-Origin`",
                        &[ITEMS, REPLACE],
                    ),
                    error_blocked.clone(),
                    error_without_cors.clone(),
                ],
            ),
        ],
        Implementation::Fastify => vec![
            case("correct", vec![]),
            case(
                "reflect-any-origin",
                vec![others_read_credentialed(&[UNRELATED, PREFIXED, DOT_REPLACED], &[])],
            ),
            // @fastify/cors 11's default methods are GET, HEAD and POST: the PUT preflight fails.
            case(
                "default-methods",
                vec![finding(
                    "blocked",
                    "medium",
                    "at the preflight: the method is not in `Access-Control-Allow-Methods`",
                    &[REPLACE, MISSING],
                )],
            ),
        ],
        Implementation::FastApi => vec![
            case("correct", vec![]),
            // Starlette echoes any Origin for allow_origins=["*"] with credentials: not the
            // browser-refused `*` of Express and Caddy, but any site reading credentialed answers.
            case(
                "wildcard-credentials",
                vec![others_read_credentialed(&[UNRELATED, PREFIXED, DOT_REPLACED], &[])],
            ),
            // ServerErrorMiddleware's 500 is made outside CORSMiddleware.
            case("unhandled-error", vec![error_blocked.clone(), error_without_cors.clone()]),
        ],
        Implementation::Flask => {
            // The Flask app routes PUT /api/items/1 only: the preflight of a PUT to a missing
            // item gets Flask's 404, which fails it (CORS-preflight fetch: ok status only), so
            // the page sees a CORS error where the document promises a 404. True of every
            // configuration, the correct one included.
            let missing_item = || finding("blocked", "medium", "at the preflight answered 404", &[MISSING]);
            vec![
                case("correct", vec![missing_item()]),
                case(
                    "credentials-default-origins",
                    vec![others_read_credentialed(&[UNRELATED, PREFIXED, DOT_REPLACED], &[]), missing_item()],
                ),
                // An escaped but unanchored regex (`re.match`) admits the allowed host as a prefix.
                case(
                    "regex-prefix-match",
                    vec![others_read_credentialed(&[PREFIXED], &[UNRELATED, DOT_REPLACED]), missing_item()],
                ),
            ]
        }
        Implementation::Apache => vec![
            case("correct", vec![]),
            // `Header set` decorates the app's answers only: mod_rewrite's 204 to the preflight
            // and Apache's own 500 go out bare.
            case(
                "no-always",
                vec![
                    preflight_blocked(&[REPLACE, MISSING]),
                    error_blocked.clone(),
                    error_without_cors.clone(),
                ],
            ),
            case(
                "reflect-any-origin",
                vec![others_read_credentialed(&[UNRELATED, PREFIXED, DOT_REPLACED], &[])],
            ),
        ],
        Implementation::Caddy => vec![case("correct", vec![]), case("wildcard-credentials", wildcard())],
        Implementation::TowerHttp => vec![],
    }
}

/// The `corsproof` binary cargo built beside this test (`target/debug/corsproof`).
fn corsproof_binary() -> PathBuf {
    let test = std::env::current_exe().expect("the test's own path");
    let binary = test.parent().and_then(|deps| deps.parent()).expect("target/debug/deps").join("corsproof");
    assert!(binary.is_file(), "{} is missing: build it with `cargo build -p corsproof`", binary.display());
    binary
}

/// What one `corsproof scan` run left: its exit code, its output and its report files.
#[derive(Debug)]
struct Scan {
    base: String,
    exit: Option<i32>,
    stdout: String,
    stderr: String,
    sarif: Option<String>,
    junit: Option<String>,
    markdown: Option<String>,
}

impl Scan {
    /// Runs `corsproof scan` on the server at `base` from a fresh folder outside the
    /// repository that holds a copy of the OpenAPI document at its repository path and the
    /// policy file, as a user's checkout does; the folder is removed afterwards.
    fn run(base: &str, policy: &str) -> Result<Scan, String> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let folder = std::env::temp_dir().join(format!(
            "corsproof-scan-implementations-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let scan = Self::run_in(&folder, base, policy);
        let _ = std::fs::remove_dir_all(&folder);
        scan
    }

    fn run_in(folder: &Path, base: &str, policy: &str) -> Result<Scan, String> {
        let document = folder.join(OPENAPI);
        let prepare = || -> std::io::Result<()> {
            std::fs::create_dir_all(document.parent().expect("the document's folder"))?;
            std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join(OPENAPI), &document)?;
            std::fs::write(folder.join("policy.toml"), policy)
        };
        prepare().map_err(|error| format!("cannot prepare {}: {error}", folder.display()))?;
        let output = Command::new(corsproof_binary())
            .args(["scan", "--openapi", OPENAPI, "--base", base, "--policy", "policy.toml", "--json"])
            .args(["--sarif", "out.sarif", "--junit", "out.xml", "--markdown", "out.md"])
            .current_dir(folder)
            .output()
            .map_err(|error| format!("corsproof does not run: {error}"))?;
        let read = |name: &str| std::fs::read_to_string(folder.join(name)).ok();
        Ok(Scan {
            base: base.to_owned(),
            exit: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            sarif: read("out.sarif"),
            junit: read("out.xml"),
            markdown: read("out.md"),
        })
    }

    /// Everything the scan printed, for a failure message.
    fn output(&self) -> String {
        format!(
            "corsproof scan against {} exited with {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.base, self.exit, self.stdout, self.stderr
        )
    }
}

/// A finding of the scan's JSON report, with its endpoints by label.
#[derive(Debug)]
struct Found {
    rule: String,
    severity: String,
    title: String,
    endpoints: Vec<String>,
    seen_with: Vec<String>,
}

impl Found {
    fn fails(&self) -> bool {
        matches!(self.severity.as_str(), "low" | "medium" | "high" | "critical")
    }
}

impl std::fmt::Display for Found {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} \"{}\" on [{}]", self.severity, self.rule, self.title, self.endpoints.join(", "))?;
        if !self.seen_with.is_empty() {
            write!(f, " seen with {}", self.seen_with.join(", "))?;
        }
        Ok(())
    }
}

fn strings(value: &Value) -> Vec<String> {
    value.as_array().into_iter().flatten().filter_map(|item| item.as_str().map(str::to_owned)).collect()
}

/// The line of `method`'s key under `path` in the OpenAPI document (`get:` below `/api/items:`),
/// where a report must point for an endpoint of that operation.
fn operation_line(document: &str, method: &str, path: &str) -> Option<usize> {
    let method_key = format!("{}:", method.to_ascii_lowercase());
    let path_key = format!("{path}:");
    let mut in_path = false;
    for (index, line) in document.lines().enumerate() {
        let indent = line.len() - line.trim_start().len();
        if indent == 2 {
            in_path = line.trim() == path_key;
        } else if indent == 4 && in_path && line.trim() == method_key {
            return Some(index + 1);
        }
    }
    None
}

/// The operation line of an endpoint by its label (`PUT /api/items/{id} at a missing path (404)`
/// belongs to `PUT /api/items/{id}`).
fn endpoint_line(document: &str, label: &str) -> Option<usize> {
    let mut words = label.split_whitespace();
    operation_line(document, words.next()?, words.next()?)
}

/// Text as the Markdown report escapes it inside `<summary>`.
fn html(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Text as it was before XML escaping.
fn unescape_xml(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The JUnit report's test cases: each one's name and whether it failed (a `<failure>` or an
/// `<error>`).
fn junit_cases(junit: &str) -> Vec<(String, bool)> {
    junit
        .split("<testcase ")
        .skip(1)
        .map(|case| {
            let name = case
                .split_once(" name=\"")
                .and_then(|(_, rest)| rest.split_once('"'))
                .map(|(name, _)| unescape_xml(name))
                .unwrap_or_default();
            let body = case.split("</testcase>").next().unwrap_or(case);
            let failed = body.contains("<failure") || body.contains("<error");
            (name, failed)
        })
        .collect()
}

/// Everything wrong with `scan` of `case` (empty when it is right), and the findings it read.
fn judge(case: &Case, scan: &Scan, document: &str) -> (Vec<String>, Vec<Found>) {
    let mut wrong = Vec::new();
    let report: Value = match serde_json::from_str(&scan.stdout) {
        Ok(report) => report,
        Err(error) => return (vec![format!("stdout is not the JSON report ({error})")], Vec::new()),
    };
    if report["complete"] != true {
        wrong.push("the report says the scan is not complete".to_owned());
    }

    // The endpoints: the document's operations and error route, at the server, located.
    let endpoints = report["endpoints"].as_array().cloned().unwrap_or_default();
    let labels: Vec<String> =
        endpoints.iter().map(|endpoint| endpoint["label"].as_str().unwrap_or("").to_owned()).collect();
    if labels != ENDPOINTS {
        wrong.push(format!("the endpoints are {labels:?}, expected {ENDPOINTS:?}"));
    }
    for (endpoint, label) in endpoints.iter().zip(&labels) {
        let url = endpoint["url"].as_str().unwrap_or("");
        if !url.starts_with(&format!("{}/api/", scan.base)) {
            wrong.push(format!("{label}: the URL {url} is not under --base {}", scan.base));
        }
        let source = (&endpoint["source"]["file"], endpoint["source"]["line"].as_u64());
        let expected = endpoint_line(document, label).map(|line| line as u64);
        if source.0 != OPENAPI || source.1 != expected {
            wrong.push(format!("{label}: listed at {source:?}, expected {OPENAPI} line {expected:?}"));
        }
    }

    // The findings, their endpoints by label, each endpoint once.
    let mut found = Vec::new();
    for finding in report["findings"].as_array().into_iter().flatten() {
        let indices: Vec<u64> =
            finding["endpoints"].as_array().into_iter().flatten().filter_map(Value::as_u64).collect();
        let distinct: BTreeSet<u64> = indices.iter().copied().collect();
        let rule = finding["rule"].as_str().unwrap_or("").to_owned();
        if distinct.len() != indices.len() || indices.is_empty() {
            wrong.push(format!("{rule}: the endpoints {indices:?} are not each named once"));
        }
        found.push(Found {
            rule,
            severity: finding["severity"].as_str().unwrap_or("").to_owned(),
            title: finding["title"].as_str().unwrap_or("").to_owned(),
            endpoints: indices
                .iter()
                .map(|index| labels.get(*index as usize).cloned().unwrap_or_default())
                .collect(),
            seen_with: strings(&finding["counterexample"]["seen_with"]),
        });
    }

    // The verdict: exit 1 exactly when a finding of low severity or above was found.
    let fails = found.iter().any(Found::fails);
    if scan.exit != Some(i32::from(fails)) || report["passed"] != !fails {
        wrong.push(format!(
            "exit code {:?} and passed = {} for {} failing findings",
            scan.exit,
            report["passed"],
            found.iter().filter(|f| f.fails()).count()
        ));
    }
    if case.config == "correct" {
        for severe in found.iter().filter(|f| f.severity == "high" || f.severity == "critical") {
            wrong.push(format!("the correct configuration yields {severe}"));
        }
    }

    // What the gotcha must yield, and nothing else of medium severity or above.
    let matches = |expected: &Expected, found: &Found| {
        found.rule == expected.rule && found.title.contains(expected.title)
    };
    for expected in &case.expected {
        let candidates: Vec<&Found> = found.iter().filter(|f| matches(expected, f)).collect();
        let [one] = candidates.as_slice() else {
            wrong.push(format!(
                "expected one {} finding titled \"…{}…\", found {}",
                expected.rule,
                expected.title,
                candidates.len()
            ));
            continue;
        };
        if one.severity != expected.severity {
            wrong.push(format!("{one}: expected severity {}", expected.severity));
        }
        if one.endpoints != expected.endpoints {
            wrong.push(format!("{one}: expected it on {:?}", expected.endpoints));
        }
        for origin in expected.seen_with {
            if !one.seen_with.iter().any(|seen| seen == origin) {
                wrong.push(format!("{one}: expected it seen with {origin}"));
            }
        }
        for origin in expected.not_seen_with {
            if one.seen_with.iter().any(|seen| seen == origin) {
                wrong.push(format!("{one}: {origin} is not let in by this configuration"));
            }
        }
    }
    let at_least_medium = |f: &&Found| matches!(f.severity.as_str(), "medium" | "high" | "critical");
    for unexpected in found.iter().filter(at_least_medium) {
        if !case.expected.iter().any(|expected| matches(expected, unexpected)) {
            wrong.push(format!("unexpected finding: {unexpected}"));
        }
    }

    wrong.extend(judge_sarif(scan, &found, document));
    wrong.extend(judge_junit(scan, &found));
    wrong.extend(judge_markdown(scan, &found, fails));
    (wrong, found)
}

/// SARIF 2.1.0, one result per finding in the same order, located at its first endpoint's
/// operation in the OpenAPI document, the other endpoints as related locations.
fn judge_sarif(scan: &Scan, found: &[Found], document: &str) -> Vec<String> {
    let Some(text) = &scan.sarif else { return vec!["out.sarif was not written".to_owned()] };
    let sarif: Value = match serde_json::from_str(text) {
        Ok(sarif) => sarif,
        Err(error) => return vec![format!("out.sarif is not JSON ({error}):\n{text}")],
    };
    let mut wrong = Vec::new();
    if sarif["version"] != "2.1.0" {
        wrong.push(format!("out.sarif: version {}, expected 2.1.0", sarif["version"]));
    }
    let results = sarif["runs"][0]["results"].as_array().cloned().unwrap_or_default();
    if results.len() != found.len() {
        wrong.push(format!("out.sarif: {} results for {} findings", results.len(), found.len()));
    }
    for (result, finding) in results.iter().zip(found) {
        if result["ruleId"] != finding.rule.as_str() {
            wrong.push(format!("out.sarif: result {} for the finding {finding}", result["ruleId"]));
        }
        let location = &result["locations"][0]["physicalLocation"];
        let uri = &location["artifactLocation"]["uri"];
        let line = location["region"]["startLine"].as_u64();
        let expected =
            finding.endpoints.first().and_then(|label| endpoint_line(document, label)).map(|l| l as u64);
        if uri != OPENAPI || line.is_none() || line != expected {
            wrong.push(format!(
                "out.sarif: {finding} is located at {uri} line {line:?}, expected {OPENAPI} line {expected:?}"
            ));
        }
        let related = result["relatedLocations"].as_array().map_or(0, Vec::len);
        if related + 1 != finding.endpoints.len() {
            wrong.push(format!("out.sarif: {finding} has {related} related locations"));
        }
    }
    wrong
}

/// JUnit: one test case per endpoint, failing exactly where a finding of low severity or above
/// affects it.
fn judge_junit(scan: &Scan, found: &[Found]) -> Vec<String> {
    let Some(junit) = &scan.junit else { return vec!["out.xml was not written".to_owned()] };
    let cases = junit_cases(junit);
    let names: Vec<&str> = cases.iter().map(|(name, _)| name.as_str()).collect();
    if names != ENDPOINTS {
        return vec![format!(
            "out.xml: test cases {names:?}, expected one per endpoint {ENDPOINTS:?}:\n{junit}"
        )];
    }
    let mut wrong = Vec::new();
    for (name, failed) in &cases {
        let affected = found.iter().any(|f| f.fails() && f.endpoints.contains(name));
        if *failed != affected {
            wrong.push(format!(
                "out.xml: {name} {} but is {}affected",
                if *failed { "fails" } else { "passes" },
                if affected { "" } else { "not " }
            ));
        }
    }
    wrong
}

/// Markdown: the verdict, and every finding by its title and rule.
fn judge_markdown(scan: &Scan, found: &[Found], fails: bool) -> Vec<String> {
    let Some(markdown) = &scan.markdown else { return vec!["out.md was not written".to_owned()] };
    let mut wrong = Vec::new();
    let verdict = if fails { "**failed**" } else { "**passed**" };
    if !markdown.contains(verdict) {
        wrong.push(format!("out.md does not say {verdict}:\n{markdown}"));
    }
    for finding in found {
        let named = format!("{}: {} (<code>{}</code>)", finding.severity, html(&finding.title), finding.rule);
        if !markdown.contains(&named) {
            wrong.push(format!("out.md does not name {finding} (looked for `{named}`):\n{markdown}"));
        }
    }
    wrong
}

/// Starts every configuration of `implementation`, scans each concurrently, and fails with
/// everything that is wrong, each scan's output beside it.
async fn scan_every_configuration(implementation: Implementation) {
    let name = implementation.name();
    let cases = cases(implementation);
    for config in implementation.configurations() {
        assert!(
            cases.iter().any(|case| case.config == *config),
            "{name} {config} has no expected findings in this test: add them to cases()"
        );
    }
    let document = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(OPENAPI))
        .unwrap_or_else(|error| panic!("{OPENAPI}: {error}"));
    let runs: Vec<_> = cases
        .iter()
        .cloned()
        .map(|case| {
            tokio::spawn(async move {
                let server =
                    start(implementation, case.config).await.map_err(|error| format!("{error:#}"))?;
                let base = server.base_url();
                let policy = if case.session_cookie {
                    format!("{CORRECT_POLICY}{SESSION_COOKIE}")
                } else {
                    CORRECT_POLICY.to_owned()
                };
                let scan = tokio::task::spawn_blocking(move || Scan::run(&base, &policy))
                    .await
                    .map_err(|error| format!("the scan's thread failed: {error}"))??;
                // The server's own words, should the scan's not be enough.
                Ok::<_, String>((scan, server.log()))
            })
        })
        .collect();
    let mut failures = Vec::new();
    for (case, run) in cases.iter().zip(runs) {
        let cookie = if case.session_cookie { " (policy with the session cookie)" } else { "" };
        let scanned = format!("{name} {}{cookie}", case.config);
        let (scan, log) = match run.await {
            Ok(Ok(done)) => done,
            Ok(Err(error)) => {
                failures.push(format!("{scanned}: {error}"));
                continue;
            }
            Err(error) => {
                failures.push(format!("{scanned}: {error}"));
                continue;
            }
        };
        let (wrong, found) = judge(case, &scan, &document);
        // What each configuration yields, for `--nocapture`.
        println!("{scanned}: exit {:?}", scan.exit);
        for finding in &found {
            println!("  {finding}");
        }
        if !wrong.is_empty() {
            failures.push(format!(
                "{scanned}:\n  {}\n{}\n--- server log ---\n{log}",
                wrong.join("\n  "),
                scan.output()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} scans are wrong:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn express() {
    scan_every_configuration(Implementation::Express).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn nginx() {
    scan_every_configuration(Implementation::Nginx).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn django() {
    scan_every_configuration(Implementation::Django).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn koa() {
    scan_every_configuration(Implementation::Koa).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn fastify() {
    scan_every_configuration(Implementation::Fastify).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn fastapi() {
    scan_every_configuration(Implementation::FastApi).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn flask() {
    scan_every_configuration(Implementation::Flask).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn apache() {
    scan_every_configuration(Implementation::Apache).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn caddy() {
    scan_every_configuration(Implementation::Caddy).await;
}

/// Every implementation the support code runs has its test above.
#[test]
fn every_implementation_is_scanned() {
    let tested = ["express", "nginx", "django", "koa", "fastify", "fastapi", "flask", "apache", "caddy"];
    let all: Vec<&str> = Implementation::ALL.iter().map(|implementation| implementation.name()).collect();
    assert_eq!(all, tested, "add a test for each new implementation");
}
