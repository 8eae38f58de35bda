//! The WebDriver driver process (chromedriver, geckodriver, WebKitWebDriver), and making sure it
//! and its browser go away.
//!
//! The driver starts in a process group of its own, which the browser it launches joins; stopping
//! means killing that group. An engine that needs an X display (WebKitGTK) gets an Xvfb of its
//! own, which leads that group, so the same kill ends it too. Should this process die without
//! stopping it (a panic in a test harness, SIGKILL), a small watchdog shell notices, kills the
//! group and removes the browser's profile folder.

use std::collections::HashSet;
use std::io::Read;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use corsproof_oracle::Engine;

use crate::engine::{BrowserEngine, ConsoleSource, Executable, InspectedLaunch};
use crate::liveness;
use crate::locate::SearchPath;
use crate::process_group;
use crate::session::BrowserError;

/// Set in the environment of every process a driver start begins (Xvfb, the driver), and so
/// inherited by the browser and its helpers, to a value unique to that start
/// ([`Browser::process_marker`](crate::Browser::process_marker)): whoever wonders which
/// processes belong to one browser (a test checking that none outlives its run) can read it
/// from `/proc/<pid>/environ`.
pub const OWNER_VARIABLE: &str = "CORSPROOF_OWNER";

/// How long a driver may take to listen after it starts.
const READY_TIMEOUT: Duration = Duration::from_secs(20);

/// A running driver, stopped (with everything it started) on drop.
#[derive(Debug)]
pub(crate) struct DriverProcess {
    child: Child,
    /// The X server the browser draws on, when the engine needs one.
    display: Option<Child>,
    /// The browser, when it was started here before its driver (to serve its inspector).
    browser: Option<Child>,
    /// The address of the browser's inspector over HTTP and websockets, when it serves one.
    inspector: Option<SocketAddr>,
    /// The process group everything started here belongs to.
    group: u32,
    watchdog: Option<Child>,
    port: u16,
    marker: String,
}

