//! An axum API whose CORS is exactly a tower-http snippet corsproof wrote: the tower-http
//! server of `tests/implementations/`, under the snippet contract of
//! `corsproof_oracle::Framework`.
//!
//! Usage: `tower-http-fixture snippet PORT`, with `CORSPROOF_SNIPPET` naming a file that holds
//! a snippet compiled in at build time (`CORSPROOF_SNIPPETS_DIR`, see `build.rs`); `none PORT`
//! serves the API without CORS.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;

include!(concat!(env!("OUT_DIR"), "/snippets.rs"));

/// The same routes as the other implementations: a list with a cookie, a PUT, and a 500.
fn api() -> Router {
    Router::new()
        .route(
            "/api/items",
            get(|| async {
                ([("x-request-id", "tower-1"), ("set-cookie", "session=abc; HttpOnly")], "{\"items\":[]}")
            }),
        )
        .route("/api/items/1", axum::routing::put(|| async { ([("x-request-id", "tower-2")], "{\"id\":1}") }))
        .route("/api/error", get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "{\"error\":\"boom\"}").into_response() }))
}

/// The app for `config`, or why there is none.
fn app(config: &str) -> Result<Router, String> {
    match config {
        "none" => Ok(api()),
        "snippet" => {
            let path = std::env::var_os("CORSPROOF_SNIPPET").ok_or("CORSPROOF_SNIPPET names no file")?;
            let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let (_, with_cors) = SNIPPETS.iter().find(|(compiled, _)| *compiled == text).ok_or(
                "this snippet was not compiled in: build with CORSPROOF_SNIPPETS_DIR holding it",
            )?;
            Ok(with_cors(api()))
        }
        other => Err(format!("no configuration {other}: snippet or none")),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(config), Some(Ok(port))) = (args.first(), args.get(1).map(|p| p.parse::<u16>())) else {
        eprintln!("usage: tower-http-fixture snippet|none PORT");
        return ExitCode::from(2);
    };
    let app = match app(config) {
        Ok(app) => app,
        Err(why) => {
            eprintln!("tower-http-fixture: {why}");
            return ExitCode::from(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("tower-http-fixture: cannot listen on port {port}: {error}");
            return ExitCode::from(1);
        }
    };
    eprintln!("tower-http {config} listening on http://127.0.0.1:{port}");
    match axum::serve(listener, app).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("tower-http-fixture: {error}");
            ExitCode::from(1)
        }
    }
}
