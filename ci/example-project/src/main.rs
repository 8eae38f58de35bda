//! A small items API behind tower-http's `CorsLayer`: the server that the scenario files in
//! `scenarios/` test in real browsers with corsproof.
//!
//! Configured from the environment, as a deployed service is:
//! - `ALLOWED_ORIGINS`: the origins whose pages may call the API, comma-separated
//!   (default `https://app.example.com`);
//! - `PORT`: the loopback port to listen on (default 3000; 0 picks a free one).
//!
//! Every answer is the same whatever came before (the storage is left out of the example): the
//! three browsers run their scenarios at once against one server, and their snapshots record the
//! body each page read.

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::Path;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use axum::routing::{delete, get};
use axum::{Json, Router, middleware};
use serde::{Deserialize, Serialize};
use tower_http::cors::{AllowOrigin, CorsLayer};

const DEFAULT_ALLOWED_ORIGINS: &str = "https://app.example.com";
const DEFAULT_PORT: u16 = 3000;

/// Set on every API answer, and exposed: support asks for it when a user reports a problem.
const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// Set on every API answer, and not exposed: the page has no use for it.
const RATE_LIMIT_REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");

/// What a page at an allowed origin may do with the API.
fn cors(allowed_origins: Vec<HeaderValue>) -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(allowed_origins))
        .allow_methods([Method::GET, Method::POST, Method::DELETE])
        .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION])
        .expose_headers([REQUEST_ID])
        .max_age(Duration::from_secs(600))
}

fn app(allowed_origins: Vec<HeaderValue>) -> Router {
    let api = Router::new()
        .route("/api/items", get(list_items).post(create_item))
        .route("/api/items/{id}", delete(delete_item))
        .layer(middleware::map_response(tag))
        .layer(cors(allowed_origins));
    // The load balancer's health check is for machines, not pages: outside the CORS layer.
    Router::new()
        .route("/health", get(|| async { "ok" }))
        .merge(api)
}

#[derive(Serialize)]
struct Item {
    id: u32,
    name: String,
}

#[derive(Deserialize)]
struct NewItem {
    name: String,
}

async fn list_items() -> Json<Vec<Item>> {
    Json(vec![
        Item {
            id: 1,
            name: "Notebook".into(),
        },
        Item {
            id: 2,
            name: "Pencil".into(),
        },
    ])
}

async fn create_item(Json(item): Json<NewItem>) -> (StatusCode, Json<Item>) {
    (
        StatusCode::CREATED,
        Json(Item {
            id: 3,
            name: item.name,
        }),
    )
}

async fn delete_item(Path(id): Path<u32>) -> StatusCode {
    if matches!(id, 1 | 2) {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::NOT_FOUND
    }
}

/// Adds the request id and the rate limiter's count to an API answer.
async fn tag(mut response: Response) -> Response {
    static NEXT_ID: AtomicU64 = AtomicU64::new(1);
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let headers = response.headers_mut();
    headers.insert(REQUEST_ID, HeaderValue::from(id));
    headers.insert(RATE_LIMIT_REMAINING, HeaderValue::from_static("59"));
    response
}

/// `ALLOWED_ORIGINS` read as origins, each as a browser sends it in `Origin`.
fn allowed_origins(list: &str) -> Result<Vec<HeaderValue>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|origin| !origin.is_empty())
        .map(|origin| {
            let rest = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"));
            match rest {
                Some(host) if !host.is_empty() && !host.contains('/') => {
                    HeaderValue::from_str(origin)
                        .map_err(|_| format!("`{origin}` has characters a header cannot carry"))
                }
                _ => Err(format!(
                    "`{origin}` is not an origin: write it as a browser sends it, \
                     scheme://host[:port], without a path or a trailing slash"
                )),
            }
        })
        .collect()
}

fn port(text: &str) -> Result<u16, String> {
    text.parse()
        .map_err(|_| format!("PORT is `{text}`: give a port number (0 picks a free one)"))
}

/// Ctrl-C or SIGTERM (what `kill` and a CI runner send).
async fn shutdown() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            },
            Err(_) => drop(tokio::signal::ctrl_c().await),
        }
    }
    #[cfg(not(unix))]
    drop(tokio::signal::ctrl_c().await);
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let origins =
        std::env::var("ALLOWED_ORIGINS").unwrap_or_else(|_| DEFAULT_ALLOWED_ORIGINS.into());
    let settings = allowed_origins(&origins).and_then(|origins| {
        let port = std::env::var("PORT").map_or(Ok(DEFAULT_PORT), |text| port(&text))?;
        Ok((origins, port))
    });
    let (origins, port) = match settings {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("items-api: {error}");
            return ExitCode::from(2);
        }
    };
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let listener = match tokio::net::TcpListener::bind(address).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("items-api: cannot listen on {address}: {error}; set PORT to a free port");
            return ExitCode::FAILURE;
        }
    };
    let address = listener.local_addr().unwrap_or(address);
    // One line when it listens; written, not printed, so that a closed stdout is no panic.
    let _ = writeln!(
        std::io::stdout(),
        "items-api listening on http://{address}, allowing {}",
        origins_text(&origins)
    );
    match axum::serve(listener, app(origins))
        .with_graceful_shutdown(shutdown())
        .await
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("items-api: {error}");
            ExitCode::FAILURE
        }
    }
}

fn origins_text(origins: &[HeaderValue]) -> String {
    let names: Vec<&str> = origins
        .iter()
        .filter_map(|origin| origin.to_str().ok())
        .collect();
    if names.is_empty() {
        "no origin".into()
    } else {
        names.join(", ")
    }
}
