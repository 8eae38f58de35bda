//! The real CORS implementations in `tests/implementations/` (Express with `cors`, nginx with
//! `add_header`, Django with `django-cors-headers`), started for a test and stopped with it.
//!
//! Each server runs in a process group of its own on a free loopback port, with its output and
//! any files it writes in a temporary directory. Dropping the [`RunningServer`] kills the group
//! (a panicking test drops it too); a watchdog shell kills it should the test process die first.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use corsproof_browser::process_group;

/// The origin every configuration allows unless told otherwise.
pub const ALLOWED_ORIGIN: &str = "https://app.example.com";

/// How long a server may take to listen (Django imports for about 0.3 s on an idle machine).
const READY_TIMEOUT: Duration = Duration::from_secs(20);

/// Attempts at a port: another process may take the free port between our check and the bind.
const PORT_ATTEMPTS: usize = 3;

const INSTALL_HINT: &str = "run ci/install-implementations";

/// A real server-side CORS implementation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Implementation {
    /// Express 5 with the `cors` middleware (`express/server.js`).
    Express,
    /// nginx with `add_header` (`nginx/*.conf`, started by `nginx/serve`).
    Nginx,
    /// Django with `django-cors-headers` (`django/server.py`).
    Django,
}

impl Implementation {
    pub const ALL: [Implementation; 3] =
        [Implementation::Express, Implementation::Nginx, Implementation::Django];

    pub fn name(self) -> &'static str {
        match self {
            Implementation::Express => "express",
            Implementation::Nginx => "nginx",
            Implementation::Django => "django",
        }
    }

    /// The configurations it can run: `correct` first, then the broken ones.
    pub fn configurations(self) -> &'static [&'static str] {
        match self {
            Implementation::Express => &[
                "correct",
                "reflect-any-origin",
                "wildcard-credentials",
                "no-options-handler",
                "cors-needs-session",
            ],
            Implementation::Nginx => &["correct", "guide-if-block", "no-always"],
            Implementation::Django => {
                &["correct", "allow-all-credentials", "middleware-order", "regex-unescaped-dot"]
            }
        }
    }

    /// Where its files are.
    pub fn dir(self) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/implementations").join(self.name())
    }

    /// Fails with the install hint when ci/install-implementations has not set it up.
    fn check_installed(self) -> Result<()> {
        let missing = match self {
            // The install script leaves a copy of the lockfile it installed from.
            Implementation::Express => !self.dir().join("node_modules/.installed-from").is_file(),
            Implementation::Django => !self.dir().join(".venv/installed-from").is_file(),
            Implementation::Nginx => find_nginx().is_none(),
        };
        if missing {
            bail!("{} is not installed: {INSTALL_HINT}", self.name());
        }
        Ok(())
    }

    fn command(self, config: &str, port: u16, work_dir: &Path) -> Command {
        let dir = self.dir();
        let mut command = match self {
            Implementation::Express => {
                let mut command = Command::new("node");
                command.arg(dir.join("server.js"));
                command
            }
            Implementation::Nginx => Command::new(dir.join("serve")),
            Implementation::Django => {
                let mut command = Command::new(dir.join(".venv/bin/python"));
                command.arg(dir.join("server.py")).env("PYTHONDONTWRITEBYTECODE", "1");
                command
            }
        };
        command.arg(config).arg(port.to_string());
        if self == Implementation::Nginx {
            command.arg(work_dir);
        }
        command.current_dir(&dir);
        command
    }
}

/// nginx on the PATH, or in /usr/sbin, where Debian puts it and a non-root PATH may not look.
fn find_nginx() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
        .map(|dir| dir.join("nginx"))
        .find(|candidate| candidate.is_file())
}

/// Starts `implementation` in `config`, allowing [`ALLOWED_ORIGIN`].
pub async fn start(implementation: Implementation, config: &str) -> Result<RunningServer> {
    start_allowing(implementation, config, &[ALLOWED_ORIGIN]).await
}

/// Starts `implementation` in `config` with `allowed_origins` as its allow-list (configurations
/// that allow everything ignore it); returns once it accepts connections.
pub async fn start_allowing(
    implementation: Implementation,
    config: &str,
    allowed_origins: &[&str],
) -> Result<RunningServer> {
    implementation.check_installed()?;
    let mut attempt = 1;
    loop {
        match RunningServer::spawn(implementation, config, allowed_origins)?.ready().await {
            Ok(server) => return Ok(server),
            Err(StartError::PortTaken(_)) if attempt < PORT_ATTEMPTS => attempt += 1,
            Err(StartError::PortTaken(error) | StartError::Failed(error)) => return Err(error),
        }
    }
}

enum StartError {
    PortTaken(anyhow::Error),
    Failed(anyhow::Error),
}

/// A running implementation; stopped, with everything it started, on drop.
#[derive(Debug)]
pub struct RunningServer {
    implementation: Implementation,
    config: String,
    port: u16,
    child: Child,
    watchdog: Option<Child>,
    work_dir: PathBuf,
}

impl RunningServer {
    fn spawn(implementation: Implementation, config: &str, allowed_origins: &[&str]) -> Result<Self> {
        let port = free_port().context("no free loopback port")?;
        let work_dir = new_work_dir(implementation, config)?;
        let log = std::fs::File::create(work_dir.join("server.log"))?;
        let child = implementation
            .command(config, port, &work_dir)
            .env("ALLOWED_ORIGINS", allowed_origins.join(","))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .process_group(0)
            .spawn()
            .with_context(|| format!("cannot start {} ({INSTALL_HINT})", implementation.name()))?;
        let watchdog = process_group::watchdog(child.id(), Some(&work_dir));
        Ok(Self { implementation, config: config.to_owned(), port, child, watchdog, work_dir })
    }

    async fn ready(mut self) -> Result<Self, StartError> {
        let started = Instant::now();
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        loop {
            if tokio::net::TcpStream::connect(addr).await.is_ok() {
                return Ok(self);
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                let log = self.log();
                let error = anyhow::anyhow!("{self} exited at start ({status}):\n{log}");
                let port_taken = ["EADDRINUSE", "Address already in use"].iter().any(|m| log.contains(m));
                return Err(if port_taken {
                    StartError::PortTaken(error)
                } else {
                    StartError::Failed(error)
                });
            }
            if started.elapsed() > READY_TIMEOUT {
                let error =
                    anyhow::anyhow!("{self} did not listen within {READY_TIMEOUT:?}:\n{}", self.log());
                return Err(StartError::Failed(error));
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.port))
    }

    /// What the server wrote to stdout and stderr so far (nginx's error log included).
    pub fn log(&self) -> String {
        let mut log = std::fs::read_to_string(self.work_dir.join("server.log")).unwrap_or_default();
        if let Ok(error_log) = std::fs::read_to_string(self.work_dir.join("error.log")) {
            log.push_str(&error_log);
        }
        log
    }
}

impl std::fmt::Display for RunningServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} on port {}", self.implementation.name(), self.config, self.port)
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        process_group::kill(self.child.id());
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(mut watchdog) = self.watchdog.take() {
            let _ = watchdog.kill();
            let _ = watchdog.wait();
        }
        let _ = std::fs::remove_dir_all(&self.work_dir);
    }
}

/// A fresh directory for one server's output and files.
fn new_work_dir(implementation: Implementation, config: &str) -> Result<PathBuf> {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = format!("corsproof-{}-{config}-{}-{n}", implementation.name(), std::process::id());
    let dir = std::env::temp_dir().join(name);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}

/// A port nothing listens on right now (nginx cannot report a port it chose itself).
fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?.local_addr()?.port())
}
