//! The checker proven on a real CORS implementation, in process: an axum app behind
//! tower-http's `CorsLayer`, checked from a `#[tokio::test]` the way a user checks theirs.

use std::time::Duration;

use axum::Router;
use axum::routing::get;
use corsproof::{Checker, Probe};
use http::{HeaderName, HeaderValue, Method};
use tower_http::cors::{AllowOrigin, CorsLayer};

const APP: &str = "https://app.example";
const EVIL: &str = "https://evil.example";

/// Serves `app` on a free loopback port for the rest of the test; returns its base URL.
async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let address = listener.local_addr().expect("an address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}")
}

fn api() -> Router {
    Router::new()
        .route("/api/items", get(|| async { "[]" }).put(|| async { "stored" }))
        .route("/api/error", get(|| async { (http::StatusCode::INTERNAL_SERVER_ERROR, "boom") }))
}

/// What a careful user writes: one origin, credentials, the methods and header the app uses.
fn correct() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(HeaderValue::from_static(APP))
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::PUT])
        .allow_headers([HeaderName::from_static("x-request-id")])
        .max_age(Duration::from_secs(600))
}

#[tokio::test]
async fn the_allowed_origin_gets_a_preflighted_credentialed_put_through() {
    let base = serve(api().layer(correct())).await;
    let probe = Probe::new(format!("{base}/api/items"))
        .origin(APP)
        .method("PUT")
        .header("X-Request-Id", "7")
        .credentials(true);
    let checked = Checker::new().check(&probe).await.unwrap();
    checked.assert_allowed();
    let preflight = checked.preflight().expect("a PUT with a custom header is preflighted");
    assert_eq!(preflight.response_header("access-control-allow-origin"), [APP]);
}

#[tokio::test]
async fn another_origin_is_refused_at_the_preflight() {
    let base = serve(api().layer(correct())).await;
    let probe = Probe::new(format!("{base}/api/items")).origin(EVIL).method("PUT");
    let checked = Checker::new().check(&probe).await.unwrap();
    checked.assert_blocked();
    assert!(checked.actual().is_none(), "the PUT is never sent: {checked}");
}

#[tokio::test]
async fn cors_layer_headers_ride_error_answers_too() {
    let base = serve(api().layer(correct())).await;
    let checked = Checker::new().check(&Probe::new(format!("{base}/api/error")).origin(APP)).await.unwrap();
    checked.assert_allowed();
    assert_eq!(checked.verdict().response().unwrap().status, 500, "the page can read the 500");
}

#[tokio::test]
async fn a_method_the_layer_does_not_list_is_named_in_the_block() {
    let base = serve(api().layer(correct())).await;
    let probe = Probe::new(format!("{base}/api/items")).origin(APP).method("DELETE");
    let checked = Checker::new().check(&probe).await.unwrap();
    let message = checked.console_message().expect("blocked");
    assert!(message.contains("Method DELETE is not allowed by Access-Control-Allow-Methods"), "{message}");
}

#[tokio::test]
async fn mirroring_every_origin_with_credentials_lets_an_attacker_read_answers() {
    // `very_permissive` mirrors the request's Origin and allows credentials: the reflection
    // misconfiguration. The browser lets evil.example read a credentialed answer.
    let base = serve(api().layer(CorsLayer::very_permissive())).await;
    let probe = Probe::new(format!("{base}/api/items")).origin(EVIL).credentials(true);
    let checked = Checker::new().check(&probe).await.unwrap();
    checked.assert_allowed();
    let predicate = AllowOrigin::predicate(|origin, _| origin.as_bytes().ends_with(b".app.example"));
    let base = serve(api().layer(CorsLayer::new().allow_origin(predicate).allow_credentials(true))).await;
    let probe = Probe::new(format!("{base}/api/items")).origin(EVIL).credentials(true);
    Checker::new().check(&probe).await.unwrap().assert_blocked();
}
