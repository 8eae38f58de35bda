//! A real Chromium, driven through chromedriver, against the mock origins.

mod support;

use corsproof_browser::{Browser, BrowserConfig, PageRequest};
use corsproof_server::MockServer;

fn get(id: &str, url: String) -> PageRequest {
    PageRequest::fetch(id, "GET", url)
}

async fn launch(server: &MockServer) -> Browser {
    let config =
        BrowserConfig { hosts: Some(corsproof_runner::host_map(server)), ..BrowserConfig::default() };
    Browser::launch(&config).await.unwrap_or_else(|error| panic!("{error}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_page_at_one_origin_fetches_from_another_and_the_console_says_why_it_was_blocked() {
    let server = support::start().await;
    let mut browser = launch(&server).await;
    let app = server.origin("app").unwrap();
    let api = server.origin("api").unwrap();
    browser.open(&app.join(corsproof_server::PAGE_PATH)).await.unwrap();

    let allowed = get("allowed", api.join("/t/smoke-ok/x?acao=origin"));
    let blocked = get("blocked", api.join("/t/smoke-no/x"));
    let results = browser.run_sequences(&[vec![allowed], vec![blocked]]).await.unwrap();
    let console = browser.drain_console().await.unwrap();
    browser.close().await;

    let (allowed, blocked) = (&results[0][0], &results[1][0]);
    assert_eq!(
        (allowed.outcome.as_str(), allowed.status, allowed.body.as_deref()),
        ("response", Some(200), Some("ok"))
    );
    assert_eq!(blocked.outcome, "error");
    assert_eq!(blocked.error.as_deref(), Some("TypeError: Failed to fetch"));
    assert_eq!(
        server.journal().entries("smoke-no").len(),
        1,
        "a blocked simple request still reaches the server"
    );
    let reason =
        console.iter().find(|entry| entry.message.contains("/t/smoke-no/")).expect("a console message");
    assert!(
        reason.message.contains("No 'Access-Control-Allow-Origin' header is present"),
        "console said: {}",
        reason.message
    );
}
