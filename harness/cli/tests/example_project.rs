//! The example project in `ci/example-project/` (an axum API behind tower-http's `CorsLayer`,
//! its scenario files, its snapshots and its `corsproof.toml` with its page origins) as a team
//! uses it: built, started on a free loopback port, and run with the built `corsproof` against
//! its real server in Chromium, Firefox and WebKit; a missing snapshot fails CI, and a deliberate
//! server change is shown as a diff, accepted with `review`, and then holds.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use corsproof_browser::process_group;

const APP: &str = "https://app.example.com";
const PARTNER: &str = "https://partner.example.org";

/// How long the server may take to listen once started.
const READY_TIMEOUT: Duration = Duration::from_secs(20);

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("the repository")
}

fn example() -> PathBuf {
    repository().join("ci/example-project")
}

/// The example's server, built once for every test here, in a target folder of its own.
fn server_binary() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let target = repository().join("target/example-project");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let started = Instant::now();
        let output = Command::new(cargo)
            .args(["build", "--locked", "--quiet", "--manifest-path"])
            .arg(example().join("Cargo.toml"))
            .arg("--target-dir")
            .arg(&target)
            .output()
            .expect("cargo runs");
        assert!(output.status.success(), "the example does not build:\n{}", text(&output.stderr));
        println!("built ci/example-project in {:.1?}", started.elapsed());
        target.join("debug/items-api")
    })
}

/// The example's server on a free loopback port; stopped when dropped, a panicking test included.
#[derive(Debug)]
struct Server {
    child: Child,
    watchdog: Option<Child>,
    port: u16,
    log: PathBuf,
}

impl Server {
    /// Started with its default allow-list, or with `allowed_origins` as `ALLOWED_ORIGINS`.
    fn start(allowed_origins: Option<&str>) -> Self {
        let binary = server_binary();
        for _attempt in 0..3 {
            let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
                .and_then(|listener| listener.local_addr())
                .expect("a free loopback port")
                .port();
            let log = std::env::temp_dir().join(format!("corsproof-example-server-{port}.log"));
            let output = std::fs::File::create(&log).expect("a log file");
            let mut command = Command::new(binary);
            command.env("PORT", port.to_string()).env_remove("ALLOWED_ORIGINS");
            if let Some(origins) = allowed_origins {
                command.env("ALLOWED_ORIGINS", origins);
            }
            let child = command
                .stdin(Stdio::null())
                .stdout(output.try_clone().expect("a log file"))
                .stderr(output)
                .process_group(0)
                .spawn()
                .expect("the example's server starts");
            let watchdog = process_group::watchdog(child.id(), Some(&log));
            let mut server = Self { child, watchdog, port, log };
            match server.ready() {
                Ok(()) => return server,
                Err(log) if log.contains("Address already in use") => continue,
                Err(log) => panic!("the example's server did not listen on port {port}:\n{log}"),
            }
        }
        panic!("three free ports were taken before the example's server could listen on them");
    }

    /// Waits until the port answers; the log when the server exits or never listens.
    fn ready(&mut self) -> Result<(), String> {
        let started = Instant::now();
        // A connection to itself (Linux's TCP simultaneous open, from the same ephemeral port)
        // is no server.
        let listens = |port: u16| {
            TcpStream::connect((Ipv4Addr::LOCALHOST, port))
                .is_ok_and(|stream| stream.local_addr().ok() != stream.peer_addr().ok())
        };
        while !listens(self.port) {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("it exited ({status}):\n{}", self.log()));
            }
            if started.elapsed() > READY_TIMEOUT {
                return Err(format!("not within {READY_TIMEOUT:?}:\n{}", self.log()));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Where it listens, as `--target-address` takes it.
    fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Sends SIGTERM, as a CI runner or `kill` does, and returns how it exited.
    fn terminate(mut self) -> ExitStatus {
        let sent = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        assert!(sent.is_ok_and(|status| status.success()), "kill -TERM failed");
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("the server's status") {
                return status;
            }
            assert!(started.elapsed() < Duration::from_secs(5), "SIGTERM did not stop it:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        process_group::kill(self.child.id());
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(mut watchdog) = self.watchdog.take() {
            let _ = watchdog.kill();
            let _ = watchdog.wait();
        }
        let _ = std::fs::remove_file(&self.log);
    }
}

/// One HTTP/1.1 exchange on a fresh connection: the answer's head, lower-cased, then its body.
fn exchange(port: u16, method: &str, path: &str, headers: &[(&str, &str)]) -> String {
    let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).expect("the server accepts");
    stream.set_read_timeout(Some(Duration::from_secs(5))).expect("a read timeout");
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).expect("the request is sent");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("the answer, until the server closes");
    match answer.split_once("\r\n\r\n") {
        Some((head, body)) => format!("{}\r\n\r\n{body}", head.to_ascii_lowercase()),
        None => panic!("not an HTTP answer:\n{answer}"),
    }
}

