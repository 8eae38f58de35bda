//! The scenario suite of `tests/scenarios.rs`: every scenario file in every engine.
//!
//! The corpus runs once per engine, the three engines at the same time, through the runner's
//! pipeline (the one `corsproof run --browser all` uses): the first test case to ask starts
//! it, each engine with one mock server and one browser session for the whole corpus, and
//! every test case (one per file and engine) waits for its engine's results. Every scenario's
//! observation must match its snapshot in `tests/snapshots/<engine>/`; in Chromium, the engine
//! the scenario files' `expect` tables describe, the expectations must hold too.
//!
//! Snapshots are compared the way insta compares them: a missing or changed snapshot fails the
//! case with its diff and, outside CI (`CI` is not `true`), leaves the observation beside it
//! as a pending `NAME.snap.new`; accept it with `cargo run -- review` (or `cargo insta
//! review`), or record the engine again with `cargo run -- record --browser <engine> scenarios`. Under CI nothing is written.
//! A missing browser fails every case of its engine with the install hint; nothing is skipped.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, LazyLock, Mutex};

use corsproof_browser::Engine;
use corsproof_runner::pipeline::{self, EngineFailure, EngineResults};
use corsproof_runner::snapshot::{PendingSnapshot, SnapshotBody, SnapshotFile, SnapshotState};
use corsproof_runner::{EXPECTATIONS_ENGINE, Event, Job, JobResult, Listing, RunConfig};
use corsproof_scenario::ScenarioError;

/// One engine's results, by scenario file.
type ResultsByFile = HashMap<PathBuf, Vec<JobResult>>;

/// Why an engine's corpus run gave no results.
#[derive(Debug)]
enum CorpusError {
    /// The engine could not start.
    Start(EngineFailure),
    /// The run panicked before the engine finished.
    Panicked(Engine),
}

impl fmt::Display for CorpusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CorpusError::Start(failure) => {
                write!(f, "the {} run could not start: {}", failure.engine, failure.error)
            }
            CorpusError::Panicked(engine) => write!(f, "the {engine} corpus run panicked"),
        }
    }
}

/// One engine's corpus run, as the test cases read it.
type EngineCorpus = Result<ResultsByFile, CorpusError>;

/// A result that one thread fills in and many test cases wait for.
#[derive(Default)]
struct Pending {
    value: Mutex<Option<Arc<EngineCorpus>>>,
    filled: Condvar,
}

impl Pending {
    /// Fills it, unless it already is.
    fn fill(&self, value: EngineCorpus) {
        let mut slot = self.value.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none() {
            *slot = Some(Arc::new(value));
            self.filled.notify_all();
        }
    }

    fn wait(&self) -> Arc<EngineCorpus> {
        let mut value = self.value.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(value) = value.as_ref() {
                return value.clone();
            }
            value = self.filled.wait(value).unwrap_or_else(|p| p.into_inner());
        }
    }
}

/// The corpus: its files, listed once, and each engine's run of them.
struct Corpus {
    /// The files that loaded.
    files: Vec<PathBuf>,
    /// The files that did not.
    load_errors: Vec<ScenarioError>,
    /// Each engine's results, filled as each engine finishes.
    runs: Arc<HashMap<Engine, Pending>>,
}

/// The corpus, listed and set running on first use.
static CORPUS: LazyLock<Corpus> = LazyLock::new(|| {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let Listing { files, jobs, load_errors, .. } = Listing::load(&[root], None);
    let runs: Arc<HashMap<Engine, Pending>> =
        Arc::new(Engine::ALL.into_iter().map(|engine| (engine, Pending::default())).collect());
    let filling = runs.clone();
    std::thread::spawn(move || run_corpus(&jobs, &filling));
    Corpus { files, load_errors, runs }
});

