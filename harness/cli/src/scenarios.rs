//! `corsproof run` and `corsproof record`: scenario files in a real browser, or in every engine
//! at once for the cross-engine matrix.

use std::io::{IsTerminal, Write};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use crate::output::{self, cannot_write};
use crate::stop::{Stop, stop_signal};
use clap::builder::PossibleValue;
use clap::{Args, ValueEnum};
use corsproof_browser::{BrowserConfig, Engine, PageRequest};
use corsproof_runner::matrix::{self, EngineRun, Matrix};
use corsproof_runner::page::PageOrigin;
use corsproof_runner::pipeline::{self, EngineFailure, EngineResults};
use corsproof_runner::report::{self, AllJson, EngineJson, JunitSuite, Report, ScenarioReport, SnapshotNote};
use corsproof_runner::snapshot::{SnapshotBody, SnapshotFile, SnapshotState, stale_snapshots};
use corsproof_runner::{Event, Job, JobResult, Listing, Reporter, RunConfig};
use corsproof_scenario::ScenarioError;
use corsproof_server::ServerConfig;

/// The browsers `--browser` can name: one engine, or `all` of them at once, each with its own
/// mock server and browser, to compare them in a matrix. The engines are [`Engine::ALL`], each
/// under its name and with its browser module's summary, so a new engine is offered here
/// without a line of this file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrowserChoice {
    /// One engine.
    One(Engine),
    /// Every engine, concurrently.
    All,
}

impl BrowserChoice {
    /// Every choice, in `--help`'s order: each engine, then `all`.
    const CHOICES: [BrowserChoice; Engine::ALL.len() + 1] = {
        let mut choices = [BrowserChoice::All; Engine::ALL.len() + 1];
        let mut index = 0;
        while index < Engine::ALL.len() {
            choices[index] = BrowserChoice::One(Engine::ALL[index]);
            index += 1;
        }
        choices
    };

    /// The one engine it names; `None` for `all`.
    fn engine(self) -> Option<Engine> {
        match self {
            BrowserChoice::One(engine) => Some(engine),
            BrowserChoice::All => None,
        }
    }
}

impl ValueEnum for BrowserChoice {
    fn value_variants<'a>() -> &'a [Self] {
        &Self::CHOICES
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(match self {
            BrowserChoice::One(engine) => {
                PossibleValue::new(engine.name()).help(corsproof_browser::summary(*engine))
            }
            BrowserChoice::All => PossibleValue::new("all").help("Every engine above, concurrently"),
        })
    }
}

/// Options shared by `run` and `record`.
#[derive(Debug, Args)]
pub struct ScenarioArgs {
    /// The browser to run the scenarios in, or `all` for every engine at once; each engine's
    /// snapshots are in `snapshots/<engine>/`. Scenario expectations describe Chromium and are
    /// checked there only.
    #[arg(long, value_enum, default_value_t = BrowserChoice::One(Engine::Chromium))]
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
    /// How long a page waits for one request before calling it a timeout: from 1 to 2147483647
    /// (a browser timer's limit; a longer wait would time out at once).
    #[arg(long, value_name = "MS", default_value_t = 5000, value_parser = timeout_ms())]
    timeout_ms: u64,
    /// Delete the snapshots that no scenario produces any more (found after a run of whole
    /// files and folders, without --filter; without this flag they are only listed).
    #[arg(long)]
    remove_stale: bool,
    /// Send every request to your server instead of the mock origins (scenarios without a
    /// `server` table). Its answers pass through corsproof's proxy, which records them for the
    /// snapshots (plain http:// only; an https:// server is relayed unseen).
    #[arg(long, value_name = "URL")]
    target: Option<String>,
    /// Where your server listens when that is not where --target's URL says (your API is
    /// https://api.example.com, served in CI at 127.0.0.1:3000): corsproof's proxy answers the
    /// URL, with TLS from its throwaway CA, and passes each request on to HOST:PORT over plain
    /// HTTP, so the page talks to the origin it talks to in production.
    #[arg(long, value_name = "HOST:PORT", requires = "target", value_parser = host_and_port)]
    target_address: Option<(String, u16)>,
    /// Load the pages named NAME at ORIGIN (`app=https://app.example.com`), so that your
    /// server's real allow-list applies; repeatable, and over `[pages]` in corsproof.toml.
    #[arg(long = "page", value_name = "NAME=ORIGIN", value_parser = PageOrigin::parse_flag)]
    pages: Vec<PageOrigin>,
}

