//! `corsproof run` and `corsproof record`: scenario files in a real browser, or in every engine
//! at once for the cross-engine matrix.

use std::cell::RefCell;
use std::io::{IsTerminal, Write};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use corsproof_browser::{BrowserConfig, Engine};
use corsproof_runner::matrix::{self, EngineRun, Matrix};
use corsproof_runner::report::{self, Report, ScenarioReport, SnapshotNote};
use corsproof_runner::snapshot::{self, SnapshotLocation, SnapshotState};
use corsproof_runner::{Job, JobResult, RunConfig, RunError, Runner};
use corsproof_scenario::ScenarioError;
use corsproof_server::ServerConfig;
use serde::Serialize;

/// The browsers `--browser` can name: one engine, or `all` of them at once, each with its own
/// mock server and browser, to compare them in a matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BrowserChoice {
    /// Blink: Chromium through chromedriver.
    Chromium,
    /// Gecko: Firefox ESR through geckodriver.
    Firefox,
    /// WebKit: WebKitGTK's MiniBrowser through WebKitWebDriver, on an Xvfb display of its own.
    Webkit,
    /// Every engine above, concurrently.
    All,
}

impl BrowserChoice {
    /// The one engine it names; `None` for `all`.
    fn engine(self) -> Option<Engine> {
        match self {
            BrowserChoice::Chromium => Some(Engine::Chromium),
            BrowserChoice::Firefox => Some(Engine::Firefox),
            BrowserChoice::Webkit => Some(Engine::WebKit),
            BrowserChoice::All => None,
        }
    }
}

/// Options shared by `run` and `record`.
#[derive(Debug, Args)]
pub struct ScenarioArgs {
    /// The browser to run the scenarios in, or `all` for every engine at once; each engine's
    /// snapshots are in `snapshots/<engine>/`. Scenario expectations describe Chromium and are
    /// checked there only.
    #[arg(long, value_enum, default_value_t = BrowserChoice::Chromium)]
    browser: BrowserChoice,
    /// Scenario files or folders (searched for `*.toml`).
    #[arg(default_value = "scenarios")]
    paths: Vec<PathBuf>,
    /// Only scenarios whose `file::name` contains this text.
    #[arg(long, value_name = "PATTERN")]
    filter: Option<String>,
    /// Use a WebDriver endpoint (a driver or a Selenium Grid) that is already running.
    #[arg(long, value_name = "URL")]
    webdriver: Option<String>,
    /// Where the mock origins listen; with --webdriver, an address that browser can reach.
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// How long a page waits for one request before calling it a timeout.
    #[arg(long, value_name = "MS", default_value_t = 5000)]
    timeout_ms: u64,
}

/// `corsproof run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    common: ScenarioArgs,
    /// Send every request to your server instead of the mock origins (scenarios without a
    /// `server` table).
    #[arg(long, value_name = "URL")]
    target: Option<String>,
    /// Print the report as JSON instead of a table (with --browser all: every engine's report
    /// and the matrix).
    #[arg(long)]
    json: bool,
    /// Also write the report as JUnit XML (one engine only).
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// With --browser all: the folder for the matrix, `matrix.md` and `matrix.html`.
    #[arg(long, value_name = "DIR", default_value = "target/corsproof-report")]
    report_dir: PathBuf,
}

/// `corsproof record`.
#[derive(Debug, Args)]
pub struct RecordArgs {
    #[command(flatten)]
    common: ScenarioArgs,
}

/// The loaded scenarios and the files that failed to load.
struct Listing {
    jobs: Vec<Job>,
    load_errors: Vec<ScenarioError>,
}

fn list(args: &ScenarioArgs) -> Listing {
    let files = corsproof_scenario::discover(&args.paths);
    let mut jobs = Vec::new();
    let mut load_errors = Vec::new();
    for loaded in corsproof_scenario::load_all(&files) {
        match loaded {
            Ok(file) => {
                for scenario in file.scenarios {
                    let id = format!("{}::{}", file.path.display(), scenario.name);
                    if args.filter.as_deref().is_none_or(|pattern| id.contains(pattern)) {
                        jobs.push(Job { file: file.path.clone(), scenario });
                    }
                }
            }
            Err(error) => load_errors.push(error),
        }
    }
    Listing { jobs, load_errors }
}

/// The load errors as text, in color for a terminal only (not in JSON or report files).
fn render(load_errors: &[ScenarioError], color: bool) -> Vec<String> {
    load_errors.iter().map(|error| error.render(color)).collect()
}

/// What one engine's run gave.
struct Executed {
    results: Vec<JobResult>,
    /// The browser and its version.
    browser: String,
    /// How long the mock server and the browser took to start.
    startup: Duration,
    /// The engine's own wall time, from starting the server to closing the browser.
    elapsed: Duration,
}

