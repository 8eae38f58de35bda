//! The routing proxy answers for the server's own origins in-process, as a browser configured with
//! it (WebKit through its WebDriver `proxy` capability) uses it, and refuses everything else
//! without connecting anywhere.

mod support;

use std::time::Duration;

use bytes::Bytes;
use corsproof_behaviour::Listener;
use corsproof_server::{
    Limits, MockServer, PageHost, ServerConfig, TARGET_TOKEN, TargetAnswer, TargetServer,
};
use http_body_util::Full;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use support::{Received, Transport, over, read_response, start, tls_connect};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// An HTTP/1.1 keep-alive connection to the proxy.
async fn proxy_connection(server: &MockServer) -> SendRequest<Full<Bytes>> {
    let tcp = TcpStream::connect(server.proxy_addr()).await.expect("the proxy accepts");
    let (sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(tcp)).await.expect("an HTTP/1.1 connection");
    tokio::spawn(connection);
    sender
}

/// `GET` in absolute form, as WebKit sends it to its proxy.
fn absolute_get(url: &str) -> http::Request<Full<Bytes>> {
    let authority = url.parse::<http::Uri>().expect("a URL").authority().expect("a host").to_string();
    http::Request::get(url)
        .header("host", authority)
        .header("proxy-connection", "keep-alive")
        .header("origin", "http://app.test:1")
        .body(Full::default())
        .expect("a request")
}

/// Sends one request on a proxy connection and reads the whole answer.
async fn through(sender: &mut SendRequest<Full<Bytes>>, request: http::Request<Full<Bytes>>) -> Received {
    let exchange = async { read_response(sender.send_request(request).await?).await };
    tokio::time::timeout(Duration::from_secs(20), exchange)
        .await
        .expect("an answer within 20 s")
        .expect("a whole answer")
}

/// Writes raw bytes to the proxy and reads until it closes (or 5 s pass).
async fn raw_exchange(server: &MockServer, bytes: &[u8]) -> String {
    let mut stream = TcpStream::connect(server.proxy_addr()).await.expect("the proxy accepts");
    // The server may close before reading everything; that is an acceptable answer too.
    let _ = stream.write_all(bytes).await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer).into_owned()
}

/// Opens a `CONNECT` tunnel to `authority` and returns the stream after the proxy's `200`.
async fn tunnel(server: &MockServer, authority: &str) -> TcpStream {
    let stream = TcpStream::connect(server.proxy_addr()).await.expect("the proxy accepts");
    connect(stream, authority).await
}

/// Asks for a tunnel to `authority` on a connection to the proxy, plain or TLS.
async fn connect<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S, authority: &str) -> S {
    let connect = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n\r\n");
    stream.write_all(connect.as_bytes()).await.expect("the CONNECT is sent");
    // Byte by byte, so nothing after the head is read: the tunnel's first bytes are the origin's.
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let byte = tokio::time::timeout(Duration::from_secs(5), stream.read_u8()).await;
        head.push(byte.expect("the proxy answers the CONNECT").expect("the proxy keeps the connection"));
    }
    let head = String::from_utf8_lossy(&head);
    assert!(head.starts_with("HTTP/1.1 200"), "CONNECT {authority} was answered {head:?}");
    stream
}

#[tokio::test]
async fn an_absolute_form_get_is_answered_by_the_api_listener_as_a_direct_request_would_be() {
    let server = start().await;
    let api = server.origin("api").expect("api").clone();
    let mut proxy = proxy_connection(&server).await;
    let received = through(&mut proxy, absolute_get(&api.join("/t/via-proxy/data?acao=origin"))).await;
    assert_eq!(received.status, 200);
    assert_eq!(received.one("access-control-allow-origin"), Some("http://app.test:1"));

    let entries = server.journal().entries("via-proxy");
    assert_eq!(entries.len(), 1);
    let entry = &entries[0];
    assert_eq!((entry.listener, entry.scheme, entry.version), (Some(Listener::HttpB), "http", "HTTP/1.1"));
    assert_eq!(entry.authority, Some(format!("api.test:{}", api.port)));
    assert_eq!((entry.path.as_str(), entry.query.as_deref()), ("/t/via-proxy/data", Some("acao=origin")));
    assert_eq!(entry.header("proxy-connection"), None, "a proxy-only header reached the origin");

    // The same request sent straight to the listener is journaled the same way.
    let direct = support::request(&server, Transport::Http1, "GET", "/t/direct/data?acao=origin")
        .header("origin", "http://app.test:1")
        .body(String::new())
        .expect("a request");
    support::send(&server, Transport::Http1, direct).await.expect("a direct answer");
    let direct = &server.journal().entries("direct")[0];
    assert_eq!(
        (direct.listener, direct.scheme, &direct.authority, &direct.query, &direct.headers),
        (entry.listener, entry.scheme, &entry.authority, &entry.query, &entry.headers)
    );
}

