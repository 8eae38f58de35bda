//! One HTTP exchange over a fresh connection: exactly the method and headers given, nothing
//! added but `Host` and `Content-Length`. A fresh connection per request keeps exchanges
//! independent, as the browser's preflight and actual request are.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Request, Uri, Version};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::tls::{ExplainingVerifier, TlsFailure};

/// How much of a response body is kept for the report.
const BODY_LIMIT: usize = 64 * 1024;

/// A response as it arrived.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    /// The status code.
    pub status: u16,
    /// `HTTP/1.1` or `HTTP/2`.
    pub version: &'static str,
    /// Every header, in order, names lower-cased.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body, up to 64 KiB.
    pub body: Bytes,
}

/// Why no response came back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// The URL cannot be requested.
    #[error("`{0}` is not an http(s) URL with a host")]
    Url(String),
    /// No TCP connection.
    #[error("cannot connect to {authority}: {reason}")]
    Connect {
        /// The URL's `host[:port]`.
        authority: String,
        /// Why, in the operating system's words.
        reason: String,
    },
    /// The TLS handshake failed (an untrusted certificate, say).
    #[error("TLS with {authority} failed: {failure}")]
    Tls {
        /// The URL's `host[:port]`.
        authority: String,
        /// What was wrong, and so what to do.
        failure: TlsFailure,
    },
    /// The HTTP exchange failed (the connection closed without an answer, say).
    #[error("{0}")]
    Http(String),
    /// No answer in time.
    #[error("no answer within {}", in_words(*.0))]
    Timeout(Duration),
}

/// The HTTP client: a TLS configuration and a timeout per exchange.
#[derive(Clone)]
pub struct Client {
    tls: TlsConnector,
    timeout: Duration,
    /// Host names connected to at a fixed address instead of resolving them (`curl --resolve`).
    resolve: Vec<(String, IpAddr)>,
    /// The pace every clone of this client shares, when the user limits requests per second.
    pace: Option<Arc<Pace>>,
    /// How many requests every clone of this client has sent.
    sent: Arc<std::sync::atomic::AtomicU64>,
}

/// A shared pace: requests leave at most one per `interval`, each taking the next free slot.
#[derive(Debug)]
struct Pace {
    interval: Duration,
    next: std::sync::Mutex<tokio::time::Instant>,
}

impl Pace {
    /// Waits for this request's slot.
    async fn wait(&self) {
        let slot = {
            let mut next = self.next.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let slot = (*next).max(tokio::time::Instant::now());
            *next = slot + self.interval;
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("timeout", &self.timeout).finish_non_exhaustive()
    }
}

impl Client {
    /// Trusts the web's roots (webpki-roots) and `extra_roots` (DER certificates, such as a test
    /// CA); with `insecure`, any certificate (like `curl -k`).
    pub fn new(
        extra_roots: &[CertificateDer<'static>],
        insecure: bool,
        timeout: Duration,
        resolve: Vec<(String, IpAddr)>,
    ) -> Self {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()
            .expect("ring supports the default protocol versions");
        let mut config = if insecure {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
                .with_no_client_auth()
        } else {
            let mut roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
            for root in extra_roots {
                // A root that does not parse is one the user meant to trust; it is skipped, and
                // the handshake then fails with the server's name in the error.
                let _ = roots.add(root.clone());
            }
            let verifier =
                rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
                    .build()
                    .expect("the web's roots are there, and no revocation list is given");
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(ExplainingVerifier(verifier)))
                .with_no_client_auth()
        };
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Self { tls: TlsConnector::from(Arc::new(config)), timeout, resolve, pace: None, sent: Arc::default() }
    }

    /// At most `per_second` requests a second, from this client and every clone of it.
    pub fn limit_rate(mut self, per_second: f64) -> Self {
        if per_second.is_finite() && per_second > 0.0 {
            let interval = Duration::from_secs_f64(1.0 / per_second);
            self.pace =
                Some(Arc::new(Pace { interval, next: std::sync::Mutex::new(tokio::time::Instant::now()) }));
        }
        self
    }

    /// How many requests this client and its clones have sent.
    pub fn requests_sent(&self) -> u64 {
        self.sent.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The address a request to `url` connects to: the `resolve` entry for its host, an IP
    /// literal itself, or the first address the system resolver gives, within the timeout. A
    /// browser judges Local Network Access by this address, never by the name.
    pub async fn address_of(&self, url: &str) -> Result<IpAddr, ClientError> {
        let uri: Uri = url.parse().map_err(|_| ClientError::Url(url.to_owned()))?;
        let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
            return Err(ClientError::Url(url.to_owned()));
        };
        let host = authority.host().trim_start_matches('[').trim_end_matches(']');
        if let Some((_, ip)) = self.resolve.iter().find(|(name, _)| name.eq_ignore_ascii_case(host)) {
            return Ok(*ip);
        }
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Ok(ip);
        }
        let port = authority.port_u16().unwrap_or(if scheme == "https" { 443 } else { 80 });
        let failed = |reason: String| ClientError::Connect { authority: authority.to_string(), reason };
        let lookup = tokio::time::timeout(self.timeout, tokio::net::lookup_host((host, port)))
            .await
            .map_err(|_| ClientError::Timeout(self.timeout))?;
        let mut addresses = lookup.map_err(|e| failed(e.to_string()))?;
        addresses
            .next()
            .map(|address| address.ip())
            .ok_or_else(|| failed("the name has no address".to_owned()))
    }

