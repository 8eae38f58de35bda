//! A TLS failure says in words what is wrong with the server's certificate and what to do next,
//! against real TLS servers (tokio-rustls) with certificates made for each case by rcgen.

use std::sync::Arc;
use std::time::Duration;

use corsproof_check::{CertificateDer, Checker, ClientError, Probe, ProbeError, TlsFailure, UrlProblem};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, date_time_ymd};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A certificate and its key, as a server serves them.
struct Served {
    chain: Vec<CertificateDer<'static>>,
    key: KeyPair,
}

/// A CA that signs leaf certificates, and its certificate (DER and PEM) to trust.
struct Ca {
    issuer: Issuer<'static, KeyPair>,
    der: CertificateDer<'static>,
    pem: String,
}

impl Ca {
    fn new() -> Self {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(rcgen::DnType::CommonName, "tls_errors test CA");
        let certificate = params.self_signed(&key).unwrap();
        Self { issuer: Issuer::new(params, key), der: certificate.der().clone(), pem: certificate.pem() }
    }

    /// A leaf for `names`, as `adjust` changes its parameters.
    fn leaf(&self, names: &[&str], adjust: impl FnOnce(&mut CertificateParams)) -> Served {
        let key = KeyPair::generate().unwrap();
        let mut params =
            CertificateParams::new(names.iter().map(|name| name.to_string()).collect::<Vec<_>>()).unwrap();
        adjust(&mut params);
        let certificate = params.signed_by(&key, &self.issuer).unwrap();
        Served { chain: vec![certificate.der().clone()], key }
    }
}

/// A certificate that signs itself, for `names`; marked as a CA's with `marked_ca` (as
/// `openssl req -x509` makes them).
fn self_signed(names: &[&str], marked_ca: bool) -> Served {
    let key = KeyPair::generate().unwrap();
    let mut params =
        CertificateParams::new(names.iter().map(|name| name.to_string()).collect::<Vec<_>>()).unwrap();
    params.distinguished_name.push(rcgen::DnType::CommonName, "self-signed test server");
    if marked_ca {
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    }
    let certificate = params.self_signed(&key).unwrap();
    Served { chain: vec![certificate.der().clone()], key }
}

/// A TLS server on loopback that answers every request `200` with `Access-Control-Allow-Origin:
/// *`; its `https://127.0.0.1:PORT/` URL. It runs until the test's runtime ends.
async fn tls_server(served: Served) -> String {
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(served.key.serialize_der()));
    let config =
        rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(served.chain, key)
            .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://127.0.0.1:{}/", listener.local_addr().unwrap().port());
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A handshake the client refuses ends here; that is what most tests are about.
                let Ok(mut stream) = acceptor.accept(tcp).await else { return };
                answer(&mut stream).await;
            });
        }
    });
    url
}

/// Reads one request head and answers it.
async fn answer<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(stream: &mut S) {
    let mut head = Vec::new();
    let mut buffer = [0u8; 1024];
    while !head.windows(4).any(|window| window == b"\r\n\r\n") {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(read) => head.extend_from_slice(&buffer[..read]),
        }
    }
    let response = "HTTP/1.1 200 OK\r\naccess-control-allow-origin: *\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok";
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

fn checker() -> Checker {
    Checker::builder().timeout(Duration::from_secs(5)).build()
}

/// The check's TLS failure, and its words as the report shows them.
async fn failure(checker: &Checker, url: &str) -> (TlsFailure, String) {
    let checked = checker.check(&Probe::new(url).origin("https://a.example")).await.unwrap();
    match checked.connection_error() {
        Some(error @ ClientError::Tls { failure, .. }) => (failure.clone(), error.to_string()),
        other => panic!("expected a TLS failure, got {other:?}\n{checked}"),
    }
}

fn authority(url: &str) -> &str {
    url.trim_start_matches("https://").trim_end_matches('/')
}

