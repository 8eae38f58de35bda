//! The run: one mock server, one browser session, many scenarios.
//!
//! Scenarios are grouped by page origin so that a page is loaded once for many of them; each
//! group's scenarios run concurrently in that page (each one's requests in order). A browser that
//! dies (see the browser crate's `liveness.rs` for how that is told) is replaced by a fresh one,
//! and the unfinished chunk runs again from a clean state, under new tokens.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use corsproof_browser::{
    Browser, BrowserConfig, BrowserError, ConsoleEntry, Engine, HostMap, PageRequest, PageResult,
};
use corsproof_har::model::Har;
use corsproof_oracle::Url;
use corsproof_scenario::Scenario;
use corsproof_server::{MockServer, ServerConfig, StartError, TargetServer};

use crate::event::Event;
use crate::expect::{Mismatch, check};
use crate::har::Witnesses;
use crate::observe::{Console, Observation, Redactor, journal_of, observe};
use crate::page::PageOrigin;
use crate::plan::{PlanError, PlannedScenario, Planner, unguessable_run_id};

/// The engine whose behaviour a scenario's `expect` tables describe. Engines differ (that is
/// the point of running several), so in the others the expectations are not checked: their
/// snapshots (`tests/snapshots/<engine>/`) hold what they did, and the oracle's engine profile
/// and `tests/deviations/<engine>.toml` explain how that differs from the standard.
pub const EXPECTATIONS_ENGINE: Engine = Engine::Chromium;

/// How to run.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// The browser (its host mapping is filled in from the mock server).
    pub browser: BrowserConfig,
    /// The mock server.
    pub server: ServerConfig,
    /// Send every request to this server of yours instead of the mock origins (a URL without
    /// a trailing `/`). Its exchanges pass through the mock server's routing proxy, which
    /// journals them.
    pub target: Option<String>,
    /// Where your server listens when that is not where `target`'s URL says (`127.0.0.1:3000`
    /// behind `https://api.example.com`): the proxy is then that URL's end, TLS included, and
    /// passes requests on to this address over plain HTTP.
    pub target_address: Option<(String, u16)>,
    /// Page origins the user chose (`[pages]`, `--page`): the mock server answers them through
    /// its routing proxy, and the browser sends every request there.
    pub pages: Vec<PageOrigin>,
    /// How long the page waits for one request before calling it a timeout.
    pub request_timeout: Duration,
    /// At most this many scenarios share one page load and one script call.
    pub chunk_size: usize,
    /// Keep each scenario's exchanges as a HAR file ([`JobResult::har`]), for `run --har`.
    pub har: bool,
}

impl RunConfig {
    /// The default run in `engine`.
    pub fn for_engine(engine: Engine) -> Self {
        Self { browser: BrowserConfig { engine, ..BrowserConfig::default() }, ..Self::default() }
    }
}

impl Default for RunConfig {
    fn default() -> Self {
        Self {
            browser: BrowserConfig::default(),
            server: ServerConfig::default(),
            target: None,
            target_address: None,
            pages: Vec::new(),
            request_timeout: Duration::from_secs(5),
            chunk_size: 200,
            har: false,
        }
    }
}

/// A scenario to run, with the file it came from.
#[derive(Debug, Clone)]
pub struct Job {
    /// The scenario file.
    pub file: PathBuf,
    /// The scenario.
    pub scenario: Scenario,
}

/// What running one scenario gave.
#[derive(Debug, Clone)]
pub struct JobResult {
    /// The job.
    pub job: Job,
    /// The observation, or why the scenario could not run.
    pub observation: Result<Observation, ScenarioRunError>,
    /// Expectations the observation contradicts.
    pub mismatches: Vec<Mismatch>,
    /// The scenario's own time: its requests' times as the page measured them, added up (they
    /// run one after another); zero when it could not run. Not part of the observation, whose
    /// snapshot must not change from run to run.
    pub elapsed: Duration,
    /// What was exchanged, as a HAR file, when the run keeps them ([`RunConfig::har`]) and the
    /// scenario ran.
    pub har: Option<Har>,
}