#[tokio::test]
async fn one_keep_alive_proxy_connection_reaches_each_origin_on_its_own_listener() {
    let server = start().await;
    let mut proxy = proxy_connection(&server).await;
    let asked =
        [("app", "keep-app"), ("api", "keep-api"), ("app-port2", "keep-app2"), ("localhost", "keep-lh")];
    for (origin, token) in asked {
        let url = server.origin(origin).expect("a named origin").join(&format!("/t/{token}/x"));
        assert_eq!(through(&mut proxy, absolute_get(&url)).await.status, 200, "{url}");
    }
    for (origin, token) in asked {
        let entries = server.journal().entries(token);
        assert_eq!(entries.len(), 1, "{token}");
        assert_eq!(
            entries[0].listener,
            Some(server.origin(origin).expect("a named origin").listener),
            "{token}"
        );
    }
}

#[tokio::test]
async fn a_connect_tunnel_to_the_https_listener_speaks_tls_with_http1_and_http2() {
    let server = start().await;
    let https = server.origin("api-https").expect("api-https").clone();
    for transport in [Transport::Https1, Transport::Https2] {
        let tcp = tunnel(&server, &format!("api.test:{}", https.port)).await;
        let tls = tls_connect(&server, transport, tcp).await.expect("TLS through the tunnel");
        let token = format!("tunnel-{transport:?}");
        let mut request = support::request(&server, transport, "GET", &format!("/t/{token}/x?acao=*"))
            .body(Full::default())
            .expect("a request");
        if transport.is_h2() {
            request.headers_mut().remove("host");
        }
        let received = over(transport, TokioIo::new(tls), request).await.expect("an answer");
        assert_eq!((received.status, received.one("access-control-allow-origin")), (200, Some("*")));

        let entries = server.journal().entries(&token);
        assert_eq!(entries.len(), 1, "{transport:?}");
        assert_eq!((entries[0].listener, entries[0].scheme), (Some(Listener::Https), "https"));
        assert_eq!(entries[0].version, if transport.is_h2() { "HTTP/2" } else { "HTTP/1.1" });
    }
}

/// WebKit's `sslProxy` is an HTTPS proxy: TLS to the proxy, `CONNECT` inside it, then the
/// origin's own TLS inside the tunnel.
#[tokio::test]
async fn a_tls_connection_to_the_proxy_carries_a_connect_tunnel_with_the_origins_own_tls() {
    let server = start().await;
    let https = server.origin("api-https").expect("api-https").clone();
    let tcp = TcpStream::connect(server.proxy_addr()).await.expect("the proxy accepts");
    let mut roots = rustls::RootCertStore::empty();
    roots.add(server.certificates().ca_der.clone()).expect("the CA");
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
    let name = rustls::pki_types::ServerName::IpAddress(std::net::Ipv4Addr::LOCALHOST.into());
    let to_proxy = connector.connect(name, tcp).await.expect("the proxy's certificate names 127.0.0.1");
    assert_eq!(to_proxy.get_ref().1.alpn_protocol(), Some(&b"http/1.1"[..]), "a proxy speaks HTTP/1.1");

    let tunnelled = connect(to_proxy, &format!("api.test:{}", https.port)).await;
    let tls = tls_connect(&server, Transport::Https2, tunnelled).await.expect("the origin's TLS inside");
    let request = support::request(&server, Transport::Https2, "GET", "/t/tls-proxy/x?acao=*")
        .body(Full::default())
        .expect("a request");
    let received = over(Transport::Https2, TokioIo::new(tls), request).await.expect("an answer");
    assert_eq!((received.status, received.one("access-control-allow-origin")), (200, Some("*")));
    let entries = server.journal().entries("tls-proxy");
    assert_eq!(entries.len(), 1);
    assert_eq!(
        (entries[0].listener, entries[0].scheme, entries[0].version),
        (Some(Listener::Https), "https", "HTTP/2")
    );
}

