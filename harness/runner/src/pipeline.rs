//! The run as a library: the jobs of a [`Listing`](crate::Listing) in one or more engines at
//! once, each engine with its own mock server and browser, every step told to a [`Reporter`].
//! `corsproof run`/`record` and the scenario test suite both run scenarios through here.
//!
//! ```no_run
//! # async fn demo() {
//! use corsproof_runner::{Event, Listing, RunConfig, pipeline};
//! use corsproof_browser::Engine;
//!
//! let listing = Listing::load(&["scenarios".into()], None);
//! let mut finished = 0;
//! let mut count = |event: Event<'_>| {
//!     if let Event::ScenarioFinished { .. } = event {
//!         finished += 1;
//!     }
//! };
//! let configs = Engine::ALL.map(RunConfig::for_engine).to_vec();
//! let runs = pipeline::run(&listing.jobs, configs, &mut count).await;
//! # }
//! ```

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use corsproof_browser::Engine;

use crate::event::{Event, Reporter};
use crate::run::{Job, JobResult, RunConfig, RunError, Runner};

/// What one engine's run gave.
#[derive(Debug, Clone)]
pub struct EngineResults {
    /// The engine.
    pub engine: Engine,
    /// The browser and its version at the end of the run (`chromium 131.0.6778.85`).
    pub browser: String,
    /// One result per job that finished, in the jobs' order: every job, unless the run was
    /// stopped.
    pub results: Vec<JobResult>,
    /// The jobs that did not finish because the run was stopped, in the jobs' order.
    pub unfinished: Vec<Job>,
    /// Whether the run was stopped ([`run_until`]) before this engine's browser was closed.
    pub interrupted: bool,
    /// How long the mock server and the browser took to start.
    pub startup: Duration,
    /// The engine's own wall time, from starting the server to closing the browser.
    pub elapsed: Duration,
}

/// An engine that could not start.
#[derive(Debug)]
pub struct EngineFailure {
    /// The engine.
    pub engine: Engine,
    /// Why, with the install hint for a missing browser.
    pub error: RunError,
}

/// Runs `jobs` in the engine of every config concurrently, each with its own mock server and
/// browser, and tells `reporter` as it goes. An engine that cannot start is told and returned
/// as a failure; the others run on. Results come back in the configs' order.
///
/// Dropping the future drops the runners, which stops the browsers and servers.
pub async fn run(
    jobs: &[Job],
    configs: Vec<RunConfig>,
    reporter: &mut dyn Reporter,
) -> Vec<Result<EngineResults, EngineFailure>> {
    run_until(jobs, configs, reporter, std::future::pending::<()>()).await.0
}

/// [`run`], stopped early when `stop` resolves first (a signal): the runners are dropped, which
/// stops the browsers and servers, and each engine gives what finished by then, the other jobs
/// listed as [`EngineResults::unfinished`]; `stop`'s output comes back beside them. An engine
/// still starting gives no results and every job unfinished.
pub async fn run_until<S>(
    jobs: &[Job],
    configs: Vec<RunConfig>,
    reporter: &mut dyn Reporter,
    stop: impl Future<Output = S>,
) -> (Vec<Result<EngineResults, EngineFailure>>, Option<S>) {
    let started = Instant::now();
    // The engines' runs take turns on this task, and none holds the reporter across an await.
    let reporter = RefCell::new(reporter);
    // Kept outside the engines' futures, so that what finished outlives them when they are
    // dropped.
    let progress: Vec<(Engine, RefCell<Progress>)> =
        configs.iter().map(|config| (config.browser.engine, RefCell::new(Progress::Starting))).collect();
    let runs = configs.into_iter().zip(&progress).map(|(config, (_, progress))| async {
        let outcome = run_engine(config, jobs.to_vec(), &reporter, progress).await;
        *progress.borrow_mut() = Progress::Done(outcome);
    });
    let stopped = tokio::select! {
        _ = futures_util::future::join_all(runs) => None,
        signal = stop => Some(signal),
    };
    let outcomes = progress
        .into_iter()
        .map(|(engine, progress)| progress.into_inner().outcome(engine, jobs, started.elapsed()))
        .collect();
    (outcomes, stopped)
}

/// How far one engine's run got.
#[derive(Debug)]
enum Progress {
    /// Its server and browser are starting.
    Starting,
    /// Its browser is up and scenarios are finishing.
    Running {
        /// The browser and its version.
        browser: String,
        /// How long the server and the browser took to start.
        startup: Duration,
        /// The results so far, in the order they finished.
        finished: Vec<JobResult>,
    },
    /// It ran every job and closed, or could not start.
    Done(Result<EngineResults, EngineFailure>),
}

impl Progress {
    /// The engine's outcome: its own when it is done, else what finished before the run was
    /// stopped, `elapsed` after the run began.
    fn outcome(
        self,
        engine: Engine,
        jobs: &[Job],
        elapsed: Duration,
    ) -> Result<EngineResults, EngineFailure> {
        let (browser, startup, finished) = match self {
            Progress::Done(outcome) => return outcome,
            Progress::Starting => (engine.name().to_owned(), elapsed, Vec::new()),
            Progress::Running { browser, startup, finished } => (browser, startup, finished),
        };
        // A scenario is known by its file and the line of its header.
        let mut finished: HashMap<(PathBuf, usize), JobResult> = finished
            .into_iter()
            .map(|result| ((result.job.file.clone(), result.job.scenario.line), result))
            .collect();
        let mut results = Vec::new();
        let mut unfinished = Vec::new();
        for job in jobs {
            match finished.remove(&(job.file.clone(), job.scenario.line)) {
                Some(result) => results.push(result),
                None => unfinished.push(job.clone()),
            }
        }
        Ok(EngineResults { engine, browser, results, unfinished, interrupted: true, startup, elapsed })
    }
}

/// One engine's run, from starting its server to closing its browser, each finished scenario
/// kept in `progress` too.
async fn run_engine(
    config: RunConfig,
    jobs: Vec<Job>,
    reporter: &RefCell<&mut dyn Reporter>,
    progress: &RefCell<Progress>,
) -> Result<EngineResults, EngineFailure> {
    let engine = config.browser.engine;
    let report = |event: Event<'_>| reporter.borrow_mut().report(event);
    let starting = Instant::now();
    let mut runner = match Runner::start(config).await {
        Ok(runner) => runner,
        Err(error) => {
            report(Event::EngineFailed { engine, error: &error });
            return Err(EngineFailure { engine, error });
        }
    };
    let startup = starting.elapsed();
    *progress.borrow_mut() = Progress::Running { browser: browser(&runner), startup, finished: Vec::new() };
    report(Event::EngineStarted { engine, browser: &browser(&runner) });
    let results = runner
        .run(jobs, &mut |event| {
            if let (Event::ScenarioFinished { result, .. }, Progress::Running { finished, .. }) =
                (event, &mut *progress.borrow_mut())
            {
                finished.push(result.clone());
            }
            report(event);
        })
        .await;
    // A restarted browser may be another version: name the one that finished.
    let browser = browser(&runner);
    runner.close().await;
    let finished = EngineResults {
        engine,
        browser,
        results,
        unfinished: Vec::new(),
        interrupted: false,
        startup,
        elapsed: starting.elapsed(),
    };
    report(Event::EngineFinished { engine, results: &finished });
    Ok(finished)
}

/// The runner's browser and its version.
fn browser(runner: &Runner) -> String {
    format!("{} {}", runner.engine().name(), runner.browser_version())
}
