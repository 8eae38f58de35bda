//! Idle and slow connections cannot hold the mock server: when every slot is taken, the
//! connection that has waited longest for a request head makes room for a new one, a connection
//! being answered is never closed, and a head that comes too slowly is cut off. Each test runs a
//! real server on loopback with a small connection cap.

mod support;

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use corsproof_behaviour::Listener;
use corsproof_server::{Limits, MockServer, ServerConfig};
use support::{Transport, request, send};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Long enough for anything that should happen at all on a loaded machine.
const PATIENCE: Duration = Duration::from_secs(10);

async fn start_with(limits: Limits) -> MockServer {
    MockServer::start(ServerConfig { limits, ..ServerConfig::default() })
        .await
        .expect("the mock server starts")
}

/// Sends one keep-alive request for `path` on `stream` and reads its answer to the end of the
/// body; the status code.
async fn exchange(stream: &mut TcpStream, path: &str) -> u16 {
    let head = format!("GET {path} HTTP/1.1\r\nHost: app.test\r\n\r\n");
    stream.write_all(head.as_bytes()).await.expect("the request is sent");
    let mut read = Vec::new();
    let answered = tokio::time::timeout(PATIENCE, async {
        loop {
            let text = String::from_utf8_lossy(&read).into_owned();
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let length = head
                    .lines()
                    .find_map(|line| line.strip_prefix("content-length: "))
                    .map_or(0, |length| length.trim().parse::<usize>().expect("a length"));
                if body.len() >= length {
                    return head[9..12].parse::<u16>().expect("a status code");
                }
            }
            let mut chunk = [0u8; 4096];
            let count = stream.read(&mut chunk).await.expect("the answer is read");
            assert!(count > 0, "the connection closed before its answer; read {text:?}");
            read.extend_from_slice(&chunk[..count]);
        }
    });
    answered.await.expect("an answer in time")
}

/// Whether the server closes `stream` (a read ends or fails) within [`PATIENCE`].
async fn closed_by_server(stream: &mut TcpStream) -> bool {
    let mut sink = Vec::new();
    matches!(tokio::time::timeout(PATIENCE, stream.read_to_end(&mut sink)).await, Ok(Ok(0) | Err(_)))
}

/// Whether `stream` is still open: nothing to read, no end of stream, for a moment.
async fn still_open(stream: &mut TcpStream) -> bool {
    let mut byte = [0u8; 1];
    tokio::time::timeout(Duration::from_millis(200), stream.read(&mut byte)).await.is_err()
}

#[tokio::test]
async fn the_connection_idle_longest_makes_room_for_a_new_one() {
    let server = start_with(Limits { max_connections: 8, ..Limits::default() }).await;
    let addr = server.local_addr(Listener::HttpA);
    let mut idle = Vec::new();
    for i in 0..8 {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        // One exchange each, in order: the first one has waited longest for its next request.
        assert_eq!(exchange(&mut stream, &format!("/t/idle-{i}/x")).await, 200);
        idle.push(stream);
    }
    let mut fresh = TcpStream::connect(addr).await.unwrap();
    assert_eq!(exchange(&mut fresh, "/t/fresh/x").await, 200);
    assert!(closed_by_server(&mut idle[0]).await, "the oldest idle connection was not shed");
    for stream in &mut idle[1..] {
        assert!(still_open(stream).await, "a newer idle connection was shed too");
    }
    assert_eq!((server.shed_connections(), server.refused_connections()), (1, 0));

    // The next newcomer sheds the next oldest, whatever its listener.
    let received = send(
        &server,
        Transport::Https2,
        request(&server, Transport::Https2, "GET", "/t/tls/x").body(String::new()).unwrap(),
    )
    .await
    .expect("a TLS client is answered at the cap");
    assert_eq!(received.status, 200);
    assert!(closed_by_server(&mut idle[1]).await, "the next oldest idle connection was not shed");
    assert_eq!(server.shed_connections(), 2, "the fresh plain and TLS connections each took a slot");
}

