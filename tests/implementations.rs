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
use support::implementations::{ALLOWED_ORIGIN, Implementation, RunningServer, start, start_snippet};
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

/// What an unknown origin may still get from a correct configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UnknownOrigin {
    /// Neither Allow-Origin nor Allow-Credentials.
    GetsNothing,
    /// `Access-Control-Allow-Credentials: true` without Allow-Origin, which a browser ignores:
    /// Starlette sends it to every origin (Kludex/starlette#2560, closed as harmless).
    MayGetAllowCredentials,
}

/// What every correct configuration does: the allowed origin's preflight, actual requests and
/// errors carry the right headers; an unknown origin gets no Allow-Origin at all.
async fn assert_correct(server: &RunningServer) {
    assert_correct_with(server, UnknownOrigin::GetsNothing).await;
}

async fn assert_correct_with(server: &RunningServer, unknown_origin: UnknownOrigin) {
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
        if unknown_origin == UnknownOrigin::GetsNothing {
            assert_eq!(
                answer.one("access-control-allow-credentials"),
                None,
                "{server}: unknown origin: {answer:#?}"
            );
        }
    }
}

/// No `access-control-*` header at all.
fn has_no_cors_headers(answer: &Received) -> bool {
    answer.headers.iter().all(|(name, _)| !name.starts_with("access-control-"))
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
async fn koa_correct_allows_the_listed_origin_only_on_errors_too() {
    assert_correct(&start_or_fail(Implementation::Koa, "correct").await).await;
}

#[tokio::test]
async fn fastify_correct_allows_the_listed_origin_only_on_errors_too() {
    assert_correct(&start_or_fail(Implementation::Fastify, "correct").await).await;
}

#[tokio::test]
async fn fastapi_correct_allows_the_listed_origin_only_on_errors_too() {
    let server = start_or_fail(Implementation::FastApi, "correct").await;
    assert_correct_with(&server, UnknownOrigin::MayGetAllowCredentials).await;
}

#[tokio::test]
async fn flask_correct_allows_the_listed_origin_only_on_errors_too() {
    assert_correct(&start_or_fail(Implementation::Flask, "correct").await).await;
}

#[tokio::test]
async fn apache_correct_allows_the_listed_origin_only_on_its_own_answers_too() {
    let server = start_or_fail(Implementation::Apache, "correct").await;
    assert_correct(&server).await;
    // A 404 the app's CGI script gives keeps them as well.
    let answer = get(&server, "/api/items/2", ALLOWED_ORIGIN).await;
    assert_eq!((answer.status, answer.one("access-control-allow-origin")), (404, Some(ALLOWED_ORIGIN)));
}

#[tokio::test]
async fn caddy_correct_allows_the_listed_origin_only_on_errors_too() {
    assert_correct(&start_or_fail(Implementation::Caddy, "correct").await).await;
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

/// The preflight and the GET from `origin` both echo it with credentials.
async fn assert_reflects_with_credentials(server: &RunningServer, origin: &str) {
    for answer in [preflight(server, origin).await, get(server, "/api/items", origin).await] {
        assert_eq!(answer.one("access-control-allow-origin"), Some(origin), "{server}: {answer:#?}");
        assert_eq!(answer.one("access-control-allow-credentials"), Some("true"), "{server}: {answer:#?}");
    }
}

#[tokio::test]
async fn koa_credentials_without_origin_echoes_any_origin() {
    let server = start_or_fail(Implementation::Koa, "credentials-default-origin").await;
    assert_reflects_with_credentials(&server, EVIL).await;
}

#[tokio::test]
async fn koa_cors_after_the_router_leaves_matched_routes_without_cors_headers() {
    let server = start_or_fail(Implementation::Koa, "cors-after-router").await;
    // No route matches OPTIONS, so the preflight reaches cors() and looks right.
    let answer = preflight(&server, ALLOWED_ORIGIN).await;
    assert_eq!((answer.status, answer.one("access-control-allow-origin")), (204, Some(ALLOWED_ORIGIN)));
    for (method, path, status) in [("GET", "/api/items", 200), ("PUT", "/api/items/1", 200)] {
        let answer = send(&server, method, path, &[("origin", ALLOWED_ORIGIN)]).await;
        assert_eq!(answer.status, status, "{answer:#?}");
        assert!(has_no_cors_headers(&answer), "{method} {path}: {answer:#?}");
    }
}

#[tokio::test]
async fn fastify_reflect_any_origin_echoes_an_evil_origin_with_credentials() {
    let server = start_or_fail(Implementation::Fastify, "reflect-any-origin").await;
    assert_reflects_with_credentials(&server, EVIL).await;
}

#[tokio::test]
async fn fastify_default_methods_leave_put_out_of_the_preflight() {
    let server = start_or_fail(Implementation::Fastify, "default-methods").await;
    let answer = preflight(&server, ALLOWED_ORIGIN).await;
    assert_eq!((answer.status, answer.one("access-control-allow-origin")), (204, Some(ALLOWED_ORIGIN)));
    assert_eq!(answer.one("access-control-allow-methods"), Some("GET,HEAD,POST"), "{answer:#?}");
    let answer = get(&server, "/api/items", ALLOWED_ORIGIN).await;
    assert_eq!(answer.one("access-control-allow-origin"), Some(ALLOWED_ORIGIN), "{answer:#?}");
}

#[tokio::test]
async fn fastapi_wildcard_with_credentials_echoes_any_origin_without_a_cookie() {
    let server = start_or_fail(Implementation::FastApi, "wildcard-credentials").await;
    assert_reflects_with_credentials(&server, EVIL).await;
}

#[tokio::test]
async fn fastapi_unhandled_error_answers_500_without_cors_headers() {
    let server = start_or_fail(Implementation::FastApi, "unhandled-error").await;
    let answer = get(&server, "/api/error", ALLOWED_ORIGIN).await;
    assert_eq!(answer.status, 500, "{answer:#?}");
    assert!(has_no_cors_headers(&answer), "{answer:#?}");
    let answer = get(&server, "/api/items", ALLOWED_ORIGIN).await;
    assert_eq!(answer.one("access-control-allow-origin"), Some(ALLOWED_ORIGIN), "{answer:#?}");
}

#[tokio::test]
async fn flask_credentials_with_default_origins_echoes_any_origin() {
    let server = start_or_fail(Implementation::Flask, "credentials-default-origins").await;
    assert_reflects_with_credentials(&server, EVIL).await;
}

#[tokio::test]
async fn flask_unanchored_origin_regexes_let_a_longer_origin_in() {
    let server = start_or_fail(Implementation::Flask, "regex-prefix-match").await;
    let lookalike = "https://app.example.com.evil.net";
    assert_reflects_with_credentials(&server, lookalike).await;
    assert_eq!(get(&server, "/api/items", EVIL).await.one("access-control-allow-origin"), None);
}

#[tokio::test]
async fn apache_mirroring_the_origin_echoes_any_origin_with_credentials() {
    let server = start_or_fail(Implementation::Apache, "reflect-any-origin").await;
    assert_reflects_with_credentials(&server, EVIL).await;
}

#[tokio::test]
async fn apache_without_always_loses_the_headers_on_its_own_204_and_500() {
    let server = start_or_fail(Implementation::Apache, "no-always").await;
    let answer = preflight(&server, ALLOWED_ORIGIN).await;
    assert_eq!(answer.status, 204, "{answer:#?}");
    assert!(has_no_cors_headers(&answer), "{answer:#?}");
    let answer = get(&server, "/api/error", ALLOWED_ORIGIN).await;
    assert_eq!(answer.status, 500, "{answer:#?}");
    assert!(has_no_cors_headers(&answer), "{answer:#?}");
    // The app's own 200 has them: `Header set` works where people first look.
    let answer = get(&server, "/api/items", ALLOWED_ORIGIN).await;
    assert_eq!((answer.status, answer.one("access-control-allow-origin")), (200, Some(ALLOWED_ORIGIN)));
}

#[tokio::test]
async fn caddy_wildcard_with_credentials_sends_star_and_credentials_together() {
    let server = start_or_fail(Implementation::Caddy, "wildcard-credentials").await;
    for answer in [preflight(&server, ALLOWED_ORIGIN).await, get(&server, "/api/items", ALLOWED_ORIGIN).await]
    {
        assert_eq!(answer.one("access-control-allow-origin"), Some("*"), "{answer:#?}");
        assert_eq!(answer.one("access-control-allow-credentials"), Some("true"), "{answer:#?}");
    }
}

#[tokio::test]
async fn a_snippet_that_fails_stops_the_server_with_its_words() {
    let dir = std::env::temp_dir().join(format!("corsproof-bad-snippets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let file = dir.join("missing.snippet");
    // What the snippets themselves do is tests/fix_snippets.rs's: the fix renderer's own text.
    for implementation in Implementation::ALL {
        // No such file: every server must refuse to start rather than serve without CORS.
        let error = start_snippet(implementation, &file).await.expect_err("a missing snippet");
        assert!(format!("{error:#}").contains("exited at start"), "{}: {error:#}", implementation.name());
    }
    let _ = std::fs::remove_dir_all(&dir);
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