/// The progress line on a terminal: one bar for every running engine's scenarios together and,
/// when several engines run at once, each one's count. Their runs share one task, so a
/// `RefCell` is enough.
struct Progress {
    interactive: bool,
    engines: Vec<Engine>,
    jobs: usize,
    /// Per engine, how many scenarios finished; `None` once it failed to start.
    done: RefCell<Vec<Option<usize>>>,
    /// Said after the line is cleared, so that it does not break the bar.
    notes: RefCell<Vec<String>>,
}

impl Progress {
    fn new(engines: &[Engine], jobs: usize) -> Self {
        Self {
            interactive: std::io::stderr().is_terminal(),
            engines: engines.to_vec(),
            jobs,
            done: RefCell::new(vec![Some(0); engines.len()]),
            notes: RefCell::new(Vec::new()),
        }
    }

    fn advance(&self, slot: usize, finished: usize) {
        if let Some(Some(done)) = self.done.borrow_mut().get_mut(slot) {
            *done += finished;
        }
        self.draw();
    }

    fn failed(&self, slot: usize) {
        if let Some(done) = self.done.borrow_mut().get_mut(slot) {
            *done = None;
        }
        self.draw();
    }

    fn note(&self, text: String) {
        self.notes.borrow_mut().push(text);
    }

    fn draw(&self) {
        if !self.interactive {
            return;
        }
        let done = self.done.borrow();
        let total = self.jobs * done.iter().flatten().count();
        let finished: usize = done.iter().flatten().sum();
        let width = 30;
        let filled = (finished * width).checked_div(total).unwrap_or(width);
        let mut line = format!("\r[{}{}] {finished}/{total}", "=".repeat(filled), " ".repeat(width - filled));
        if self.engines.len() > 1 {
            for (engine, done) in self.engines.iter().zip(done.iter()) {
                match done {
                    Some(done) => line.push_str(&format!("  {engine} {done}/{}", self.jobs)),
                    None => line.push_str(&format!("  {engine} failed")),
                }
            }
        }
        eprint!("{line}\x1b[K");
        let _ = std::io::stderr().flush();
    }

    /// Clears the line and says what was kept for later.
    fn finish(&self) {
        if self.interactive {
            eprint!("\r\x1b[2K");
        }
        for note in self.notes.borrow().iter() {
            eprintln!("{note}");
        }
    }
}

fn run_config(args: &ScenarioArgs, engine: Engine, target: Option<String>) -> RunConfig {
    RunConfig {
        browser: BrowserConfig { engine, webdriver: args.webdriver.clone(), ..BrowserConfig::default() },
        server: ServerConfig { bind: args.bind, ..ServerConfig::default() },
        target,
        request_timeout: Duration::from_millis(args.timeout_ms),
        ..RunConfig::default()
    }
}

/// Runs the jobs in one engine with its own mock server and browser, reporting to `progress`
/// as engine number `slot`.
async fn execute_engine(
    config: RunConfig,
    jobs: Vec<Job>,
    progress: &Progress,
    slot: usize,
) -> Result<Executed, RunError> {
    let starting = Instant::now();
    let mut runner = Runner::start(config).await.inspect_err(|_| progress.failed(slot))?;
    let startup = starting.elapsed();
    let results = runner.run(jobs, &mut |finished| progress.advance(slot, finished)).await;
    let browser = format!("{} {}", runner.engine().name(), runner.browser_version());
    if runner.restarts() > 0 {
        progress.note(format!(
            "corsproof: the {} browser was lost and restarted {} time(s)",
            runner.engine(),
            runner.restarts()
        ));
    }
    runner.close().await;
    Ok(Executed { results, browser, startup, elapsed: starting.elapsed() })
}

/// `work` to its end, or `None` at Ctrl-C: dropping it drops the runners, which stops the
/// browsers and the servers.
async fn until_interrupted<T>(work: impl Future<Output = T>) -> Option<T> {
    tokio::select! {
        outcome = work => Some(outcome),
        _ = tokio::signal::ctrl_c() => {
            eprintln!("\ncorsproof: interrupted");
            None
        }
    }
}

/// Runs the jobs in `engine`, with a progress line on a terminal; `None` at Ctrl-C.
async fn execute(
    args: &ScenarioArgs,
    target: Option<String>,
    jobs: Vec<Job>,
    engine: Engine,
) -> Option<Result<Executed, RunError>> {
    let progress = Progress::new(&[engine], jobs.len());
    let outcome =
        until_interrupted(execute_engine(run_config(args, engine, target), jobs, &progress, 0)).await;
    progress.finish();
    outcome
}

