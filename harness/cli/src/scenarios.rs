//! `corsproof run` and `corsproof record`: scenario files in a real browser.

use std::io::{IsTerminal, Write};
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use corsproof_browser::{BrowserConfig, Engine};
use corsproof_runner::report::{self, Report, ScenarioReport, SnapshotNote};
use corsproof_runner::snapshot::{self, SnapshotLocation, SnapshotState};
use corsproof_runner::{Job, JobResult, RunConfig, Runner};
use corsproof_server::ServerConfig;

/// The browsers `--browser` can name. WebKit and `all` are not available yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BrowserChoice {
    /// Blink: Chromium through chromedriver.
    Chromium,
    /// Gecko: Firefox ESR through geckodriver.
    Firefox,
    /// WebKit: WebKitGTK's MiniBrowser through WebKitWebDriver.
    Webkit,
}

impl BrowserChoice {
    fn engine(self) -> Engine {
        match self {
            BrowserChoice::Chromium => Engine::Chromium,
            BrowserChoice::Firefox => Engine::Firefox,
            BrowserChoice::Webkit => Engine::WebKit,
        }
    }
}

/// Options shared by `run` and `record`.
#[derive(Debug, Args)]
pub struct ScenarioArgs {
    /// The browser to run the scenarios in; its snapshots are in `snapshots/<browser>/`.
    /// Scenario expectations describe Chromium and are checked there only.
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
    /// Print the report as JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Also write the report as JUnit XML.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
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
    load_errors: Vec<String>,
}

fn list(args: &ScenarioArgs, color: bool) -> Listing {
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
            Err(error) => load_errors.push(error.render(color)),
        }
    }
    Listing { jobs, load_errors }
}

/// What a finished run gave.
struct Executed {
    results: Vec<JobResult>,
    browser: String,
    startup: Duration,
}

/// Runs the jobs with a progress line on a terminal; Ctrl-C stops the browser and the server.
async fn execute(
    args: &ScenarioArgs,
    target: Option<String>,
    jobs: Vec<Job>,
) -> anyhow::Result<Option<Executed>> {
    let config = RunConfig {
        browser: BrowserConfig {
            engine: args.browser.engine(),
            webdriver: args.webdriver.clone(),
            ..BrowserConfig::default()
        },
        server: ServerConfig { bind: args.bind, ..ServerConfig::default() },
        target,
        request_timeout: Duration::from_millis(args.timeout_ms),
        ..RunConfig::default()
    };
    let total = jobs.len();
    let interactive = std::io::stderr().is_terminal();
    let work = async move {
        let starting = Instant::now();
        let mut runner = Runner::start(config).await?;
        let startup = starting.elapsed();
        let mut done = 0;
        let mut progress = |finished: usize| {
            done += finished;
            if interactive {
                let width = 30;
                let filled = (done * width).checked_div(total).unwrap_or(width);
                eprint!("\r[{}{}] {done}/{total}", "=".repeat(filled), " ".repeat(width - filled));
                let _ = std::io::stderr().flush();
            }
        };
        let results = runner.run(jobs, &mut progress).await;
        if interactive {
            eprint!("\r\x1b[2K");
        }
        let browser = format!("{} {}", runner.engine().name(), runner.browser_version());
        if runner.restarts() > 0 {
            eprintln!("corsproof: the browser was lost and restarted {} time(s)", runner.restarts());
        }
        runner.close().await;
        anyhow::Ok(Executed { results, browser, startup })
    };
    tokio::select! {
        outcome = work => outcome.map(Some),
        _ = tokio::signal::ctrl_c() => {
            // Dropping the work future drops the runner, which stops the browser and the server.
            eprintln!("\ncorsproof: interrupted");
            Ok(None)
        }
    }
}

fn color() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// `corsproof run`: exit 0 only when every expectation and every stored snapshot holds.
pub async fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let color = color();
    let Listing { jobs, load_errors } = list(&args.common, color);
    let target = args.target.clone();
    let engine = args.common.browser.engine();
    let Some(Executed { results, browser, startup }) = execute(&args.common, target, jobs).await? else {
        return Ok(ExitCode::from(130));
    };
    let scenarios = results
        .iter()
        .map(|result| {
            let note = match &result.observation {
                Ok(observation) if args.target.is_none() => {
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
        .collect();
    let report = Report { scenarios, load_errors, browser, elapsed: started.elapsed(), startup };
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

/// `corsproof record`: writes every scenario's snapshot and lists those that changed.
pub async fn record(args: RecordArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let color = color();
    let Listing { jobs, load_errors } = list(&args.common, color);
    let engine = args.common.browser.engine();
    let Some(Executed { results, browser, .. }) = execute(&args.common, None, jobs).await? else {
        return Ok(ExitCode::from(130));
    };
    let mut changed = Vec::new();
    let mut unchanged = 0;
    for result in &results {
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
    let failed: Vec<&JobResult> =
        results.iter().filter(|r| r.observation.is_err() || !r.mismatches.is_empty()).collect();
    for result in &failed {
        let report = ScenarioReport::new(result, SnapshotNote::NotTaken);
        println!(
            "note: {}: {}",
            report.id,
            report.error.clone().unwrap_or_else(|| report.mismatches.join("; "))
        );
    }
    for error in &load_errors {
        println!("{error}");
    }
    println!(
        "{} scenarios recorded: {} snapshots written, {unchanged} unchanged, in {:.2}s ({browser})",
        unchanged + changed.len(),
        changed.len(),
        started.elapsed().as_secs_f64()
    );
    let complete = load_errors.is_empty() && results.iter().all(|r| r.observation.is_ok());
    Ok(if complete { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
