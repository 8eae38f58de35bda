//! The real CORS implementations in `tests/implementations/` (Express with `cors`, nginx with
//! `add_header`, Django with `django-cors-headers`, Koa with `@koa/cors`, Fastify with
//! `@fastify/cors`, FastAPI with Starlette's `CORSMiddleware`, Flask with `Flask-Cors`, Apache
//! httpd with `mod_headers`, Caddy with `header`, an axum app with tower-http's `CorsLayer`),
//! started for a test and stopped with it; each can also run a fix's snippet
//! ([`start_with_snippet`], the contract of `corsproof::Framework`).
//!
//! Each server runs in a process group of its own on a free loopback port, with its output and
//! any files it writes in a temporary directory. Dropping the [`RunningServer`] kills the group
//! (a panicking test drops it too); a watchdog shell kills it should the test process die first.

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use corsproof_browser::process_group;

/// The origin every configuration allows unless told otherwise.
pub const ALLOWED_ORIGIN: &str = "https://app.example.com";

/// The CORS policy every `correct` configuration implements, as a policy file: their servers
/// allow [`ALLOWED_ORIGIN`] with credentials, GET, PUT and DELETE, these three request headers,
/// expose X-Request-Id and cache preflights for 600 s.
pub const CORRECT_POLICY: &str = r#"origins = ["https://app.example.com"]
credentials = true
methods = ["GET", "PUT", "DELETE"]
headers = ["content-type", "authorization", "x-request-id"]
expose = ["x-request-id"]
max_age = 600
"#;

/// The configuration that applies a CORS setup from a file instead of the server's own: the file
/// is named by the environment variable [`SNIPPET_ENV`]. Each server file says how it applies it.
pub const SNIPPET: &str = "snippet";

/// The environment variable naming the snippet file for the [`SNIPPET`] configuration.
pub const SNIPPET_ENV: &str = "CORSPROOF_SNIPPET";

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
    /// Koa 3 with `@koa/cors` and `@koa/router` (`koa/server.js`).
    Koa,
    /// Fastify 5 with `@fastify/cors` (`fastify/server.js`).
    Fastify,
    /// FastAPI with Starlette's `CORSMiddleware`, served by uvicorn (`fastapi/server.py`).
    FastApi,
    /// Flask with `Flask-Cors`, served by waitress (`flask/server.py`).
    Flask,
    /// Apache httpd 2.4 with `mod_headers` and `mod_rewrite` (`apache/*.conf`, started by
    /// `apache/serve`); the app is a CGI script.
    Apache,
    /// Caddy 2 with `header` and `respond` (`caddy/*.caddy`, started by `caddy/serve`); the app
    /// is `respond` directives.
    Caddy,
    /// axum with tower-http's `CorsLayer` (`tower-http/`, a crate of its own that compiles its
    /// snippets in: [`build_tower_http`]); it runs snippets only, so it is not in [`Self::ALL`].
    TowerHttp,
}

