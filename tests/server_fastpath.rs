//! The plain listeners serve common HTTP/1.1 requests without hyper and hand anything unusual to
//! hyper: what a client sees and what the journal records are the same either way.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use corsproof_behaviour::Listener;
use corsproof_server::{Entry, MockServer};
use support::{Transport, request, send, start};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A request hyper serves: a chunked body is never the fast path's, and hyper keeps the
/// connection from there on, so whatever is sent after it on the same connection is hyper's too.
const HAND_OVER: &[u8] =
    b"POST /t/handover/x HTTP/1.1\r\nHost: api.test\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";

async fn connect(server: &MockServer) -> TcpStream {
    TcpStream::connect(server.local_addr(Listener::HttpA)).await.expect("the listener accepts")
}

/// Reads one response: its head, and as many body bytes as its `content-length` says (none after
/// a `HEAD`). `pending` keeps what was read past it.
async fn read_response(stream: &mut TcpStream, pending: &mut Vec<u8>, head_only: bool) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(end) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&pending[..end + 4]).into_owned();
            let length = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length: "))
                .map_or(0, |n| n.trim().parse::<usize>().expect("a length"));
            let total = end + 4 + if head_only { 0 } else { length };
            if pending.len() >= total {
                let response = String::from_utf8_lossy(&pending[..total]).into_owned();
                pending.drain(..total);
                return response;
            }
        }
        let mut chunk = [0u8; 4096];
        let read = tokio::time::timeout_at(deadline, stream.read(&mut chunk)).await;
        match read {
            Ok(Ok(n)) if n > 0 => pending.extend_from_slice(&chunk[..n]),
            other => {
                panic!("the response ended early ({other:?}); got {:?}", String::from_utf8_lossy(pending))
            }
        }
    }
}

/// The response without its `date` line, which changes by the second.
fn dateless(response: &str) -> String {
    response.split("\r\n").filter(|line| !line.starts_with("date: ")).collect::<Vec<_>>().join("\r\n")
}

/// A journal entry without what differs between two sends of one request (its token back to `TOKEN`).
fn as_sent(entry: &Entry) -> Entry {
    let token = entry.token.as_deref().unwrap_or_default();
    Entry {
        seq: 0,
        token: None,
        received_unix_ms: 0,
        path: entry.path.replacen(token, "TOKEN", 1),
        ..entry.clone()
    }
}

/// `request` (with a token of its own for `TOKEN`) answered by the fast path, and the same request
/// answered by hyper after a hand-over: both responses without their date, and both journal entries.
async fn fast_and_hyper(server: &MockServer, request: &str, head_only: bool) -> [(String, Entry); 2] {
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, Ordering::Relaxed);
    let mut answers = Vec::new();
    for (path, prefix) in [("fast", &b""[..]), ("hyper", HAND_OVER)] {
        let token = &format!("{path}-{call}");
        let mut stream = connect(server).await;
        let mut bytes = prefix.to_vec();
        bytes.extend_from_slice(request.replace("TOKEN", token).as_bytes());
        stream.write_all(&bytes).await.unwrap();
        let mut pending = Vec::new();
        if !prefix.is_empty() {
            let handed_over = read_response(&mut stream, &mut pending, false).await;
            assert!(handed_over.starts_with("HTTP/1.1 200 OK\r\n"), "{handed_over}");
        }
        let response = read_response(&mut stream, &mut pending, head_only).await;
        let entries = server.journal().wait_for(token, 1, Duration::from_secs(5)).await;
        assert_eq!(entries.len(), 1, "{token}: {entries:?}");
        answers.push((dateless(&response), entries[0].clone()));
    }
    let [fast, hyper] = <[_; 2]>::try_from(answers).unwrap();
    assert_eq!(fast.0, hyper.0, "the fast path answers as hyper does");
    assert_eq!(as_sent(&fast.1), as_sent(&hyper.1), "the fast path journals as hyper does");
    [fast, hyper]
}

#[tokio::test]
async fn the_fast_path_answers_and_journals_byte_for_byte_as_hyper_does() {
    let server = start().await;
    let [(response, entry), _] = fast_and_hyper(
        &server,
        "GET /t/TOKEN/x?acao=origin&acac=true&vary=Origin&cookie=a%3D1&header=X-A:%201&cookie=b%3D2 HTTP/1.1\r\n\
         Host: api.test:1\r\nOrigin: http://app.test:1\r\nX-Repeated: 1\r\nAccept: */*\r\nx-repeated: 2\r\n\r\n",
        false,
    )
    .await;
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    assert!(response.contains("\r\nset-cookie: a=1\r\nset-cookie: b=2\r\n"), "{response}");
    let names: Vec<&str> = entry.headers.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["host", "origin", "x-repeated", "x-repeated", "accept"], "grouped as a header map is");

    let [(preflight, entry), _] = fast_and_hyper(
        &server,
        "OPTIONS /t/TOKEN/x?acao=*&preflight_status=204 HTTP/1.1\r\nHost: api.test:1\r\n\
         Access-Control-Request-Method: PUT\r\nOrigin: http://app.test:1\r\n\r\n",
        false,
    )
    .await;
    assert!(preflight.starts_with("HTTP/1.1 204 No Content\r\n") && entry.preflight, "{preflight}");
    assert!(!preflight.contains("content-length"), "{preflight}");

    let [(missing, _), _] =
        fast_and_hyper(&server, "GET /t/TOKEN/x?status=599 HTTP/1.1\r\nHost: api.test:1\r\n\r\n", false)
            .await;
    assert!(missing.starts_with("HTTP/1.1 599 <none>\r\n"), "{missing}");
    let [(bad_query, _), _] =
        fast_and_hyper(&server, "GET /t/TOKEN/x?nonsense=1 HTTP/1.1\r\nHost: api.test:1\r\n\r\n", false)
            .await;
    assert!(bad_query.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{bad_query}");
}

