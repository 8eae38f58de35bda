//! The scenario suite shared by `tests/scenarios.rs` (Chromium) and
//! `tests/scenarios_firefox.rs` (Firefox): separate test binaries, so that `cargo test` runs
//! the engines in parallel.
//!
//! One browser session serves a whole test binary: the test cases (one per file) hand their
//! files to a runner thread, which batches whatever is waiting into one run. Every scenario's
//! observation must match its snapshot in `tests/snapshots/<engine>/`; in Chromium, the engine
//! the scenario files' `expect` tables describe, the expectations must hold too.
//!
//! A browser update that changes an observation fails here with a diff. Accept the new
//! behaviour with `cargo run -- record --browser <engine> scenarios` (or `cargo insta review`).
//! A missing browser fails every case with the install hint; nothing is skipped.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Mutex, OnceLock};

use corsproof_browser::{BrowserConfig, Engine};
use corsproof_runner::snapshot::{self, SnapshotLocation};
use corsproof_runner::{EXPECTATIONS_ENGINE, Job, JobResult, RunConfig, Runner};

type Reply = Sender<Result<Vec<JobResult>, String>>;

/// Hands a file to the shared runner thread and waits for its results. A test binary runs one
/// engine: the first call decides which.
fn run_file(engine: Engine, path: &Path) -> Result<Vec<JobResult>, String> {
    static RUNNER: OnceLock<Mutex<Sender<(PathBuf, Reply)>>> = OnceLock::new();
    let sender = RUNNER.get_or_init(|| {
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || serve(engine, receiver));
        Mutex::new(sender)
    });
    let (reply, answer) = mpsc::channel();
    sender.lock().unwrap().send((path.to_path_buf(), reply)).map_err(|e| e.to_string())?;
    answer.recv().map_err(|e| format!("the runner thread ended: {e}"))?
}

/// The runner thread: one mock server and one browser for every file of this test binary.
fn serve(engine: Engine, requests: Receiver<(PathBuf, Reply)>) {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let config =
        RunConfig { browser: BrowserConfig { engine, ..BrowserConfig::default() }, ..RunConfig::default() };
    let mut runner = runtime.block_on(Runner::start(config)).map_err(|error| error.to_string());
    while let Ok(first) = requests.recv() {
        let mut batch = vec![first];
        batch.extend(requests.try_iter());
        let runner = match &mut runner {
            Ok(runner) => runner,
            Err(error) => {
                for (_, reply) in batch {
                    let _ = reply.send(Err(format!("the browser run could not start: {error}")));
                }
                continue;
            }
        };
        let mut jobs = Vec::new();
        let mut owners = Vec::new();
        for (index, (path, reply)) in batch.iter().enumerate() {
            match corsproof_scenario::load(path) {
                Ok(file) => {
                    for scenario in file.scenarios {
                        jobs.push(Job { file: path.clone(), scenario });
                        owners.push(index);
                    }
                }
                Err(error) => {
                    let _ = reply.send(Err(error.to_string()));
                }
            }
        }
        let results = runtime.block_on(runner.run(jobs, &mut |_| {}));
        let mut per_file: Vec<Vec<JobResult>> = vec![Vec::new(); batch.len()];
        for (owner, result) in owners.into_iter().zip(results) {
            per_file[owner].push(result);
        }
        for ((_, reply), results) in batch.iter().zip(per_file) {
            if !results.is_empty() {
                let _ = reply.send(Ok(results));
            }
        }
    }
}

/// Runs one scenario file in `engine` and asserts its snapshots in `tests/snapshots/<engine>/`,
/// and, in the engine the scenario files describe, its expectations (the runner checks them
/// there only).
pub fn check_file(engine: Engine, path: PathBuf) {
    let relative = path.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap_or(&path).to_path_buf();
    let results = run_file(engine, &path).unwrap_or_else(|error| panic!("{}: {error}", relative.display()));
    let mut failures = Vec::new();
    for result in results {
        let name = &result.job.scenario.name;
        let observation = match result.observation {
            Ok(observation) => observation,
            Err(error) => {
                failures.push(format!("{name}: could not run: {error}"));
                continue;
            }
        };
        debug_assert!(engine == EXPECTATIONS_ENGINE || result.mismatches.is_empty());
        for mismatch in &result.mismatches {
            failures.push(format!(
                "{name}: request {}: {} expected {}, observed {}",
                mismatch.request, mismatch.field, mismatch.expected, mismatch.observed
            ));
        }
        let location =
            SnapshotLocation::find(&path, name, engine.name()).unwrap_or_else(|error| panic!("{error}"));
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(&location.dir);
        settings.set_prepend_module_to_snapshot(false);
        settings.set_description(result.job.scenario.about.clone());
        settings.set_omit_expression(true);
        let contents = snapshot::render(&observation);
        // Each scenario's snapshot is asserted even when an earlier one in the file differs, so
        // that one run shows every diff.
        let compared = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            settings.bind(|| insta::assert_snapshot!(location.name.clone(), contents));
        }));
        if compared.is_err() {
            failures.push(format!("{name}: the observation differs from {}", location.path().display()));
        }
    }
    assert!(failures.is_empty(), "{}:\n  {}", relative.display(), failures.join("\n  "));
}
