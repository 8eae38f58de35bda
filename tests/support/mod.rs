//! A small, exact HTTP client for talking to the mock origins over real sockets: HTTP/1.1 and
//! HTTP/2, plain and TLS, one fresh connection per request so nothing is pooled or rewritten.

#![allow(dead_code)] // each test file uses a different part

pub mod implementations;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use corsproof_behaviour::Listener;
use corsproof_server::{MockServer, ServerConfig};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::ServerName;
use tokio::net::TcpStream;

/// How a request travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// HTTP/1.1 over TCP.
    Http1,
    /// HTTP/2 over TCP with prior knowledge.
    H2c,
    /// HTTP/1.1 over TLS (ALPN `http/1.1`).
    Https1,
    /// HTTP/2 over TLS (ALPN `h2`).
    Https2,
}

impl Transport {
    pub const ALL: [Transport; 4] = [Transport::Http1, Transport::H2c, Transport::Https1, Transport::Https2];

    pub fn is_tls(self) -> bool {
        matches!(self, Transport::Https1 | Transport::Https2)
    }

    pub fn is_h2(self) -> bool {
        matches!(self, Transport::H2c | Transport::Https2)
    }

    /// The origin of `api` this transport reaches.
    pub fn api_origin(self) -> &'static str {
        if self.is_tls() { "api-https" } else { "api" }
    }
}

/// A response as the client received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub status: u16,
    pub version: http::Version,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Received {
    /// Every value of a header, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).collect()
    }

    /// The only value of a header; fails the test when it is sent more than once.
    pub fn one(&self, name: &str) -> Option<&str> {
        let values = self.all(name);
        assert!(values.len() <= 1, "{name} sent {} times: {values:?}", values.len());
        values.first().copied()
    }
}

/// Starts a server with the default configuration.
pub async fn start() -> MockServer {
    MockServer::start(ServerConfig::default()).await.expect("the mock server starts")
}

/// A request to `path` on the transport's `api` origin.
pub fn request(
    server: &MockServer,
    transport: Transport,
    method: &str,
    path: &str,
) -> http::request::Builder {
    let origin = server.origin(transport.api_origin()).expect("api origin");
    http::Request::builder()
        .method(method)
        .uri(origin.join(path))
        .header("host", format!("{}:{}", origin.host, origin.port))
}

/// Sends one request on a new connection and reads the whole response.
pub async fn send(
    server: &MockServer,
    transport: Transport,
    request: http::Request<String>,
) -> Result<Received> {
    let listener = if transport.is_tls() { Listener::Https } else { Listener::HttpB };
    let addr = server.local_addr(listener);
    let mut request = request.map(|body| Full::new(Bytes::from(body)));
    if transport.is_h2() {
        // HTTP/2 carries the authority in `:authority`; a Host header is not allowed there.
        request.headers_mut().remove("host");
    }
    tokio::time::timeout(Duration::from_secs(20), exchange(server, transport, addr, request))
        .await
        .context("no answer within 20 s")?
}

async fn exchange(
    server: &MockServer,
    transport: Transport,
    addr: SocketAddr,
    request: http::Request<Full<Bytes>>,
) -> Result<Received> {
    let tcp = TcpStream::connect(addr).await?;
    if transport.is_tls() {
        let tls = tls_connect(server, transport, tcp).await?;
        over(transport, TokioIo::new(tls), request).await
    } else {
        over(transport, TokioIo::new(tcp), request).await
    }
}

/// One request over an open connection, the whole answer read.
pub async fn over<IO>(transport: Transport, io: IO, request: http::Request<Full<Bytes>>) -> Result<Received>
where
    IO: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let response = if transport.is_h2() {
        let (mut sender, connection) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), io).await?;
        tokio::spawn(connection);
        sender.send_request(request).await?
    } else {
        let (mut sender, connection) = hyper::client::conn::http1::handshake(io).await?;
        tokio::spawn(connection);
        sender.send_request(request).await?
    };
    read_response(response).await
}

/// A response's status, version, headers and whole body.
pub async fn read_response(response: http::Response<hyper::body::Incoming>) -> Result<Received> {
    let status = response.status().as_u16();
    let version = response.version();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let body = response.into_body().collect().await?.to_bytes();
    Ok(Received { status, version, headers, body: String::from_utf8_lossy(&body).into_owned() })
}

/// A TLS connection that trusts only the server's throwaway CA.
pub async fn tls_connect<S>(
    server: &MockServer,
    transport: Transport,
    tcp: S,
) -> Result<tokio_rustls::client::TlsStream<S>>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let mut roots = rustls::RootCertStore::empty();
    roots.add(server.certificates().ca_der.clone())?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![if transport.is_h2() { b"h2".to_vec() } else { b"http/1.1".to_vec() }];
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tls = connector.connect(ServerName::try_from("api.test")?, tcp).await?;
    let negotiated = tls.get_ref().1.alpn_protocol().map(<[u8]>::to_vec);
    let wanted = config_alpn(transport);
    if negotiated.as_deref() != Some(wanted) {
        bail!("ALPN negotiated {negotiated:?}, wanted {:?}", String::from_utf8_lossy(wanted));
    }
    Ok(tls)
}

fn config_alpn(transport: Transport) -> &'static [u8] {
    if transport.is_h2() { b"h2" } else { b"http/1.1" }
}
