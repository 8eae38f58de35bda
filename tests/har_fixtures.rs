//! Real HAR files, recorded from Chromium, Firefox and WebKit through their automation channels
//! (Chromium's DevTools `Network` domain, Firefox's WebDriver BiDi `network.*` events, WebKit's
//! remote Web Inspector `Network` domain) against the mock origins, kept in
//! `tests/fixtures/har/<engine>/<case>.har` for the tests of whatever reads HAR files.
//!
//! Re-record them all (each engine's browser and driver must be installed; about a minute):
//!
//! ```text
//! CORSPROOF_RECORD_HAR=1 cargo test --test har_fixtures
//! ```
//!
//! Without the variable the test checks that every fixture is there, reads with the HAR model
//! and has its engine's export shape; a missing one fails with the command above. The mock
//! server's ports are random, so the URLs in a fresh recording differ from the last one's.

mod support;

use std::path::PathBuf;

use corsproof_browser::{Browser, BrowserConfig, Engine, PageRequest};
use corsproof_har::model::{Entry, Har};
use corsproof_server::MockServer;

/// The environment variable that makes the test record the fixtures instead of checking them.
const RECORD_VARIABLE: &str = "CORSPROOF_RECORD_HAR";

/// The command that records the fixtures, for a failure to name.
const RECORD_COMMAND: &str = "CORSPROOF_RECORD_HAR=1 cargo test --test har_fixtures";

/// One recorded exchange: a file name, and the requests the page makes from the `app` origin.
struct Case {
    name: &'static str,
    requests: fn(&MockServer) -> Vec<PageRequest>,
}

const CASES: [Case; 6] = [
    Case { name: "allowed-simple-get", requests: allowed_simple_get },
    Case { name: "blocked-missing-allow-origin", requests: blocked_missing_allow_origin },
    Case { name: "preflight-refused-header", requests: preflight_refused_header },
    Case { name: "preflight-cached", requests: preflight_cached },
    Case { name: "redirect-hop", requests: redirect_hop },
    Case { name: "credentials-with-wildcard", requests: credentials_with_wildcard },
];

/// `path` on the mock origin called `origin`.
fn at(server: &MockServer, origin: &str, path: &str) -> String {
    server.origin(origin).expect("the mock server serves this origin").join(path)
}

fn allowed_simple_get(server: &MockServer) -> Vec<PageRequest> {
    vec![PageRequest::fetch("allowed", "GET", at(server, "api", "/t/har-allowed/data?acao=origin"))]
}

fn blocked_missing_allow_origin(server: &MockServer) -> Vec<PageRequest> {
    vec![PageRequest::fetch("blocked", "GET", at(server, "api", "/t/har-no-acao/data"))]
}

fn preflight_refused_header(server: &MockServer) -> Vec<PageRequest> {
    let mut request = PageRequest::fetch(
        "refused",
        "GET",
        at(server, "api", "/t/har-refused-header/data?acao=origin&acah=x-other"),
    );
    request.headers = vec![("X-Custom".to_owned(), "1".to_owned())];
    vec![request]
}

fn preflight_cached(server: &MockServer) -> Vec<PageRequest> {
    let url = at(server, "api", "/t/har-cached/data?acao=origin&acam=PUT&max_age=600");
    vec![PageRequest::fetch("first", "PUT", url.clone()), PageRequest::fetch("second", "PUT", url)]
}

fn redirect_hop(server: &MockServer) -> Vec<PageRequest> {
    let target = at(server, "cdn", "/t/har-redirect-target/data?acao=origin");
    let target: String = form_urlencoded::byte_serialize(target.as_bytes()).collect();
    vec![PageRequest::fetch(
        "redirected",
        "GET",
        at(server, "api", &format!("/t/har-redirect/data?acao=origin&location={target}")),
    )]
}

fn credentials_with_wildcard(server: &MockServer) -> Vec<PageRequest> {
    let mut request =
        PageRequest::fetch("credentialed", "GET", at(server, "api", "/t/har-wildcard/data?acao=*&acac=true"));
    request.credentials = "include".to_owned();
    vec![request]
}

/// Where `engine`'s fixture for `case` is kept.
fn fixture(engine: Engine, case: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/har/{engine}/{case}.har"))
}

