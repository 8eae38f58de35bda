//! Scanning a whole API: every endpoint of a URL list or an API description, probed from the
//! policy's origins and from every attacker class with the method and headers that endpoint
//! takes, a bounded number at a time and at a bounded rate; what they show deduplicated across
//! endpoints (one root cause, the endpoints it affects), ranked by severity, each disagreement
//! shrunk to its simplest probe with its fix.
//!
//! ```no_run
//! # async fn demo() {
//! use corsproof_check::scan::{Endpoint, ScanConfig, scan};
//! use corsproof_check::{Policy, PolicySet};
//! let policy = Policy::from_toml(r#"origins = ["https://app.example"]"#).unwrap();
//! let config = ScanConfig::default().policies(PolicySet::from(policy)).concurrency(8);
//! let report = scan(vec![Endpoint::new("GET", "http://127.0.0.1:3000/api/items")], &config).await;
//! for finding in &report.findings {
//!     println!("{finding} ({} endpoints)", finding.endpoints.len());
//! }
//! # }
//! ```

mod endpoint;
mod findings;
mod fix;
mod openapi;
mod probes;
mod report;
mod shrink;
mod url_list;

use std::future::Future;
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use crate::checked::Checked;
use crate::checker::Checker;
use crate::hygiene;
use crate::policy_set::PolicySet;
use crate::report::Counterexample;
use crate::verify::{self, unreachable_origin};

pub use endpoint::{Endpoint, EndpointKind, Source};
pub use findings::{FindingDetail, ScanFinding};
pub use openapi::{BaseError, endpoints_from_openapi};
pub use report::ScanReport;
pub use url_list::{MAX_ENDPOINTS, UrlListError, UrlListErrors, read_url_list};

use findings::{Collector, merge};
use probes::Judge;

/// How a scan runs: the checker (engine, TLS, timeout, rate), the policies by path, how many
/// requests are in flight at once and how many probes shrinking may spend.
///
/// ```
/// use corsproof_check::Checker;
/// use corsproof_check::scan::ScanConfig;
/// let config = ScanConfig::default()
///     .checker(Checker::builder().max_requests_per_second(50.0).build())
///     .concurrency(4)
///     .max_shrink_steps(32);
/// assert_eq!(config.concurrency_limit(), 4);
/// ```
#[derive(Clone, Debug)]
pub struct ScanConfig {
    checker: Checker,
    policies: PolicySet,
    concurrency: usize,
    max_shrink_steps: u32,
}

impl Default for ScanConfig {
    /// No policy, [`ScanConfig::DEFAULT_CONCURRENCY`] requests at a time, 64 shrinking probes in
    /// all, judged as Chromium.
    fn default() -> Self {
        Self {
            checker: Checker::new(),
            policies: PolicySet::new(),
            concurrency: Self::DEFAULT_CONCURRENCY,
            max_shrink_steps: 64,
        }
    }
}

impl ScanConfig {
    /// Requests in flight at once by default: what a small server (one process, a few worker
    /// threads) answers without queueing much.
    pub const DEFAULT_CONCURRENCY: usize = 8;

    /// The checker that sends the probes.
    pub fn checker(mut self, checker: Checker) -> Self {
        self.checker = checker;
        self
    }

    /// The policies, by path; an endpoint no policy covers is asked only whether another site
    /// can read a signed-in user's answers.
    pub fn policies(mut self, policies: PolicySet) -> Self {
        self.policies = policies;
        self
    }

    /// How many requests are in flight at once (each endpoint sends its probes one after the
    /// other, so this many endpoints are scanned at once).
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }

    /// How many probes shrinking may send for every finding together.
    pub fn max_shrink_steps(mut self, steps: u32) -> Self {
        self.max_shrink_steps = steps;
        self
    }

    /// How many requests are in flight at once.
    pub fn concurrency_limit(&self) -> usize {
        self.concurrency
    }
}

/// What a scan tells as it goes, for a progress bar or progress lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ScanEvent {
    /// The scan starts: how many endpoints and probes.
    Started {
        /// Endpoints to scan.
        endpoints: usize,
        /// Probes planned for them (shrinking not included).
        probes: usize,
    },
    /// An endpoint's probes are all judged.
    Scanned {
        /// Endpoints done so far.
        done: usize,
        /// Endpoints in all.
        total: usize,
        /// Distinct findings so far.
        findings: usize,
        /// HTTP requests sent so far.
        requests: u64,
    },
    /// Every endpoint is done; the findings' probes are being shrunk.
    Shrinking {
        /// How many findings to shrink.
        findings: usize,
    },
}

