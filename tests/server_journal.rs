//! The journal tells a test what the browser really sent.

mod support;

use std::time::Duration;

use support::{Transport, request, send, start};

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
        let req = request(&server, transport, "GET", "/_journal/json-tok").body(String::new()).unwrap();
        let received = send(&server, transport, req).await.unwrap();
        assert_eq!(received.one("content-type"), Some("application/json"));
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