/// Runs every case in a real `engine` and writes each one's HAR, as the engine's developer
/// tools would export it.
async fn record(engine: Engine) {
    let server = support::start().await;
    let config = BrowserConfig {
        engine,
        hosts: Some(corsproof_runner::host_map(&server)),
        trust_ca_pem: Some(server.certificates().ca_pem.clone()),
        record_network: true,
        ..BrowserConfig::default()
    };
    let mut browser = Browser::launch(&config).await.unwrap_or_else(|error| panic!("{error}"));
    browser.open(&at(&server, "app", corsproof_server::PAGE_PATH)).await.unwrap_or_else(|e| panic!("{e}"));
    // The page's own load is not a case's.
    browser.drain_network().await.unwrap_or_else(|e| panic!("{e}"));
    for case in &CASES {
        browser.run_sequences(&[(case.requests)(&server)]).await.unwrap_or_else(|e| panic!("{e}"));
        let har = browser.network_har().await.unwrap_or_else(|e| panic!("{e}"));
        let path = fixture(engine, case.name);
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("the fixtures folder is writable");
        let text = serde_json::to_string_pretty(&har).expect("a HAR serialises");
        std::fs::write(&path, text + "\n").expect("the fixture is writable");
    }
    browser.close().await;
}

/// Records `engine`'s fixtures when asked, then reads each and checks it with `shape`, which
/// says what is wrong with one case's file; fails with every problem found.
async fn check(engine: Engine, shape: fn(&str, &Har) -> Vec<String>) {
    if std::env::var_os(RECORD_VARIABLE).is_some() {
        record(engine).await;
    }
    let mut problems = Vec::new();
    for case in &CASES {
        let path = fixture(engine, case.name);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) => {
                problems.push(format!(
                    "{} cannot be read ({error}); record it with `{RECORD_COMMAND}`",
                    path.display()
                ));
                continue;
            }
        };
        let har: Har = match serde_json::from_str(&text) {
            Ok(har) => har,
            Err(error) => {
                problems.push(format!("{} is not a HAR file: {error}", path.display()));
                continue;
            }
        };
        if har.log.entries.is_empty() {
            problems.push(format!("{}: no entries", path.display()));
        }
        for entry in &har.log.entries {
            if !(entry.request.url.starts_with("http://api.test:")
                || entry.request.url.starts_with("http://cdn.test:"))
            {
                problems.push(format!(
                    "{}: an entry the case did not make: {}",
                    path.display(),
                    entry.request.url
                ));
            }
        }
        problems.extend(
            shape(case.name, &har).into_iter().map(|problem| format!("{}: {problem}", path.display())),
        );
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The entries whose method is `method`.
fn with_method<'a>(har: &'a Har, method: &str) -> Vec<&'a Entry> {
    har.log.entries.iter().filter(|entry| entry.request.method == method).collect()
}

/// A problem when `what` is false.
fn expect(what: bool, problem: impl FnOnce() -> String) -> Option<String> {
    (!what).then(problem)
}

