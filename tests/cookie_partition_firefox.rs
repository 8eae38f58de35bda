//! Firefox's Total Cookie Protection, seen in the real Firefox with its own defaults: the rule
//! `Engine::third_party_cookies(CookieProfile::User)` gives Firefox, which the corpus cannot show
//! (its sessions accept third-party cookies by preference, harness/browser/src/engine/firefox.rs).
//!
//! A session of our own through geckodriver, with no cookie preference: a cookie the user got on
//! the API's own site (a top-level visit) is not sent by a credentialed fetch from the app's page,
//! while one an answer to the app page's own fetch set (in the app's partition) is. The oracle's
//! `Cookie::fate` for a user's Firefox must say the same.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use corsproof_behaviour::{AllowOrigin, Behaviour, Reply, vocabulary};
use corsproof_browser::process_group;
use corsproof_oracle::{Cookie, CredentialsMode, Engine, Origin, SetBy, Url};
use corsproof_server::{MockServer, ServerConfig};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};

const INSTALL: &str = "install Firefox ESR and geckodriver: `corsproof install-browsers --browser firefox`";

/// geckodriver in a process group of its own, killed (with the Firefox it started) on drop.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        process_group::kill(self.child.id());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|listener| listener.local_addr()).expect("a free port").port()
}

fn geckodriver() -> PathBuf {
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
    [home.join(".cargo/bin/geckodriver"), PathBuf::from("/usr/local/bin/geckodriver")]
        .into_iter()
        .find(|path| path.is_file())
        .unwrap_or_else(|| panic!("no geckodriver: {INSTALL}"))
}

/// One WebDriver command: JSON in, the `value` out; a WebDriver error fails the test with its words.
async fn command(driver: &Driver, method: &str, path: &str, body: Value) -> Value {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let request = hyper::Request::builder()
        .method(method)
        .uri(format!("{}{path}", driver.url))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .expect("a request");
    let response = client.request(request).await.unwrap_or_else(|error| panic!("{method} {path}: {error}"));
    let bytes = response.into_body().collect().await.expect("a body").to_bytes();
    let answer: Value = serde_json::from_slice(&bytes).expect("JSON from geckodriver");
    if answer["value"]["error"].is_string() {
        panic!("{method} {path}: {}", answer["value"]);
    }
    answer["value"].clone()
}