fn preflight(port: u16, origin: &str, method: &str, headers: &str) -> String {
    let asked = [
        ("Origin", origin),
        ("Access-Control-Request-Method", method),
        ("Access-Control-Request-Headers", headers),
    ];
    exchange(port, "OPTIONS", "/api/items", &asked)
}

#[test]
fn the_example_server_answers_with_its_cors_layer_and_stops_on_sigterm() {
    let server = Server::start(None);
    assert!(
        server.log().contains(&format!("listening on {}, allowing {APP}", server.url())),
        "it says where it listens: {}",
        server.log()
    );

    let allowed = preflight(server.port, APP, "POST", "content-type");
    assert!(allowed.starts_with("http/1.1 200"), "{allowed}");
    for line in [
        "access-control-allow-origin: https://app.example.com",
        "access-control-allow-methods: get,post,delete",
        "access-control-allow-headers: content-type,authorization",
        "access-control-max-age: 600",
    ] {
        assert!(allowed.contains(&format!("\r\n{line}\r\n")), "{line} is missing:\n{allowed}");
    }
    let refused = preflight(server.port, PARTNER, "DELETE", "authorization");
    assert!(!refused.contains("access-control-allow-origin"), "the partner is not allowed:\n{refused}");

    let listed = exchange(server.port, "GET", "/api/items", &[("Origin", APP)]);
    assert!(listed.starts_with("http/1.1 200"), "{listed}");
    assert!(listed.contains("\r\naccess-control-allow-origin: https://app.example.com\r\n"), "{listed}");
    assert!(listed.contains("\r\naccess-control-expose-headers: x-request-id\r\n"), "{listed}");
    assert!(
        listed.contains("\r\nx-request-id: ") && listed.contains("\r\nx-ratelimit-remaining: "),
        "{listed}"
    );
    assert!(listed.ends_with(r#"[{"id":1,"name":"Notebook"},{"id":2,"name":"Pencil"}]"#), "{listed}");

    let health = exchange(server.port, "GET", "/health", &[("Origin", APP)]);
    assert!(health.starts_with("http/1.1 200"), "{health}");
    assert!(!health.contains("access-control-"), "/health is outside the CORS layer:\n{health}");

    // The deliberate change the snapshots catch, without recompiling: another allow-list.
    let changed = Server::start(Some(&format!("{APP},{PARTNER}")));
    let partner = exchange(changed.port, "GET", "/api/items", &[("Origin", PARTNER)]);
    assert!(
        partner.contains("\r\naccess-control-allow-origin: https://partner.example.org\r\n"),
        "{partner}"
    );

    let status = server.terminate();
    assert!(status.success(), "SIGTERM is a clean stop: {status}");
}

/// One `corsproof --browser all` run at a time: three browsers each already share two cores.
fn browsers_alone() -> MutexGuard<'static, ()> {
    static BROWSERS: Mutex<()> = Mutex::new(());
    BROWSERS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// `corsproof` in `dir`, with `CI` set to `ci` whatever the outer CI says.
fn corsproof(args: &[&str], dir: &Path, ci: bool) -> Output {
    Command::new(env!("CARGO_BIN_EXE_corsproof"))
        .args(args)
        .current_dir(dir)
        .env("CI", if ci { "true" } else { "false" })
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("corsproof runs")
}

/// The example API's origin in production: the browsers call it, corsproof's proxy passes the
/// requests on to the server the test started.
const API: &str = "https://api.example.com";

/// `corsproof run --browser all` against `server`, its matrix in `report`.
fn run_every_engine(server: &Server, dir: &Path, report: &Path, ci: bool) -> Output {
    let report = report.to_str().expect("a UTF-8 temporary folder");
    let address = server.address();
    let args =
        ["run", "--browser", "all", "--target", API, "--target-address", &address, "--report-dir", report];
    corsproof(&args, dir, ci)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn both(output: &Output) -> String {
    format!("{}{}", text(&output.stdout), text(&output.stderr))
}

/// A fresh temporary folder outside the repository.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("corsproof-example-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    dir
}

/// The example as a newcomer copies it into an empty repository (without a `target/`).
fn copy_of_the_example(name: &str) -> PathBuf {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).expect("a folder in the copy");
        for entry in std::fs::read_dir(from).expect("the example's files") {
            let entry = entry.expect("an entry");
            let path = entry.path();
            if path.is_dir() {
                if entry.file_name() != "target" {
                    copy(&path, &to.join(entry.file_name()));
                }
            } else {
                std::fs::copy(&path, to.join(entry.file_name())).expect("a copied file");
            }
        }
    }
    let dir = scratch(name).join("items-api");
    copy(&example(), &dir);
    dir
}