#[tokio::test]
async fn a_self_signed_certificate_is_named_and_cacert_with_it_then_works() {
    let served = self_signed(&["127.0.0.1"], false);
    let certificate = served.chain[0].clone();
    let url = tls_server(served).await;
    let (failure, words) = failure(&checker(), &url).await;
    assert_eq!(failure, TlsFailure::SelfSigned { marked_ca: false });
    assert_eq!(
        words,
        format!(
            "TLS with {} failed: the server's certificate is self-signed (its issuer is itself) and not trusted \
             here; to trust it, pass that certificate with --cacert FILE (like curl), or accept any certificate \
             with -k",
            authority(&url)
        )
    );
    let trusting = Checker::builder().trust(certificate).build();
    trusting.check(&Probe::new(&url).origin("https://a.example")).await.unwrap().assert_allowed();
    let insecure = Checker::builder().insecure(true).build();
    insecure.check(&Probe::new(&url).origin("https://a.example")).await.unwrap().assert_allowed();
}

#[tokio::test]
async fn a_self_signed_ca_certificate_is_refused_even_when_trusted_and_says_so() {
    let served = self_signed(&["127.0.0.1"], true);
    let certificate = served.chain[0].clone();
    let url = tls_server(served).await;
    let (failure, words) = failure(&checker(), &url).await;
    assert_eq!(failure, TlsFailure::SelfSigned { marked_ca: true });
    assert!(!words.contains("Other(") && !words.contains("CaUsedAsEndEntity"), "{words}");
    assert!(words.contains("self-signed and marked as a CA's, which is not accepted"), "{words}");
    assert!(
        words.contains("--cacert FILE") && words.ends_with("or accept any certificate with -k"),
        "{words}"
    );
    // What the words claim: trusting it does not help.
    let trusting = Checker::builder().trust(certificate).build();
    assert_eq!(self::failure(&trusting, &url).await.0, TlsFailure::SelfSigned { marked_ca: true });
}

#[tokio::test]
async fn a_certificate_from_an_untrusted_ca_points_at_cacert_which_then_works() {
    let ca = Ca::new();
    let url = tls_server(ca.leaf(&["127.0.0.1"], |_| {})).await;
    let (failure, words) = failure(&checker(), &url).await;
    assert_eq!(failure, TlsFailure::UnknownIssuer);
    assert!(
        words.ends_with(
            "the server's certificate is signed by a CA not trusted here (or the server leaves out an \
             intermediate certificate); to trust that CA, pass its certificate with --cacert FILE (like curl), \
             or accept any certificate with -k"
        ),
        "{words}"
    );
    let trusting = Checker::builder().trust_pem(&ca.pem).unwrap().build();
    trusting.check(&Probe::new(&url).origin("https://a.example")).await.unwrap().assert_allowed();
}

#[tokio::test]
async fn an_expired_certificate_says_when() {
    let ca = Ca::new();
    let url = tls_server(ca.leaf(&["127.0.0.1"], |params| {
        params.not_before = date_time_ymd(2019, 1, 1);
        params.not_after = date_time_ymd(2020, 1, 2);
    }))
    .await;
    let trusting = Checker::builder().trust(ca.der.clone()).build();
    let (failure, words) = failure(&trusting, &url).await;
    assert_eq!(failure, TlsFailure::Expired { not_after: Some(1_577_923_200) });
    assert!(
        words.ends_with(
            "the server's certificate expired on 2020-01-02 00:00 UTC; renew it, or accept any certificate with -k"
        ),
        "{words}"
    );
}

#[tokio::test]
async fn a_certificate_not_valid_yet_says_from_when() {
    let ca = Ca::new();
    let url =
        tls_server(ca.leaf(&["127.0.0.1"], |params| params.not_before = date_time_ymd(2090, 3, 4))).await;
    let trusting = Checker::builder().trust(ca.der.clone()).build();
    let (failure, words) = failure(&trusting, &url).await;
    assert!(matches!(failure, TlsFailure::NotYetValid { not_before: Some(_) }), "{failure:?}");
    assert!(
        words.ends_with(
            "the server's certificate is not valid yet (not before 2090-03-04 00:00 UTC); check this machine's \
             clock and the certificate's dates, or accept any certificate with -k"
        ),
        "{words}"
    );
}

