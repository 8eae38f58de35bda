//! What the command-line tests share: the built `corsproof` binary, run as a user runs it, its
//! output as text, and the mock origins to point `corsproof check` at.

#![allow(dead_code)] // each test file uses a different part

use std::path::Path;
use std::process::{Command, Output};

use corsproof_server::{MockServer, ServerConfig};

/// `corsproof ARGS` run in `dir`.
pub fn corsproof(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_corsproof"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("corsproof runs")
}

/// `corsproof` with `CI` set to `ci` in its environment, whatever the outer CI says.
pub fn corsproof_in_ci(args: &[&str], dir: &Path, ci: bool) -> Output {
    Command::new(env!("CARGO_BIN_EXE_corsproof"))
        .args(args)
        .current_dir(dir)
        .env("CI", if ci { "true" } else { "false" })
        .output()
        .expect("corsproof runs")
}

/// `corsproof check ARGS`.
pub fn check(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_corsproof")).arg("check").args(args).output().expect("corsproof runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The mock origins, started on loopback, and their `api` origin as `http://127.0.0.1:PORT`
/// (the checker connects by address).
pub async fn api() -> (MockServer, String) {
    let server = MockServer::start(ServerConfig::default()).await.expect("the mock origins start");
    let port = server.origin("api").expect("api").port;
    (server, format!("http://127.0.0.1:{port}"))
}
