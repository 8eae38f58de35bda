//! `corsproof check` as a user types it, against the mock origins: the report, the JSON and the
//! exit codes a deploy can gate on.

mod support;

use std::process::Command;

use corsproof_server::{MockServer, ServerConfig};
use support::{api, check, stdout};

#[tokio::test(flavor = "multi_thread")]
async fn an_allowed_request_exits_0_with_the_exchange() {
    let (_server, api) = api().await;
    let output = check(&[&format!("{api}/t/c1/items?acao=origin"), "--origin", "https://app.example"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let report = stdout(&output);
    assert!(report.contains("> Origin: https://app.example"), "{report}");
    assert!(report.contains("< access-control-allow-origin: https://app.example"), "{report}");
    assert!(report.contains("allowed: the page reads status 200"), "{report}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_blocked_request_exits_1_with_the_console_message_and_the_fix() {
    let (_server, api) = api().await;
    let url = format!("{api}/t/c2/items/1?acao=origin");
    let output =
        check(&[&url, "--origin", "https://app.example", "-X", "PUT", "-H", "X-Custom: 1", "--credentials"]);
    assert_eq!(output.status.code(), Some(1));
    let report = stdout(&output);
    assert!(report.contains("(preflight)"), "{report}");
    assert!(report.contains("> Access-Control-Request-Headers: x-custom"), "{report}");
    assert!(report.contains("has been blocked by CORS policy"), "{report}");
    // The mock origins show no framework: the headers, and how to ask for a snippet.
    assert!(report.contains("`--fix-for NAME`") && !report.contains("Express (cors):"), "{report}");
    assert!(report.contains("fix: If https://app.example is your page's origin,"), "{report}");
    let all = stdout(&check(&[&url, "--origin", "https://app.example", "-X", "PUT", "--fix-for", "all"]));
    assert!(all.contains("\n  Express (cors):\n") && all.contains("\n  Caddy:\n"), "{all}");
    let koa = stdout(&check(&[&url, "--origin", "https://app.example", "-X", "PUT", "--fix-for", "koa"]));
    assert!(koa.contains("\n  Koa (@koa/cors):\n") && !koa.contains("Express (cors)"), "{koa}");
    let unknown = check(&[&url, "--origin", "https://app.example", "--fix-for", "rails"]);
    assert_eq!(unknown.status.code(), Some(2));
    let error = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        error.contains("`rails`") && error.contains("express, nginx") && error.contains("or all"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_console_line_is_chromiums_own_without_the_no_cors_suggestion() {
    let (_server, api) = api().await;
    let url = format!("{api}/t/c20/data");
    let report = stdout(&check(&[&url, "--origin", "https://app.example"]));
    let line = format!(
        "  Access to fetch at '{url}' from origin 'https://app.example' has been blocked by CORS policy: \
         No 'Access-Control-Allow-Origin' header is present on the requested resource.\n"
    );
    assert!(report.contains(&line), "{report}");
    let mismatch = format!("{api}/t/c21/data?acao=https%3A%2F%2Fother.example");
    let json = check(&[&mismatch, "--origin", "https://app.example", "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON on stdout");
    let console = report["console"].as_str().unwrap_or_default();
    assert!(
        console.ends_with(
            "The 'Access-Control-Allow-Origin' header has a value 'https://other.example' that is not equal \
             to the supplied origin. Have the server send the header with a valid value."
        ),
        "{console}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn json_is_for_scripts() {
    let (_server, api) = api().await;
    let output = check(&[
        &format!("{api}/t/c3/x?acao=*&acac=true"),
        "--origin",
        "https://app.example",
        "--credentials",
        "--json",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    assert_eq!(report["allowed"], false);
    assert!(report["console"].as_str().unwrap().contains("must not be the wildcard"));
    assert_eq!(report["exchanges"][0]["response"]["status"], 200);
    assert!(report["fix"]["snippets"]["nginx"].as_str().unwrap().contains("add_header"));
    assert_eq!(report["fix"]["snippets"].as_object().unwrap().len(), 10, "every framework");
    assert_eq!(report["fix"]["framework"], serde_json::Value::Null, "the mock origins show none");
    assert_eq!(report["fix"]["origin_confirmed"], false);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_error_answer_without_cors_headers_is_diagnosed_in_the_report_and_the_json() {
    let (_server, api) = api().await;
    let url = format!("{api}/t/c12/items?status=500");
    let output = check(&[&url, "--origin", "https://app.example"]);
    assert_eq!(output.status.code(), Some(1));
    let report = stdout(&output);
    let diagnosis =
        report.lines().find(|line| line.starts_with("diagnosis: ")).unwrap_or_else(|| panic!("{report}"));
    assert!(diagnosis.contains("answers 500 without `Access-Control-Allow-Origin`"), "{diagnosis}");
    let json = check(&[&url, "--origin", "https://app.example", "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON on stdout");
    assert_eq!(report["diagnosis"].as_str(), Some(diagnosis.trim_start_matches("diagnosis: ")));
}

#[test]
fn no_connection_and_bad_arguments_exit_2() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = format!("http://127.0.0.1:{}/x", listener.local_addr().unwrap().port());
    drop(listener);
    let output = check(&[&closed, "--origin", "https://app.example"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stdout(&output).contains("cannot connect"), "{}", stdout(&output));
    assert_eq!(check(&[&closed, "--origin", "app.example"]).status.code(), Some(2), "not an origin");
    assert_eq!(check(&[&closed, "--origin", "https://a.example", "-H", "no colon"]).status.code(), Some(2));
    assert_eq!(check(&[&closed]).status.code(), Some(2), "--origin is required");
}

const POLICY: &str = r#"
origins = ["https://app.example"]
credentials = true
methods = ["PUT"]
headers = ["x-requested-with"]
max_age = 600
"#;

/// The mock origins' HTTPS API (an https page cannot fetch http), with its CA and a policy file.
async fn https_api() -> (MockServer, tempfile_dir::Dir, String) {
    let server = MockServer::start(ServerConfig::default()).await.expect("the mock origins start");
    let dir = tempfile_dir::Dir::new();
    std::fs::write(dir.path("ca.pem"), &server.certificates().ca_pem).unwrap();
    std::fs::write(dir.path("policy.toml"), POLICY).unwrap();
    let port = server.origin("api-https").expect("api-https").port;
    (server, dir, format!("https://127.0.0.1:{port}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_policy_the_server_honours_exits_0() {
    let (_server, dir, api) = https_api().await;
    let url = format!(
        "{api}/t/c5/items?acao=https://app.example&acac=true&acam=PUT&acah=x-requested-with&vary=Origin&max_age=600"
    );
    let (policy, ca) = (dir.path("policy.toml"), dir.path("ca.pem"));
    let output = check(&[&url, "--policy", policy.to_str().unwrap(), "--cacert", ca.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(stdout(&output).starts_with("ok: "), "{}", stdout(&output));
    // The policy lists PUT only: the report says which methods no policy can refuse.
    let note = stdout(&output).lines().find(|line| line.starts_with("note: ")).map(str::to_owned);
    let note = note.unwrap_or_else(|| panic!("{}", stdout(&output)));
    assert!(note.contains("GET, HEAD and POST") && note.contains("CORS-safelisted"), "{note}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_reflecting_any_origin_fails_the_policy_with_a_shrunk_attacker() {
    let (_server, dir, api) = https_api().await;
    let url = format!("{api}/t/c6/items?acao=origin&acac=true&acam=PUT&acah=x-requested-with&vary=Origin");
    let (policy, ca) = (dir.path("policy.toml"), dir.path("ca.pem"));
    let output =
        check(&[&url, "--policy", policy.to_str().unwrap(), "--cacert", ca.to_str().unwrap(), "--json"]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    let first = &report["failures"][0];
    assert_eq!(first["kind"], "disagrees");
    assert_eq!(
        (first["severity"].as_str(), first["cause"].as_str()),
        (Some("critical"), Some("origin-not-in-policy"))
    );
    assert!(first["count"].as_u64().unwrap() > 1, "{first}");
    assert!(first["disagreement"].as_str().unwrap().contains("the page reads the response"));
    assert_ne!(first["check"]["origin"], "https://app.example", "an attacker's origin");
    assert_eq!(first["check"]["credentials"], true, "still credentialed after shrinking");
    let severities: Vec<&str> =
        report["failures"].as_array().unwrap().iter().map(|f| f["severity"].as_str().unwrap()).collect();
    let rank = |name| ["critical", "high", "medium", "low", "info"].iter().position(|s| *s == name).unwrap();
    assert!(
        severities.windows(2).all(|pair| rank(pair[0]) <= rank(pair[1])),
        "most severe first: {severities:?}"
    );
    assert_eq!(report["safelisted_methods_not_listed"], serde_json::json!(["GET", "HEAD", "POST"]));
}

#[tokio::test(flavor = "multi_thread")]
async fn expect_makes_a_gate_of_what_the_browser_does() {
    let (_server, api) = api().await;
    let url = format!("{api}/t/c10/items?acao=https://app.example&vary=Origin");
    let (app, attacker) = ("https://app.example", "https://app.example.evil.com");
    let cases = [
        (app, "allowed", 0, "expected allowed: a browser lets the page read the response: ok"),
        (attacker, "blocked", 0, "expected blocked: a browser does not let the page read the response: ok"),
        (app, "blocked", 1, "expected blocked, but a browser lets the page read the response: FAILED"),
        (
            attacker,
            "allowed",
            1,
            "expected allowed, but a browser does not let the page read the response: FAILED",
        ),
    ];
    for (origin, expect, code, line) in cases {
        let output = check(&[&url, "--origin", origin, "--expect", expect]);
        let report = stdout(&output);
        assert_eq!(output.status.code(), Some(code), "{origin} --expect {expect}: {report}");
        assert_eq!(report.lines().last(), Some(line), "{report}");
    }
    let json = check(&[&url, "--origin", attacker, "--expect", "blocked", "--json"]);
    assert_eq!(json.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON on stdout");
    assert_eq!((report["expected"].as_str(), report["as_expected"].as_bool()), (Some("blocked"), Some(true)));

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = format!("http://127.0.0.1:{}/x", listener.local_addr().unwrap().port());
    drop(listener);
    let output = check(&[&closed, "--origin", attacker, "--expect", "blocked"]);
    assert_eq!(output.status.code(), Some(2), "no answer is no proof of a block: {}", stdout(&output));
    assert!(
        stdout(&output).contains("expected blocked, but the server did not answer"),
        "{}",
        stdout(&output)
    );
    assert_eq!(check(&[&closed, "--origin", app, "--expect", "maybe"]).status.code(), Some(2), "a bad value");
}

#[test]
fn a_broken_policy_file_is_located() {
    let dir = tempfile_dir::Dir::new();
    std::fs::write(dir.path("policy.toml"), "origins = [\"https://app.example\"]\ncredentials = tru\n")
        .unwrap();
    let output = check(&["https://127.0.0.1:1/", "--policy", dir.path("policy.toml").to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(error.contains("policy.toml:2:"), "{error}");
}

/// A temporary directory removed on drop.
mod tempfile_dir {
    use std::path::PathBuf;

    pub struct Dir(PathBuf);

    impl Dir {
        pub fn new() -> Self {
            static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
            let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let path = std::env::temp_dir().join(format!("corsproof-check-{}-{n}", std::process::id()));
            std::fs::create_dir_all(&path).unwrap();
            Self(path)
        }

        pub fn path(&self, name: &str) -> PathBuf {
            self.0.join(name)
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// Runs `corsproof check ARGS` with its standard output closed before anything is written
/// (`| head -0`; `| head -1` closes it as soon as one line is read): its exit code and stderr.
fn check_with_the_reader_gone(args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_corsproof"))
        .arg("check")
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("corsproof runs");
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("corsproof ends");
    (output.status.code(), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reader_that_stops_early_is_no_panic() {
    let (_server, api) = api().await;
    let url = format!("{api}/t/c9/items/1?acao=origin");
    let (code, stderr) = check_with_the_reader_gone(&[&url, "--origin", "https://app.example", "-X", "PUT"]);
    assert_eq!(code, Some(1), "the verdict's exit code, not a panic's 101: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let (code, stderr) = check_with_the_reader_gone(&[
        &url,
        "--origin",
        "https://evil.example",
        "-X",
        "PUT",
        "--expect",
        "blocked",
    ]);
    assert_eq!(code, Some(0), "--expect's exit code: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reader_that_stops_early_is_no_panic_for_a_policy_report_either() {
    let (_server, dir, api) = https_api().await;
    let url = format!("{api}/t/c11/items?acao=origin&acac=true&acam=PUT&acah=x-requested-with&vary=Origin");
    let (policy, ca) = (dir.path("policy.toml"), dir.path("ca.pem"));
    for json in [false, true] {
        let mut args =
            vec![url.as_str(), "--policy", policy.to_str().unwrap(), "--cacert", ca.to_str().unwrap()];
        if json {
            args.push("--json");
        }
        let (code, stderr) = check_with_the_reader_gone(&args);
        assert_eq!(code, Some(1), "the verdict's exit code, not a panic's 101 (json: {json}): {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

/// A TLS server on loopback with a self-signed certificate for 127.0.0.1 that answers every
/// request `200` with `Access-Control-Allow-Origin: *`: its URL and the certificate's PEM.
async fn self_signed_server() -> (String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let key = rcgen::KeyPair::generate().unwrap();
    let certificate =
        rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap().self_signed(&key).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![certificate.der().clone()],
        rustls::pki_types::PrivatePkcs8KeyDer::from(key.serialize_der()).into(),
    )
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://127.0.0.1:{}/", listener.local_addr().unwrap().port());
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut stream) = acceptor.accept(tcp).await else { return };
                let mut head = Vec::new();
                let mut buffer = [0u8; 1024];
                while !head.windows(4).any(|window| window == b"\r\n\r\n") {
                    match stream.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(read) => head.extend_from_slice(&buffer[..read]),
                    }
                }
                let answer = "HTTP/1.1 200 OK\r\naccess-control-allow-origin: *\r\ncontent-length: 0\r\n\r\n";
                let _ = stream.write_all(answer.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    (url, certificate.pem())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_self_signed_certificate_exits_2_in_words_and_cacert_or_k_then_check() {
    let (url, pem) = self_signed_server().await;
    let output = check(&[&url, "--origin", "https://a.example"]);
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    let report = stdout(&output);
    let authority = url.trim_start_matches("https://").trim_end_matches('/');
    let words = format!(
        "< no answer: TLS with {authority} failed: the server's certificate is self-signed (its issuer is \
         itself) and not trusted here; to trust it, pass that certificate with --cacert FILE (like curl), or \
         accept any certificate with -k\n"
    );
    assert!(report.contains(&words), "{report}");
    assert!(!report.contains("Other(") && !report.contains("invalid peer certificate"), "{report}");
    let json: serde_json::Value =
        serde_json::from_slice(&check(&[&url, "--origin", "https://a.example", "--json"]).stdout).unwrap();
    let error = json["connection_error"].as_str().unwrap();
    assert!(error.contains("self-signed") && error.ends_with("or accept any certificate with -k"), "{error}");

    let dir = tempfile_dir::Dir::new();
    std::fs::write(dir.path("server.pem"), pem).unwrap();
    let cacert = dir.path("server.pem");
    let trusted = check(&[&url, "--origin", "https://a.example", "--cacert", cacert.to_str().unwrap()]);
    assert_eq!(trusted.status.code(), Some(0), "{}", stdout(&trusted));
    let insecure = check(&[&url, "--origin", "https://a.example", "-k"]);
    assert_eq!(insecure.status.code(), Some(0), "{}", stdout(&insecure));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_mock_origins_ca_unknown_then_trusted_with_cacert() {
    let (_server, dir, api) = https_api().await;
    let url = format!("{api}/t/c30/items?acao=origin");
    let untrusted = check(&[&url, "--origin", "https://app.example"]);
    assert_eq!(untrusted.status.code(), Some(2));
    let report = stdout(&untrusted);
    assert!(report.contains("the server's certificate is signed by a CA not trusted here"), "{report}");
    assert!(report.contains("pass its certificate with --cacert FILE (like curl)"), "{report}");
    let ca = dir.path("ca.pem");
    let trusted = check(&[&url, "--origin", "https://app.example", "--cacert", ca.to_str().unwrap()]);
    assert_eq!(trusted.status.code(), Some(0), "{}", stdout(&trusted));
}

#[test]
fn a_malformed_url_exits_2_in_words_before_anything_is_sent() {
    // The page's origin listens: a relative URL would otherwise be fetched from it.
    let page = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    page.set_nonblocking(true).unwrap();
    let origin = format!("http://127.0.0.1:{}", page.local_addr().unwrap().port());
    for (url, problem) in [
        (
            "http://[::1",
            "its host is missing or not valid (an IPv6 address goes in brackets: http://[::1]:8080/)",
        ),
        ("ftp://x/", "its scheme is not http or https, the only ones a page sends CORS requests to"),
        ("not a url", "it has no scheme (http:// or https://) in front"),
    ] {
        for policy in [false, true] {
            let dir = tempfile_dir::Dir::new();
            std::fs::write(dir.path("policy.toml"), POLICY).unwrap();
            let policy_file = dir.path("policy.toml");
            let args: Vec<&str> = if policy {
                vec![url, "--policy", policy_file.to_str().unwrap()]
            } else {
                vec![url, "--origin", &origin]
            };
            let output = check(&args);
            assert_eq!(output.status.code(), Some(2), "{url} {args:?}: {}", stdout(&output));
            assert_eq!(stdout(&output), "", "nothing is checked");
            assert_eq!(
                support::stderr(&output),
                format!(
                    "corsproof: `{url}` is not a URL to check: {problem}; expected an absolute http:// or https:// \
                     URL, such as https://api.example.com/items\n"
                )
            );
        }
    }
    assert!(page.accept().is_err_and(|e| e.kind() == std::io::ErrorKind::WouldBlock), "a request was sent");
}