/// Runs the jobs in every engine concurrently, each with its own mock server and browser, with
/// one progress line; an engine that cannot start does not stop the others. `None` at Ctrl-C.
async fn execute_all(
    args: &ScenarioArgs,
    target: Option<String>,
    jobs: Vec<Job>,
) -> Option<Vec<(Engine, Result<Executed, RunError>)>> {
    let progress = Progress::new(&Engine::ALL, jobs.len());
    let runs = Engine::ALL.iter().enumerate().map(|(slot, &engine)| {
        execute_engine(run_config(args, engine, target.clone()), jobs.clone(), &progress, slot)
    });
    let outcomes = until_interrupted(futures_util::future::join_all(runs)).await;
    progress.finish();
    Some(Engine::ALL.into_iter().zip(outcomes?).collect())
}

fn color() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Each result's report line, with its observation compared with `engine`'s stored snapshot;
/// against `--target` there is no snapshot to compare with.
fn scenario_reports(results: &[JobResult], engine: Engine, against_target: bool) -> Vec<ScenarioReport> {
    results
        .iter()
        .map(|result| {
            let note = match &result.observation {
                Ok(observation) if !against_target => {
                    match SnapshotLocation::find(&result.job.file, &result.job.scenario.name, engine.name()) {
                        Ok(location) => {
                            SnapshotNote::from(snapshot::compare(&location, &snapshot::render(observation)))
                        }
                        Err(error) => SnapshotNote::Unlocatable(error),
                    }
                }
                _ => SnapshotNote::NotTaken,
            };
            ScenarioReport::new(result, note)
        })
        .collect()
}

/// One engine's report, its snapshots compared.
fn engine_report(
    executed: &Executed,
    engine: Engine,
    against_target: bool,
    load_errors: Vec<String>,
    elapsed: Duration,
) -> Report {
    Report {
        scenarios: scenario_reports(&executed.results, engine, against_target),
        load_errors,
        browser: executed.browser.clone(),
        elapsed,
        startup: executed.startup,
    }
}

/// `corsproof run`: exit 0 only when every expectation and every stored snapshot holds (in
/// every engine, with `--browser all`).
pub async fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let color = color();
    match args.common.browser.engine() {
        Some(engine) => run_one(&args, engine, started, color).await,
        None if args.junit.is_some() => {
            anyhow::bail!(
                "--junit writes one engine's report; --browser all writes its matrix to --report-dir"
            )
        }
        None => run_all(&args, started, color).await,
    }
}