#[tokio::test]
async fn a_connection_being_answered_is_never_shed() {
    let server = Arc::new(start_with(Limits { max_connections: 4, ..Limits::default() }).await);
    // The oldest connections are mid-answer (a delayed reply): one on the plain listeners' fast
    // path, one HTTP/2 and one HTTPS connection served by hyper. The youngest is idle.
    let mut answering = tokio::task::JoinSet::new();
    for transport in [Transport::Http1, Transport::H2c, Transport::Https1] {
        let server = server.clone();
        answering.spawn(async move {
            let req =
                request(&server, transport, "GET", "/t/slow/x?delay_ms=1500").body(String::new()).unwrap();
            send(&server, transport, req).await.map(|received| received.status)
        });
    }
    let recorded = server.journal().wait_for("slow", 3, PATIENCE).await;
    assert_eq!(recorded.len(), 3, "the delayed requests did not arrive");
    let mut idle = TcpStream::connect(server.local_addr(Listener::HttpA)).await.unwrap();
    assert_eq!(exchange(&mut idle, "/t/idle/x").await, 200);

    let mut fresh = TcpStream::connect(server.local_addr(Listener::HttpA)).await.unwrap();
    assert_eq!(exchange(&mut fresh, "/t/fresh/x").await, 200);
    assert!(closed_by_server(&mut idle).await, "the idle connection was not the one shed");
    while let Some(status) = answering.join_next().await {
        let status = status.unwrap().unwrap_or_else(|error| panic!("a delayed answer was lost: {error:#}"));
        assert_eq!(status, 200);
    }
    assert_eq!((server.shed_connections(), server.refused_connections()), (1, 0));
}

#[tokio::test]
async fn a_stalled_tls_handshake_and_a_silent_proxy_client_are_waiting_too() {
    let server = start_with(Limits { max_connections: 3, ..Limits::default() }).await;
    let mut handshake = TcpStream::connect(server.local_addr(Listener::Https)).await.unwrap();
    let mut proxy = TcpStream::connect(server.proxy_addr()).await.unwrap();
    let mut idle = TcpStream::connect(server.local_addr(Listener::HttpA)).await.unwrap();
    assert_eq!(exchange(&mut idle, "/t/idle/x").await, 200);

    let mut fresh = TcpStream::connect(server.local_addr(Listener::HttpA)).await.unwrap();
    assert_eq!(exchange(&mut fresh, "/t/fresh-1/x").await, 200);
    assert!(closed_by_server(&mut handshake).await, "a stalled TLS handshake was not shed first");
    let mut fresh = TcpStream::connect(server.local_addr(Listener::HttpA)).await.unwrap();
    assert_eq!(exchange(&mut fresh, "/t/fresh-2/x").await, 200);
    assert!(closed_by_server(&mut proxy).await, "a silent proxy client was not shed next");
    assert!(still_open(&mut idle).await);
    assert_eq!(server.shed_connections(), 2);
}

