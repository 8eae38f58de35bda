//! Verifying a server against a policy: seeded generated probes from allowed and attacker
//! origins, sent concurrently, each verdict compared with what the policy intends, hygiene
//! collected on the way, the disagreements grouped by root cause, and one probe of each group
//! shrunk to a minimal probe that keeps what makes the group what it is.

use std::cmp::Reverse;
use std::mem::discriminant;
use std::time::{Duration, Instant};

use proptest::strategy::{SBoxedStrategy, Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use tokio::task::JoinSet;

use corsproof_oracle::Engine;

use crate::checked::Checked;
use crate::checker::Checker;
use crate::disagreement::{Cause, Disagreement};
use crate::hygiene;
use crate::policy::Policy;
use crate::probe::Probe;
use crate::report::{Counterexample, Failure, Report};
use crate::severity::Severity;
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
    /// 96 probes, seed 0, 16 at a time, at most 256 shrinking steps in all, judged as Chromium.
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

    /// How many probes shrinking may send, at most, for every counterexample together: each
    /// root cause, most severe first, gets an equal share of what is left.
    pub fn max_shrink_steps(mut self, steps: u32) -> Self {
        self.max_shrink_steps = steps;
        self
    }

    /// How many probes a run generates.
    pub fn case_count(&self) -> u32 {
        self.cases
    }
}