impl Implementation {
    pub const ALL: [Implementation; 9] = [
        Implementation::Express,
        Implementation::Nginx,
        Implementation::Django,
        Implementation::Koa,
        Implementation::Fastify,
        Implementation::FastApi,
        Implementation::Flask,
        Implementation::Apache,
        Implementation::Caddy,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Implementation::Express => "express",
            Implementation::Nginx => "nginx",
            Implementation::Django => "django",
            Implementation::Koa => "koa",
            Implementation::Fastify => "fastify",
            Implementation::FastApi => "fastapi",
            Implementation::Flask => "flask",
            Implementation::Apache => "apache",
            Implementation::Caddy => "caddy",
            Implementation::TowerHttp => "tower-http",
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
            Implementation::Koa => &["correct", "credentials-default-origin", "cors-after-router"],
            Implementation::Fastify => &["correct", "reflect-any-origin", "default-methods"],
            Implementation::FastApi => &["correct", "wildcard-credentials", "unhandled-error"],
            Implementation::Flask => &["correct", "credentials-default-origins", "regex-prefix-match"],
            Implementation::Apache => &["correct", "no-always", "reflect-any-origin"],
            Implementation::Caddy => &["correct", "wildcard-credentials"],
            // Snippets only (`start_with_snippet`); hand-written CorsLayers are
            // tests/check_tower_http.rs's.
            Implementation::TowerHttp => &[],
        }
    }

    fn runtime(self) -> Runtime {
        match self {
            Implementation::Express | Implementation::Koa | Implementation::Fastify => Runtime::Node,
            Implementation::Django | Implementation::FastApi | Implementation::Flask => Runtime::Python,
            Implementation::Nginx => Runtime::Serve { program: "nginx" },
            Implementation::Apache => Runtime::Serve { program: "apache2" },
            Implementation::Caddy => Runtime::Serve { program: "caddy" },
            Implementation::TowerHttp => Runtime::Built,
        }
    }

    /// Where its files are.
    pub fn dir(self) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/implementations").join(self.name())
    }

    /// Fails with the install hint when ci/install-implementations has not set it up.
    fn check_installed(self) -> Result<()> {
        let missing = match self.runtime() {
            // The install script leaves a copy of the lockfile it installed from.
            Runtime::Node => !self.dir().join("node_modules/.installed-from").is_file(),
            Runtime::Python => !self.dir().join(".venv/installed-from").is_file(),
            Runtime::Serve { program } => find_program(program).is_none(),
            Runtime::Built => {
                if !tower_http_binary().is_file() {
                    bail!("tower-http is not built: call build_tower_http with its snippets first");
                }
                false
            }
        };
        if missing {
            bail!("{} is not installed: {INSTALL_HINT}", self.name());
        }
        Ok(())
    }

    fn command(self, config: &str, port: u16, work_dir: &Path) -> Command {
        let dir = self.dir();
        let runtime = self.runtime();
        let mut command = match runtime {
            Runtime::Node => {
                let mut command = Command::new("node");
                command.arg(dir.join("server.js"));
                command
            }
            Runtime::Serve { .. } => Command::new(dir.join("serve")),
            Runtime::Built => Command::new(tower_http_binary()),
            Runtime::Python => {
                let mut command = Command::new(dir.join(".venv/bin/python"));
                command.arg(dir.join("server.py")).env("PYTHONDONTWRITEBYTECODE", "1");
                command
            }
        };
        command.arg(config).arg(port.to_string());
        // A server started by its `serve` script keeps its config, pid and logs in the work dir.
        if let Runtime::Serve { .. } = runtime {
            command.arg(work_dir);
        }
        command.current_dir(&dir);
        command
    }
}

