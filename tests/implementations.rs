//! The real CORS implementations in `tests/implementations/` are what they claim: each correct
//! configuration answers an allowed origin and ignores an unknown one, and each broken one shows
//! its gotcha on the wire. Raw HTTP/1.1, exactly as the servers answer; the browser's verdict on
//! these answers is the checker's job.
//!
//! Nothing here is skipped: without the implementations installed every test fails with
//! "run ci/install-implementations".

mod support;

use std::time::Duration;

use anyhow::{Context, Result};
use bytes::Bytes;
use http_body_util::Full;
use hyper_util::rt::TokioIo;
use support::implementations::{ALLOWED_ORIGIN, Implementation, RunningServer, start};
use support::{Received, Transport};
use tokio::net::TcpStream;

const EVIL: &str = "https://evil.example";

/// One request on a new connection, the whole answer read.
async fn send(server: &RunningServer, method: &str, path: &str, headers: &[(&str, &str)]) -> Received {
    exchange(server, method, path, headers)
        .await
        .unwrap_or_else(|e| panic!("{server}: {method} {path}: {e:#}\n{}", server.log()))
}

async fn exchange(
    server: &RunningServer,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> Result<Received> {
    let mut request =
        http::Request::builder().method(method).uri(path).header("host", server.addr().to_string());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request.body(Full::new(Bytes::new()))?;
    let answer = async {
        let tcp = TcpStream::connect(server.addr()).await?;
        support::over(Transport::Http1, TokioIo::new(tcp), request).await
    };
    tokio::time::timeout(Duration::from_secs(10), answer).await.context("no answer within 10 s")?
}

/// The preflight a browser sends before `PUT /api/items/1` with JSON and a custom header.
async fn preflight(server: &RunningServer, origin: &str) -> Received {
    let headers = [
        ("origin", origin),
        ("access-control-request-method", "PUT"),
        ("access-control-request-headers", "content-type,x-request-id"),
        ("accept", "*/*"),
    ];
    send(server, "OPTIONS", "/api/items/1", &headers).await
}

async fn get(server: &RunningServer, path: &str, origin: &str) -> Received {
    send(server, "GET", path, &[("origin", origin)]).await
}

async fn start_or_fail(implementation: Implementation, config: &str) -> RunningServer {
    start(implementation, config).await.unwrap_or_else(|e| panic!("{e:#}"))
}

/// A comma list as lower-case names.
fn list(value: Option<&str>) -> Vec<String> {
    value.unwrap_or_default().split(',').map(|item| item.trim().to_ascii_lowercase()).collect()
}

/// What every correct configuration does: the allowed origin's preflight, actual requests and
/// errors carry the right headers; an unknown origin gets no Allow-Origin at all.
async fn assert_correct(server: &RunningServer) {
    let answer = preflight(server, ALLOWED_ORIGIN).await;
    assert!((200..300).contains(&answer.status), "{server}: preflight {answer:#?}");
    assert_eq!(answer.one("access-control-allow-origin"), Some(ALLOWED_ORIGIN), "{server}: {answer:#?}");
    assert_eq!(answer.one("access-control-allow-credentials"), Some("true"), "{server}: {answer:#?}");
    assert!(
        list(answer.one("access-control-allow-methods")).contains(&"put".into()),
        "{server}: {answer:#?}"
    );
    let allowed_headers = list(answer.one("access-control-allow-headers"));
    for name in ["content-type", "x-request-id"] {
        assert!(allowed_headers.contains(&name.into()), "{server}: {name} not allowed: {answer:#?}");
    }
    assert_eq!(answer.one("access-control-max-age"), Some("600"), "{server}: {answer:#?}");

    let token = [("origin", ALLOWED_ORIGIN), ("authorization", "Bearer t")];
    for (method, path, status) in
        [("GET", "/api/items", 200), ("PUT", "/api/items/1", 200), ("GET", "/api/error", 500)]
    {
        let answer = send(server, method, path, &token).await;
        assert_eq!(answer.status, status, "{server}: {method} {path}: {answer:#?}");
        assert_eq!(
            answer.one("access-control-allow-origin"),
            Some(ALLOWED_ORIGIN),
            "{server}: {method} {path}"
        );
        assert_eq!(answer.one("access-control-allow-credentials"), Some("true"), "{server}: {method} {path}");
        assert!(
            list(answer.one("vary")).contains(&"origin".into()),
            "{server}: {method} {path}: {answer:#?}"
        );
    }
    let answer = get(server, "/api/items", ALLOWED_ORIGIN).await;
    assert_eq!(answer.one("access-control-expose-headers"), Some("X-Request-Id"), "{server}: {answer:#?}");

    for answer in [preflight(server, EVIL).await, get(server, "/api/items", EVIL).await] {
        assert_eq!(answer.one("access-control-allow-origin"), None, "{server}: unknown origin: {answer:#?}");
        assert_eq!(
            answer.one("access-control-allow-credentials"),
            None,
            "{server}: unknown origin: {answer:#?}"
        );
    }
}

#[tokio::test]
async fn express_correct_allows_the_listed_origin_only() {
    assert_correct(&start_or_fail(Implementation::Express, "correct").await).await;
}

#[tokio::test]
async fn nginx_correct_allows_the_listed_origin_only_on_errors_too() {
    let server = start_or_fail(Implementation::Nginx, "correct").await;
    assert_correct(&server).await;
    let answer = get(&server, "/api/missing", ALLOWED_ORIGIN).await;
    assert_eq!((answer.status, answer.one("access-control-allow-origin")), (404, Some(ALLOWED_ORIGIN)));
}

#[tokio::test]
async fn django_correct_allows_the_listed_origin_only_on_a_401_too() {
    let server = start_or_fail(Implementation::Django, "correct").await;
    assert_correct(&server).await;
    let answer = send(&server, "PUT", "/api/items/1", &[("origin", ALLOWED_ORIGIN)]).await;
    assert_eq!((answer.status, answer.one("access-control-allow-origin")), (401, Some(ALLOWED_ORIGIN)));
}

#[tokio::test]
async fn express_reflect_any_origin_echoes_an_evil_origin_with_credentials() {
    let server = start_or_fail(Implementation::Express, "reflect-any-origin").await;
    for answer in [preflight(&server, EVIL).await, get(&server, "/api/items", EVIL).await] {
        assert_eq!(answer.one("access-control-allow-origin"), Some(EVIL), "{answer:#?}");
        assert_eq!(answer.one("access-control-allow-credentials"), Some("true"), "{answer:#?}");
    }
}

#[tokio::test]
async fn express_wildcard_credentials_sends_star_and_credentials_together() {
    let server = start_or_fail(Implementation::Express, "wildcard-credentials").await;
    for answer in [preflight(&server, ALLOWED_ORIGIN).await, get(&server, "/api/items", ALLOWED_ORIGIN).await]
    {
        assert_eq!(answer.one("access-control-allow-origin"), Some("*"), "{answer:#?}");
        assert_eq!(answer.one("access-control-allow-credentials"), Some("true"), "{answer:#?}");
    }
}

#[tokio::test]
async fn express_no_options_handler_answers_the_preflight_without_cors_headers() {
    let server = start_or_fail(Implementation::Express, "no-options-handler").await;
    let answer = preflight(&server, ALLOWED_ORIGIN).await;
    // Express's automatic OPTIONS answer: 200 listing the route's methods, nothing for CORS.
    assert_eq!(answer.status, 200, "{answer:#?}");
    assert_eq!(answer.one("allow"), Some("GET, HEAD, PUT"), "{answer:#?}");
    assert!(answer.headers.iter().all(|(name, _)| !name.starts_with("access-control-")), "{answer:#?}");
    let answer = get(&server, "/api/items", ALLOWED_ORIGIN).await;
    assert_eq!(answer.one("access-control-allow-origin"), Some(ALLOWED_ORIGIN), "{answer:#?}");
}

#[tokio::test]
async fn nginx_guide_if_block_preflight_carries_only_max_age() {
    let server = start_or_fail(Implementation::Nginx, "guide-if-block").await;
    let answer = preflight(&server, ALLOWED_ORIGIN).await;
    assert_eq!(answer.status, 204, "{answer:#?}");
    let cors: Vec<_> =
        answer.headers.iter().filter(|(name, _)| name.starts_with("access-control-")).collect();
    assert_eq!(cors, [&("access-control-max-age".to_owned(), "1728000".to_owned())], "{answer:#?}");
    // The location's headers are there on the actual request, where the guides' readers test.
    let answer = get(&server, "/api/items", ALLOWED_ORIGIN).await;
    assert_eq!(answer.one("access-control-allow-origin"), Some(ALLOWED_ORIGIN), "{answer:#?}");
    assert_eq!(answer.one("access-control-allow-methods"), Some("GET, PUT, DELETE"), "{answer:#?}");
}

#[tokio::test]
async fn nginx_no_always_drops_cors_headers_on_500_and_404() {
    let server = start_or_fail(Implementation::Nginx, "no-always").await;
    let answer = preflight(&server, ALLOWED_ORIGIN).await;
    assert_eq!((answer.status, answer.one("access-control-allow-origin")), (204, Some(ALLOWED_ORIGIN)));
    let answer = get(&server, "/api/items", ALLOWED_ORIGIN).await;
    assert_eq!((answer.status, answer.one("access-control-allow-origin")), (200, Some(ALLOWED_ORIGIN)));
    for (path, status) in [("/api/error", 500), ("/api/missing", 404)] {
        let answer = get(&server, path, ALLOWED_ORIGIN).await;
        assert_eq!(answer.status, status, "{answer:#?}");
        assert!(answer.headers.iter().all(|(name, _)| !name.starts_with("access-control-")), "{answer:#?}");
    }
}

#[tokio::test]
async fn django_allow_all_with_credentials_echoes_any_origin_null_included() {
    let server = start_or_fail(Implementation::Django, "allow-all-credentials").await;
    for origin in [EVIL, "null"] {
        for answer in [preflight(&server, origin).await, get(&server, "/api/items", origin).await] {
            assert_eq!(answer.one("access-control-allow-origin"), Some(origin), "{answer:#?}");
            assert_eq!(answer.one("access-control-allow-credentials"), Some("true"), "{answer:#?}");
        }
    }
}

#[tokio::test]
async fn django_middleware_order_answers_401_without_cors_headers() {
    let server = start_or_fail(Implementation::Django, "middleware-order").await;
    let without_token = [preflight(&server, ALLOWED_ORIGIN).await, {
        send(&server, "PUT", "/api/items/1", &[("origin", ALLOWED_ORIGIN)]).await
    }];
    for answer in without_token {
        assert_eq!(answer.status, 401, "{answer:#?}");
        assert!(answer.headers.iter().all(|(name, _)| !name.starts_with("access-control-")), "{answer:#?}");
    }
    // What gets past the auth middleware is decorated as usual.
    let with_token = [("origin", ALLOWED_ORIGIN), ("authorization", "Bearer t")];
    let answer = send(&server, "PUT", "/api/items/1", &with_token).await;
    assert_eq!((answer.status, answer.one("access-control-allow-origin")), (200, Some(ALLOWED_ORIGIN)));
}

#[tokio::test]
async fn django_regex_unescaped_dot_lets_a_lookalike_origin_in() {
    let server = start_or_fail(Implementation::Django, "regex-unescaped-dot").await;
    for origin in [ALLOWED_ORIGIN, "https://appXexample.com", "https://app-example.com"] {
        let answer = get(&server, "/api/items", origin).await;
        assert_eq!(answer.one("access-control-allow-origin"), Some(origin), "{answer:#?}");
        assert_eq!(answer.one("access-control-allow-credentials"), Some("true"), "{answer:#?}");
    }
    assert_eq!(get(&server, "/api/items", EVIL).await.one("access-control-allow-origin"), None);
}

#[tokio::test]
async fn an_unknown_configuration_fails_to_start_with_the_servers_words() {
    for implementation in Implementation::ALL {
        let error = start(implementation, "no-such-config").await.expect_err("an unknown configuration");
        let message = format!("{error:#}");
        assert!(message.contains("exited at start"), "{}: {message}", implementation.name());
        assert!(
            message.contains("no-such-config") || message.contains("usage"),
            "{}: {message}",
            implementation.name()
        );
    }
}

#[tokio::test]
async fn dropping_the_server_stops_it() {
    let server = start_or_fail(Implementation::Nginx, "correct").await;
    let addr = server.addr();
    drop(server);
    assert!(TcpStream::connect(addr).await.is_err(), "still listening on {addr}");
}