/// The pending `.snap.new` files under `snapshots`, as `engine/name`.
fn pending(snapshots: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for engine in std::fs::read_dir(snapshots).into_iter().flatten().flatten() {
        for file in std::fs::read_dir(engine.path()).into_iter().flatten().flatten() {
            let name = file.file_name().to_string_lossy().into_owned();
            if name.ends_with(".snap.new") {
                found.push(format!("{}/{name}", engine.file_name().to_string_lossy()));
            }
        }
    }
    found.sort();
    found
}

#[test]
fn the_committed_snapshots_hold_in_every_engine() {
    let _browsers = browsers_alone();
    let server = Server::start(None);
    let report = scratch("report");
    let output = run_every_engine(&server, &example(), &report, true);
    assert_eq!(output.status.code(), Some(0), "{}\nthe server's log:\n{}", both(&output), server.log());
    assert_eq!(pending(&example().join("snapshots")), Vec::<String>::new(), "CI writes nothing");
    assert!(report.join("matrix.html").is_file(), "the matrix is written where asked");
    let _ = std::fs::remove_dir_all(report);
}

#[test]
fn a_missing_snapshot_fails_ci_and_is_named() {
    let _browsers = browsers_alone();
    let project = copy_of_the_example("missing");
    let missing = project.join("snapshots/firefox/api__list-items.snap");
    std::fs::remove_file(&missing).expect("the example has the snapshot to delete");
    let server = Server::start(None);
    let report = project.join("report");
    let output = run_every_engine(&server, &project, &report, true);
    let said = both(&output);
    assert_eq!(output.status.code(), Some(1), "{said}");
    assert!(said.contains("api__list-items.snap"), "the missing snapshot is named:\n{said}");
    assert!(!missing.exists(), "CI writes no snapshot");
    let _ = std::fs::remove_dir_all(project.parent().expect("the scratch folder"));
}

/// What the team writes in `scenarios/partner.toml` once the partner is on the allow-list: its
/// page may now read and delete.
fn let_the_partner_in(scenarios: &Path) {
    let file = scenarios.join("partner.toml");
    let before = std::fs::read_to_string(&file).expect("scenarios/partner.toml");
    assert!(before.contains("outcome = \"blocked\""), "the partner's scenarios expect a block:\n{before}");
    let after: Vec<&str> = before
        .lines()
        .filter(|line| !line.starts_with("reason = "))
        .map(|line| match line {
            "outcome = \"blocked\"" => "outcome = \"allowed\"",
            "reached_server = false" => "reached_server = true",
            other => other,
        })
        .collect();
    std::fs::write(&file, after.join("\n") + "\n").expect("scenarios/partner.toml is written");
}

