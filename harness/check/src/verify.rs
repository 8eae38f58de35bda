//! Verifying a server against a policy: seeded generated probes from allowed and attacker
//! origins, sent concurrently, each verdict compared with what the policy intends, hygiene
//! collected on the way, and the first disagreement shrunk to a minimal probe.

use std::fmt;
use std::mem::discriminant;
use std::time::{Duration, Instant};

use proptest::strategy::{SBoxedStrategy, Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use tokio::task::JoinSet;

use corsproof_oracle::Engine;

use crate::checked::Checked;
use crate::checker::Checker;
use crate::hygiene::{self, Finding, Severity};
use crate::policy::{Expected, Policy};
use crate::probe::Probe;
use crate::strategies;

/// How a verification runs: the checker, how many probes, the seed.
///
/// ```
/// use corsproof_check::{Checker, Engine, VerifyConfig};
/// let config = VerifyConfig::default()
///     .checker(Checker::builder().engine(Engine::Firefox).build())
///     .cases(256)
///     .seed(7);
/// assert_eq!(config.case_count(), 256);
/// ```
#[derive(Clone, Debug)]
pub struct VerifyConfig {
    checker: Checker,
    cases: u32,
    seed: u64,
    concurrency: usize,
    max_shrink_steps: u32,
}

impl Default for VerifyConfig {
    /// 96 probes, seed 0, 16 at a time, at most 256 shrinking steps, judged as Chromium.
    fn default() -> Self {
        Self { checker: Checker::new(), cases: 96, seed: 0, concurrency: 16, max_shrink_steps: 256 }
    }
}

impl VerifyConfig {
    /// The checker that sends the probes (engine, trusted certificates, `resolve`, timeout).
    pub fn checker(mut self, checker: Checker) -> Self {
        self.checker = checker;
        self
    }

    /// How many probes to generate.
    pub fn cases(mut self, cases: u32) -> Self {
        self.cases = cases.max(1);
        self
    }

    /// The seed: the same seed generates the same probes.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// How many probes are in flight at once.
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }

    /// How many probes shrinking may send, at most.
    pub fn max_shrink_steps(mut self, steps: u32) -> Self {
        self.max_shrink_steps = steps;
        self
    }

    /// How many probes a run generates.
    pub fn case_count(&self) -> u32 {
        self.cases
    }
}

/// How a server's verdict differs from the policy's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Disagreement {
    /// The page reads the response, but the policy refuses the request (the reason).
    AllowedAgainstPolicy(String),
    /// The policy allows the request, but a browser blocks it.
    BlockedAgainstPolicy,
    /// The page reads this response header, which the policy does not expose.
    Exposes(String),
    /// The page cannot read this response header, which the policy exposes.
    Hides(String),
}

impl Disagreement {
    /// The disagreement between what the policy expects and what was checked, if any.
    fn between(expected: &Expected, checked: &Checked) -> Option<Disagreement> {
        match (expected.refusal(), checked.verdict().response()) {
            (Some(refusal), Some(_)) => Some(Disagreement::AllowedAgainstPolicy(refusal.to_owned())),
            (None, None) => Some(Disagreement::BlockedAgainstPolicy),
            (Some(_), None) => None,
            (None, Some(readable)) => {
                let sent = checked.actual().and_then(|hop| hop.received.as_ref().ok())?;
                // The application's headers say more than the CORS protocol's own: report them first.
                let mut names: Vec<&String> = sent.headers.iter().map(|(name, _)| name).collect();
                names.sort_by_key(|name| name.starts_with("access-control-"));
                names.into_iter().find_map(|name| {
                    let reads = readable.headers.iter().any(|header| header.is(name));
                    match (reads, expected.reads(name)) {
                        (true, false) => Some(Disagreement::Exposes(name.clone())),
                        (false, true) => Some(Disagreement::Hides(name.clone())),
                        _ => None,
                    }
                })
            }
        }
    }
}

impl fmt::Display for Disagreement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Disagreement::AllowedAgainstPolicy(refusal) => {
                write!(f, "the page reads the response, but {refusal}")
            }
            Disagreement::BlockedAgainstPolicy => {
                f.write_str("the policy allows this request, but a browser blocks it")
            }
            Disagreement::Exposes(name) => {
                write!(f, "the page can read `{name}`, which the policy does not expose")
            }
            Disagreement::Hides(name) => write!(f, "the page cannot read `{name}`, which the policy exposes"),
        }
    }
}

/// Why a verification failed.
#[derive(Clone, Debug)]
pub enum Failure {
    /// The server's verdict differs from the policy's, on this (shrunk) probe.
    Disagrees {
        /// How it differs.
        disagreement: Disagreement,
        /// The shrunk probe's check: the exchange, the console's words, the fix.
        checked: Box<Checked>,
        /// How many smaller probes shrinking tried.
        shrink_steps: u32,
    },
    /// The server did not answer (no connection, TLS, timeout): nothing could be judged.
    NoAnswer(Box<Checked>),
    /// No probe could be made (the URL or the policy gives nothing to generate).
    Unusable(String),
}