/// Runs the jobs in every engine at once, filling each engine's results as it finishes; a
/// panic must not leave the test cases waiting forever.
fn run_corpus(jobs: &[Job], runs: &HashMap<Engine, Pending>) {
    let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime for the corpus run");
        let mut publish = |event: Event<'_>| {
            if let Event::EngineFinished { engine, results } = event {
                runs[&engine].fill(Ok(by_file(results)));
            }
        };
        let configs = Engine::ALL.map(RunConfig::for_engine).to_vec();
        runtime.block_on(pipeline::run(jobs, configs, &mut publish))
    }));
    for failure in ran.into_iter().flatten().filter_map(Result::err) {
        runs[&failure.engine].fill(Err(CorpusError::Start(failure)));
    }
    for (engine, pending) in runs {
        pending.fill(Err(CorpusError::Panicked(*engine)));
    }
}

fn by_file(run: &EngineResults) -> ResultsByFile {
    let mut files = ResultsByFile::new();
    for result in &run.results {
        files.entry(result.job.file.clone()).or_default().push(result.clone());
    }
    files
}

/// The results of one scenario file in `engine`, once that engine's corpus run has finished.
fn run_file(engine: Engine, path: &Path) -> Result<Vec<JobResult>, String> {
    let corpus = &*CORPUS;
    if let Some(error) = corpus.load_errors.iter().find(|error| error.path() == path) {
        return Err(error.to_string());
    }
    if !corpus.files.iter().any(|file| file == path) {
        return Err(format!("{} is not in the corpus", path.display()));
    }
    match corpus.runs[&engine].wait().as_ref() {
        Ok(files) => Ok(files.get(path).cloned().unwrap_or_default()),
        Err(error) => Err(error.to_string()),
    }
}

/// `path` relative to the repository, to keep messages short.
fn shown(path: &Path) -> String {
    path.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap_or(path).display().to_string()
}

/// Checks the observation against its snapshot as insta does ([`SnapshotFile::check`], the
/// rule `corsproof run` uses too): anything but a match fails, and outside CI leaves the
/// observation as the pending `.snap.new`; under CI a pending file beside a match fails too.
/// Returns the failure.
fn compare_snapshot(snapshot: &SnapshotFile, observed: &SnapshotBody, engine: Engine) -> Option<String> {
    let pending_path = shown(&snapshot.pending_path());
    let checked = match snapshot.check(observed) {
        Ok(checked) => checked,
        Err(error) => return Some(format!("cannot write or remove {pending_path}: {error}")),
    };
    let pending = match checked.pending {
        PendingSnapshot::None => return None,
        PendingSnapshot::Unreviewed => {
            return Some(format!(
                "CI=true: an unreviewed pending snapshot {pending_path} is left (review it with `cargo run -- review` or `cargo insta review`, or delete it)"
            ));
        }
        PendingSnapshot::NotWritten => "CI=true: no pending snapshot written".to_owned(),
        PendingSnapshot::Written => format!(
            "pending: {pending_path} (accept it with `cargo run -- review` or `cargo insta review`, or run `cargo run -- record --browser {engine} scenarios`)"
        ),
    };
    let path = shown(&snapshot.path());
    Some(match checked.state {
        SnapshotState::Changed(diff) => {
            let diff: String = diff.lines().map(|line| format!("\n      {line}")).collect();
            format!("the observation differs from {path}; {pending}{diff}")
        }
        _ => format!("there is no snapshot {path}; {pending}"),
    })
}

/// Runs one scenario file in `engine` and asserts its snapshots in `tests/snapshots/<engine>/`,
/// and, in the engine the scenario files describe, its expectations (the runner checks them
/// there only).
pub fn check_file(engine: Engine, path: PathBuf) {
    let relative = shown(&path);
    let results = run_file(engine, &path).unwrap_or_else(|error| panic!("{relative}: {error}"));
    let mut failures = Vec::new();
    for result in results {
        let name = &result.job.scenario.name;
        let observation = match &result.observation {
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
        // Each scenario's snapshot is compared even when an earlier one in the file differs, so
        // that one run shows every diff.
        let snapshot =
            SnapshotFile::find(&path, &result.job.scenario, engine).unwrap_or_else(|error| panic!("{error}"));
        if let Some(failure) = compare_snapshot(&snapshot, &SnapshotBody::of(observation), engine) {
            failures.push(format!("{name}: {failure}"));
        }
    }
    assert!(failures.is_empty(), "{relative}:\n  {}", failures.join("\n  "));
}