/// The redirect's two hops: a 302 to `cdn` and the 200 there.
fn redirect_problems(har: &Har) -> Vec<String> {
    let statuses: Vec<u16> = har.log.entries.iter().map(|entry| entry.response.status).collect();
    let first = &har.log.entries[0];
    [
        expect(statuses == [302, 200], || format!("statuses {statuses:?}, expected a 302 then a 200")),
        expect(first.response.redirect_url.starts_with("http://cdn.test:"), || {
            format!("redirectURL {:?}, expected the cdn origin", first.response.redirect_url)
        }),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Chromium DevTools' export: `WebInspector`, `_resourceType` and `_initiator` on every entry,
/// preflights as entries of their own, a blocked response as status 0 with `net::ERR_FAILED`.
fn chromium_shape(case: &str, har: &Har) -> Vec<String> {
    let log = &har.log;
    let mut problems: Vec<Option<String>> = vec![
        expect(log.creator.name == "WebInspector" && log.creator.version == "537.36", || {
            format!("creator {:?}, expected WebInspector 537.36", log.creator)
        }),
        expect(log.entries.iter().all(|e| e.resource_type.is_some() && e.initiator.is_some()), || {
            "an entry without _resourceType or _initiator".to_owned()
        }),
    ];
    let preflights: Vec<&Entry> =
        log.entries.iter().filter(|e| e.resource_type.as_deref() == Some("preflight")).collect();
    let blocked = |entry: &Entry| {
        entry.response.status == 0 && entry.response.error.as_deref() == Some("net::ERR_FAILED")
    };
    match case {
        "blocked-missing-allow-origin" | "credentials-with-wildcard" => {
            problems.push(expect(log.entries.len() == 1 && blocked(&log.entries[0]), || {
                "expected one entry, status 0 with _error net::ERR_FAILED".to_owned()
            }));
        }
        "preflight-refused-header" => {
            problems.push(expect(preflights.len() == 1 && preflights[0].request.method == "OPTIONS", || {
                "expected one OPTIONS entry with _resourceType preflight".to_owned()
            }));
            problems.push(expect(with_method(har, "GET").iter().all(|e| blocked(e)), || {
                "expected the GET blocked: status 0, _error net::ERR_FAILED".to_owned()
            }));
        }
        "preflight-cached" => {
            problems.push(expect(preflights.len() == 1 && with_method(har, "PUT").len() == 2, || {
                format!("expected two PUTs and one preflight, got {} preflights", preflights.len())
            }));
        }
        "redirect-hop" => problems.extend(redirect_problems(har).into_iter().map(Some)),
        _ => {
            problems.push(expect(log.entries[0].response.status == 200, || "expected status 200".to_owned()))
        }
    }
    problems.into_iter().flatten().collect()
}

/// Firefox's export: `Firefox` as creator and browser, no Chromium fields, preflights as
/// `OPTIONS` entries, status 0 where no response came (Firefox's channel reports a response it
/// blocked for its headers with the status it had).
fn firefox_shape(case: &str, har: &Har) -> Vec<String> {
    let log = &har.log;
    let mut problems: Vec<Option<String>> = vec![
        expect(
            log.creator.name == "Firefox" && log.browser.as_ref().is_some_and(|b| b.name == "Firefox"),
            || format!("creator {:?} and browser {:?}, expected Firefox for both", log.creator, log.browser),
        ),
        expect(log.entries.iter().all(|e| e.resource_type.is_none()), || {
            "a Chromium _resourceType".to_owned()
        }),
    ];
    let options = with_method(har, "OPTIONS");
    match case {
        "blocked-missing-allow-origin" => problems
            .push(expect(log.entries[0].response.header("access-control-allow-origin").is_none(), || {
                "the blocked response has an Access-Control-Allow-Origin".to_owned()
            })),
        "preflight-refused-header" => {
            problems.push(expect(
                options.len() == 1
                    && options[0].request.header("access-control-request-headers") == Some("x-custom"),
                || "expected one OPTIONS asking for x-custom".to_owned(),
            ));
            problems.push(expect(with_method(har, "GET").iter().all(|e| e.response.status == 0), || {
                "expected the GET without a response (status 0)".to_owned()
            }));
        }
        "preflight-cached" => problems
            .push(expect(options.len() == 1 && with_method(har, "PUT").len() == 2, || {
                format!("expected two PUTs and one OPTIONS, got {} OPTIONS", options.len())
            })),
        "redirect-hop" => problems.extend(redirect_problems(har).into_iter().map(Some)),
        _ => {}
    }
    problems.into_iter().flatten().collect()
}

/// Safari's Web Inspector export: `WebKit Web Inspector`, no preflight entries (WebKit does not
/// report them to its inspector), a blocked request with status 0 and WebKit's reason in
/// `_error`.
fn webkit_shape(case: &str, har: &Har) -> Vec<String> {
    let log = &har.log;
    let mut problems: Vec<Option<String>> = vec![
        expect(log.creator.name == "WebKit Web Inspector", || {
            format!("creator {:?}, expected WebKit Web Inspector", log.creator)
        }),
        expect(with_method(har, "OPTIONS").is_empty(), || {
            "an OPTIONS entry, which WebKit does not report".to_owned()
        }),
    ];
    let error = |entry: &Entry| entry.response.error.clone().unwrap_or_default();
    match case {
        "blocked-missing-allow-origin" => problems.push(expect(
            log.entries[0].response.status == 0
                && error(&log.entries[0]).contains("Access-Control-Allow-Origin"),
            || {
                format!(
                    "expected status 0 and an Access-Control-Allow-Origin _error, got {:?}",
                    error(&log.entries[0])
                )
            },
        )),
        "preflight-refused-header" => problems.push(expect(
            log.entries[0].response.status == 0 && error(&log.entries[0]).contains("X-Custom"),
            || format!("expected status 0 and an _error naming X-Custom, got {:?}", error(&log.entries[0])),
        )),
        "preflight-cached" => {
            problems.push(expect(with_method(har, "PUT").len() == 2, || "expected two PUTs".to_owned()))
        }
        "redirect-hop" => problems.extend(redirect_problems(har).into_iter().map(Some)),
        _ => {}
    }
    problems.into_iter().flatten().collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn chromium_fixtures_have_the_devtools_export_shape() {
    check(Engine::Chromium, chromium_shape).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn firefox_fixtures_have_the_network_panel_export_shape() {
    check(Engine::Firefox, firefox_shape).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn webkit_fixtures_have_the_web_inspector_export_shape() {
    check(Engine::WebKit, webkit_shape).await;
}
