//! What the command-line tests share: the built `corsproof` binary, run as a user runs it, its
//! output as text, and the mock origins to point `corsproof check` at.

#![allow(dead_code)] // each test file uses a different part

use std::path::{Path, PathBuf};
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

/// A fresh folder in the temp directory with the given files.
pub fn folder(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("corsproof-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temp folder");
    for (file, text) in files {
        std::fs::write(dir.join(file), text).expect("a file in it");
    }
    dir
}

/// Another corsproof process standing in for "your server": `corsproof serve` on three free
/// ports (its `http-b` listener the one to target), once it listens. Kill it when done.
pub fn stand_in_server() -> (std::process::Child, [u16; 3]) {
    serve_on_free_ports(&[])
}

/// `corsproof serve ARGS` on three free ports, once its `http-b` listener listens. Kill it when
/// done.
pub fn serve_on_free_ports(args: &[&str]) -> (std::process::Child, [u16; 3]) {
    let free = || {
        std::net::TcpListener::bind("127.0.0.1:0")
            .expect("a free port")
            .local_addr()
            .expect("its address")
            .port()
    };
    let ports = [free(), free(), free()];
    let mut server = Command::new(env!("CARGO_BIN_EXE_corsproof"))
        .args(["serve", "--ports", &format!("{},{},{}", ports[0], ports[1], ports[2])])
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("corsproof serve starts");
    let listening = (0..200).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(50));
        // A connection to itself (Linux's TCP simultaneous open) is no server.
        std::net::TcpStream::connect(("127.0.0.1", ports[1]))
            .is_ok_and(|stream| stream.local_addr().ok() != stream.peer_addr().ok())
    });
    if !listening {
        let _ = server.kill();
        let _ = server.wait();
        panic!("corsproof serve never listened on port {}", ports[1]);
    }
    (server, ports)
}