/// Scans every endpoint and reports what it found; [`scan_until`] with no events and no stop.
pub async fn scan(endpoints: Vec<Endpoint>, config: &ScanConfig) -> ScanReport {
    scan_until(endpoints, config, |_| {}, std::future::pending()).await
}

/// What one endpoint showed.
struct Scanned {
    index: usize,
    judge: Option<Judge>,
    outcome: Outcome,
}

enum Outcome {
    Checked(Vec<Checked>),
    Unreachable(Box<Checked>),
    Unusable(String),
    NotProbed,
}

/// Scans every endpoint, telling `on_event` as it goes, until done or until `stop` completes
/// (Ctrl-C): then the requests in flight are dropped and the report holds what was found so
/// far, marked incomplete, without shrinking.
pub async fn scan_until(
    endpoints: Vec<Endpoint>,
    config: &ScanConfig,
    mut on_event: impl FnMut(ScanEvent),
    stop: impl Future<Output = ()>,
) -> ScanReport {
    let started = Instant::now();
    let requests_before = config.checker.requests_sent();
    // The policies' origins are the user's own: a fix that allows one says so plainly.
    let own: Vec<String> = config
        .policies
        .policies()
        .iter()
        .flat_map(|entry| entry.policy.origins().listed().to_vec())
        .collect();
    let checker = config.checker.clone().with_own_origins(own);
    let judges: Vec<Option<Judge>> = endpoints
        .iter()
        .map(|endpoint| match config.policies.for_path(&endpoint.path()) {
            Some(entry) => Some(Judge { name: Some(entry.name.clone()), policy: entry.policy.clone() }),
            None => Judge::assumed(endpoint),
        })
        .collect();
    let planned: Vec<Vec<crate::probe::Probe>> = endpoints
        .iter()
        .zip(&judges)
        .map(|(endpoint, judge)| {
            judge.as_ref().map(|judge| probes::probes(endpoint, judge)).unwrap_or_default()
        })
        .collect();
    let total_probes: usize = planned.iter().map(Vec::len).sum();
    on_event(ScanEvent::Started { endpoints: endpoints.len(), probes: total_probes });

    let mut collector = Collector::default();
    let mut done = 0;
    let mut finished = vec![false; endpoints.len()];
    let mut probes_sent = 0u64;
    let mut complete = true;
    let mut in_flight = JoinSet::new();
    let mut pending = planned.into_iter().zip(judges).enumerate();
    let mut stop = std::pin::pin!(stop);
    loop {
        while in_flight.len() < config.concurrency
            && let Some((index, (probes, judge))) = pending.next()
        {
            let checker = checker.clone();
            let url = endpoints[index].url.clone();
            in_flight.spawn(async move {
                let outcome = scan_endpoint(&checker, &url, judge.as_ref(), probes).await;
                Scanned { index, judge, outcome }
            });
        }
        let next = tokio::select! {
            next = in_flight.join_next() => next,
            () = &mut stop => {
                complete = false;
                in_flight.abort_all();
                break;
            }
        };
        let Some(joined) = next else { break };
        let Ok(scanned) = joined else { continue };
        done += 1;
        finished[scanned.index] = true;
        probes_sent += collect(&mut collector, &checker, scanned);
        on_event(ScanEvent::Scanned {
            done,
            total: endpoints.len(),
            findings: collector.len(),
            requests: checker.requests_sent() - requests_before,
        });
    }

    let (mut findings, to_shrink) = collector.finish();
    if complete && !to_shrink.is_empty() {
        on_event(ScanEvent::Shrinking { findings: to_shrink.len() });
    }
    let mut budget = if complete { config.max_shrink_steps } else { 0 };
    let mut left = to_shrink.len() as u32;
    let mut shrunk_findings = Vec::new();
    for group in to_shrink {
        let share = budget / left.max(1);
        left -= 1;
        let policy = judge_of(&config.policies, &endpoints[group.endpoint]).map(|judge| judge.policy);
        let (disagreement, checked, spent) = match &policy {
            Some(policy) => {
                shrink::shrink(
                    &checker,
                    policy,
                    group.cause,
                    group.severity,
                    (group.disagreement, *group.checked),
                    share,
                )
                .await
            }
            None => (group.disagreement, *group.checked, 0),
        };
        budget -= spent.min(budget);
        let urls = group.endpoints.iter().map(|index| endpoints[*index].url.clone()).collect();
        // Only a policy the user gave names origins that are theirs to allow.
        let fix = policy
            .as_ref()
            .filter(|_| group.policy.is_some())
            .and_then(|policy| fix::for_cause(group.cause, policy, &checked));
        shrunk_findings.push(ScanFinding {
            fix,
            severity: group.severity,
            policy: group.policy,
            endpoints: group.endpoints,
            detail: FindingDetail::Disagrees(Box::new(Counterexample {
                severity: group.severity,
                cause: group.cause,
                count: group.count,
                urls,
                seen_with: group.seen_with,
                disagreement,
                checked: Box::new(checked),
                shrink_steps: spent,
            })),
        });
    }
    findings = merge(findings, shrunk_findings);
    let uncovered = if config.policies.is_empty() {
        Vec::new()
    } else {
        (0..endpoints.len())
            .filter(|index| config.policies.for_path(&endpoints[*index].path()).is_none())
            .collect()
    };
    ScanReport {
        scanned: done,
        probes: probes_sent,
        requests: checker.requests_sent() - requests_before,
        elapsed: started.elapsed(),
        complete,
        engine: checker.engine(),
        no_policy: config.policies.is_empty(),
        uncovered,
        unscanned: (0..endpoints.len()).filter(|index| !finished[*index]).collect(),
        findings,
        endpoints,
    }
}