async fn start_driver() -> Driver {
    let port = free_port();
    let child = Command::new(geckodriver())
        .args([format!("--port={port}"), format!("--websocket-port={}", free_port())])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap_or_else(|error| panic!("geckodriver: {error}: {INSTALL}"));
    let driver = Driver { child, url: format!("http://127.0.0.1:{port}") };
    let started = Instant::now();
    while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        assert!(started.elapsed() < Duration::from_secs(20), "geckodriver did not listen: {INSTALL}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    driver
}

/// A URL on a mock origin whose answer is `reply`, journaled under `token`.
fn url(server: &MockServer, origin: &str, token: &str, reply: Reply) -> String {
    let base = server.origin(origin).expect("a mock origin").url();
    format!("{base}/t/{token}/x?{}", vocabulary::to_query(&Behaviour::same(reply)))
}

const FETCH: &str = "const done = arguments[arguments.length - 1]; \
    fetch(arguments[0], { credentials: 'include' }).then(r => r.text()).then(t => done('ok ' + t), e => done('error ' + e));";

#[tokio::test(flavor = "multi_thread")]
async fn firefox_keeps_a_first_party_cookie_home_from_another_site_and_sends_a_partitioned_one() {
    let server = MockServer::start(ServerConfig::default()).await.expect("the mock origins start");
    let driver = start_driver().await;
    let profile = std::env::temp_dir().join(format!("corsproof-tcp-profile-{}", std::process::id()));
    std::fs::create_dir_all(&profile).expect("a profile folder");
    // The names, and no connection anywhere else; nothing about cookies: Firefox's own default.
    let prefs = json!({
        "network.dns.localDomains": "app.test,api.test",
        "network.http.http3.enable": false,
        "dom.security.https_first": false,
        "network.trr.mode": 5,
        "network.proxy.type": 0,
        "network.captive-portal-service.enabled": false,
        "network.connectivity-service.enabled": false,
        "app.update.disabledForTesting": true,
        "services.settings.server": "",
        "datareporting.policy.dataSubmissionEnabled": false,
    });
    let capabilities = json!({ "capabilities": { "alwaysMatch": {
        "browserName": "firefox",
        "acceptInsecureCerts": true,
        "moz:firefoxOptions": {
            "binary": "/usr/bin/firefox-esr",
            "args": ["-headless", "-profile", profile.display().to_string()],
            "prefs": prefs,
        },
    }}});
    let session = command(&driver, "POST", "/session", capabilities).await;
    let id = session["sessionId"].as_str().expect("a session id").to_owned();
    let session_path = format!("/session/{id}");

    let first_party = "own_site_session=1; Path=/; SameSite=None; Secure";
    let partitioned = "page_session=1; Path=/; SameSite=None; Secure";
    let api_answer = || Reply::new().allow_origin(AllowOrigin::Echo).allow_credentials("true");
    // 1. The user on the API's own site: a top-level visit that sets a cookie first-party.
    let visit = url(&server, "api-https", "tcp-visit", Reply::new().cookie(first_party));
    command(&driver, "POST", &format!("{session_path}/url"), json!({ "url": visit })).await;
    // 2. The app's page, another site; its own credentialed fetch sets a second cookie.
    let page = url(&server, "app", "tcp-page", Reply::new());
    command(&driver, "POST", &format!("{session_path}/url"), json!({ "url": page })).await;
    let login = url(&server, "api-https", "tcp-login", api_answer().cookie(partitioned));
    let script = format!("{session_path}/execute/async");
    let answer = command(&driver, "POST", &script, json!({ "script": FETCH, "args": [login] })).await;
    assert_eq!(answer, "ok ok", "the login fetch");
    // 3. The app's credentialed fetch to the API: which cookies ride it?
    let me = url(&server, "api-https", "tcp-me", api_answer());
    let answer = command(&driver, "POST", &script, json!({ "script": FETCH, "args": [me] })).await;
    assert_eq!(answer, "ok ok", "the credentialed fetch");
    let cookie_header =
        server.journal().entries("tcp-me").iter().find_map(|entry| entry.header("cookie").map(str::to_owned));
    command(&driver, "DELETE", &session_path, json!({})).await;
    drop(driver);
    let _ = std::fs::remove_dir_all(&profile);
    assert!(!server.journal().entries("tcp-visit").is_empty(), "the visit to the API's site never arrived");

    let sent = |name: &str| cookie_header.as_deref().unwrap_or_default().contains(&format!("{name}=1"));
    let app: Origin = server.origin("app").expect("app").url().parse().expect("an origin");
    let api: Url = me.parse().expect("a URL");
    for (text, set_by) in [(first_party, SetBy::ItsOwnSite), (partitioned, SetBy::ThePage)] {
        let cookie: Cookie = text.parse().expect("a cookie");
        let fate = cookie.fate(Engine::Firefox, &app, &api, CredentialsMode::Include, set_by);
        eprintln!(
            "firefox (its defaults): `{}` {} ({set_by:?}); the oracle says {fate:?}",
            cookie.name(),
            if sent(cookie.name()) { "sent" } else { "kept home" }
        );
        assert_eq!(
            sent(cookie.name()),
            fate.is_sent(),
            "firefox with its default cookie policy {} `{}` ({set_by:?}), the oracle says {fate:?}; Cookie: {cookie_header:?}",
            if sent(cookie.name()) { "sent" } else { "did not send" },
            cookie.name()
        );
    }
    server.shutdown().await;
}