impl DriverProcess {
    /// Starts `driver` for `engine` on a free port, with the engine's own arguments and on a
    /// display of its own when it needs one, and waits until it accepts connections. With
    /// `trust`, the driver (and so its browser) sees that bundle as the system's CA store. An
    /// engine whose console is read through its inspector has its `browser` started here first,
    /// serving the inspector, and the driver pointed at it. The watchdog removes `profile`, the
    /// browser's profile folder, should this process die without removing it.
    pub(crate) async fn start(
        driver: &Path,
        engine: &dyn BrowserEngine,
        trust: Option<&TrustStore>,
        browser: &Path,
        profile: &Path,
    ) -> Result<Self, BrowserError> {
        let port = free_port()?;
        let mut command = match trust {
            Some(trust) => trust.command(driver),
            None => Command::new(driver),
        };
        command.arg(format!("--port={port}"));
        command.args(engine.driver_args()?);
        static STARTS: AtomicU64 = AtomicU64::new(0);
        let marker = format!("{}-{}", std::process::id(), STARTS.fetch_add(1, Ordering::Relaxed));
        let display = match &engine.requirements().display {
            Some(xvfb) => Some(VirtualDisplay::start(&marker, xvfb, engine.engine()).await?),
            None => None,
        };
        if let Some(display) = &display {
            command.env("DISPLAY", &display.name);
        }
        let temp = temp_folder(profile)?;
        command.env(OWNER_VARIABLE, &marker).env("TMPDIR", &temp);
        // The driver joins the display's group, or leads a group of its own (0).
        let display_group = display.as_ref().map(|display| display.process.id());
        let inspected = match engine.console_source() {
            ConsoleSource::Inspector(launch) => {
                let display_name = display.as_ref().map(|display| display.name.as_str());
                let started = InspectedBrowser::start(
                    browser,
                    launch,
                    trust,
                    display_name,
                    display_group,
                    &marker,
                    &temp,
                );
                match started.await {
                    Ok(inspected) => Some(inspected),
                    Err(error) => {
                        if let Some(display) = display {
                            display.stop();
                        }
                        return Err(error);
                    }
                }
            }
            ConsoleSource::SeLog | ConsoleSource::Bidi => None,
        };
        if let Some(inspected) = &inspected {
            command.arg(format!("{}={}", inspected.driver_target_flag, inspected.server));
        }
        let spawned = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(display_group.and_then(|id| i32::try_from(id).ok()).unwrap_or(0))
            .spawn();
        let child = match spawned {
            Ok(child) => child,
            Err(error) => {
                if let Some(mut inspected) = inspected {
                    let _ = inspected.process.kill();
                    let _ = inspected.process.wait();
                }
                if let Some(display) = display {
                    display.stop();
                }
                return Err(BrowserError::Driver(format!("cannot start {}: {error}", driver.display())));
            }
        };
        let group = display_group.unwrap_or(child.id());
        let watchdog = process_group::watchdog(group, Some(profile));
        let inspector = inspected.as_ref().map(|inspected| inspected.http);
        let mut process = Self {
            child,
            display: display.map(|display| display.process),
            browser: inspected.map(|inspected| inspected.process),
            inspector,
            group,
            watchdog,
            port,
            marker,
        };

        let started = Instant::now();
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        loop {
            if tokio::net::TcpStream::connect(addr).await.is_ok() {
                return Ok(process);
            }
            if let Ok(Some(status)) = process.child.try_wait() {
                let namespace = if trust.is_some() {
                    " (it runs in a mount namespace of its own, to trust the mock CA: `unshare --mount` \
                     needs root or unprivileged user namespaces)"
                } else {
                    ""
                };
                return Err(BrowserError::Driver(format!(
                    "{} exited at start ({status}){namespace}",
                    driver.display()
                )));
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

    /// The value of [`OWNER_VARIABLE`] in every process of this start.
    pub(crate) fn marker(&self) -> &str {
        &self.marker
    }

    /// Where the browser serves its inspector over HTTP and websockets, when it was started
    /// here to serve it.
    pub(crate) fn inspector(&self) -> Option<SocketAddr> {
        self.inspector
    }

    /// The driver's WebDriver URL.
    pub(crate) fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Whether the driver process is still running.
    pub(crate) fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Whether the browser's main process is still running: the one started here to serve its
    /// inspector, or else the driver's child (a driver launches the browser as its child; the
    /// browser's helpers are the browser's children). A killed browser the driver has not
    /// reaped yet is a zombie, which counts as gone.
    pub(crate) fn browser_running(&mut self) -> bool {
        match &mut self.browser {
            Some(browser) => matches!(browser.try_wait(), Ok(None)),
            None => liveness::has_running_child(self.child.id()),
        }
    }
}

impl Drop for DriverProcess {
    fn drop(&mut self) {
        process_group::kill(self.group);
        process_group::kill_marked(OWNER_VARIABLE, &self.marker);
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(mut browser) = self.browser.take() {
            let _ = browser.kill();
            let _ = browser.wait();
        }
        if let Some(mut display) = self.display.take() {
            let _ = display.kill();
            let _ = display.wait();
        }
        if let Some(mut watchdog) = self.watchdog.take() {
            let _ = watchdog.kill();
            let _ = watchdog.wait();
        }
    }
}

/// A CA bundle that replaces the system's for one driver and the browser it starts, for an
/// engine that trusts the mock CA only through the system store
/// ([`BrowserEngine::needs_system_trust`]: WebKitGTK, which checks its HTTPS proxy's
/// certificate there, ignoring `acceptInsecureCerts`).
///
/// Rather than touch the machine's store, the driver runs in a mount namespace of its own where
/// the system bundle is bind-mounted over by a copy that also holds the mock server's throwaway
/// CA. Nothing outside that process tree sees it.
#[derive(Debug)]
pub(crate) struct TrustStore {
    bundle: PathBuf,
}

impl TrustStore {
    /// Where Debian and Ubuntu keep the system bundle GnuTLS reads.
    const SYSTEM_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

    /// Writes the system bundle plus `pem` into `dir`. `None` when there is no system bundle to
    /// stand in for (WebKit then trusts nothing extra, and `https://` origins fail visibly).
    pub(crate) fn with_extra_ca(dir: &Path, pem: &str) -> std::io::Result<Option<Self>> {
        let Ok(mut bundle) = std::fs::read_to_string(Self::SYSTEM_BUNDLE) else { return Ok(None) };
        if !bundle.ends_with('\n') {
            bundle.push('\n');
        }
        bundle.push_str(pem);
        let path = dir.join("ca-bundle.pem");
        std::fs::write(&path, bundle)?;
        Ok(Some(Self { bundle: path }))
    }

    /// `driver` in a private mount namespace with the bundle in place; arguments added to the
    /// returned command reach the driver. Root may make a mount namespace; anyone else needs a
    /// user namespace first, in which they are root (where the kernel allows it).
    fn command(&self, driver: &Path) -> Command {
        use std::os::unix::fs::MetadataExt;
        // `/proc/self` belongs to the effective user: no libc call needed.
        let root = std::fs::metadata("/proc/self").is_ok_and(|meta| meta.uid() == 0);
        let mut command = Command::new("unshare");
        if !root {
            command.args(["--user", "--map-root-user"]);
        }
        command
            .args(["--mount", "--propagation", "private", "sh", "-c"])
            .arg(r#"mount --bind "$1" "$2" && shift 2 && exec "$@""#)
            .arg("corsproof-trust")
            .arg(&self.bundle)
            .arg(Self::SYSTEM_BUNDLE)
            .arg(driver);
        command
    }
}

/// A browser started before its driver, serving its remote inspector.
struct InspectedBrowser {
    process: Child,
    /// Where it serves the inspector over HTTP and websockets.
    http: SocketAddr,
    /// Its inspector server, which the driver drives it through.
    server: SocketAddr,
    driver_target_flag: &'static str,
}

impl InspectedBrowser {
    /// How long the browser may take to open its inspector server.
    const READY_TIMEOUT: Duration = Duration::from_secs(20);

    /// Starts `browser` as `launch` says, in the namespace `trust` makes when given, on
    /// `display` and in the process `group` when given, and waits until it serves its
    /// inspector. WebKitGTK opens the inspector server the driver needs on a port of its own
    /// choosing when it serves the inspector over HTTP, so that port is read from the sockets
    /// the browser listens on (`/proc`): the one that is not the HTTP server's.
    async fn start(
        browser: &Path,
        launch: InspectedLaunch,
        trust: Option<&TrustStore>,
        display: Option<&str>,
        group: Option<u32>,
        marker: &str,
        temp: &Path,
    ) -> Result<Self, BrowserError> {
        let http = SocketAddr::from((Ipv4Addr::LOCALHOST, free_port()?));
        let mut command = match trust {
            Some(trust) => trust.command(browser),
            None => Command::new(browser),
        };
        command
            .args(launch.args)
            .env(launch.http_server_variable, http.to_string())
            .env(OWNER_VARIABLE, marker)
            .env("TMPDIR", temp);
        if let Some(display) = display {
            command.env("DISPLAY", display);
        }
        let mut process = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(group.and_then(|id| i32::try_from(id).ok()).unwrap_or(0))
            .spawn()
            .map_err(|e| BrowserError::Driver(format!("cannot start {}: {e}", browser.display())))?;
        let started = Instant::now();
        loop {
            let listening = listening_ports(process.id());
            if listening.contains(&http.port())
                && let Some(port) = listening.iter().find(|&&port| port != http.port())
            {
                let server = SocketAddr::from((Ipv4Addr::LOCALHOST, *port));
                return Ok(Self { process, http, server, driver_target_flag: launch.driver_target_flag });
            }
            let failure = match process.try_wait() {
                Ok(Some(status)) => Some(format!("exited at start ({status})")),
                _ if started.elapsed() > Self::READY_TIMEOUT => {
                    Some(format!("opened no inspector server within {:?}", Self::READY_TIMEOUT))
                }
                _ => None,
            };
            if let Some(failure) = failure {
                let _ = process.kill();
                let _ = process.wait();
                return Err(BrowserError::Driver(format!("{} {failure}", browser.display())));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// The TCP ports process `pid` listens on over IPv4: its sockets (`/proc/PID/fd`, links to
/// `socket:[INODE]`) matched with the listening ones of its network namespace
/// (`/proc/PID/net/tcp`, state `0A`).
fn listening_ports(pid: u32) -> Vec<u16> {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else { return Vec::new() };
    let inodes: HashSet<String> = fds
        .flatten()
        .filter_map(|fd| std::fs::read_link(fd.path()).ok())
        .filter_map(|link| {
            let link = link.to_string_lossy();
            Some(link.strip_prefix("socket:[")?.strip_suffix(']')?.to_owned())
        })
        .collect();
    let Ok(table) = std::fs::read_to_string(format!("/proc/{pid}/net/tcp")) else { return Vec::new() };
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (local, state, inode) = (fields.get(1)?, fields.get(3)?, fields.get(9)?);
            if *state != "0A" || !inodes.contains(*inode) {
                return None;
            }
            u16::from_str_radix(local.rsplit_once(':')?.1, 16).ok()
        })
        .collect()
}

/// An Xvfb server on a display number it picks itself (`-displayfd`), so that several can start
/// at once without racing for a number.
struct VirtualDisplay {
    process: Child,
    /// `:N`, for `DISPLAY`.
    name: String,
}

impl VirtualDisplay {
    /// How long Xvfb may take to report its display.
    const READY_TIMEOUT: Duration = Duration::from_secs(10);

    /// Starts `xvfb`, the display server `engine` requires, for its driver, every process of it
    /// marked with `marker`.
    async fn start(marker: &str, xvfb: &Executable, engine: Engine) -> Result<Self, BrowserError> {
        let xvfb = xvfb
            .find(&SearchPath::from_env())
            .ok_or(BrowserError::NotInstalled { what: xvfb.name.to_owned(), engine })?;
        let mut process = Command::new(&xvfb)
            .args(["-displayfd", "1", "-nolisten", "tcp", "-screen", "0", "1280x800x24"])
            .env(OWNER_VARIABLE, marker)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .map_err(|e| BrowserError::Driver(format!("cannot start {}: {e}", xvfb.display())))?;
        let Some(mut stdout) = process.stdout.take() else {
            let _ = process.kill();
            return Err(BrowserError::Driver("Xvfb gave no output pipe".to_owned()));
        };
        // Xvfb writes the display number and a newline once it accepts clients.
        let reading = tokio::task::spawn_blocking(move || {
            let mut number = Vec::new();
            let mut byte = [0u8];
            while stdout.read(&mut byte).is_ok_and(|read| read == 1) && byte[0] != b'\n' {
                number.push(byte[0]);
            }
            String::from_utf8_lossy(&number).trim().to_owned()
        });
        let number = match tokio::time::timeout(Self::READY_TIMEOUT, reading).await {
            Ok(Ok(number)) if !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) => number,
            _ => {
                let display = Self { process, name: String::new() };
                display.stop();
                return Err(BrowserError::Driver(format!(
                    "{} did not report a display within {:?}",
                    xvfb.display(),
                    Self::READY_TIMEOUT
                )));
            }
        };
        Ok(Self { process, name: format!(":{number}") })
    }

    fn stop(mut self) {
        process_group::kill(self.process.id());
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// A port nothing listens on right now (drivers cannot report the port they chose themselves).
pub(crate) fn free_port() -> Result<u16, BrowserError> {
    let bound = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).and_then(|listener| listener.local_addr());
    bound.map(|addr| addr.port()).map_err(|e| BrowserError::Driver(format!("no free port: {e}")))
}

/// The temp folder of a driver and its browser (`TMPDIR`), inside the browser's `profile` folder:
/// what a browser leaves in the temp folder when it is killed (Chromium's
/// `org.chromium.Chromium.*` folders holding its singleton socket) goes with the profile, which
/// every exit removes.
fn temp_folder(profile: &Path) -> Result<PathBuf, BrowserError> {
    let temp = profile.join("temp");
    std::fs::create_dir_all(&temp).map_err(|e| {
        BrowserError::Driver(format!("cannot create the temp folder {}: {e}", temp.display()))
    })?;
    Ok(temp)
}