/// Checks that the server at `url` gives exactly the verdicts `policy` intends, for probes
/// generated from allowed and attacker origins with various methods, headers and credentials.
/// Every disagreement is grouped by its root cause ([`Cause`]); one probe of each group, the most
/// severe, is shrunk to a minimal probe that disagrees the same way at least as severely, and the
/// groups are reported most severe first.
///
/// Await it where it is called (`#[tokio::test]`, `block_on`): the future is not `Send`,
/// because proptest's value trees, which do the shrinking, are not.
///
/// ```no_run
/// # async fn demo() {
/// use corsproof_check::{Policy, VerifyConfig, verify};
/// let policy = Policy::from_toml(r#"origins = ["https://app.example"]"#).unwrap();
/// let report = verify(&policy, "http://127.0.0.1:3000/api/items", &VerifyConfig::default()).await;
/// for counterexample in report.counterexamples() {
///     println!("{}: {} ({} probes)", counterexample.severity, counterexample.cause, counterexample.count);
/// }
/// report.assert_passed();
/// # }
/// ```
pub async fn verify(policy: &Policy, url: &str, config: &VerifyConfig) -> Report {
    let started = Instant::now();
    // The policy's origins are the user's own: a fix that allows one says so plainly.
    let checker = config.checker.clone().with_own_origins(policy.origins().listed().iter().cloned());
    let config = &VerifyConfig { checker, ..config.clone() };
    let mut report = Report {
        url: url.to_owned(),
        cases: 0,
        seed: config.seed,
        elapsed: Duration::ZERO,
        failures: Vec::new(),
        findings: Vec::new(),
        safelisted_methods_not_listed: policy.safelisted_methods_not_listed(),
    };
    let groups = match judge_all(policy, url, config, &mut report).await {
        Ok(groups) => groups,
        Err(failure) => {
            report.failures = vec![failure];
            report.elapsed = started.elapsed();
            return report;
        }
    };
    report.findings.sort_by_key(|finding| Reverse(finding.severity()));
    let mut budget = config.max_shrink_steps;
    let mut left = groups.len() as u32;
    for group in groups {
        let share = budget / left.max(1);
        let counterexample = shrink(policy, url, config, group, share).await;
        budget -= counterexample.shrink_steps.min(budget);
        left -= 1;
        report.failures.push(Failure::Disagrees(Box::new(counterexample)));
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
pub(crate) fn unreachable_origin(policy: &Policy, url: &str, engine: Engine) -> Option<String> {
    policy.origins().listed().iter().find_map(|origin| {
        let probe = Probe::new(url).origin(origin.as_str());
        let expected = policy.expects_in(&probe, engine);
        let refusal = match &expected {
            Ok(expected) => expected.refusal()?.to_string(),
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

/// The probes that showed one root cause, and the one to shrink.
struct Group {
    cause: Cause,
    severity: Severity,
    count: u32,
    urls: Vec<String>,
    seen_with: Vec<String>,
    /// The first probe of the group's severity: its index among the generated ones, how it
    /// disagrees, its check.
    representative: (usize, Disagreement, Checked),
}

impl Group {
    fn new(index: usize, disagreement: Disagreement, checked: &Checked) -> Self {
        let mut group = Group {
            cause: disagreement.cause(checked),
            severity: disagreement.severity(checked),
            count: 0,
            urls: Vec::new(),
            seen_with: Vec::new(),
            representative: (index, disagreement.clone(), checked.clone()),
        };
        group.add(index, disagreement, checked);
        group
    }

    /// Counts another probe in; a more severe one becomes the representative.
    fn add(&mut self, index: usize, disagreement: Disagreement, checked: &Checked) {
        self.count += 1;
        let url = checked
            .hops()
            .last()
            .map_or_else(|| checked.probe().url().to_owned(), |hop| hop.sent.url.to_string());
        push_new(&mut self.urls, url);
        if let Some(value) = disagreement.seen_with(checked) {
            push_new(&mut self.seen_with, value);
        }
        let severity = disagreement.severity(checked);
        if severity > self.severity {
            self.severity = severity;
            self.representative = (index, disagreement, checked.clone());
        }
    }
}

fn push_new(values: &mut Vec<String>, value: String) {
    if !values.contains(&value) {
        values.push(value);
    }
}

/// Generates and checks every probe, collects the hygiene findings into `report`, and groups
/// the disagreements by root cause, most severe (then most frequent) first. Fails when nothing
/// can be judged.
async fn judge_all(
    policy: &Policy,
    url: &str,
    config: &VerifyConfig,
    report: &mut Report,
) -> Result<Vec<Group>, Failure> {
    if let Some(reason) = unreachable_origin(policy, url, config.checker.engine()) {
        return Err(Failure::Unusable(reason));
    }
    let probes: Vec<Probe> =
        generate(policy, url, config).map_err(Failure::Unusable)?.iter().map(|tree| tree.current()).collect();
    let checked = check_all(&config.checker, probes, config.concurrency).await;
    report.cases = checked.len() as u32;
    let mut groups: Vec<Group> = Vec::new();
    for (index, checked) in checked.into_iter().enumerate() {
        let checked = checked.map_err(Failure::Unusable)?;
        if checked.connection_error().is_some() {
            return Err(Failure::NoAnswer(Box::new(checked)));
        }
        for finding in hygiene::findings(&checked, Some(policy)) {
            if !report.findings.iter().any(|seen| discriminant(seen) == discriminant(&finding)) {
                report.findings.push(finding);
            }
        }
        for disagreement in judge(policy, &config.checker, &checked) {
            let cause = disagreement.cause(&checked);
            match groups.iter_mut().find(|group| group.cause == cause) {
                Some(group) => group.add(index, disagreement, &checked),
                None => groups.push(Group::new(index, disagreement, &checked)),
            }
        }
    }
    groups.sort_by_key(|group| (Reverse(group.severity), Reverse(group.count)));
    Ok(groups)
}

/// Every disagreement between the server's verdict and the policy's.
pub(crate) fn judge(policy: &Policy, checker: &Checker, checked: &Checked) -> Vec<Disagreement> {
    match policy.expects_in(checked.probe(), checker.engine()) {
        Ok(expected) => Disagreement::all_between(&expected, checked),
        Err(_) => Vec::new(),
    }
}

/// The disagreement of `checked` that shows `cause` at least as severely as `severity`: what a
/// shrunk probe must keep.
pub(crate) fn still_shows(
    policy: &Policy,
    checker: &Checker,
    checked: &Checked,
    cause: Cause,
    severity: Severity,
) -> Option<Disagreement> {
    judge(policy, checker, checked).into_iter().find(|disagreement| {
        disagreement.cause(checked) == cause && disagreement.severity(checked) >= severity
    })
}

/// Shrinks a group's representative as proptest does: simplify while the probe still shows the
/// group's cause as severely, complicate back when it stops, until neither moves or `steps`
/// probes are spent. A credentialed read by an attacker origin stays credentialed and from an
/// attacker origin; a blocked PUT stays a blocked PUT where a GET would pass.
async fn shrink(
    policy: &Policy,
    url: &str,
    config: &VerifyConfig,
    group: Group,
    steps: u32,
) -> Counterexample {
    let Group { cause, severity, count, urls, seen_with, representative } = group;
    let (index, mut disagreement, mut checked) = representative;
    let mut spent = 0;
    // The value trees are regenerated from the seed: the same probes, in the same order.
    if let Ok(mut trees) = generate(policy, url, config)
        && index < trees.len()
    {
        let mut tree = trees.swap_remove(index);
        if tree.simplify() {
            while spent < steps {
                spent += 1;
                let still = match config.checker.check(&tree.current()).await {
                    Ok(candidate) if candidate.connection_error().is_none() => {
                        still_shows(policy, &config.checker, &candidate, cause, severity)
                            .map(|found| (found, candidate))
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
    }
    Counterexample {
        severity,
        cause,
        count,
        urls,
        seen_with,
        disagreement,
        checked: Box::new(checked),
        shrink_steps: spent,
    }
}