#[tokio::test]
async fn a_connect_tunnel_to_a_plain_listener_is_that_listeners_connection() {
    let server = start().await;
    let app = server.origin("app").expect("app").clone();
    let tcp = tunnel(&server, &format!("app.test:{}", app.port)).await;
    let request = absolute_get(&app.join("/t/plain-tunnel/x"));
    let received = over(Transport::Http1, TokioIo::new(tcp), request).await.expect("an answer");
    assert_eq!(received.status, 200);
    let entries = server.journal().entries("plain-tunnel");
    assert_eq!((entries.len(), entries[0].listener, entries[0].scheme), (1, Some(Listener::HttpA), "http"));
}

#[tokio::test]
async fn foreign_hosts_and_ports_get_a_502_and_nothing_is_connected_to_or_journaled() {
    let server = start().await;
    // A port on this machine that is not one of the server's: the proxy must not connect to it.
    let bystander = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let port = bystander.local_addr().expect("its address").port();
    let api_port = server.origin("api").expect("api").port;

    let mut proxy = proxy_connection(&server).await;
    for url in [
        "http://example.com:80/t/foreign/x".to_owned(),
        format!("http://127.0.0.1:{port}/t/foreign/x"),
        format!("http://example.com:{api_port}/t/foreign/x"),
    ] {
        let received = through(&mut proxy, absolute_get(&url)).await;
        assert_eq!(received.status, 502, "{url}");
        assert!(
            received.body.contains("corsproof proxy") && received.body.contains(&url),
            "{}",
            received.body
        );
    }
    for authority in ["example.com:443".to_owned(), format!("127.0.0.1:{port}")] {
        let answer = raw_exchange(
            &server,
            format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await;
        assert!(answer.starts_with("HTTP/1.1 502"), "CONNECT {authority}: {answer:?}");
    }

    let connected = tokio::time::timeout(Duration::from_millis(300), bystander.accept()).await;
    assert!(connected.is_err(), "the proxy connected to a foreign port");
    assert_eq!(server.journal().len(), 0, "a refused request was journaled");
}

#[tokio::test]
async fn an_origin_form_request_to_the_proxy_gets_a_400() {
    let server = start().await;
    let api_port = server.origin("api").expect("api").port;
    let request =
        format!("GET /t/origin-form/x HTTP/1.1\r\nHost: api.test:{api_port}\r\nConnection: close\r\n\r\n");
    let answer = raw_exchange(&server, request.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 400"), "answered {answer:?}");
    assert!(answer.contains("corsproof proxy"), "answered {answer:?}");
    assert_eq!(server.journal().len(), 0);
}

/// The proxy still forwards a request.
async fn still_forwards(server: &MockServer) {
    let url = server.origin("api").expect("api").join("/t/after/x");
    let mut proxy = proxy_connection(server).await;
    assert_eq!(through(&mut proxy, absolute_get(&url)).await.status, 200);
}

#[tokio::test]
async fn garbage_and_oversized_heads_do_not_bring_the_proxy_down() {
    let limits = Limits { max_header_bytes: 16 * 1024, ..Limits::default() };
    let server = MockServer::start(ServerConfig { limits, ..ServerConfig::default() })
        .await
        .expect("the mock server starts");
    let huge = format!("GET http://api.test:1/ HTTP/1.1\r\nX-Big: {}\r\n\r\n", "a".repeat(200 * 1024));
    for garbage in [
        &b"\x16\x03\x01\x02\x00garbage\r\n\r\n"[..],
        b"\0\0\0\0\0\0\0\0\r\n\r\n",
        b"CONNECT\r\n\r\n",
        b"CONNECT api.test HTTP/1.1\r\nConnection: close\r\n\r\n",
        b"CONNECT :443 HTTP/1.1\r\nConnection: close\r\n\r\n",
        b"GET http://[::1 HTTP/1.1\r\n\r\n",
        b"GET http://api.test:99999/ HTTP/1.1\r\nConnection: close\r\n\r\n",
        b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        huge.as_bytes(),
    ] {
        let answer = raw_exchange(&server, garbage).await;
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 4") || answer.starts_with("HTTP/1.1 502"),
            "{:?} was answered with {answer:?}",
            String::from_utf8_lossy(garbage)
        );
    }
    // A tunnel whose first bytes, sent with the CONNECT, are no TLS hello.
    let https_port = server.origin("api-https").expect("api-https").port;
    let connect = format!("CONNECT api.test:{https_port} HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n");
    let answer = raw_exchange(&server, connect.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "answered {answer:?}");
    still_forwards(&server).await;
}

#[tokio::test]
async fn slow_clients_and_silent_tunnels_are_cut_off() {
    let limits = Limits {
        header_read_timeout: Duration::from_millis(300),
        tls_handshake_timeout: Duration::from_millis(300),
        ..Limits::default()
    };
    let server = MockServer::start(ServerConfig { limits, ..ServerConfig::default() })
        .await
        .expect("the mock server starts");
    let mut slow = TcpStream::connect(server.proxy_addr()).await.expect("the proxy accepts");
    slow.write_all(b"GET http://api.test:1/ HTTP/1.1\r\nHost: a").await.expect("written");
    let mut buffer = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut buffer)).await;
    assert!(closed.is_ok(), "the proxy kept a slow client's connection open");

    let https_port = server.origin("api-https").expect("api-https").port;
    let mut silent = tunnel(&server, &format!("api.test:{https_port}")).await;
    let closed = tokio::time::timeout(Duration::from_secs(5), silent.read_to_end(&mut buffer)).await;
    assert!(closed.is_ok(), "a tunnel that never starts its TLS handshake was not cut off");
    still_forwards(&server).await;
}