/// Why one scenario could not run. Errors compare equal when they are the same, so that a
/// renderer can tell once an error that many scenarios share (a page that would not load).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScenarioRunError {
    /// The scenario cannot be made concrete (an unknown origin, a `server` table against
    /// `--target`, ...).
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// The browser failed the page the scenario ran in (lost again after its restarts, a page
    /// error).
    #[error(transparent)]
    Browser(#[from] BrowserError),
}

/// The run could not start.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// `--target` is not an `http://` or `https://` URL with a host.
    #[error("--target `{0}` is not an http:// or https:// URL (say `http://127.0.0.1:3000`)")]
    Target(String),
    /// The mock server.
    #[error(transparent)]
    Server(#[from] StartError),
    /// The browser.
    #[error(transparent)]
    Browser(#[from] BrowserError),
}

/// What a page gave for a chunk: each scenario's results, and the console.
type PageOutcome = (Vec<Vec<PageResult>>, Vec<ConsoleEntry>);

/// A chunk that ran: its scenarios as the attempt that ran them planned them (their tokens are
/// the ones to read the journal by: the run's plan, or a rerun's own), what the page gave for
/// each, and the console.
#[derive(Debug)]
struct ChunkOutcome<'p> {
    planned: Cow<'p, [PlannedScenario]>,
    page_results: Vec<Vec<PageResult>>,
    console: Vec<ConsoleEntry>,
}

/// What scenarios must share to share a page load: the page's URL, and the local network
/// permission a public page is given (`None` for other pages).
type PageGroup = (String, Option<bool>);

/// How many times a group is tried with a fresh browser after the browser was lost.
const RESTARTS_PER_GROUP: usize = 2;

/// What a browser must reach to see the mock origins: the server's host names, resolved to the
/// address its listeners answer on, or routed through its proxy (each engine's module picks its
/// form).
pub fn host_map(server: &MockServer) -> HostMap {
    HostMap {
        names: server.host_names().to_vec(),
        address: server.address(),
        proxy: Some(server.proxy_addr()),
        through_proxy: server.proxy_only_routes(),
    }
}

/// Your server's address, from `--target`'s URL.
fn target_server(url: &str) -> Result<TargetServer, RunError> {
    let parsed = Url::parse_with_base(url, None).map_err(|_| RunError::Target(url.to_owned()))?;
    let port = match parsed.scheme() {
        "http" | "https" => parsed.port_or_known_default(),
        _ => None,
    };
    let port = port.ok_or_else(|| RunError::Target(url.to_owned()))?;
    Ok(TargetServer { host: parsed.host().to_owned(), port, address: None })
}

/// Starts a browser, once more when the first start fails for a reason a second may not meet.
/// Says when it is ready (`ci/probe-crash-recovery` times a restart by it).
async fn launch(config: &BrowserConfig) -> Result<Browser, BrowserError> {
    let launched = match Browser::launch(config).await {
        Err(error) if error.is_transient() => {
            tracing::warn!(%error, engine = %config.engine, "the browser did not start; trying once more");
            Browser::launch(config).await
        }
        other => other,
    };
    if let Ok(browser) = &launched {
        tracing::info!(engine = %config.engine, version = browser.version(), "the browser is ready");
    }
    launched
}

/// How long a scenario's requests took, each as the page measured it from its call to its
/// outcome.
fn requests_time(results: &[PageResult]) -> Duration {
    Duration::from_millis(results.iter().map(|result| result.elapsed_ms).sum())
}

/// Now, in milliseconds since the Unix epoch.
fn now_unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as u64)
}

/// A mock server and a browser, ready to run scenarios.
#[derive(Debug)]
pub struct Runner {
    server: MockServer,
    browser: Option<Browser>,
    config: RunConfig,
    browser_version: String,
    restarts: usize,
}

impl Runner {
    /// Starts the mock server and the browser.
    pub async fn start(mut config: RunConfig) -> Result<Self, RunError> {
        config.server.pages = config.pages.iter().map(PageOrigin::host).collect();
        config.server.target = match config.target.as_deref() {
            Some(url) => Some(TargetServer { address: config.target_address.clone(), ..target_server(url)? }),
            None => None,
        };
        let server = MockServer::start(config.server.clone()).await?;
        config.browser.hosts = Some(host_map(&server));
        config.browser.trust_ca_pem = Some(server.certificates().ca_pem.clone());
        let browser = launch(&config.browser).await?;
        let browser_version = browser.version().to_owned();
        Ok(Self { server, browser: Some(browser), config, browser_version, restarts: 0 })
    }

