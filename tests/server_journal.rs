//! The journal tells a test what the browser really sent.

mod support;

use std::time::Duration;

use corsproof_server::{MockServer, ServerConfig};
use support::{Received, Transport, request, send, start};

/// A server whose journal holds at most `max_bytes`.
async fn start_with_budget(max_bytes: usize) -> MockServer {
    let config = ServerConfig { journal_max_bytes: max_bytes, ..ServerConfig::default() };
    MockServer::start(config).await.expect("the mock server starts")
}

/// `GET path` on the transport's `api` origin, with a `size`-byte header when `size` > 0.
async fn get(server: &MockServer, transport: Transport, path: &str, size: usize) -> Received {
    let mut builder = request(server, transport, "GET", path);
    if size > 0 {
        builder = builder.header("x-large", "a".repeat(size));
    }
    send(server, transport, builder.body(String::new()).unwrap()).await.unwrap()
}

#[tokio::test]
async fn the_journal_records_everything_a_test_asks_about() {
    let server = start().await;
    for transport in Transport::ALL {
        let token = format!("rec-{transport:?}");
        let preflight = request(&server, transport, "OPTIONS", &format!("/t/{token}/items?acao=*"))
            .header("origin", "http://app.test:1")
            .header("access-control-request-method", "PUT")
            .header("access-control-request-headers", "authorization,x-custom")
            .body(String::new())
            .unwrap();
        send(&server, transport, preflight).await.unwrap();
        let actual = request(&server, transport, "patch", &format!("/t/{token}/items?acao=*"))
            .header("origin", "http://app.test:1")
            .header("cookie", "sid=1")
            .header("authorization", "Bearer x")
            .body("0123456789".to_owned())
            .unwrap();
        send(&server, transport, actual).await.unwrap();

        let entries = server.journal().entries(&token);
        assert_eq!(entries.len(), 2, "{transport:?}");
        let (first, second) = (&entries[0], &entries[1]);
        assert!(first.preflight && !second.preflight);
        assert_eq!(first.method, "OPTIONS");
        assert_eq!(first.header("access-control-request-method"), Some("PUT"));
        assert_eq!(first.header("access-control-request-headers"), Some("authorization,x-custom"));
        assert_eq!(second.method, "patch", "the method is kept byte for byte");
        assert_eq!(second.origin(), Some("http://app.test:1"));
        assert_eq!(second.header("cookie"), Some("sid=1"));
        assert_eq!(second.header("authorization"), Some("Bearer x"));
        assert_eq!(second.body_size, 10);
        assert_eq!(second.path, format!("/t/{token}/items"));
        let api = server.origin(transport.api_origin()).unwrap();
        assert_eq!(second.authority, Some(format!("api.test:{}", api.port)), "{transport:?}");
        assert_eq!(second.query.as_deref(), Some("acao=*"));
        assert_eq!(second.scheme, if transport.is_tls() { "https" } else { "http" });
        assert_eq!(
            second.listener.map(|listener| listener.name()),
            Some(if transport.is_tls() { "https" } else { "http-b" })
        );
        assert!(first.seq < second.seq);
        assert!(second.received_unix_ms > 1_700_000_000_000);
    }
}

#[tokio::test]
async fn the_journal_is_served_as_json_by_token() {
    let server = start().await;
    let req = request(&server, Transport::Http1, "PUT", "/t/json-tok/x")
        .header("origin", "http://app.test:1")
        .body("abc".to_owned())
        .unwrap();
    send(&server, Transport::Http1, req).await.unwrap();

    for transport in Transport::ALL {
        let req = request(&server, transport, "GET", "/_journal/json-tok")
            .header("origin", "http://evil.test:1")
            .body(String::new())
            .unwrap();
        let received = send(&server, transport, req).await.unwrap();
        assert_eq!(received.one("content-type"), Some("application/json"));
        assert_eq!(received.one("access-control-allow-origin"), None, "no other page may read it");
        assert_eq!(received.one("cache-control"), Some("no-store"));
        let entries: serde_json::Value = serde_json::from_str(&received.body).unwrap();
        let entries = entries.as_array().expect("an array");
        assert_eq!(entries.len(), 1, "reading the journal is not journaled");
        assert_eq!(entries[0]["method"], "PUT");
        assert_eq!(entries[0]["body_size"], 3);
        assert_eq!(entries[0]["token"], "json-tok");
        assert_eq!(entries[0]["headers"][0][0].as_str().map(str::is_empty), Some(false));
    }
    let req = request(&server, Transport::Http1, "GET", "/_journal/never-seen").body(String::new()).unwrap();
    assert_eq!(send(&server, Transport::Http1, req).await.unwrap().body, "[]");
}

#[tokio::test]
async fn waiting_for_a_request_returns_as_soon_as_it_arrives() {
    let server = start().await;
    let journal = server.journal().clone();
    let waiter = tokio::spawn(async move { journal.wait_for("late", 1, Duration::from_secs(10)).await });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let req = request(&server, Transport::Http1, "GET", "/t/late/x").body(String::new()).unwrap();
    send(&server, Transport::Http1, req).await.unwrap();
    let entries = waiter.await.unwrap();
    assert_eq!(entries.len(), 1);

    let nothing = server.journal().wait_for("never", 1, Duration::from_millis(50)).await;
    assert!(nothing.is_empty());
}

