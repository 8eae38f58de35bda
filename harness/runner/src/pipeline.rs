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
    /// One result per job, in the jobs' order.
    pub results: Vec<JobResult>,
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
/// Dropping the future (at Ctrl-C) drops the runners, which stops the browsers and servers.
pub async fn run(
    jobs: &[Job],
    configs: Vec<RunConfig>,
    reporter: &mut dyn Reporter,
) -> Vec<Result<EngineResults, EngineFailure>> {
    // The engines' runs take turns on this task, and none holds the reporter across an await.
    let reporter = RefCell::new(reporter);
    let runs = configs.into_iter().map(|config| run_engine(config, jobs.to_vec(), &reporter));
    futures_util::future::join_all(runs).await
}

/// One engine's run, from starting its server to closing its browser.
async fn run_engine(
    config: RunConfig,
    jobs: Vec<Job>,
    reporter: &RefCell<&mut dyn Reporter>,
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
    report(Event::EngineStarted { engine, browser: &browser(&runner) });
    let results = runner.run(jobs, &mut |event| report(event)).await;
    // A restarted browser may be another version: name the one that finished.
    let browser = browser(&runner);
    runner.close().await;
    let finished = EngineResults { engine, browser, results, startup, elapsed: starting.elapsed() };
    report(Event::EngineFinished { engine, results: &finished });
    Ok(finished)
}

/// The runner's browser and its version.
fn browser(runner: &Runner) -> String {
    format!("{} {}", runner.engine().name(), runner.browser_version())
}