    /// The engine this runner drives.
    pub fn engine(&self) -> Engine {
        self.config.browser.engine
    }

    /// The browser's version.
    pub fn browser_version(&self) -> &str {
        &self.browser_version
    }

    /// The environment marker every process of the current browser carries
    /// ([`corsproof_browser::OWNER_VARIABLE`]), to find them.
    pub fn browser_process_marker(&self) -> Option<&str> {
        self.browser.as_ref().and_then(Browser::process_marker)
    }

    /// How many times the browser was replaced after it was lost.
    pub fn restarts(&self) -> usize {
        self.restarts
    }

    /// The mock server.
    pub fn server(&self) -> &MockServer {
        &self.server
    }

    /// Runs the jobs; results come back in the jobs' order. `events` hears each scenario that
    /// finished and each browser restart, as they happen.
    pub async fn run(&mut self, jobs: Vec<Job>, events: &mut dyn FnMut(Event<'_>)) -> Vec<JobResult> {
        let engine = self.engine();
        let mut results: Vec<Option<JobResult>> = vec![None; jobs.len()];
        // A page load per (URL, local network permission): the permission belongs to the page's
        // origin, so scenarios that want it granted and denied cannot share a page. Each chunk's
        // first attempt runs this plan; a rerun plans again under a new run id, which changes
        // its tokens only, never its page.
        let planner = self.planner();
        let mut groups: BTreeMap<PageGroup, (Vec<usize>, Vec<PlannedScenario>)> = BTreeMap::new();
        for (index, job) in jobs.iter().enumerate() {
            match planner.plan(&job.scenario, index) {
                Ok(planned) => {
                    let group = (planned.page_url.clone(), planned.local_network_granted);
                    let (indices, plans) = groups.entry(group).or_default();
                    indices.push(index);
                    plans.push(planned);
                }
                Err(error) => {
                    let result = JobResult {
                        job: job.clone(),
                        observation: Err(error.into()),
                        mismatches: vec![],
                        elapsed: Duration::ZERO,
                        har: None,
                    };
                    events(Event::ScenarioFinished { engine, result: &result });
                    results[index] = Some(result);
                }
            }
        }

        // Your server's exchanges are told apart by order, so its scenarios run one at a time.
        let chunk_size = if self.config.target.is_some() { 1 } else { self.config.chunk_size.max(1) };
        for ((page_url, local_network_granted), (indices, plans)) in groups {
            for (chunk, planned) in indices.chunks(chunk_size).zip(plans.chunks(chunk_size)) {
                let started_unix_ms = now_unix_ms();
                let outcome =
                    self.run_chunk(&page_url, local_network_granted, &jobs, chunk, planned, events).await;
                for (position, index) in chunk.iter().enumerate() {
                    let job = &jobs[*index];
                    let result = match &outcome {
                        Ok(ChunkOutcome { planned, page_results, console }) => {
                            let planned = &planned[position];
                            let reads_console = self.browser.as_ref().is_some_and(Browser::reads_console);
                            let console_access = Console::of_session(self.engine(), reads_console);
                            let redactor =
                                Redactor::new(self.server.origins(), self.config.target.as_deref(), planned);
                            let journal = Some(self.server.journal());
                            let mut observation = observe(
                                &job.scenario,
                                planned,
                                &page_results[position],
                                console_access,
                                console,
                                journal,
                                &redactor,
                            );
                            let mismatches = if self.config.browser.engine == EXPECTATIONS_ENGINE {
                                job.scenario
                                    .requests
                                    .iter()
                                    .zip(&observation.requests)
                                    .enumerate()
                                    .flat_map(|(i, (step, seen))| check(i, &step.expect, seen))
                                    .collect()
                            } else {
                                Vec::new()
                            };
                            let har = self.config.har.then(|| {
                                let results = &page_results[position];
                                let journal = self.server.journal();
                                let journal: Vec<_> = (0..planned.steps.len().min(results.len()))
                                    .map(|index| journal_of(planned, results, index, journal))
                                    .collect();
                                Witnesses {
                                    engine,
                                    browser_version: &self.browser_version,
                                    observation: &observation,
                                    planned,
                                    results,
                                    journal: &journal,
                                    started_unix_ms,
                                }
                                .har()
                            });
                            if planned.your_server {
                                observation.leave_out_bodies();
                            }
                            JobResult {
                                job: job.clone(),
                                observation: Ok(observation),
                                mismatches,
                                elapsed: requests_time(&page_results[position]),
                                har,
                            }
                        }
                        Err(error) => JobResult {
                            job: job.clone(),
                            observation: Err(error.clone()),
                            mismatches: vec![],
                            elapsed: Duration::ZERO,
                            har: None,
                        },
                    };
                    events(Event::ScenarioFinished { engine, result: &result });
                    results[*index] = Some(result);
                }
            }
        }
        results.into_iter().flatten().collect()
    }

    /// A planner under a run id of its own: the tokens it gives are new, and unguessable.
    fn planner(&self) -> Planner<'_> {
        Planner {
            origins: self.server.origins(),
            pages: &self.config.pages,
            target: self.config.target.clone(),
            run_id: unguessable_run_id(),
            timeout: self.config.request_timeout,
        }
    }