#[test]
fn a_deliberate_server_change_is_shown_reviewed_and_then_holds() {
    let _browsers = browsers_alone();
    let project = copy_of_the_example("change");
    let report = project.join("report");
    let changed = Server::start(Some(&format!("{APP},{PARTNER}")));

    let caught = run_every_engine(&changed, &project, &report, false);
    let said = both(&caught);
    assert_eq!(caught.status.code(), Some(1), "{said}");
    let diff_line = |sign: char, text: &str| {
        said.lines().any(|line| line.trim_start().starts_with(sign) && line.contains(text))
    };
    assert!(
        diff_line('-', "outcome: \"blocked\"") && diff_line('+', "outcome: \"allowed\""),
        "the diff shows the partner's request now allowed:\n{said}"
    );
    // The server's new answer, the origin as the page has it or redacted to its page's name.
    assert!(
        diff_line('+', "access-control-allow-origin: https://partner.example.org")
            || diff_line('+', "access-control-allow-origin: {partner}"),
        "the diff shows the server's new Access-Control-Allow-Origin:\n{said}"
    );
    let waiting = pending(&project.join("snapshots"));
    assert!(
        waiting.contains(&"chromium/partner__partner-reads-items.snap.new".to_owned()),
        "the new observation waits beside the snapshot: {waiting:?}\n{said}"
    );
    assert!(
        waiting.iter().all(|name| name.contains("/partner__")),
        "only the partner's answers changed: {waiting:?}\n{said}"
    );

    let_the_partner_in(&project.join("scenarios"));
    let reviewed = corsproof(&["review", "--accept"], &project, false);
    assert!(reviewed.status.success(), "{}", both(&reviewed));
    assert_eq!(pending(&project.join("snapshots")), Vec::<String>::new(), "{}", both(&reviewed));
    let accepted =
        std::fs::read_to_string(project.join("snapshots/chromium/partner__partner-reads-items.snap"))
            .expect("the accepted snapshot");
    assert!(accepted.contains("outcome: \"allowed\""), "{accepted}");

    let holds = run_every_engine(&changed, &project, &report, true);
    assert_eq!(holds.status.code(), Some(0), "{}", both(&holds));
    let _ = std::fs::remove_dir_all(project.parent().expect("the scratch folder"));
}

/// The example's whole API scanned as its CI job does it, from a copy of the example: every
/// route of its OpenAPI document held to its policy file, clean; then the server started with a
/// lookalike origin in its allow-list, which the scan finds as one finding on every API route,
/// located in the OpenAPI document for code scanning.
#[test]
fn the_whole_api_is_scanned_against_its_policy_and_a_lookalike_origin_is_found() {
    let dir = copy_of_the_example("scan");
    let server = Server::start(None);
    let url = server.url();
    let args = ["scan", "--openapi", "openapi.yaml", "--base", &url, "--policy", "cors-policy.toml"];
    let clean = corsproof(&args, &dir, true);
    assert_eq!(clean.status.code(), Some(0), "{}", both(&clean));
    assert!(text(&clean.stdout).contains("scanned 5 endpoints"), "{}", both(&clean));
    drop(server);

    let loose = Server::start(Some(&format!("{APP},https://app.example.com.evil.com")));
    let url = loose.url();
    let args = [
        "scan",
        "--openapi",
        "openapi.yaml",
        "--base",
        &url,
        "--policy",
        "cors-policy.toml",
        "--json",
        "--sarif",
        "cors.sarif",
    ];
    let found = corsproof(&args, &dir, true);
    assert_eq!(found.status.code(), Some(1), "{}", both(&found));
    let report: serde_json::Value = serde_json::from_slice(&found.stdout).expect("--json");
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|finding| finding["rule"] == "origin-not-in-policy")
        .unwrap_or_else(|| panic!("the lookalike origin is found: {report}"));
    assert_eq!(finding["severity"], "high", "no credentials: any site reads the public answers");
    assert_eq!(finding["policy"], "api");
    let routes: Vec<&str> = finding["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|index| report["endpoints"][index.as_u64().unwrap() as usize]["label"].as_str().unwrap())
        .collect();
    assert!(routes.contains(&"GET /api/items") && routes.contains(&"DELETE /api/items/{id}"), "{routes:?}");
    assert!(finding["details"].as_str().unwrap().contains("https://app.example.com.evil.com"), "{finding}");
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("cors.sarif")).unwrap()).unwrap();
    let result = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|result| result["ruleId"] == "origin-not-in-policy")
        .unwrap();
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "openapi.yaml");
    assert_eq!(location["region"]["startLine"], 11, "`get:` of /api/items");
    let _ = std::fs::remove_dir_all(dir.parent().expect("the scratch folder"));
}