#[tokio::test]
async fn the_proxy_counts_against_the_connection_limit() {
    let server = MockServer::start(ServerConfig {
        limits: Limits { max_connections: 2, ..Limits::default() },
        ..ServerConfig::default()
    })
    .await
    .expect("the mock server starts");
    let api = server.origin("api").expect("api").clone();
    let mut held = tokio::task::JoinSet::new();
    for _ in 0..2 {
        // Being answered (a delayed reply), so neither can be shed for the third connection.
        let mut proxy = proxy_connection(&server).await;
        let url = api.join("/t/held/x?delay_ms=2000");
        held.spawn(async move { through(&mut proxy, absolute_get(&url)).await.status });
    }
    assert_eq!(server.journal().wait_for("held", 2, Duration::from_secs(10)).await.len(), 2);
    let answer = raw_exchange(&server, b"GET http://api.test:1/ HTTP/1.1\r\nHost: api.test:1\r\n\r\n").await;
    assert!(answer.is_empty(), "the third connection got {answer:?}");
    assert_eq!((server.refused_connections(), server.shed_connections()), (1, 0));
    while let Some(status) = held.join_next().await {
        assert_eq!(status.expect("a held exchange"), 200);
    }
}

#[tokio::test]
async fn a_server_on_threads_of_its_own_proxies_and_stops() {
    let config = ServerConfig { threads: 2, ..ServerConfig::default() };
    let server = MockServer::start(config).await.expect("the mock server starts");
    still_forwards(&server).await;
    assert_eq!(server.journal().entries("after").len(), 1);
    let proxy = server.proxy_addr();
    server.shutdown().await;
    assert!(TcpStream::connect(proxy).await.is_err(), "the proxy still accepts after shutdown");
}