    /// Runs the chunk (the jobs at `chunk`, as `planned`) in one page, replacing a lost browser
    /// (and telling `events`). Every rerun starts clean: a browser with a fresh profile, and the
    /// chunk planned again under a run id of its own, so that nothing the lost attempt made the
    /// server journal, or left in its browser, is read as this attempt's.
    async fn run_chunk<'p>(
        &mut self,
        page_url: &str,
        local_network_granted: Option<bool>,
        jobs: &[Job],
        chunk: &[usize],
        planned: &'p [PlannedScenario],
        events: &mut dyn FnMut(Event<'_>),
    ) -> Result<ChunkOutcome<'p>, ScenarioRunError> {
        let mut planned = Cow::Borrowed(planned);
        let mut attempt = 0;
        loop {
            match self.try_chunk(page_url, local_network_granted, &planned).await {
                Ok((page_results, console)) => return Ok(ChunkOutcome { planned, page_results, console }),
                Err(error) if error.is_lost() && attempt < RESTARTS_PER_GROUP => {
                    tracing::warn!(%error, "the browser was lost; starting a new one and running the group again");
                    attempt += 1;
                    self.restarts += 1;
                    events(Event::BrowserRestarted { engine: self.engine(), error: &error });
                    if let Some(browser) = self.browser.take() {
                        browser.close().await;
                    }
                    let planner = self.planner();
                    let replanned = chunk.iter().map(|&index| planner.plan(&jobs[index].scenario, index));
                    planned = Cow::Owned(replanned.collect::<Result<_, _>>()?);
                }
                Err(error) => return Err(error.into()),
            }
        }
    }

    /// Sets the chunk's cookies (each scenario's own, by opening the URLs whose answers set
    /// them), loads the page and runs the chunk's requests in it.
    async fn try_chunk(
        &mut self,
        page_url: &str,
        local_network_granted: Option<bool>,
        planned: &[PlannedScenario],
    ) -> Result<PageOutcome, BrowserError> {
        if self.browser.is_none() {
            let browser = launch(&self.config.browser).await?;
            self.browser_version = browser.version().to_owned();
            self.browser = Some(browser);
        }
        let Some(browser) = self.browser.as_mut() else { unreachable!("launched above") };
        for url in planned.iter().flat_map(|planned| &planned.cookie_urls) {
            browser.open(url).await?;
        }
        browser.open(page_url).await?;
        if let Some(granted) = local_network_granted {
            browser.set_local_network_permission(granted).await?;
        }
        browser.drain_console().await?;
        let sequences: Vec<Vec<PageRequest>> = planned
            .iter()
            .map(|planned| planned.steps.iter().map(|step| step.request.clone()).collect())
            .collect();
        let results = browser.run_sequences(&sequences).await?;
        let console = browser.drain_console().await?;
        Ok((results, console))
    }

    /// Closes the browser and stops the server.
    pub async fn close(mut self) {
        if let Some(browser) = self.browser.take() {
            browser.close().await;
        }
        self.server.shutdown().await;
    }
}
