//! Every way `corsproof run` ends cleans up after it. The real binary runs a corpus against a
//! server of this test's own (`--target`) that answers the first scenario's request at once and
//! holds the next: when that request arrives the first scenario has finished and the run is
//! mid-way, the moment to stop it. SIGTERM and SIGINT must give exit 143 and 130, the `--json`
//! and `--junit` reports of what finished (marked interrupted, the others listed as
//! unfinished), no profile folder of the run left in the temp folder and no process of its
//! browsers running; SIGKILL, which corsproof cannot catch, leaves that to the driver's
//! watchdog, within seconds. Real browsers: one that is missing fails the test with
//! corsproof's words, which name the command that installs it.

mod support;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use corsproof_browser::OWNER_VARIABLE;
use serde_json::Value;
use support::folder;

/// Three scenarios run one at a time against `--target`: the first answered, the next two held.
const CORPUS: &str = r#"
[[scenario]]
name = "answered"
about = "Answered at once, so it finishes before the run is stopped"
page = "app"

[[scenario.request]]
path = "/answered"

[scenario.request.expect]
outcome = "allowed"

[[scenario]]
name = "held"
about = "Held by the server until the run is stopped"
page = "app"

[[scenario.request]]
path = "/held"

[scenario.request.expect]
outcome = "allowed"

[[scenario]]
name = "never-reached"
about = "Would run after the held one"
page = "app"

[[scenario.request]]
path = "/never-reached"

[scenario.request.expect]
outcome = "allowed"
"#;

/// The ids of the scenarios that cannot finish before the stop.
const UNFINISHED: [&str; 2] = ["interrupt.toml::held", "interrupt.toml::never-reached"];

/// How long a browser may take to start and reach the held request (Firefox is slowest, and
/// the machine may be busy).
const REACH_TIMEOUT: Duration = Duration::from_secs(120);

/// One run at a time: several browsers at once would slow each other on a small machine.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// The paths requested of the target so far.
#[derive(Default)]
struct Seen {
    paths: Mutex<Vec<String>>,
    arrived: Condvar,
}

/// "Your server": answers `/answered` at once and holds any other request until the client
/// goes away.
fn target() -> (u16, Arc<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("its address").port();
    let seen = Arc::new(Seen::default());
    let shared = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let seen = Arc::clone(&shared);
            std::thread::spawn(move || answer(stream, &seen));
        }
    });
    (port, seen)
}

fn answer(mut stream: TcpStream, seen: &Seen) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(300)));
    let mut head = Vec::new();
    let mut byte = [0u8];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    let head = String::from_utf8_lossy(&head);
    let path = head.split_whitespace().nth(1).unwrap_or_default().to_owned();
    seen.paths.lock().unwrap_or_else(PoisonError::into_inner).push(path.clone());
    seen.arrived.notify_all();
    if path.starts_with("/answered") {
        let _ = stream.write_all(
            b"HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: *\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
        );
    } else {
        // Held: nothing is sent until the other side closes (or the read times out).
        let _ = stream.read(&mut [0u8; 1]);
    }
}

impl Seen {
    /// Waits until a request for `path` arrived; `false` when `child` exited first or the time
    /// ran out.
    fn wait_for(&self, path: &str, child: &mut Child) -> bool {
        let started = Instant::now();
        let mut paths = self.paths.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if paths.iter().any(|seen| seen.starts_with(path)) {
                return true;
            }
            if started.elapsed() > REACH_TIMEOUT || matches!(child.try_wait(), Ok(Some(_))) {
                return false;
            }
            paths = self
                .arrived
                .wait_timeout(paths, Duration::from_millis(200))
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
}

/// A `corsproof run` of the corpus in `browser` against the target, started.
struct Run {
    child: Child,
    dir: PathBuf,
    seen: Arc<Seen>,
}

impl Run {
    /// `corsproof run` with every report.
    fn start(name: &str, browser: &str) -> Self {
        let reports = ["--json", "--junit", "junit.xml", "--report-dir", "report", "--har", "hars"];
        Self::command(name, &["run", "--browser", browser], &reports)
    }

    /// `corsproof COMMAND interrupt.toml --target ... OPTIONS` in a folder of its own.
    fn command(name: &str, command: &[&str], options: &[&str]) -> Self {
        let dir = folder(&format!("interrupt-{name}"), &[("interrupt.toml", CORPUS)]);
        let (port, seen) = target();
        let file = |name: &str| std::fs::File::create(dir.join(name)).expect("an output file");
        let child = Command::new(env!("CARGO_BIN_EXE_corsproof"))
            .args(command)
            .args([
                "interrupt.toml",
                "--target",
                &format!("http://127.0.0.1:{port}"),
                "--timeout-ms",
                "600000",
            ])
            .args(options)
            .current_dir(&dir)
            .env("CI", "true")
            .stdin(Stdio::null())
            .stdout(file("stdout"))
            .stderr(file("stderr.txt"))
            .spawn()
            .expect("corsproof runs");
        Self { child, dir, seen }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.join(name)).unwrap_or_default()
    }

