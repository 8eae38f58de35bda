//! The scenario suite of `tests/scenarios.rs`: every scenario file in every engine.
//!
//! The corpus runs once per engine, the three engines at the same time: the first test case to
//! ask starts one thread per engine, each with one mock server and one browser session for the
//! whole corpus, and every test case (one per file and engine) waits for its engine's results.
//! Every scenario's observation must match its snapshot in `tests/snapshots/<engine>/`; in
//! Chromium, the engine the scenario files' `expect` tables describe, the expectations must
//! hold too.
//!
//! A browser update that changes an observation fails here with a diff. Accept the new
//! behaviour with `cargo run -- record --browser <engine> scenarios` (or `cargo insta review`).
//! A missing browser fails every case of its engine with the install hint; nothing is skipped.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, LazyLock, Mutex};

use corsproof_browser::{BrowserConfig, Engine};
use corsproof_runner::snapshot::{self, SnapshotLocation};
use corsproof_runner::{EXPECTATIONS_ENGINE, Job, JobResult, RunConfig, Runner};

/// One engine's run of the whole corpus: each file's results, or why the run could not start.
type CorpusResults = Result<HashMap<PathBuf, Result<Vec<JobResult>, String>>, String>;

/// A result that one thread fills in and many test cases wait for.
#[derive(Default)]
struct Pending {
    value: Mutex<Option<Arc<CorpusResults>>>,
    filled: Condvar,
}

impl Pending {
    fn fill(&self, value: CorpusResults) {
        *self.value.lock().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(value));
        self.filled.notify_all();
    }

    fn wait(&self) -> Arc<CorpusResults> {
        let mut value = self.value.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(value) = value.as_ref() {
                return value.clone();
            }
            value = self.filled.wait(value).unwrap_or_else(|p| p.into_inner());
        }
    }
}

/// The corpus runs, started together on first use.
static RUNS: LazyLock<HashMap<Engine, Arc<Pending>>> = LazyLock::new(|| {
    Engine::ALL
        .into_iter()
        .map(|engine| {
            let pending = Arc::new(Pending::default());
            let filling = pending.clone();
            std::thread::spawn(move || {
                // A panic in the run must not leave the test cases waiting forever.
                let outcome = std::panic::catch_unwind(|| run_corpus(engine))
                    .unwrap_or_else(|_| Err(format!("the {engine} corpus run panicked")));
                filling.fill(outcome);
            });
            (engine, pending)
        })
        .collect()
});

/// Every scenario file of the corpus in `engine`: one mock server, one browser, one run.
fn run_corpus(engine: Engine) -> CorpusResults {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut per_file: HashMap<PathBuf, Result<Vec<JobResult>, String>> = HashMap::new();
    let mut jobs = Vec::new();
    for path in corsproof_scenario::discover(&[root]) {
        match corsproof_scenario::load(&path) {
            Ok(file) => {
                per_file.insert(path.clone(), Ok(Vec::new()));
                jobs.extend(file.scenarios.into_iter().map(|scenario| Job { file: path.clone(), scenario }));
            }
            Err(error) => {
                per_file.insert(path, Err(error.to_string()));
            }
        }
    }
    let runtime = tokio::runtime::Runtime::new().map_err(|e| format!("no tokio runtime: {e}"))?;
    let config =
        RunConfig { browser: BrowserConfig { engine, ..BrowserConfig::default() }, ..RunConfig::default() };
    let results = runtime.block_on(async {
        let mut runner = Runner::start(config).await.map_err(|error| error.to_string())?;
        let results = runner.run(jobs, &mut |_| {}).await;
        runner.close().await;
        Ok::<_, String>(results)
    });
    for result in results.map_err(|error| format!("the {engine} run could not start: {error}"))? {
        if let Some(Ok(file)) = per_file.get_mut(&result.job.file) {
            file.push(result);
        }
    }
    Ok(per_file)
}

/// The results of one scenario file in `engine`, once that engine's corpus run has finished.
fn run_file(engine: Engine, path: &Path) -> Result<Vec<JobResult>, String> {
    let results = RUNS[&engine].wait();
    let per_file = results.as_ref().as_ref().map_err(Clone::clone)?;
    per_file.get(path).cloned().unwrap_or_else(|| Err(format!("{} is not in the corpus", path.display())))
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