/// The judge of an endpoint, found again for shrinking.
fn judge_of(policies: &PolicySet, endpoint: &Endpoint) -> Option<Judge> {
    match policies.for_path(&endpoint.path()) {
        Some(entry) => Some(Judge { name: Some(entry.name.clone()), policy: entry.policy.clone() }),
        None => Judge::assumed(endpoint),
    }
}

/// Sends an endpoint's probes one after the other; the first that gets no answer ends it (an
/// endpoint that does not answer costs one timeout, not one per probe).
async fn scan_endpoint(
    checker: &Checker,
    url: &str,
    judge: Option<&Judge>,
    probes: Vec<crate::probe::Probe>,
) -> Outcome {
    let Some(judge) = judge else { return Outcome::NotProbed };
    if let Some(why) = unreachable_origin(&judge.policy, url, checker.engine()) {
        return Outcome::Unusable(why);
    }
    let mut checks = Vec::with_capacity(probes.len());
    for probe in probes {
        match checker.check(&probe).await {
            Ok(checked) if checked.connection_error().is_some() => {
                return Outcome::Unreachable(Box::new(checked));
            }
            Ok(checked) => checks.push(checked),
            Err(_) => {}
        }
    }
    Outcome::Checked(checks)
}

/// Judges what an endpoint showed into the collector; returns how many probes it sent.
fn collect(collector: &mut Collector, checker: &Checker, scanned: Scanned) -> u64 {
    let Scanned { index, judge, outcome } = scanned;
    let name = judge.as_ref().and_then(|judge| judge.name.as_deref());
    match outcome {
        Outcome::NotProbed => 0,
        Outcome::Unusable(why) => {
            collector.unusable(index, why);
            0
        }
        Outcome::Unreachable(checked) => {
            collector.unreachable(index, *checked);
            1
        }
        Outcome::Checked(checks) => {
            let Some(judge) = judge.as_ref() else { return 0 };
            let mut shown = Vec::new();
            for checked in &checks {
                for finding in hygiene::findings(checked, Some(&judge.policy)) {
                    collector.hygiene(index, name, finding);
                }
                for disagreement in verify::judge(&judge.policy, checker, checked) {
                    shown.push((disagreement, checked));
                }
            }
            collector.disagreements(index, name, shown);
            checks.len() as u64
        }
    }
}

/// How long a scan of `endpoints` takes at most, roughly: for a progress line's estimate.
pub fn estimate(done: usize, total: usize, elapsed: Duration) -> Option<Duration> {
    (done > 0).then(|| elapsed.mul_f64((total.saturating_sub(done)) as f64 / done as f64))
}