/// `corsproof run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    common: ScenarioArgs,
    /// Print the report as JSON instead of a table (with --browser all: every engine's report
    /// and the matrix).
    #[arg(long)]
    json: bool,
    /// Also write the report as JUnit XML: one test suite per engine, each scenario a test
    /// case with its file, line and time.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// With --browser all: the folder for the matrix, `matrix.md` and `matrix.html`, and each
    /// engine's own page, `ENGINE.html`.
    #[arg(long, value_name = "DIR", default_value = "target/corsproof-report")]
    report_dir: PathBuf,
    /// Also write what was exchanged as HAR 1.2 files the browsers' developer tools open, one per
    /// scenario and engine: `DIR/<engine>/<snapshot name>.har`, each request the server received
    /// (preflights, actual requests, redirect hops) with the page's verdict in `_corsproof`.
    #[arg(long, value_name = "DIR")]
    har: Option<PathBuf>,
}

/// `corsproof record`.
#[derive(Debug, Args)]
pub struct RecordArgs {
    #[command(flatten)]
    common: ScenarioArgs,
}

/// `--timeout-ms`: from 1 (the page script reads 0 as its own 10-second default) to the longest a
/// page's timer takes.
fn timeout_ms() -> clap::builder::RangedU64ValueParser<u64> {
    clap::value_parser!(u64).range(1..=PageRequest::MAX_TIMEOUT_MS)
}

/// The listing `args` name: their files, loaded (a scenario's `page` may name one of `pages`),
/// and the scenarios the filter keeps. When that is nothing (no scenario file, none that loaded,
/// a filter that matched none) it says why on stderr, after the files' load errors, and gives
/// exit code 1 instead, before any server or browser starts: a run of nothing passes by accident.
fn list(args: &ScenarioArgs, pages: &[PageOrigin]) -> Result<Listing, ExitCode> {
    let listing = Listing::load_with_pages(&args.paths, args.filter.as_deref(), pages);
    let Some(nothing) = listing.nothing_to_run(&args.paths, args.filter.as_deref()) else {
        return Ok(listing);
    };
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    for error in render(&listing.load_errors, color) {
        eprintln!("{error}");
    }
    eprintln!("corsproof: {nothing}");
    Err(ExitCode::FAILURE)
}

/// Creates the files and folders a run writes once it is over (`--junit`'s file, `--har`'s
/// folder for each engine, with `--browser all` the `--report-dir` and its matrix), so that one
/// that cannot be written fails now, naming its option and path, not after the run with the
/// report lost.
fn prepare_reports(args: &RunArgs, engines: &[Engine]) -> anyhow::Result<()> {
    if let Some(path) = &args.junit {
        std::fs::File::create(path).map_err(|error| cannot_write("--junit", path, &error))?;
    }
    if let Some(dir) = &args.har {
        for engine in engines {
            std::fs::create_dir_all(dir.join(engine.name()))
                .map_err(|error| cannot_write("--har", dir, &error))?;
        }
    }
    if args.common.browser == BrowserChoice::All {
        let dir = &args.report_dir;
        std::fs::create_dir_all(dir).map_err(|error| cannot_write("--report-dir", dir, &error))?;
        std::fs::File::create(dir.join("matrix.md"))
            .map_err(|error| cannot_write("--report-dir", dir, &error))?;
    }
    Ok(())
}

/// After a run of whole files and folders (no `--filter`, every file loaded), names each
/// snapshot in their snapshot folders that no listed scenario produces in the engines that
/// ran, or deletes it with `--remove-stale`. Stale snapshots never fail the run (insta's rule).
fn settle_stale(args: &ScenarioArgs, listing: &Listing, engines: &[Engine]) -> anyhow::Result<()> {
    if args.filter.is_some() || !listing.load_errors.is_empty() || engines.is_empty() {
        return Ok(());
    }
    let here = std::env::current_dir().unwrap_or_default();
    for stale in stale_snapshots(&args.paths, &listing.jobs, engines)? {
        let shown = stale.path().strip_prefix(&here).unwrap_or(stale.path()).display().to_string();
        if args.remove_stale {
            stale.remove().map_err(|error| anyhow::anyhow!("cannot remove {shown}: {error}"))?;
            eprintln!("corsproof: removed stale snapshot {shown}");
        } else {
            eprintln!(
                "corsproof: warning: stale snapshot {shown}: no scenario produces it (--remove-stale deletes it)"
            );
        }
    }
    Ok(())
}