/// A mock server whose routing proxy serves a page origin a user chose, and passes on requests
/// for "your server" (a second mock server, a real one on its own port) and journals them.
async fn with_page_and_target() -> (MockServer, MockServer) {
    let yours = start().await;
    let target = TargetServer {
        host: "127.0.0.1".into(),
        port: yours.local_addr(Listener::HttpB).port(),
        address: None,
    };
    let page = PageHost { host: "app.example.com".into(), port: 443, secure: true };
    let config = ServerConfig { pages: vec![page], target: Some(target), ..ServerConfig::default() };
    (MockServer::start(config).await.expect("the mock server starts"), yours)
}

#[tokio::test]
async fn your_server_is_passed_on_and_every_exchange_journaled_with_its_answer() {
    let (server, yours) = with_page_and_target().await;
    let port = yours.local_addr(Listener::HttpB).port();
    let mut proxy = proxy_connection(&server).await;
    let preflight =
        http::Request::options(format!("http://127.0.0.1:{port}/t/mine/data?acao=origin&status=401"))
            .header("host", format!("127.0.0.1:{port}"))
            .header("origin", "https://app.example.com")
            .header("access-control-request-method", "PUT")
            .header("connection", "keep-alive")
            .body(Full::default())
            .expect("a request");
    let received = through(&mut proxy, preflight).await;
    assert_eq!(received.status, 401, "your server's own answer comes back");
    assert_eq!(received.one("access-control-allow-origin"), Some("https://app.example.com"));

    assert_eq!(yours.journal().entries("mine").len(), 1, "it reached your server");
    let seen = server.journal().entries(TARGET_TOKEN);
    assert_eq!(seen.len(), 1);
    let entry = &seen[0];
    assert_eq!((entry.listener, entry.preflight, entry.method.as_str()), (None, true, "OPTIONS"));
    assert_eq!((entry.path.as_str(), entry.origin()), ("/t/mine/data", Some("https://app.example.com")));
    assert!(entry.header("connection").is_none(), "hop-by-hop headers are not passed on");
    let Some(TargetAnswer::Response { status, headers }) = &entry.answer else {
        panic!("the answer is journaled: {:?}", entry.answer)
    };
    assert_eq!(*status, 401);
    assert!(
        headers.contains(&("access-control-allow-origin".into(), "https://app.example.com".into())),
        "{headers:?}"
    );
}

#[tokio::test]
async fn your_server_not_answering_closes_the_connection_and_says_why_in_the_journal() {
    let unused = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let port = unused.local_addr().expect("its address").port();
    drop(unused);
    let target = TargetServer { host: "127.0.0.1".into(), port, address: None };
    let server = MockServer::start(ServerConfig { target: Some(target), ..ServerConfig::default() })
        .await
        .expect("the mock server starts");
    let answer = raw_exchange(
        &server,
        format!("GET http://127.0.0.1:{port}/x HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n").as_bytes(),
    )
    .await;
    assert_eq!(answer, "", "no response: the browser sees the network error it would see directly");
    let seen = server.journal().entries(TARGET_TOKEN);
    let Some(TargetAnswer::Failed(why)) = &seen[0].answer else { panic!("{:?}", seen[0].answer) };
    assert!(why.contains("cannot connect to 127.0.0.1:"), "{why}");
}

#[tokio::test]
async fn a_chosen_https_page_origin_is_the_tls_listener_with_a_certificate_for_its_name() {
    let (server, _yours) = with_page_and_target().await;
    assert!(server.host_names().iter().any(|name| name == "app.example.com"));
    let tcp = tunnel(&server, "app.example.com:443").await;
    let mut roots = rustls::RootCertStore::empty();
    roots.add(server.certificates().ca_der.clone()).expect("the CA");
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
    let name = rustls::pki_types::ServerName::try_from("app.example.com").expect("a name");
    let tls = connector.connect(name, tcp).await.expect("the certificate names app.example.com");
    let request = http::Request::get("/_page")
        .header("host", "app.example.com")
        .body(Full::default())
        .expect("a request");
    let received = over(Transport::Http1, TokioIo::new(tls), request).await.expect("an answer");
    assert_eq!(received.status, 200);
    assert!(received.body.contains("corsproof"), "the blank page: {}", received.body);
}
