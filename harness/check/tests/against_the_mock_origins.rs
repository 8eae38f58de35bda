//! The checker against real servers: the mock origins, told by the query how to answer. Each
//! test reads like what a user learns from a check.

mod mock;

use corsproof_check::{Checked, Checker, Finding, Probe};
use corsproof_server::MockServer;
use mock::start;

const PAGE: &str = "http://app.test:8000";

fn api(server: &MockServer, name: &str, path_and_query: &str) -> String {
    mock::url(server, name, path_and_query)
}

#[tokio::test]
async fn an_echoed_origin_allows_a_simple_get_without_preflight() {
    let (server, checker) = start().await;
    let checked = checker
        .check(&Probe::new(api(&server, "api", "/t/a1/items?acao=origin")).origin(PAGE))
        .await
        .unwrap();
    checked.assert_allowed();
    assert!(checked.preflight().is_none());
    assert_eq!(server.journal().entries("a1")[0].origin(), Some(PAGE), "the server saw the page's Origin");
}

#[tokio::test]
async fn a_missing_allow_origin_is_blocked_with_the_browser_words_and_a_fix() {
    let (server, checker) = start().await;
    let checked = checker.check(&Probe::new(api(&server, "api", "/t/a2/items")).origin(PAGE)).await.unwrap();
    checked.assert_blocked();
    let report = checked.to_string();
    assert!(report.contains("No 'Access-Control-Allow-Origin' header is present"), "{report}");
    assert!(report.contains("> Origin: http://app.test:8000"), "{report}");
    // The mock origins show no framework: the report names the headers and how to ask.
    assert!(report.contains("Access-Control-Allow-Origin: http://app.test:8000\n"), "{report}");
    assert!(report.contains("`--fix-for NAME`"), "{report}");
    let nginx = checked.with_fix_for(corsproof_check::FixFor::Framework(corsproof_check::Framework::Nginx));
    let report = nginx.to_string();
    assert!(report.contains("\n  nginx:\n") && report.contains("always"), "{report}");
    assert_eq!(server.journal().entries("a2").len(), 1, "a blocked simple request still reaches the server");
}

#[tokio::test]
async fn a_put_is_preflighted_with_the_exact_request_headers() {
    let (server, checker) = start().await;
    let probe = Probe::new(api(&server, "api", "/t/a3/items/1?acao=origin&acam=PUT&acah=x-b,x-a"))
        .origin(PAGE)
        .method("PUT")
        .header("X-B", "1")
        .header("X-A", "2")
        .body("{}");
    let checked = checker.check(&probe).await.unwrap();
    checked.assert_allowed();
    let journal = server.journal().entries("a3");
    assert_eq!(journal.len(), 2, "a preflight, then the PUT");
    assert!(journal[0].preflight);
    assert_eq!(journal[0].header("access-control-request-method"), Some("PUT"));
    assert_eq!(
        journal[0].header("access-control-request-headers"),
        Some("x-a,x-b"),
        "lower-cased and sorted"
    );
    assert_eq!(journal[1].method, "PUT");
}

#[tokio::test]
async fn a_preflight_refused_means_the_put_is_never_sent() {
    let (server, checker) = start().await;
    let probe = Probe::new(api(&server, "api", "/t/a4/items/1?acao=origin&preflight_status=404"))
        .origin(PAGE)
        .method("PUT");
    let checked = checker.check(&probe).await.unwrap();
    checked.assert_blocked();
    assert!(checked.to_string().contains("Response to preflight request doesn't pass access control check"));
    assert_eq!(server.journal().entries("a4").len(), 1, "only the preflight reached the server");
}

#[tokio::test]
async fn a_wildcard_never_satisfies_credentials() {
    let (server, checker) = start().await;
    let probe = Probe::new(api(&server, "api", "/t/a5/me?acao=*&acac=true")).origin(PAGE).credentials(true);
    let checked = checker.check(&probe).await.unwrap();
    assert!(checked.console_message().unwrap().contains("must not be the wildcard '*'"));
}