#[tokio::test]
async fn a_certificate_for_other_names_lists_them() {
    let ca = Ca::new();
    let url = tls_server(ca.leaf(&["localhost", "api.example", "10.1.2.3"], |_| {})).await;
    let trusting = Checker::builder().trust(ca.der.clone()).build();
    let (failure, words) = failure(&trusting, &url).await;
    assert_eq!(
        failure,
        TlsFailure::WrongName {
            expected: "127.0.0.1".to_owned(),
            names: vec!["localhost".to_owned(), "api.example".to_owned(), "10.1.2.3".to_owned()],
        }
    );
    assert!(
        words.ends_with(
            "the server's certificate is for localhost, api.example and 10.1.2.3 only, not 127.0.0.1; use a URL \
             with a name it is for (with --resolve NAME:ADDRESS to reach it at this address), or accept any \
             certificate with -k"
        ),
        "{words}"
    );
    // The step it names: a name the certificate is for, connected to this address.
    let port = url.trim_end_matches('/').rsplit(':').next().unwrap();
    let resolving =
        Checker::builder().trust(ca.der.clone()).resolve("api.example", "127.0.0.1".parse().unwrap()).build();
    let probe = Probe::new(format!("https://api.example:{port}/")).origin("https://a.example");
    resolving.check(&probe).await.unwrap().assert_allowed();
}

#[tokio::test]
async fn plain_http_on_an_https_url_is_said_to_be_no_tls() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://127.0.0.1:{}/", listener.local_addr().unwrap().port());
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            tokio::spawn(async move {
                let _ = tcp
                    .write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await;
            });
        }
    });
    let (failure, words) = failure(&checker(), &url).await;
    assert_eq!(failure, TlsFailure::NotTls);
    assert!(words.ends_with("(is it plain HTTP on this port? then use an http:// URL)"), "{words}");
}

#[tokio::test]
async fn a_timeout_is_said_in_seconds_or_milliseconds() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://127.0.0.1:{}/", listener.local_addr().unwrap().port());
    // Accepted by the kernel's backlog, never answered.
    let checker = Checker::builder().timeout(Duration::from_millis(300)).build();
    let checked = checker.check(&Probe::new(&url).origin("https://a.example")).await.unwrap();
    assert_eq!(
        checked.connection_error().map(ToString::to_string).as_deref(),
        Some("no answer within 300 ms")
    );
    assert_eq!(ClientError::Timeout(Duration::from_millis(1500)).to_string(), "no answer within 1.5 s");
    drop(listener);
}

#[tokio::test]
async fn a_url_that_cannot_be_fetched_is_refused_in_words_before_anything_is_sent() {
    // The page's origin listens: a relative URL, resolved against it as fetch() would, would land here.
    let page = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://127.0.0.1:{}", page.local_addr().unwrap().port());
    for (url, problem) in [
        ("http://[::1", UrlProblem::Host),
        ("ftp://x/", UrlProblem::NotHttp),
        ("not a url", UrlProblem::Relative),
        ("http://", UrlProblem::Host),
        ("http://x:99999/", UrlProblem::Port),
    ] {
        let error = checker().check(&Probe::new(url).origin(&origin)).await.unwrap_err();
        assert_eq!(error, ProbeError::Url { url: url.to_owned(), problem }, "{url}");
        let words = error.to_string();
        assert!(words.starts_with(&format!("`{url}` is not a URL to check: ")), "{words}");
        assert!(words.ends_with(
            "expected an absolute http:// or https:// URL, such as https://api.example.com/items"
        ));
    }
    assert_eq!(
        ProbeError::Url { url: "ftp://x/".to_owned(), problem: UrlProblem::NotHttp }.to_string(),
        "`ftp://x/` is not a URL to check: its scheme is not http or https, the only ones a page sends CORS \
         requests to; expected an absolute http:// or https:// URL, such as https://api.example.com/items"
    );
    let nothing_came = tokio::time::timeout(Duration::from_millis(200), page.accept()).await.is_err();
    assert!(nothing_came, "a request reached the page's origin");
}