#[tokio::test]
async fn a_head_sent_a_byte_at_a_time_is_cut_off_by_the_header_timeout() {
    let limits = Limits { header_read_timeout: Duration::from_millis(500), ..Limits::default() };
    let server = start_with(limits).await;
    let mut slow = TcpStream::connect(server.local_addr(Listener::HttpA)).await.unwrap();
    let head = b"GET /t/slowloris/x HTTP/1.1\r\nHost: app.test\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    let started = Instant::now();
    let mut cut_off = false;
    for byte in head {
        if slow.write_all(&[*byte]).await.is_err() {
            cut_off = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        if started.elapsed() > PATIENCE {
            break;
        }
    }
    // Writing into a closed connection can succeed a while before it fails; the read says.
    assert!(cut_off || closed_by_server(&mut slow).await, "a byte-at-a-time head kept its connection");
    assert!(server.journal().entries("slowloris").is_empty());
}

#[tokio::test]
async fn keep_alive_idleness_counts_against_the_header_timeout() {
    let limits = Limits { header_read_timeout: Duration::from_millis(300), ..Limits::default() };
    let server = start_with(limits).await;
    // The fast path of the plain listeners.
    let mut plain = TcpStream::connect(server.local_addr(Listener::HttpA)).await.unwrap();
    assert_eq!(exchange(&mut plain, "/t/plain/x").await, 200);
    assert!(closed_by_server(&mut plain).await, "an idle keep-alive connection stayed open");
    // hyper's HTTP/1, behind the routing proxy.
    let mut proxied = TcpStream::connect(server.proxy_addr()).await.unwrap();
    let port = server.local_addr(Listener::HttpA).port();
    assert_eq!(exchange(&mut proxied, &format!("http://app.test:{port}/t/proxied/x")).await, 200);
    assert!(closed_by_server(&mut proxied).await, "an idle proxy connection stayed open");
}

/// What the server logged, by the thread that logged it: each test here runs its server on its
/// own single thread. The subscriber is the process's global one, installed once: a
/// thread-scoped one misses events whose callsite another thread's test registered first.
fn logged_on_this_thread() -> &'static Mutex<HashMap<ThreadId, Vec<u8>>> {
    static LOGGED: OnceLock<Mutex<HashMap<ThreadId, Vec<u8>>>> = OnceLock::new();
    LOGGED.get_or_init(|| {
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::WARN)
            .with_ansi(false)
            .with_writer(|| ThreadLog)
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("no other global subscriber");
        Mutex::default()
    })
}

/// A `tracing` writer into [`logged_on_this_thread`].
struct ThreadLog;

impl Write for ThreadLog {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let mut logged = logged_on_this_thread().lock().unwrap();
        logged.entry(std::thread::current().id()).or_default().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_flood_of_idle_and_slow_connections_leaves_room_and_logs_counts_not_lines() {
    logged_on_this_thread();
    let limits =
        Limits { max_connections: 32, header_read_timeout: Duration::from_secs(5), ..Limits::default() };
    let server = Arc::new(start_with(limits).await);
    let started = Instant::now();
    let addr = server.local_addr(Listener::HttpA);
    let mut flood = Vec::new();
    let mut slowloris = tokio::task::JoinSet::new();
    for i in 0..200 {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        if i % 2 == 0 {
            flood.push(stream);
        } else {
            slowloris.spawn(async move {
                while stream.write_all(b"G").await.is_ok() {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            });
        }
    }
    for i in 0..20 {
        let transport = Transport::ALL[i % Transport::ALL.len()];
        let req = request(&server, transport, "GET", &format!("/t/fresh-{i}/x")).body(String::new()).unwrap();
        let received = tokio::time::timeout(PATIENCE, send(&server, transport, req))
            .await
            .unwrap_or_else(|_| panic!("fresh request {i} ({transport:?}) was not answered in time"))
            .unwrap_or_else(|error| panic!("fresh request {i} ({transport:?}) failed: {error:#}"));
        assert_eq!(received.status, 200);
    }
    assert!(server.shed_connections() >= 200 - 32, "shed {}", server.shed_connections());
    assert_eq!(server.refused_connections(), 0);
    // The slow heads are cut off by the header timeout or shed; none is ever answered.
    tokio::time::timeout(PATIENCE, async { while slowloris.join_next().await.is_some() {} })
        .await
        .expect("every slow connection was closed");

    // Past the report interval, so that the last counts are logged.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let logged = logged_on_this_thread().lock().unwrap().remove(&std::thread::current().id());
    let log = String::from_utf8(logged.unwrap_or_default()).unwrap();
    let lines = log.lines().count();
    let seconds = started.elapsed().as_secs() as usize;
    assert!(lines >= 1, "nothing was logged");
    assert!(lines <= seconds + 1, "{lines} lines in {seconds} s:\n{log}");
    assert!(log.contains("connections turned away in the last second"), "{log}");
    let shed_logged: u64 = log
        .lines()
        .filter_map(|line| line.split("shed=").nth(1))
        .filter_map(|rest| rest.split_whitespace().next()?.parse::<u64>().ok())
        .sum();
    assert_eq!(shed_logged, server.shed_connections(), "the logged counts add up to the total");
    drop(flood);
}
