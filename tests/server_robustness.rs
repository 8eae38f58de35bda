//! Bad clients get an answer or a closed connection, never a crash, and the server goes on.

mod support;

use std::time::Duration;

use corsproof_behaviour::Listener;
use corsproof_server::{Limits, MockServer, ServerConfig};
use support::{Transport, request, send};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn start_with(limits: Limits) -> MockServer {
    MockServer::start(ServerConfig { limits, ..ServerConfig::default() })
        .await
        .expect("the mock server starts")
}

/// Writes raw bytes to a plain listener and reads until the server closes (or 5 s pass).
async fn raw_exchange(server: &MockServer, bytes: &[u8]) -> String {
    let mut stream = TcpStream::connect(server.local_addr(Listener::HttpA)).await.unwrap();
    // The server may close before reading everything; that is an acceptable answer too.
    let _ = stream.write_all(bytes).await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer).into_owned()
}

/// The server still answers a normal request on every transport.
async fn still_serves(server: &MockServer) {
    for transport in Transport::ALL {
        let req = request(server, transport, "GET", "/t/after/x").body(String::new()).unwrap();
        let received = send(server, transport, req).await.unwrap_or_else(|e| panic!("{transport:?}: {e:#}"));
        assert_eq!(received.status, 200);
    }
}

#[tokio::test]
async fn malformed_http_gets_a_400_or_a_closed_connection() {
    let server = start_with(Limits::default()).await;
    for garbage in [
        &b"\x16\x03\x01\x02\x00garbage\r\n\r\n"[..],
        b"GET / HTTP/9.9\r\n\r\n",
        b"GET /x HTTP/1.1\r\nHost: a\r\nBad Header\r\n\r\n",
        b"\0\0\0\0\0\0\0\0\r\n\r\n",
        b"GET /x HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
    ] {
        let answer = raw_exchange(&server, garbage).await;
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 400"),
            "{:?} was answered with {answer:?}",
            String::from_utf8_lossy(garbage)
        );
    }
    still_serves(&server).await;
}

#[tokio::test]
async fn an_oversized_request_head_is_refused() {
    let limits = Limits { max_header_bytes: 16 * 1024, ..Limits::default() };
    let server = start_with(limits).await;
    let huge =
        format!("GET /t/huge/x HTTP/1.1\r\nHost: api.test\r\nX-Big: {}\r\n\r\n", "a".repeat(200 * 1024));
    let answer = raw_exchange(&server, huge.as_bytes()).await;
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 431"), "answered {answer:?}");
    assert!(server.journal().entries("huge").is_empty(), "an oversized request never reaches a behaviour");

    for transport in [Transport::H2c, Transport::Https2] {
        let req = request(&server, transport, "GET", "/t/huge2/x")
            .header("x-big", "a".repeat(64 * 1024))
            .body(String::new())
            .unwrap();
        // A reset stream or connection is a refusal too; an answer must be 431.
        if let Ok(received) = send(&server, transport, req).await {
            assert_eq!(received.status, 431, "{transport:?}");
        }
    }
    assert!(server.journal().entries("huge2").is_empty());
    still_serves(&server).await;
}

#[tokio::test]
async fn a_client_too_slow_to_send_its_request_is_cut_off() {
    let limits = Limits { header_read_timeout: Duration::from_millis(300), ..Limits::default() };
    let server = start_with(limits).await;
    let mut stream = TcpStream::connect(server.local_addr(Listener::HttpA)).await.unwrap();
    stream.write_all(b"GET /t/slow/x HTTP/1.1\r\nHost: a").await.unwrap();
    let mut buffer = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut buffer)).await;
    assert!(closed.is_ok(), "the server kept a slow client's connection open");
    still_serves(&server).await;
}

#[tokio::test]
async fn a_failed_tls_handshake_closes_only_that_connection() {
    let limits = Limits { tls_handshake_timeout: Duration::from_millis(300), ..Limits::default() };
    let server = start_with(limits).await;
    let https = server.local_addr(Listener::Https);

    let mut plain_http_on_tls = TcpStream::connect(https).await.unwrap();
    plain_http_on_tls.write_all(b"GET / HTTP/1.1\r\nHost: api.test\r\n\r\n").await.unwrap();
    let mut buffer = Vec::new();
    let closed =
        tokio::time::timeout(Duration::from_secs(5), plain_http_on_tls.read_to_end(&mut buffer)).await;
    assert!(closed.is_ok(), "plain HTTP on the TLS port was not closed");

    let mut silent = TcpStream::connect(https).await.unwrap();
    let closed = tokio::time::timeout(Duration::from_secs(5), silent.read_to_end(&mut buffer)).await;
    assert!(closed.is_ok(), "a client that never starts the handshake was not cut off");

    still_serves(&server).await;
}