#[tokio::test]
async fn head_gets_the_length_without_the_body() {
    let server = start().await;
    let [(response, _), _] =
        fast_and_hyper(&server, "HEAD /t/TOKEN/x?acao=* HTTP/1.1\r\nHost: api.test:1\r\n\r\n", true).await;
    assert!(response.contains("\r\ncontent-length: 2\r\n") && response.ends_with("\r\n\r\n"), "{response}");
}

#[tokio::test]
async fn a_body_with_a_content_length_is_counted() {
    let server = start().await;
    let [(response, entry), _] = fast_and_hyper(
        &server,
        "PUT /t/TOKEN/x?acao=* HTTP/1.1\r\nHost: api.test:1\r\nContent-Length: 10\r\n\r\n0123456789",
        false,
    )
    .await;
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    assert_eq!(entry.body_size, 10);
}

#[tokio::test]
async fn two_pipelined_requests_in_one_write_get_two_answers_in_order() {
    let server = start().await;
    let mut stream = connect(&server).await;
    stream
        .write_all(
            b"GET /t/pipe/1?status=201 HTTP/1.1\r\nHost: app.test\r\n\r\n\
              POST /t/pipe/2?status=202 HTTP/1.1\r\nHost: app.test\r\nContent-Length: 3\r\n\r\nabc",
        )
        .await
        .unwrap();
    let mut pending = Vec::new();
    let first = read_response(&mut stream, &mut pending, false).await;
    let second = read_response(&mut stream, &mut pending, false).await;
    assert!(first.starts_with("HTTP/1.1 201 Created\r\n"), "{first}");
    assert!(second.starts_with("HTTP/1.1 202 Accepted\r\n"), "{second}");
    let entries = server.journal().entries("pipe");
    let paths: Vec<(&str, u64)> = entries.iter().map(|e| (e.path.as_str(), e.body_size)).collect();
    assert_eq!(paths, [("/t/pipe/1", 0), ("/t/pipe/2", 3)]);
}

#[tokio::test]
async fn a_request_split_across_many_writes_is_put_together() {
    let server = start().await;
    let mut stream = connect(&server).await;
    let request = b"POST /t/split/x?acao=* HTTP/1.1\r\nHost: app.test\r\nOrigin: http://app.test\r\nContent-Length: 5\r\n\r\nhello";
    for piece in request.chunks(7) {
        stream.write_all(piece).await.unwrap();
        stream.flush().await.unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let response = read_response(&mut stream, &mut Vec::new(), false).await;
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    let entries = server.journal().entries("split");
    assert_eq!(entries.len(), 1);
    assert_eq!((entries[0].origin(), entries[0].body_size), (Some("http://app.test"), 5));
}

#[tokio::test]
async fn a_chunked_body_is_handed_to_hyper_with_the_connection() {
    let server = start().await;
    let mut stream = connect(&server).await;
    let mut bytes = b"GET /t/chunked/1 HTTP/1.1\r\nHost: app.test\r\n\r\n".to_vec();
    bytes.extend_from_slice(
        b"POST /t/chunked/2 HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\n\r\n",
    );
    bytes.extend_from_slice(b"4\r\nwiki\r\n5\r\npedia\r\n0\r\n\r\n");
    bytes.extend_from_slice(b"GET /t/chunked/3 HTTP/1.1\r\nHost: app.test\r\n\r\n");
    stream.write_all(&bytes).await.unwrap();
    let mut pending = Vec::new();
    for _ in 0..3 {
        let response = read_response(&mut stream, &mut pending, false).await;
        assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    }
    let entries = server.journal().entries("chunked");
    let paths: Vec<(&str, u64)> = entries.iter().map(|e| (e.path.as_str(), e.body_size)).collect();
    assert_eq!(paths, [("/t/chunked/1", 0), ("/t/chunked/2", 9), ("/t/chunked/3", 0)]);
}

#[tokio::test]
async fn http2_with_prior_knowledge_still_reaches_hyper() {
    let server = start().await;
    let req = request(&server, Transport::H2c, "GET", "/t/h2c/x?acao=*").body(String::new()).unwrap();
    let received = send(&server, Transport::H2c, req).await.unwrap();
    assert_eq!((received.status, received.version), (200, http::Version::HTTP_2));
    assert_eq!(server.journal().entries("h2c")[0].version, "HTTP/2");
}

#[tokio::test]
async fn connection_close_is_answered_then_the_connection_is_closed() {
    let server = start().await;
    let mut stream = connect(&server).await;
    stream
        .write_all(b"GET /t/close/x?acao=* HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer))
        .await
        .expect("the server closes the connection")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.contains("\r\nconnection: close\r\ncontent-length: 2\r\ndate: "), "{answer}");
    assert!(answer.ends_with("\r\n\r\nok"), "{answer}");
}

#[tokio::test]
async fn a_reply_that_closes_the_connection_sends_nothing() {
    let server = start().await;
    let mut stream = connect(&server).await;
    stream.write_all(b"GET /t/drop/x?close=true HTTP/1.1\r\nHost: app.test\r\n\r\n").await.unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    assert!(matches!(read, Ok(Ok(0)) | Ok(Err(_))), "got {:?}", String::from_utf8_lossy(&answer));
    assert_eq!(server.journal().entries("drop").len(), 1);
}