/// The result of [`verify`]: whether the server honours the policy, how it does not, and the
/// hygiene findings, each kind once.
#[derive(Clone, Debug)]
pub struct Report {
    /// The URL verified.
    pub url: String,
    /// How many probes were checked (shrinking not included).
    pub cases: u32,
    /// The seed that generated them.
    pub seed: u64,
    /// How long it took.
    pub elapsed: Duration,
    /// The first failure, if any.
    pub failure: Option<Failure>,
    /// Hygiene findings, the first of each kind, problems first.
    pub findings: Vec<Finding>,
}

impl Report {
    /// Whether every verdict matched the policy and no finding is a [`Severity::Problem`].
    pub fn passed(&self) -> bool {
        self.failure.is_none() && self.findings.iter().all(|finding| finding.severity() < Severity::Problem)
    }

    /// Panics with the whole report unless it [`passed`](Self::passed).
    #[track_caller]
    pub fn assert_passed(&self) {
        if !self.passed() {
            panic!("the server does not honour the policy\n\n{self}");
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.passed() { "ok" } else { "FAILED" };
        writeln!(
            f,
            "{verdict}: {} against the policy, {} probes (seed {}) in {:.2?}",
            self.url, self.cases, self.seed, self.elapsed
        )?;
        match &self.failure {
            Some(Failure::Disagrees { disagreement, checked, shrink_steps }) => {
                writeln!(f, "\n{disagreement} (shrunk in {shrink_steps} steps):\n\n{checked}")?;
                if let Disagreement::AllowedAgainstPolicy(_) = disagreement {
                    writeln!(
                        f,
                        "fix: send the CORS headers only to the policy's origins, compared byte for byte with \
                         the request's Origin (no prefix, suffix, substring or regex match, no reflection)"
                    )?;
                }
            }
            Some(Failure::NoAnswer(checked)) => writeln!(f, "\nno answer:\n\n{checked}")?,
            Some(Failure::Unusable(reason)) => writeln!(f, "\n{reason}")?,
            None => {}
        }
        for finding in &self.findings {
            let severity = match finding.severity() {
                Severity::Problem => "problem",
                Severity::Advice => "advice",
            };
            writeln!(f, "\n{severity}: {finding}")?;
        }
        Ok(())
    }
}

/// Checks that the server at `url` gives exactly the verdicts `policy` intends, for probes
/// generated from allowed and attacker origins with various methods, headers and credentials.
/// The first disagreement is shrunk to a minimal probe.
///
/// Await it where it is called (`#[tokio::test]`, `block_on`): the future is not `Send`,
/// because proptest's value trees, which do the shrinking, are not.
///
/// ```no_run
/// # async fn demo() {
/// use corsproof_check::{Policy, VerifyConfig, verify};
/// let policy = Policy::from_toml(r#"origins = ["https://app.example"]"#).unwrap();
/// let report = verify(&policy, "http://127.0.0.1:3000/api/items", &VerifyConfig::default()).await;
/// report.assert_passed();
/// # }
/// ```
pub async fn verify(policy: &Policy, url: &str, config: &VerifyConfig) -> Report {
    let started = Instant::now();
    let mut report = Report {
        url: url.to_owned(),
        cases: 0,
        seed: config.seed,
        elapsed: Duration::ZERO,
        failure: None,
        findings: Vec::new(),
    };
    if let Some(reason) = unreachable_origin(policy, url, config.checker.engine()) {
        report.failure = Some(Failure::Unusable(reason));
        report.elapsed = started.elapsed();
        return report;
    }
    let trees = match generate(policy, url, config) {
        Ok(trees) => trees,
        Err(reason) => {
            report.failure = Some(Failure::Unusable(reason));
            report.elapsed = started.elapsed();
            return report;
        }
    };
    let probes: Vec<Probe> = trees.iter().map(|tree| tree.current()).collect();
    let checked = check_all(&config.checker, probes, config.concurrency).await;
    report.cases = checked.len() as u32;

    let mut first_disagreement = None;
    for (index, checked) in checked.into_iter().enumerate() {
        let checked = match checked {
            Ok(checked) => checked,
            Err(reason) => {
                report.failure = Some(Failure::Unusable(reason));
                break;
            }
        };
        if checked.connection_error().is_some() {
            report.failure = Some(Failure::NoAnswer(Box::new(checked)));
            break;
        }
        for finding in hygiene::findings(&checked, Some(policy)) {
            if !report.findings.iter().any(|seen| discriminant(seen) == discriminant(&finding)) {
                report.findings.push(finding);
            }
        }
        if first_disagreement.is_none()
            && let Some(disagreement) = judge(policy, &config.checker, &checked)
        {
            first_disagreement = Some((index, disagreement, checked));
        }
    }
    report.findings.sort_by_key(|finding| std::cmp::Reverse(finding.severity()));
    if report.failure.is_none()
        && let Some((index, disagreement, checked)) = first_disagreement
    {
        let mut trees = trees;
        let tree = trees.swap_remove(index);
        report.failure = Some(shrink(policy, config, tree, disagreement, checked).await);
    }
    report.elapsed = started.elapsed();
    report
}

/// Panics with the report unless the server at `url` honours `policy` ([`verify`] with the
/// default configuration, [`Report::assert_passed`]).
///
/// ```no_run
/// # async fn demo() {
/// use corsproof_check::{Policy, assert_policy};
/// let policy = Policy::builder().allow_origin(["https://app.example"]).allow_methods(["PUT"]).build().unwrap();
/// assert_policy(&policy, "http://127.0.0.1:3000/api/items").await;
/// # }
/// ```
#[track_caller]
pub fn assert_policy<'a>(policy: &'a Policy, url: &'a str) -> impl Future<Output = ()> + 'a {
    let caller = std::panic::Location::caller();
    async move {
        let report = verify(policy, url, &VerifyConfig::default()).await;
        if !report.passed() {
            panic!("{caller}: the server does not honour the policy\n\n{report}");
        }
    }
}

/// Why a page at one of the policy's origins could not fetch `url` at all, CORS aside (an https
/// page and an http URL: mixed content), which would make every verdict vacuous.
fn unreachable_origin(policy: &Policy, url: &str, engine: Engine) -> Option<String> {
    policy.origins().listed().iter().find_map(|origin| {
        let probe = Probe::new(url).origin(origin.as_str());
        let expected = policy.expects_in(&probe, engine);
        let refusal = match &expected {
            Ok(expected) => expected.refusal()?.to_owned(),
            Err(error) => error.to_string(),
        };
        Some(format!(
            "a page at {origin} cannot fetch {url} at all, whatever the CORS headers: {refusal}. Verify an \
             https URL, or list the origins whose pages can fetch it"
        ))
    })
}

type ProbeTree = <SBoxedStrategy<Probe> as Strategy>::Tree;

/// The seeded value trees: their current values are the probes, and they shrink.
fn generate(policy: &Policy, url: &str, config: &VerifyConfig) -> Result<Vec<ProbeTree>, String> {
    let strategy = strategies::probe(policy, url);
    let mut seed = [0u8; 32];
    seed[..8].copy_from_slice(&config.seed.to_le_bytes());
    let mut runner =
        TestRunner::new_with_rng(Config::default(), TestRng::from_seed(RngAlgorithm::ChaCha, &seed));
    (0..config.cases)
        .map(|_| strategy.new_tree(&mut runner).map_err(|reason| format!("cannot generate probes: {reason}")))
        .collect()
}

/// Checks every probe, `concurrency` at a time; the results come back in the probes' order.
async fn check_all(
    checker: &Checker,
    probes: Vec<Probe>,
    concurrency: usize,
) -> Vec<Result<Checked, String>> {
    let mut results: Vec<Option<Result<Checked, String>>> = vec![None; probes.len()];
    let mut in_flight = JoinSet::new();
    let mut pending = probes.into_iter().enumerate();
    loop {
        while in_flight.len() < concurrency
            && let Some((index, probe)) = pending.next()
        {
            let checker = checker.clone();
            in_flight.spawn(async move {
                (index, checker.check(&probe).await.map_err(|error| error.to_string()))
            });
        }
        match in_flight.join_next().await {
            Some(Ok((index, checked))) => results[index] = Some(checked),
            Some(Err(error)) => return vec![Err(format!("a check failed to run: {error}"))],
            None => break,
        }
    }
    results.into_iter().flatten().collect()
}

/// The disagreement between the server's verdict and the policy's, if any.
fn judge(policy: &Policy, checker: &Checker, checked: &Checked) -> Option<Disagreement> {
    let expected = policy.expects_in(checked.probe(), checker.engine()).ok()?;
    Disagreement::between(&expected, checked)
}

/// Shrinks a disagreeing probe as proptest does: simplify while it still disagrees, complicate
/// back when it stops, until neither moves or the step budget is spent.
async fn shrink(
    policy: &Policy,
    config: &VerifyConfig,
    mut tree: ProbeTree,
    mut disagreement: Disagreement,
    mut checked: Checked,
) -> Failure {
    let mut steps = 0;
    if tree.simplify() {
        while steps < config.max_shrink_steps {
            steps += 1;
            let still = match config.checker.check(&tree.current()).await {
                Ok(candidate) if candidate.connection_error().is_none() => {
                    judge(policy, &config.checker, &candidate).map(|found| (found, candidate))
                }
                _ => None,
            };
            let moved = match still {
                Some((found, candidate)) => {
                    (disagreement, checked) = (found, candidate);
                    tree.simplify()
                }
                None => tree.complicate(),
            };
            if !moved {
                break;
            }
        }
    }
    Failure::Disagrees { disagreement, checked: Box::new(checked), shrink_steps: steps }
}