async fn run_one(args: &RunArgs, engine: Engine, started: Instant, color: bool) -> anyhow::Result<ExitCode> {
    let Listing { jobs, load_errors } = list(&args.common);
    let Some(outcome) = execute(&args.common, args.target.clone(), jobs, engine).await else {
        return Ok(ExitCode::from(130));
    };
    let executed = outcome?;
    let load_errors = render(&load_errors, color && !args.json);
    let report = engine_report(&executed, engine, args.target.is_some(), load_errors, started.elapsed());
    if let Some(path) = &args.junit {
        std::fs::write(path, report::junit(&report))?;
    }
    if args.json {
        println!("{}", report::json(&report));
    } else {
        print!("{}", report::table(&report, color));
    }
    Ok(if report.passed() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// One engine's run checked against its snapshots: its report and the results it was made from.
struct Checked {
    report: Report,
    results: Vec<JobResult>,
}

/// `run --browser all --json`: every engine's report, or why it could not run, and the matrix.
#[derive(Serialize)]
struct AllJson<'a> {
    engines: Vec<EngineJson<'a>>,
    matrix: &'a Matrix,
}

#[derive(Serialize)]
struct EngineJson<'a> {
    engine: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    report: Option<&'a Report>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

/// `run --browser all`: every engine checked against its own snapshots, then the matrix on the
/// terminal (what differs or fails) and in `matrix.md` and `matrix.html` (everything).
async fn run_all(args: &RunArgs, started: Instant, color: bool) -> anyhow::Result<ExitCode> {
    let Listing { jobs, load_errors } = list(&args.common);
    let Some(runs) = execute_all(&args.common, args.target.clone(), jobs).await else {
        return Ok(ExitCode::from(130));
    };
    let load_errors = render(&load_errors, false);
    let engines: Vec<(Engine, Result<Checked, String>)> = runs
        .into_iter()
        .map(|(engine, outcome)| {
            let outcome = outcome
                .map(|executed| Checked {
                    report: engine_report(
                        &executed,
                        engine,
                        args.target.is_some(),
                        load_errors.clone(),
                        executed.elapsed,
                    ),
                    results: executed.results,
                })
                .map_err(|error| error.to_string());
            (engine, outcome)
        })
        .collect();
    let runs: Vec<EngineRun<'_>> = engines
        .iter()
        .map(|(engine, outcome)| EngineRun {
            engine: engine.name(),
            outcome: match outcome {
                Ok(checked) => Ok((&checked.report, checked.results.as_slice())),
                Err(error) => Err(error.as_str()),
            },
        })
        .collect();
    let matrix = Matrix::build(&runs, load_errors, started.elapsed());
    if args.json {
        let engines = engines
            .iter()
            .map(|(engine, outcome)| EngineJson {
                engine: engine.name(),
                report: outcome.as_ref().ok().map(|checked| &checked.report),
                error: outcome.as_ref().err().map(String::as_str),
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&AllJson { engines, matrix: &matrix })?);
    } else {
        print!("{}", matrix::table(&matrix, color));
    }
    let (markdown, html) = write_matrix(&args.report_dir, &matrix)?;
    let written = format!("matrix: {} and {}", markdown.display(), html.display());
    if args.json {
        eprintln!("{written}");
    } else {
        println!("{written}");
    }
    Ok(if matrix.passed() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// Writes `matrix.md` and `matrix.html` into `dir` and returns their paths.
fn write_matrix(dir: &Path, matrix: &Matrix) -> anyhow::Result<(PathBuf, PathBuf)> {
    let in_dir = |error| anyhow::anyhow!("cannot write the matrix into {}: {error}", dir.display());
    std::fs::create_dir_all(dir).map_err(in_dir)?;
    let markdown = dir.join("matrix.md");
    std::fs::write(&markdown, matrix::markdown_report(matrix)).map_err(in_dir)?;
    let html = dir.join("matrix.html");
    std::fs::write(&html, matrix::html_report(matrix)).map_err(in_dir)?;
    Ok((markdown, html))
}

/// `corsproof record`: writes every scenario's snapshot and lists those that changed (in every
/// engine, concurrently, with `--browser all`).
pub async fn record(args: RecordArgs) -> anyhow::Result<ExitCode> {
    let color = color();
    let Listing { jobs, load_errors } = list(&args.common);
    let runs = match args.common.browser.engine() {
        Some(engine) => {
            let Some(outcome) = execute(&args.common, None, jobs, engine).await else {
                return Ok(ExitCode::from(130));
            };
            vec![(engine, Ok(outcome?))]
        }
        None => {
            let Some(runs) = execute_all(&args.common, None, jobs).await else {
                return Ok(ExitCode::from(130));
            };
            runs
        }
    };
    let several = runs.len() > 1;
    let mut complete = load_errors.is_empty();
    let mut summaries = Vec::new();
    for (engine, outcome) in &runs {
        match outcome {
            Ok(executed) => {
                summaries.push(record_engine(*engine, executed, several)?);
                complete &= executed.results.iter().all(|r| r.observation.is_ok());
            }
            Err(error) => {
                summaries.push(format!("{engine}: could not run: {error}"));
                complete = false;
            }
        }
    }
    for error in render(&load_errors, color) {
        println!("{error}");
    }
    for summary in &summaries {
        println!("{summary}");
    }
    Ok(if complete { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// Writes one engine's snapshots, prints what changed and the scenarios that could not run or
/// did not meet their expectations (naming the engine when `several` ran), and returns the
/// summary line.
fn record_engine(engine: Engine, executed: &Executed, several: bool) -> anyhow::Result<String> {
    let mut changed = Vec::new();
    let mut unchanged = 0;
    for result in &executed.results {
        let Ok(observation) = &result.observation else { continue };
        let location = SnapshotLocation::find(&result.job.file, &result.job.scenario.name, engine.name())
            .map_err(anyhow::Error::msg)?;
        let contents = snapshot::render(observation);
        match snapshot::compare(&location, &contents) {
            SnapshotState::Matches => {
                unchanged += 1;
                continue;
            }
            SnapshotState::Changed(diff) => changed.push((location.path(), Some(diff))),
            SnapshotState::New => changed.push((location.path(), None)),
        }
        snapshot::write(&location, &result.job.scenario.about, &contents)?;
    }
    for (path, diff) in &changed {
        match diff {
            Some(diff) => println!("changed {}\n{diff}", path.display()),
            None => println!("new     {}", path.display()),
        }
    }
    let engine_label = if several { format!("{engine}: ") } else { String::new() };
    for result in executed.results.iter().filter(|r| r.observation.is_err() || !r.mismatches.is_empty()) {
        let report = ScenarioReport::new(result, SnapshotNote::NotTaken);
        println!(
            "note: {engine_label}{}: {}",
            report.id,
            report.error.clone().unwrap_or_else(|| report.mismatches.join("; "))
        );
    }
    Ok(format!(
        "{} scenarios recorded: {} snapshots written, {unchanged} unchanged, in {:.2}s ({})",
        unchanged + changed.len(),
        changed.len(),
        executed.elapsed.as_secs_f64(),
        executed.browser
    ))
}