/// The load errors as text, in color for a terminal only (not in JSON or report files).
fn render(load_errors: &[ScenarioError], color: bool) -> Vec<String> {
    load_errors.iter().map(|error| error.render(color)).collect()
}

/// The terminal reporter: on a terminal, one progress bar for every running engine's scenarios
/// together and, when several engines run at once, each one's count; afterwards, the notes
/// kept for when the bar is gone.
struct ProgressReporter {
    interactive: bool,
    engines: Vec<Engine>,
    jobs: usize,
    /// Per engine, how many scenarios finished; `None` once it failed to start.
    done: Vec<Option<usize>>,
    /// Per engine, how many times its browser was lost and replaced.
    restarts: Vec<usize>,
    /// Said after the line is cleared, so that it does not break the bar.
    notes: Vec<String>,
}

impl ProgressReporter {
    fn new(engines: &[Engine], jobs: usize) -> Self {
        Self {
            interactive: std::io::stderr().is_terminal(),
            engines: engines.to_vec(),
            jobs,
            done: vec![Some(0); engines.len()],
            restarts: vec![0; engines.len()],
            notes: Vec::new(),
        }
    }

    fn draw(&self) {
        if !self.interactive {
            return;
        }
        let total = self.jobs * self.done.iter().flatten().count();
        let finished: usize = self.done.iter().flatten().sum();
        let width = 30;
        let filled = (finished * width).checked_div(total).unwrap_or(width);
        let mut line = format!("\r[{}{}] {finished}/{total}", "=".repeat(filled), " ".repeat(width - filled));
        if self.engines.len() > 1 {
            for (engine, done) in self.engines.iter().zip(&self.done) {
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
        for note in &self.notes {
            eprintln!("{note}");
        }
    }
}

impl Reporter for ProgressReporter {
    fn report(&mut self, event: Event<'_>) {
        let Some(slot) = self.engines.iter().position(|&engine| engine == event.engine()) else { return };
        match event {
            Event::EngineStarted { .. } => {}
            Event::EngineFailed { .. } => {
                self.done[slot] = None;
                self.draw();
            }
            Event::ScenarioFinished { .. } => {
                if let Some(done) = &mut self.done[slot] {
                    *done += 1;
                }
                self.draw();
            }
            Event::BrowserRestarted { .. } => self.restarts[slot] += 1,
            Event::EngineFinished { engine, .. } => {
                if self.restarts[slot] > 0 {
                    self.notes.push(format!(
                        "corsproof: the {engine} browser was lost and restarted {} time(s)",
                        self.restarts[slot]
                    ));
                }
            }
        }
    }
}

/// How to run `engine`: `args`' browser and server settings, requests sent to `--target` if
/// given, pages at the `pages` chosen.
fn run_config(args: &ScenarioArgs, engine: Engine, pages: &[PageOrigin], har: bool) -> RunConfig {
    RunConfig {
        browser: BrowserConfig { engine, webdriver: args.webdriver.clone(), ..BrowserConfig::default() },
        server: ServerConfig { bind: args.bind, ..ServerConfig::default() },
        target: args.target.as_deref().map(|target| target.trim_end_matches('/').to_owned()),
        target_address: args.target_address.clone(),
        pages: pages.to_vec(),
        request_timeout: Duration::from_millis(args.timeout_ms),
        har,
        ..RunConfig::default()
    }
}

/// `HOST:PORT` (`127.0.0.1:3000`, `[::1]:3000`, `localhost:3000`), as `--target-address` takes it.
fn host_and_port(text: &str) -> Result<(String, u16), String> {
    let expected = || format!("`{text}` is not HOST:PORT (say `127.0.0.1:3000`)");
    let (host, port) = text.rsplit_once(':').ok_or_else(expected)?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port = port.parse::<u16>().map_err(|_| expected())?;
    if host.is_empty() || port == 0 {
        return Err(expected());
    }
    Ok((host.to_owned(), port))
}

/// The page origins of the run: `[pages]` of the `corsproof.toml` of each path given, then the
/// `--page` flags over them. Two projects that put one name at two origins are an error, as is a
/// page at your server's own address (the proxy could not tell them apart).
fn page_origins(args: &ScenarioArgs) -> anyhow::Result<Vec<PageOrigin>> {
    let (pages, problems) = corsproof_runner::pages_of(&args.paths, &args.pages);
    if let Some(problem) = problems.into_iter().next() {
        return Err(problem.into());
    }
    if let Some(target) = &args.target {
        let at_target =
            |page: &&PageOrigin| target.trim_end_matches('/').eq_ignore_ascii_case(&page.origin());
        if let Some(page) = pages.iter().find(at_target) {
            anyhow::bail!(
                "the page `{}` is at {}, your --target's own origin; a page here must be at another origin",
                page.name,
                page.origin()
            );
        }
    }
    Ok(pages)
}

/// Runs the jobs in every engine of `engines` concurrently, each with its own mock server and
/// browser, with one progress line on a terminal; an engine that cannot start does not stop
/// the others; pages at the `pages` chosen; each scenario's exchanges kept as a HAR with `har`.
/// At SIGINT or SIGTERM the runners are dropped, which stops the browsers and the servers, and
/// each engine gives what finished by then; the signal comes back beside the outcomes.
async fn execute(
    args: &ScenarioArgs,
    pages: &[PageOrigin],
    jobs: &[Job],
    engines: &[Engine],
    har: bool,
) -> (Vec<Result<EngineResults, EngineFailure>>, Option<Stop>) {
    let mut progress = ProgressReporter::new(engines, jobs.len());
    let configs = engines.iter().map(|&engine| run_config(args, engine, pages, har)).collect();
    let (runs, stopped) = pipeline::run_until(jobs, configs, &mut progress, stop_signal()).await;
    progress.finish();
    if let Some(stop) = stopped {
        let unfinished: usize = runs.iter().flatten().map(|run| run.unfinished.len()).sum();
        eprintln!(
            "corsproof: interrupted ({}): browsers and servers stopped, {unfinished} scenario run(s) \
             unfinished; writing the reports of what finished",
            stop.name()
        );
    }
    (runs, stopped)
}

/// `corsproof run`: exit 0 only when every expectation holds and every scenario's snapshot is
/// stored and holds (in every engine, with `--browser all`), as insta's rule under CI.
pub async fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let color = output::color();
    match args.common.browser.engine() {
        Some(engine) => run_one(&args, engine, started, color).await,
        None => run_all(&args, started, color).await,
    }
}

/// Writes the JUnit document of `suites` to `--junit`'s file, if it was given.
fn write_junit(args: &RunArgs, suites: &[JunitSuite<'_>], started: Instant) -> anyhow::Result<()> {
    let Some(path) = &args.junit else { return Ok(()) };
    std::fs::write(path, report::junit(suites, started.elapsed()))
        .map_err(|error| anyhow::anyhow!("cannot write the JUnit report {}: {error}", path.display()))
}

async fn run_one(args: &RunArgs, engine: Engine, started: Instant, color: bool) -> anyhow::Result<ExitCode> {
    let pages = page_origins(&args.common)?;
    let listing = match list(&args.common, &pages) {
        Ok(listing) => listing,
        Err(nothing_to_run) => return Ok(nothing_to_run),
    };
    prepare_reports(args, &[engine])?;
    let Listing { jobs, load_errors, .. } = &listing;
    let (runs, stopped) = execute(&args.common, &pages, jobs, &[engine], args.har.is_some()).await;
    let run = match only(runs) {
        Ok(run) => run,
        Err(error) => {
            // CI shows why the engine did not start, not a missing report.
            let why = format!("{error:#}");
            write_junit(args, &[JunitSuite { engine, outcome: Err(&why) }], started)?;
            return Err(error);
        }
    };
    let report = Report::of(&run, render(load_errors, false), started.elapsed());
    write_junit(args, &[JunitSuite { engine, outcome: Ok(&report) }], started)?;
    // The file has the load errors plain, a terminal in color.
    let report = Report { load_errors: render(load_errors, color && !args.json), ..report };
    if args.json {
        output::print(&format!("{}\n", report::json(&report)))?;
    } else {
        output::print(&report::table(&report, color))?;
    }
    write_hars(args, [(engine, run.results.as_slice())])?;
    if let Some(stop) = stopped {
        return Ok(stop.exit_code());
    }
    settle_stale(&args.common, &listing, &[engine])?;
    Ok(if report.passed() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// The one engine's run of a single-engine `execute`, or why it could not start.
fn only(runs: Vec<Result<EngineResults, EngineFailure>>) -> anyhow::Result<EngineResults> {
    match runs.into_iter().next() {
        Some(run) => run.map_err(|failure| failure.error.into()),
        None => anyhow::bail!("no engine ran"),
    }
}

/// One engine's run checked against its snapshots: its report and the results it was made from.
struct EngineReport {
    report: Report,
    results: Vec<JobResult>,
}

/// `run --browser all`: every engine checked against its own snapshots, then the matrix on the
/// terminal (what differs or fails) and in `matrix.md` and `matrix.html` (everything).
async fn run_all(args: &RunArgs, started: Instant, color: bool) -> anyhow::Result<ExitCode> {
    let pages = page_origins(&args.common)?;
    let listing = match list(&args.common, &pages) {
        Ok(listing) => listing,
        Err(nothing_to_run) => return Ok(nothing_to_run),
    };
    prepare_reports(args, &Engine::ALL)?;
    let (runs, stopped) =
        execute(&args.common, &pages, &listing.jobs, &Engine::ALL, args.har.is_some()).await;
    let ran: Vec<Engine> =
        runs.iter().filter_map(|outcome| outcome.as_ref().ok()).map(|run| run.engine).collect();
    let load_errors = render(&listing.load_errors, false);
    let engines: Vec<(Engine, Result<EngineReport, String>)> = runs
        .into_iter()
        .map(|outcome| match outcome {
            Ok(run) => {
                let report = Report::of(&run, load_errors.clone(), run.elapsed);
                (run.engine, Ok(EngineReport { report, results: run.results }))
            }
            Err(failure) => (failure.engine, Err(failure.error.to_string())),
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
    let suites: Vec<JunitSuite<'_>> = engines
        .iter()
        .map(|(engine, outcome)| JunitSuite {
            engine: *engine,
            outcome: outcome.as_ref().map(|checked| &checked.report).map_err(String::as_str),
        })
        .collect();
    write_junit(args, &suites, started)?;
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
        output::print(&format!(
            "{}\n",
            serde_json::to_string_pretty(&AllJson {
                interrupted: stopped.is_some(),
                engines,
                matrix: &matrix
            })?
        ))?;
    } else {
        output::print(&matrix::table(&matrix, color))?;
    }
    let (markdown, html) = write_matrix(&args.report_dir, &matrix)?;
    write_engine_pages(&args.report_dir, &runs, &matrix.load_errors)?;
    let written = format!("matrix: {} and {}", markdown.display(), html.display());
    if args.json {
        eprintln!("{written}");
    } else {
        output::print(&format!("{written}\n"))?;
    }
    let ran_results = engines
        .iter()
        .filter_map(|(engine, outcome)| Some((*engine, outcome.as_ref().ok()?.results.as_slice())));
    write_hars(args, ran_results)?;
    if let Some(stop) = stopped {
        return Ok(stop.exit_code());
    }
    settle_stale(&args.common, &listing, &ran)?;
    Ok(if matrix.passed() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// `--har DIR`: each scenario's HAR of each engine that ran, at `DIR/<engine>/<snapshot
/// name>.har` (the snapshot's own name, so the two sit side by side in a review), then one line
/// naming the folder (on stderr with --json, which keeps stdout JSON).
fn write_hars<'a>(
    args: &RunArgs,
    runs: impl IntoIterator<Item = (Engine, &'a [JobResult])>,
) -> anyhow::Result<()> {
    let Some(dir) = &args.har else { return Ok(()) };
    let mut written = 0;
    for (engine, results) in runs {
        for result in results {
            let Some(har) = &result.har else { continue };
            let snapshot = SnapshotFile::find(&result.job.file, &result.job.scenario, engine)?.path();
            let name = snapshot.file_stem().unwrap_or_default();
            let path = dir.join(engine.name()).join(format!("{}.har", name.to_string_lossy()));
            crate::har_file::write(&path, har)?;
            written += 1;
        }
    }
    let line = format!("HAR files: {written} in {}", dir.display());
    if args.json {
        eprintln!("{line}");
    } else {
        output::print(&format!("{line}\n"))?;
    }
    Ok(())
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

/// Writes each engine's own page, `ENGINE.html`, beside the matrix (an engine that could not run
/// has none: the matrix says why).
fn write_engine_pages(dir: &Path, runs: &[EngineRun<'_>], load_errors: &[String]) -> anyhow::Result<()> {
    for run in runs {
        if let Some(page) = matrix::engine_html_report(run, load_errors.to_vec()) {
            let path = dir.join(format!("{}.html", run.engine));
            std::fs::write(&path, page)
                .map_err(|error| anyhow::anyhow!("cannot write {}: {error}", path.display()))?;
        }
    }
    Ok(())
}

/// `corsproof record`: writes every scenario's snapshot and lists those that changed (in every
/// engine, concurrently, with `--browser all`).
pub async fn record(args: RecordArgs) -> anyhow::Result<ExitCode> {
    let color = output::color();
    let pages = page_origins(&args.common)?;
    let listing = match list(&args.common, &pages) {
        Ok(listing) => listing,
        Err(nothing_to_run) => return Ok(nothing_to_run),
    };
    let Listing { jobs, load_errors, .. } = &listing;
    let one_engine = args.common.browser.engine();
    let engines = one_engine.map_or_else(|| Engine::ALL.to_vec(), |engine| vec![engine]);
    let (mut runs, stopped) = execute(&args.common, &pages, jobs, &engines, false).await;
    if one_engine.is_some() {
        // The one engine not starting fails the command, as in `run`.
        runs = vec![Ok(only(runs)?)];
    }
    let several = runs.len() > 1;
    let mut complete = load_errors.is_empty();
    let mut summaries = Vec::new();
    for outcome in &runs {
        match outcome {
            Ok(run) => {
                summaries.push(record_engine(run, several)?);
                complete &= run.results.iter().all(|r| r.observation.is_ok());
            }
            Err(failure) => {
                summaries.push(format!("{}: could not run: {}", failure.engine, failure.error));
                complete = false;
            }
        }
    }
    for error in render(load_errors, color) {
        output::print(&format!("{error}\n"))?;
    }
    for summary in &summaries {
        output::print(&format!("{summary}\n"))?;
    }
    if let Some(stop) = stopped {
        // The snapshots of what finished are written; the others were never observed.
        return Ok(stop.exit_code());
    }
    let ran: Vec<Engine> =
        runs.iter().filter_map(|outcome| outcome.as_ref().ok()).map(|run| run.engine).collect();
    settle_stale(&args.common, &listing, &ran)?;
    Ok(if complete { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// Writes one engine's snapshots, prints what changed and the scenarios that could not run or
/// did not meet their expectations (naming the engine when `several` ran), and returns the
/// summary line.
fn record_engine(run: &EngineResults, several: bool) -> anyhow::Result<String> {
    let mut changed = Vec::new();
    let mut unchanged = 0;
    for result in &run.results {
        let Ok(observation) = &result.observation else { continue };
        let snapshot = SnapshotFile::find(&result.job.file, &result.job.scenario, run.engine)?;
        match snapshot.record(&SnapshotBody::of(observation))? {
            SnapshotState::Matches => unchanged += 1,
            SnapshotState::Changed(diff) => changed.push((snapshot.path(), Some(diff))),
            SnapshotState::New => changed.push((snapshot.path(), None)),
        }
    }
    for (path, diff) in &changed {
        match diff {
            Some(diff) => output::print(&format!("changed {}\n{diff}\n", path.display()))?,
            None => output::print(&format!("new     {}\n", path.display()))?,
        }
    }
    let engine_label = if several { format!("{}: ", run.engine) } else { String::new() };
    for result in run.results.iter().filter(|r| r.observation.is_err() || !r.mismatches.is_empty()) {
        let report = ScenarioReport::new(result, SnapshotNote::NotTaken);
        output::print(&format!(
            "note: {engine_label}{}: {}\n",
            report.id,
            report.error.clone().unwrap_or_else(|| report.mismatches.join("; "))
        ))?;
    }
    let unfinished = match run.unfinished.len() {
        0 => String::new(),
        n => format!(", {n} unfinished (interrupted)"),
    };
    Ok(format!(
        "{} scenarios recorded: {} snapshots written, {unchanged} unchanged{unfinished}, in {:.2}s ({})",
        unchanged + changed.len(),
        changed.len(),
        run.elapsed.as_secs_f64(),
        run.browser
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browser_names_every_engine_and_all() {
        let names: Vec<String> = BrowserChoice::value_variants()
            .iter()
            .filter_map(|choice| Some(choice.to_possible_value()?.get_name().to_owned()))
            .collect();
        let expected: Vec<&str> = Engine::ALL.iter().map(|engine| engine.name()).chain(["all"]).collect();
        assert_eq!(names, expected);
        assert_eq!(BrowserChoice::from_str("webkit", false), Ok(BrowserChoice::One(Engine::WebKit)));
        assert_eq!(BrowserChoice::from_str("all", false), Ok(BrowserChoice::All));
        assert!(BrowserChoice::from_str("ie", false).is_err());
    }
}