    /// Waits until the held scenario's request arrives: the first scenario has finished and
    /// the browser is up, its profile folder and processes there to be cleaned up.
    fn until_held(&mut self) {
        let reached = self.seen.wait_for("/held", &mut self.child);
        assert!(
            reached,
            "the run never reached the held request (a missing browser says how to install it):\n{}",
            self.read("stderr.txt")
        );
        assert!(!profiles(self.pid()).is_empty(), "the run has a profile folder in {}", temp().display());
        assert!(!owned_processes(self.pid()).is_empty(), "the run's browser processes carry its marker");
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill").args([&format!("-{name}"), &self.pid().to_string()]).status();
        assert!(status.is_ok_and(|status| status.success()), "kill -{name} {}", self.pid());
    }

    /// Waits for the run to exit, killing it if it does not within a minute.
    fn wait(&mut self) -> ExitStatus {
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status;
            }
            if started.elapsed() > Duration::from_secs(60) {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("corsproof did not exit within a minute of the signal:\n{}", self.read("stderr.txt"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // A failed test's folder stays, with corsproof's output, to look at.
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn temp() -> PathBuf {
    std::env::temp_dir()
}

/// The profile folders of corsproof process `pid` in the temp folder.
fn profiles(pid: u32) -> Vec<PathBuf> {
    let prefix = format!("corsproof-profile-{pid}-");
    let entries = std::fs::read_dir(temp()).expect("the temp folder reads");
    entries
        .flatten()
        .filter(|entry| entry.file_name().to_string_lossy().starts_with(&prefix))
        .map(|entry| entry.path())
        .collect()
}

/// The running processes (zombies aside) whose environment marks them as started by corsproof
/// process `pid` (driver, browser, helpers, Xvfb), each as `PID NAME`.
fn owned_processes(pid: u32) -> Vec<String> {
    let marker = format!("{OWNER_VARIABLE}={pid}-");
    let processes = std::fs::read_dir("/proc").expect("/proc reads");
    processes
        .flatten()
        .filter_map(|entry| {
            let environ = std::fs::read(entry.path().join("environ")).ok()?;
            let owned = environ.split(|&byte| byte == 0).any(|pair| pair.starts_with(marker.as_bytes()));
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            let running = stat.rsplit_once(')').is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z'));
            let name = std::fs::read_to_string(entry.path().join("comm")).unwrap_or_default();
            (owned && running).then(|| format!("{} {}", entry.file_name().to_string_lossy(), name.trim()))
        })
        .collect()
}

/// Waits up to `limit` until corsproof process `pid` left no profile folder and no process.
fn assert_cleaned_up(pid: u32, limit: Duration) {
    let started = Instant::now();
    loop {
        let (left, running) = (profiles(pid), owned_processes(pid));
        if left.is_empty() && running.is_empty() {
            return;
        }
        assert!(
            started.elapsed() < limit,
            "{:?} after corsproof {pid} ended: profile folders {left:?}, processes {running:?}",
            limit
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The JSON report on stdout, parsed.
fn json(run: &Run) -> Value {
    let text = run.read("stdout");
    serde_json::from_str(&text)
        .unwrap_or_else(|error| panic!("--json is JSON ({error}):\n{text}\n{}", run.read("stderr.txt")))
}

/// One engine's report says it was interrupted, has the answered scenario and lists the others
/// as unfinished.
fn assert_interrupted_report(report: &Value) {
    assert_eq!(report["interrupted"], true, "{report}");
    let finished: Vec<&str> = report["scenarios"]
        .as_array()
        .expect("scenarios")
        .iter()
        .map(|s| s["id"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(finished, ["interrupt.toml::answered"], "{report}");
    let unfinished: Vec<&str> = report["unfinished"]
        .as_array()
        .expect("unfinished")
        .iter()
        .map(|s| s["id"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(unfinished, UNFINISHED, "{report}");
    // The line of the held scenario's header: the line before its name.
    let header = CORPUS.lines().position(|line| line == "name = \"held\"").expect("the held scenario");
    assert_eq!(report["unfinished"][0]["line"], header, "{report}");
}

/// The JUnit report has the answered scenario and each unfinished one skipped, in `suites`
/// suites.
fn assert_interrupted_junit(run: &Run, suites: usize) {
    let junit = run.read("junit.xml");
    assert!(junit.starts_with("<?xml"), "--junit was written:\n{junit}\n{}", run.read("stderr.txt"));
    assert_eq!(junit.matches("<testsuite ").count(), suites, "{junit}");
    assert_eq!(junit.matches(" skipped=\"2\"").count(), suites, "{junit}");
    assert_eq!(junit.matches("name=\"answered\"").count(), suites, "{junit}");
    for name in ["held", "never-reached"] {
        let case = format!("name=\"{name}\" file=\"interrupt.toml\"");
        let skipped = junit.split(&case).skip(1).all(|rest| {
            rest.split("</testcase>")
                .next()
                .is_some_and(|body| body.contains("<skipped message=\"did not finish"))
        });
        assert!(skipped && junit.matches(&case).count() == suites, "{name} is skipped:\n{junit}");
    }
}

/// The HAR files `--har` wrote for `engine`.
fn hars(run: &Run, engine: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(run.dir.join("hars").join(engine)) else { return Vec::new() };
    let mut names: Vec<String> =
        entries.flatten().map(|entry| entry.file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

/// `signal` mid-run in `browser`: the exit code, both reports, nothing left behind.
fn stopped_by(signal: &str, code: i32, browser: &str) {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let mut run = Run::start(&format!("{signal}-{browser}"), browser);
    run.until_held();
    run.signal(signal);
    let status = run.wait();
    assert_eq!(status.code(), Some(code), "SIGTERM gives 143, SIGINT 130:\n{}", run.read("stderr.txt"));
    assert!(run.read("stderr.txt").contains("interrupted"), "{}", run.read("stderr.txt"));
    assert_interrupted_report(&json(&run));
    assert_interrupted_junit(&run, 1);
    assert_eq!(hars(&run, browser), ["interrupt__answered.har"], "a HAR of what finished only");
    // The browsers were stopped by the handler, before exit.
    assert_cleaned_up(run.pid(), Duration::ZERO);
}

#[test]
fn sigterm_in_chromium_writes_the_reports_of_what_finished_and_leaves_nothing() {
    stopped_by("TERM", 143, "chromium");
}

#[test]
fn sigint_in_chromium_writes_the_reports_of_what_finished_and_leaves_nothing() {
    stopped_by("INT", 130, "chromium");
}

#[test]
fn sigterm_in_firefox_writes_the_reports_of_what_finished_and_leaves_nothing() {
    stopped_by("TERM", 143, "firefox");
}

#[test]
fn sigterm_in_webkit_writes_the_reports_of_what_finished_and_leaves_nothing() {
    stopped_by("TERM", 143, "webkit");
}

#[test]
fn sigterm_in_every_engine_writes_every_engines_report_and_the_matrix() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let mut run = Run::start("TERM-all", "all");
    // Each engine reaches the held request in its turn; wait for all three.
    let deadline = Instant::now() + REACH_TIMEOUT;
    while run
        .seen
        .paths
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .filter(|p| p.starts_with("/held"))
        .count()
        < 3
    {
        assert!(
            Instant::now() < deadline && matches!(run.child.try_wait(), Ok(None)),
            "every engine reaches the held request:\n{}",
            run.read("stderr.txt")
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    run.signal("TERM");
    assert_eq!(run.wait().code(), Some(143), "{}", run.read("stderr.txt"));
    let json = json(&run);
    assert_eq!(json["interrupted"], true, "{json}");
    let engines = json["engines"].as_array().expect("engines");
    assert_eq!(engines.len(), 3, "{json}");
    for engine in engines {
        assert_interrupted_report(&engine["report"]);
    }
    assert_interrupted_junit(&run, 3);
    for engine in ["chromium", "firefox", "webkit"] {
        assert_eq!(hars(&run, engine), ["interrupt__answered.har"], "{engine}: a HAR of what finished only");
    }
    let matrix = std::fs::read_to_string(run.dir.join("report/matrix.md")).unwrap_or_default();
    assert!(matrix.contains("answered"), "the matrix of what finished:\n{matrix}");
    assert_cleaned_up(run.pid(), Duration::ZERO);
}

#[test]
fn sigterm_in_record_writes_the_snapshots_of_what_finished() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let mut run = Run::command("TERM-record", &["record"], &[]);
    run.until_held();
    run.signal("TERM");
    assert_eq!(run.wait().code(), Some(143), "{}", run.read("stderr.txt"));
    let snapshots = run.dir.join("snapshots").join("chromium");
    let mut written: Vec<String> = std::fs::read_dir(&snapshots)
        .map(|entries| {
            entries.flatten().map(|entry| entry.file_name().to_string_lossy().into_owned()).collect()
        })
        .unwrap_or_default();
    written.sort();
    assert_eq!(written, ["interrupt__answered.snap"], "only what finished is recorded");
    assert!(run.read("stdout").contains("2 unfinished (interrupted)"), "{}", run.read("stdout"));
    assert_cleaned_up(run.pid(), Duration::ZERO);
}

/// SIGKILL mid-run in `browser`: the watchdog kills the browser and removes its profile folder.
fn killed(browser: &str) {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let mut run = Run::start(&format!("KILL-{browser}"), browser);
    run.until_held();
    run.signal("KILL");
    assert_eq!(run.wait().code(), None, "SIGKILL ends it");
    assert_cleaned_up(run.pid(), Duration::from_secs(5));
}

#[test]
fn sigkill_in_chromium_leaves_the_watchdog_to_clean_up() {
    killed("chromium");
}

#[test]
fn sigkill_in_firefox_leaves_the_watchdog_to_clean_up() {
    killed("firefox");
}