/// How an implementation is installed and started.
#[derive(Debug, Clone, Copy)]
enum Runtime {
    /// `node server.js`, its packages in `node_modules` (npm ci).
    Node,
    /// `.venv/bin/python server.py`, its packages in the venv (pip).
    Python,
    /// Its `serve` script, which runs `program` from the distribution's packages (apt).
    Serve { program: &'static str },
    /// A program this test suite builds (the tower-http fixture, [`build_tower_http`]).
    Built,
}

/// `program` on the PATH, or in /usr/sbin, where Debian puts nginx and apache2 and a non-root
/// PATH may not look.
fn find_program(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// Where the tower-http fixture is built (its own target folder, as the example project's).
fn tower_http_target() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/tower-http-fixture")
}

fn tower_http_binary() -> PathBuf {
    tower_http_target().join("debug/tower-http-fixture")
}

/// Builds the tower-http fixture with `snippets` compiled in (each a `with_cors` function): a
/// snippet it was not built with is refused at start. Files are rewritten only when their text
/// changed, so an unchanged set builds nothing.
pub fn build_tower_http(snippets: &[String]) -> Result<()> {
    let dir = tower_http_target().join("snippets");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let wanted: Vec<(PathBuf, &String)> =
        snippets.iter().enumerate().map(|(i, text)| (dir.join(format!("{i:03}.snippet")), text)).collect();
    for entry in std::fs::read_dir(&dir)? {
        let path = entry?.path();
        if !wanted.iter().any(|(want, _)| *want == path) {
            std::fs::remove_file(&path)?;
        }
    }
    for (path, text) in &wanted {
        if std::fs::read_to_string(path).ok().as_ref() != Some(*text) {
            std::fs::write(path, text)?;
        }
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args(["build", "--locked", "--quiet", "--manifest-path"])
        .arg(Implementation::TowerHttp.dir().join("Cargo.toml"))
        .arg("--target-dir")
        .arg(tower_http_target())
        .env("CORSPROOF_SNIPPETS_DIR", &dir)
        .output()
        .context("cargo runs")?;
    if !output.status.success() {
        bail!("the tower-http fixture does not build:\n{}", String::from_utf8_lossy(&output.stderr));
    }
    Ok(())
}

/// Starts `implementation` in its [`SNIPPET`] configuration applying `snippet`, the text of a
/// `Fix::snippet` for its framework, written to a file in the server's own work dir (Apache
/// reads its configuration again after it first listens, so the file lives as long as it).
pub async fn start_with_snippet(implementation: Implementation, snippet: &str) -> Result<RunningServer> {
    start_with(implementation, SNIPPET, &[ALLOWED_ORIGIN], Some(Snippet::Text(snippet))).await
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
    start_with(implementation, config, allowed_origins, None).await
}

/// Starts `implementation` in its [`SNIPPET`] configuration with the CORS setup in `snippet` (a
/// file), which brings its own allow-list: no server applies `ALLOWED_ORIGINS` to a snippet.
pub async fn start_snippet(implementation: Implementation, snippet: &Path) -> Result<RunningServer> {
    start_with(implementation, SNIPPET, &[ALLOWED_ORIGIN], Some(Snippet::File(snippet))).await
}

async fn start_with(
    implementation: Implementation,
    config: &str,
    allowed_origins: &[&str],
    snippet: Option<Snippet<'_>>,
) -> Result<RunningServer> {
    implementation.check_installed()?;
    let mut attempt = 1;
    loop {
        match RunningServer::spawn(implementation, config, allowed_origins, snippet)?.ready().await {
            Ok(server) => return Ok(server),
            Err(StartError::PortTaken(_)) if attempt < PORT_ATTEMPTS => attempt += 1,
            Err(StartError::PortTaken(error) | StartError::Failed(error)) => return Err(error),
        }
    }
}

/// Where a [`SNIPPET`] configuration's CORS setup comes from.
#[derive(Clone, Copy)]
enum Snippet<'a> {
    /// A file of the caller's.
    File(&'a Path),
    /// Text, written to the server's work dir.
    Text(&'a str),
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
    fn spawn(
        implementation: Implementation,
        config: &str,
        allowed_origins: &[&str],
        snippet: Option<Snippet<'_>>,
    ) -> Result<Self> {
        let port = free_port().context("no free loopback port")?;
        let work_dir = new_work_dir(implementation, config)?;
        let log = std::fs::File::create(work_dir.join("server.log"))?;
        let mut command = implementation.command(config, port, &work_dir);
        if let Some(snippet) = snippet {
            let file = match snippet {
                Snippet::File(file) => file.to_owned(),
                Snippet::Text(text) => {
                    let file = work_dir.join("cors.snippet");
                    std::fs::write(&file, text)?;
                    file
                }
            };
            command.env(SNIPPET_ENV, file);
        }
        let child = command
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
            // A connection to itself is no server: with nothing listening yet, Linux lets a
            // connect from the same ephemeral port succeed (TCP simultaneous open), and the
            // server then finds its port taken. Only another socket's answer means it listens.
            if let Ok(stream) = tokio::net::TcpStream::connect(addr).await
                && stream.local_addr().ok() != stream.peer_addr().ok()
            {
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

    /// What the server wrote to stdout and stderr so far (nginx's and Apache's error log
    /// included).
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
///
/// Never the same port twice in one test process: servers started concurrently would otherwise
/// race for it, and a slow starter's readiness check could connect to the fast one.
fn free_port() -> std::io::Result<u16> {
    static GIVEN: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());
    loop {
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?.local_addr()?.port();
        if GIVEN.lock().unwrap_or_else(PoisonError::into_inner).insert(port) {
            return Ok(port);
        }
    }
}