#[tokio::test]
async fn a_sandboxed_page_of_the_server_reads_the_journal_with_the_key_its_page_carries() {
    let server = start().await;
    let page = get(&server, Transport::Http1, corsproof_server::PAGE_PATH, 0).await;
    assert_eq!(page.one("cache-control"), Some("no-store"), "a cached page would carry an old key");
    let key = page
        .body
        .split("name=\"corsproof-journal-key\" content=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the page carries the key");
    assert_eq!(key.len(), 32, "128 bits in hex: {key}");

    for transport in Transport::ALL {
        let shown = get(&server, transport, &format!("/_journal/tok?key={key}"), 0).await;
        assert_eq!(shown.one("access-control-allow-origin"), Some("*"), "{transport:?}");
        assert_eq!(shown.one("cache-control"), Some("no-store"));
        let wrong = get(&server, transport, "/_journal/tok?key=00000000000000000000000000000000", 0).await;
        assert_eq!(wrong.one("access-control-allow-origin"), None, "{transport:?}");
        assert_eq!(
            get(&server, transport, "/_journal/tok?key=", 0).await.one("access-control-allow-origin"),
            None
        );
    }
    let other = start().await;
    let other_page = get(&other, Transport::Http1, corsproof_server::PAGE_PATH, 0).await;
    assert!(!other_page.body.contains(key), "each server makes its own key");
}

#[tokio::test]
async fn without_journal_over_http_the_journal_is_a_404_that_says_how_to_turn_it_on() {
    let config = ServerConfig { journal_over_http: false, ..ServerConfig::default() };
    let server = MockServer::start(config).await.expect("the mock server starts");
    get(&server, Transport::Http1, "/t/private/x", 0).await;
    for transport in Transport::ALL {
        let received = get(&server, transport, "/_journal/private", 0).await;
        assert_eq!(received.status, 404, "{transport:?}");
        assert!(received.body.contains("--journal-over-http"), "{}", received.body);
        assert_eq!(received.one("access-control-allow-origin"), None);
        assert_eq!(received.one("cache-control"), Some("no-store"));
    }
    let page = get(&server, Transport::Http1, corsproof_server::PAGE_PATH, 0).await;
    assert!(page.body.contains("content=\"\""), "no key to show: {}", page.body);
    assert_eq!(server.journal().entries("private").len(), 1, "it is still journaled");
}

#[tokio::test]
async fn a_flood_of_large_heads_stays_within_the_byte_budget_forgetting_the_oldest_tokens_whole() {
    let budget = 1024 * 1024;
    let server = start_with_budget(budget).await;
    let tokens = 120;
    for index in 0..tokens {
        for transport in [Transport::Http1, Transport::H2c] {
            get(&server, transport, &format!("/t/flood{index}/x"), 30 * 1024).await;
        }
        assert!(server.journal().bytes() <= budget, "{} bytes of {budget}", server.journal().bytes());
    }
    let kept: Vec<usize> =
        (0..tokens).map(|index| server.journal().entries(&format!("flood{index}")).len()).collect();
    assert!(kept.iter().all(|&count| count == 0 || count == 2), "a token was cut: {kept:?}");
    let first_kept = kept.iter().position(|&count| count == 2).expect("the newest tokens are kept");
    assert!(first_kept > 0 && kept[first_kept..].iter().all(|&count| count == 2), "{kept:?}");
    assert!(server.journal().bytes() > budget / 2, "the budget is used: {}", server.journal().bytes());
}

#[tokio::test]
async fn requests_without_a_token_keep_to_their_share_and_leave_the_tokens_alone() {
    let budget = 1024 * 1024;
    let server = start_with_budget(budget).await;
    get(&server, Transport::Http1, "/t/scenario/x", 1024).await;
    for _ in 0..40 {
        get(&server, Transport::Http1, "/junk", 30 * 1024).await;
    }
    assert_eq!(server.journal().entries("scenario").len(), 1);
    let junk = server.journal().untokened();
    assert!((1..=4).contains(&junk.len()), "a tenth of 1 MiB holds 3 of them: {}", junk.len());
    assert!(server.journal().bytes() <= 2 * 1024 + budget / 10);
}

#[tokio::test]
async fn a_request_larger_than_the_budget_is_not_kept_and_forgets_nothing() {
    let server = start_with_budget(40 * 1024).await;
    get(&server, Transport::Http1, "/t/small/x", 0).await;
    let before = server.journal().bytes();
    let received = get(&server, Transport::Http1, "/t/huge/x", 50 * 1024).await;
    assert_eq!(received.status, 200, "it is still answered");
    assert!(server.journal().entries("huge").is_empty());
    assert_eq!(server.journal().entries("small").len(), 1);
    assert_eq!((server.journal().bytes(), server.journal().not_kept()), (before, 1));
}
