//! The WebDriver driver process (chromedriver, geckodriver), and making sure it and its browser
//! go away.
//!
//! The driver starts in a process group of its own, which the browser it launches joins; stopping
//! means killing that group. Should this process die without stopping it (a panic in a test
//! harness, SIGKILL), a small watchdog shell notices and kills the group.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::locate::Engine;
use crate::session::BrowserError;

/// How long a driver may take to listen after it starts.
const READY_TIMEOUT: Duration = Duration::from_secs(20);

/// A running driver, stopped (with everything it started) on drop.
#[derive(Debug)]
pub(crate) struct DriverProcess {
    child: Child,
    watchdog: Option<Child>,
    port: u16,
}

impl DriverProcess {
    /// Starts `driver` for `engine` on a free port and waits until it accepts connections.
    /// geckodriver also gets a free port of its own for WebDriver BiDi's websocket (its default,
    /// 9222, would collide between drivers running at once).
    pub(crate) async fn start(driver: &Path, engine: Engine) -> Result<Self, BrowserError> {
        let port = free_port().map_err(|e| BrowserError::Driver(format!("no free port: {e}")))?;
        let mut command = Command::new(driver);
        command.arg(format!("--port={port}"));
        if engine == Engine::Firefox {
            let websocket = free_port().map_err(|e| BrowserError::Driver(format!("no free port: {e}")))?;
            command.arg(format!("--websocket-port={websocket}"));
        }
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .map_err(|e| BrowserError::Driver(format!("cannot start {}: {e}", driver.display())))?;
        let watchdog = spawn_watchdog(child.id());
        let mut process = Self { child, watchdog, port };

        let started = Instant::now();
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        loop {
            if tokio::net::TcpStream::connect(addr).await.is_ok() {
                return Ok(process);
            }
            if let Ok(Some(status)) = process.child.try_wait() {
                return Err(BrowserError::Driver(format!("{} exited at start ({status})", driver.display())));
            }
            if started.elapsed() > READY_TIMEOUT {
                return Err(BrowserError::Driver(format!(
                    "{} did not listen on port {port} within {READY_TIMEOUT:?}",
                    driver.display()
                )));
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// The driver's WebDriver URL.
    pub(crate) fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Whether the driver process is still running.
    pub(crate) fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for DriverProcess {
    fn drop(&mut self) {
        kill_group(self.child.id());
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(mut watchdog) = self.watchdog.take() {
            let _ = watchdog.kill();
            let _ = watchdog.wait();
        }
    }
}

/// Kills a whole process group: the driver and the browser processes it started.
///
/// Through the shell's own `kill`, the same as the watchdog: procps' `kill` needs `--` before
/// a negative process id and dash's refuses it, so one syntax (`kill -KILL -PGID`) is kept.
fn kill_group(pgid: u32) {
    let _ = Command::new("sh")
        .args(["-c", r#"kill -KILL "-$1" 2>/dev/null"#, "corsproof-kill", &pgid.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// A shell that kills the group `pgid` once this process is gone. It lives in a group of its own
/// so that Ctrl-C in a terminal, which signals our group, does not take it down first.
fn spawn_watchdog(pgid: u32) -> Option<Child> {
    // POSIX `kill` syntax only (see `kill_group`).
    let script = r#"while kill -0 "$1" 2>/dev/null && kill -0 "-$2" 2>/dev/null; do sleep 0.2; done; kill -KILL "-$2" 2>/dev/null"#;
    Command::new("sh")
        .args(["-c", script, "corsproof-watchdog", &std::process::id().to_string(), &pgid.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .ok()
}

/// A port nothing listens on right now (drivers cannot report the port they chose themselves).
fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?.local_addr()?.port())
}