    /// Sends one request and reads the whole answer, within the timeout.
    pub async fn send(
        &self,
        method: &str,
        url: &str,
        headers: &[(Vec<u8>, Vec<u8>)],
        body: Option<&str>,
    ) -> Result<Received, ClientError> {
        if let Some(pace) = &self.pace {
            pace.wait().await;
        }
        self.sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        match tokio::time::timeout(self.timeout, self.exchange(method, url, headers, body)).await {
            Ok(result) => result,
            Err(_) => Err(ClientError::Timeout(self.timeout)),
        }
    }

    async fn exchange(
        &self,
        method: &str,
        url: &str,
        headers: &[(Vec<u8>, Vec<u8>)],
        body: Option<&str>,
    ) -> Result<Received, ClientError> {
        let uri: Uri = url.parse().map_err(|_| ClientError::Url(url.to_owned()))?;
        let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
            return Err(ClientError::Url(url.to_owned()));
        };
        let tls = match scheme {
            "http" => false,
            "https" => true,
            _ => return Err(ClientError::Url(url.to_owned())),
        };
        let host = authority.host().trim_start_matches('[').trim_end_matches(']').to_owned();
        let port = authority.port_u16().unwrap_or(if tls { 443 } else { 80 });
        let authority = authority.to_string();
        let fixed = self.resolve.iter().find(|(name, _)| name.eq_ignore_ascii_case(&host)).map(|(_, ip)| *ip);
        let connected = match fixed {
            Some(ip) => TcpStream::connect((ip, port)).await,
            None => TcpStream::connect((host.as_str(), port)).await,
        };
        let tcp = connected
            .map_err(|e| ClientError::Connect { authority: authority.clone(), reason: e.to_string() })?;
        let _ = tcp.set_nodelay(true);

        let mut request = Request::builder()
            .method(method.as_bytes())
            .body(Full::new(Bytes::from(body.unwrap_or_default().to_owned())))
            .map_err(|e| ClientError::Http(format!("cannot send method `{method}`: {e}")))?;
        for (name, value) in headers {
            let name = HeaderName::from_bytes(name).map_err(|e| ClientError::Http(e.to_string()))?;
            let value = HeaderValue::from_bytes(value).map_err(|e| ClientError::Http(e.to_string()))?;
            request.headers_mut().append(name, value);
        }

        if tls {
            let name = ServerName::try_from(host.clone()).map_err(|_| ClientError::Url(url.to_owned()))?;
            let stream = self.tls.connect(name, tcp).await.map_err(|e| ClientError::Tls {
                authority: authority.clone(),
                failure: TlsFailure::from_handshake(&e),
            })?;
            let h2 = stream.get_ref().1.alpn_protocol() == Some(b"h2");
            send_on(TokioIo::new(stream), request, uri, &authority, h2).await
        } else {
            send_on(TokioIo::new(tcp), request, uri, &authority, false).await
        }
    }
}

async fn send_on<S>(
    io: S,
    mut request: Request<Full<Bytes>>,
    uri: Uri,
    authority: &str,
    h2: bool,
) -> Result<Received, ClientError>
where
    S: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let http = |e: hyper::Error| ClientError::Http(describe(&e));
    let response = if h2 {
        *request.uri_mut() = uri;
        *request.version_mut() = Version::HTTP_2;
        let (mut sender, connection) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), io).await.map_err(http)?;
        tokio::spawn(connection);
        sender.send_request(request).await.map_err(http)?
    } else {
        *request.uri_mut() = uri.path_and_query().map_or("/", |p| p.as_str()).parse().expect("a path parses");
        if !request.headers().contains_key(http::header::HOST) {
            let host = HeaderValue::from_str(authority).map_err(|e| ClientError::Http(e.to_string()))?;
            request.headers_mut().insert(http::header::HOST, host);
        }
        let (mut sender, connection) = hyper::client::conn::http1::handshake(io).await.map_err(http)?;
        tokio::spawn(connection);
        sender.send_request(request).await.map_err(http)?
    };
    let status = response.status().as_u16();
    let version = if response.version() == Version::HTTP_2 { "HTTP/2" } else { "HTTP/1.1" };
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), value.as_bytes().to_vec()))
        .collect();
    let body = match Limited::new(response.into_body(), BODY_LIMIT).collect().await {
        Ok(collected) => collected.to_bytes(),
        // Past the limit or cut short: the status and headers are what CORS judges.
        Err(_) => Bytes::new(),
    };
    Ok(Received { status, version, headers, body })
}

/// A timeout as people write it: `10 s`, `1.5 s`, `250 ms`.
fn in_words(timeout: Duration) -> String {
    if timeout.as_millis() >= 1000 {
        format!("{} s", timeout.as_secs_f64())
    } else {
        format!("{} ms", timeout.as_millis())
    }
}

/// hyper's error with its cause, which says what actually happened.
fn describe(error: &hyper::Error) -> String {
    match std::error::Error::source(error) {
        Some(source) => format!("{error}: {source}"),
        None => error.to_string(),
    }
}

/// `--insecure`: any certificate, any name; signatures are still checked by the provider.
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