#[tokio::test]
async fn connections_past_the_limit_are_closed_at_once_while_every_one_is_answering() {
    let server = start_with(Limits { max_connections: 4, ..Limits::default() }).await;
    let addr = server.local_addr(Listener::HttpA);
    let mut held = Vec::new();
    for _ in 0..4 {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        // A delayed answer keeps the connection busy: an idle one would be shed for a newcomer.
        stream.write_all(b"GET /t/held/x?delay_ms=2000 HTTP/1.1\r\nHost: app.test\r\n\r\n").await.unwrap();
        held.push(stream);
    }
    let recorded = server.journal().wait_for("held", 4, Duration::from_secs(5)).await;
    assert_eq!(recorded.len(), 4, "the held requests did not all arrive");
    let mut extra = TcpStream::connect(addr).await.unwrap();
    let _ = extra.write_all(b"GET /t/extra/x HTTP/1.1\r\nHost: app.test\r\n\r\n").await;
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), extra.read_to_end(&mut answer)).await;
    assert!(matches!(read, Ok(Ok(0)) | Ok(Err(_))), "the fifth connection got {answer:?}");
    assert!(server.journal().entries("extra").is_empty());
    assert_eq!((server.refused_connections(), server.shed_connections()), (1, 0));
    for stream in &mut held {
        let mut first = [0u8; 12];
        stream.read_exact(&mut first).await.unwrap();
        assert_eq!(&first, b"HTTP/1.1 200", "a held connection lost its answer");
    }

    held.clear();
    let mut later = None;
    for _ in 0..50 {
        // The freed slots come back as the server notices the closed connections.
        tokio::time::sleep(Duration::from_millis(20)).await;
        let req = request(&server, Transport::Http1, "GET", "/t/later/x").body(String::new()).unwrap();
        if let Ok(received) = send(&server, Transport::Http1, req).await {
            later = Some(received.status);
            break;
        }
    }
    assert_eq!(later, Some(200), "slots are given back when connections close");
}

#[tokio::test]
async fn many_concurrent_requests_are_all_answered_and_journaled() {
    let server = std::sync::Arc::new(start_with(Limits::default()).await);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..400 {
        let server = server.clone();
        tasks.spawn(async move {
            let transport = Transport::ALL[i % Transport::ALL.len()];
            let req = request(&server, transport, "GET", &format!("/t/many-{i}/x?acao=*"))
                .body(String::new())
                .unwrap();
            send(&server, transport, req).await.map(|r| r.status)
        });
    }
    while let Some(result) = tasks.join_next().await {
        assert_eq!(result.unwrap().unwrap(), 200);
    }
    for i in 0..400 {
        assert_eq!(server.journal().entries(&format!("many-{i}")).len(), 1);
    }
}

#[tokio::test]
async fn shutdown_closes_the_listeners() {
    let server = start_with(Limits::default()).await;
    let addr = server.local_addr(Listener::HttpA);
    server.shutdown().await;
    assert!(TcpStream::connect(addr).await.is_err(), "the port still accepts after shutdown");
}

#[tokio::test]
async fn a_server_on_threads_of_its_own_answers_journals_and_stops() {
    let config = ServerConfig { threads: 2, ..ServerConfig::default() };
    let server = MockServer::start(config).await.expect("the mock server starts");
    for transport in Transport::ALL {
        let req = request(&server, transport, "GET", "/t/threaded/x?acao=*").body(String::new()).unwrap();
        let received = send(&server, transport, req).await.unwrap_or_else(|e| panic!("{transport:?}: {e:#}"));
        assert_eq!((received.status, received.one("access-control-allow-origin")), (200, Some("*")));
    }
    assert_eq!(server.journal().entries("threaded").len(), Transport::ALL.len());
    let addr = server.local_addr(Listener::HttpA);
    server.shutdown().await;
    assert!(TcpStream::connect(addr).await.is_err(), "the port still accepts after shutdown");
}

#[tokio::test]
async fn shutdown_ends_open_connections_on_every_listener() {
    for threads in [0, 2] {
        let server = MockServer::start(ServerConfig { threads, ..ServerConfig::default() })
            .await
            .expect("the mock server starts");
        let mut open = Vec::new();
        for listener in [Listener::HttpA, Listener::HttpB, Listener::Https] {
            let mut stream = TcpStream::connect(server.local_addr(listener)).await.unwrap();
            if listener != Listener::Https {
                // A keep-alive connection that has been served and waits for its next request.
                stream.write_all(b"GET /t/open/x HTTP/1.1\r\nHost: a\r\n\r\n").await.unwrap();
                let mut answer = [0u8; 12];
                stream.read_exact(&mut answer).await.unwrap();
                assert_eq!(&answer, b"HTTP/1.1 200");
            }
            open.push((listener, stream));
        }
        let mut proxied = TcpStream::connect(server.proxy_addr()).await.unwrap();
        proxied.write_all(b"GET http://").await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        open.push((Listener::HttpA, proxied));

        server.shutdown().await;
        for (listener, mut stream) in open {
            let mut rest = Vec::new();
            let ended = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut rest)).await;
            assert!(ended.is_ok(), "threads {threads}: a {listener} connection stayed open after shutdown");
        }
    }
}