#[tokio::test]
async fn https_and_http2_targets_are_checked_too() {
    let (server, checker) = start().await;
    let checked =
        checker.check(&Probe::new(api(&server, "api-https", "/t/a6/x?acao=*")).origin(PAGE)).await.unwrap();
    checked.assert_allowed();
    assert_eq!(checked.actual().unwrap().received.as_ref().unwrap().version, "HTTP/2");
}

#[tokio::test]
async fn redirects_are_followed_and_judged_per_hop() {
    let (server, checker) = start().await;
    let next = api(&server, "api", "/t/a7-next/x?acao=origin");
    let probe = Probe::new(format!(
        "{}&location={}",
        api(&server, "api", "/t/a7/start?acao=origin"),
        next.replace('&', "%26").replace('?', "%3F").replace('=', "%3D")
    ))
    .origin(PAGE);
    let checked = checker.check(&probe).await.unwrap();
    checked.assert_allowed();
    assert_eq!(checked.hops().len(), 2);
}

#[tokio::test]
async fn no_server_is_a_connection_error_not_a_cors_block() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let checked =
        Checker::new().check(&Probe::new(format!("http://127.0.0.1:{port}/x")).origin(PAGE)).await.unwrap();
    assert!(checked.block().is_none() && !checked.is_allowed());
    assert!(checked.connection_error().is_some());
    assert!(checked.to_string().contains("cannot connect"), "{checked}");
}

#[tokio::test]
async fn a_bad_page_origin_is_an_error_not_a_panic() {
    assert!(Checker::new().check(&Probe::new("http://127.0.0.1:1/").origin("not an origin")).await.is_err());
}

/// The `diagnosis:` lines of the report and of `assert_allowed`'s panic on a blocked `checked`:
/// both must have one.
fn diagnosis_lines(checked: &Checked) -> [String; 2] {
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| checked.assert_allowed()))
        .expect_err("assert_allowed panics on a blocked request");
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    [checked.to_string(), message].map(|report| {
        let line = report.lines().find(|line| line.starts_with("diagnosis: ")).map(str::to_owned);
        line.unwrap_or_else(|| panic!("no diagnosis line in:\n{report}"))
    })
}

#[tokio::test]
async fn a_preflight_answered_401_is_diagnosed_as_authentication_before_cors() {
    let (server, checker) = start().await;
    // Auth middleware ahead of CORS: the preflight gets its 401, without CORS headers.
    let url = api(&server, "api", "/t/d1/items/1?preflight_status=401");
    let checked = checker.check(&Probe::new(url).origin(PAGE).method("PUT")).await.unwrap();
    checked.assert_blocked();
    assert!(matches!(checked.diagnosis(), Some(Finding::PreflightNotOk { status: 401, .. })), "{checked}");
    for line in diagnosis_lines(&checked) {
        assert!(line.contains("401") && line.contains("authentication") && line.contains("before"), "{line}");
    }
}

#[tokio::test]
async fn an_error_answer_without_cors_headers_is_diagnosed_as_the_hidden_error() {
    let (server, checker) = start().await;
    let url = api(&server, "api", "/t/d2/items?status=500");
    let checked = checker.check(&Probe::new(url).origin(PAGE)).await.unwrap();
    checked.assert_blocked();
    assert!(matches!(checked.diagnosis(), Some(Finding::ErrorWithoutCors { status: 500, .. })), "{checked}");
    for line in diagnosis_lines(&checked) {
        assert!(line.contains("500") && line.contains("real error is hidden"), "{line}");
    }
}

#[tokio::test]
async fn a_plain_cors_block_needs_no_diagnosis() {
    let (server, checker) = start().await;
    let checked = checker.check(&Probe::new(api(&server, "api", "/t/d3/items")).origin(PAGE)).await.unwrap();
    checked.assert_blocked();
    assert_eq!(checked.diagnosis(), None, "{checked}");
    assert!(!checked.to_string().contains("diagnosis:"), "{checked}");
}
