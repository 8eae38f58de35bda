//! A scan's result: what was scanned, how fast, and the findings, most severe first; its
//! terminal summary is its `Display`.

use std::fmt;
use std::time::Duration;

use corsproof_oracle::Engine;

use crate::scan::endpoint::Endpoint;
use crate::scan::findings::{FindingDetail, ScanFinding};
use crate::severity::Severity;

/// How many endpoints a finding lists by name before it counts the rest.
const ENDPOINTS_SHOWN: usize = 5;

/// What [`scan`](crate::scan::scan) found.
#[derive(Clone, Debug)]
pub struct ScanReport {
    /// Every endpoint listed, in the order given; findings point into it.
    pub endpoints: Vec<Endpoint>,
    /// How many endpoints were scanned to the end.
    pub scanned: usize,
    /// How many probes were judged (shrinking not included).
    pub probes: u64,
    /// How many HTTP requests were sent, preflights, redirects and shrinking included.
    pub requests: u64,
    /// How long it took.
    pub elapsed: Duration,
    /// Whether every endpoint was scanned (`false` after a stop such as Ctrl-C).
    pub complete: bool,
    /// The engine whose rules judged it.
    pub engine: Engine,
    /// Whether no policy was given: every endpoint was asked only whether another site can read
    /// a signed-in user's answers.
    pub no_policy: bool,
    /// The endpoints no policy of the file covers (judged as without a policy).
    pub uncovered: Vec<usize>,
    /// The endpoints a stop left unscanned, empty when [`complete`](Self::complete).
    pub unscanned: Vec<usize>,
    /// Every finding, most severe and then most widespread first.
    pub findings: Vec<ScanFinding>,
}

impl ScanReport {
    /// Whether nothing at [`Severity::Low`] or above was found.
    pub fn passed(&self) -> bool {
        self.findings.iter().all(|finding| !finding.severity.fails())
    }

    /// Whether anything could be judged: some endpoint answered.
    pub fn judged_anything(&self) -> bool {
        let unanswered: usize = self
            .findings
            .iter()
            .filter(|finding| {
                matches!(finding.detail, FindingDetail::Unreachable(_) | FindingDetail::Unusable(_))
            })
            .map(|finding| finding.endpoints.len())
            .sum();
        self.scanned > unanswered
    }

    /// The endpoints `finding` affects.
    pub fn endpoints_of<'a>(&'a self, finding: &'a ScanFinding) -> impl Iterator<Item = &'a Endpoint> + 'a {
        finding.endpoints.iter().filter_map(|index| self.endpoints.get(*index))
    }

    /// `3 findings (1 critical, 2 low)`.
    pub fn tally(&self) -> String {
        let count = self.findings.len();
        if count == 0 {
            return "no finding".to_owned();
        }
        let mut parts = Vec::new();
        for severity in [Severity::Critical, Severity::High, Severity::Medium, Severity::Low, Severity::Info]
        {
            let n = self.findings.iter().filter(|finding| finding.severity == severity).count();
            if n > 0 {
                parts.push(format!("{n} {severity}"));
            }
        }
        let noun = if count == 1 { "finding" } else { "findings" };
        format!("{count} {noun} ({})", parts.join(", "))
    }

    /// The first line: what was scanned, how fast, as which engine.
    pub fn headline(&self) -> String {
        let seconds = self.elapsed.as_secs_f64();
        let rate = if seconds > 0.0 { self.requests as f64 / seconds } else { 0.0 };
        let of = if self.complete {
            format!("{} endpoints", self.endpoints.len())
        } else {
            format!("{} of {} endpoints (interrupted)", self.scanned, self.endpoints.len())
        };
        format!(
            "scanned {of} with {} probes and {} requests in {seconds:.1} s ({rate:.0} requests/s), judged as {}",
            self.probes, self.requests, self.engine
        )
    }

    /// `GET /a, PUT /b and 12 more`.
    fn endpoint_list(&self, finding: &ScanFinding) -> String {
        let names: Vec<String> =
            self.endpoints_of(finding).take(ENDPOINTS_SHOWN).map(Endpoint::label_or_url).collect();
        let more = finding.endpoints.len().saturating_sub(ENDPOINTS_SHOWN);
        let mut text = names.join(", ");
        if more > 0 {
            text.push_str(&format!(" and {more} more"));
        }
        text
    }
}

impl fmt::Display for ScanReport {
    /// The headline, the tally, then each finding: its severity and title, the policy, the
    /// endpoints, and its details indented.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.headline())?;
        if self.no_policy {
            writeln!(
                f,
                "no --policy: every endpoint was asked whether another site can read a signed-in user's answers; \
                 give your origins in a policy file to judge the rest"
            )?;
        } else if !self.uncovered.is_empty() {
            writeln!(
                f,
                "{} endpoints match no policy's paths and were judged as without a policy",
                self.uncovered.len()
            )?;
        }
        writeln!(f, "{}", self.tally())?;
        for (number, finding) in self.findings.iter().enumerate() {
            let policy = finding
                .policy
                .as_ref()
                .filter(|name| *name != crate::PolicySet::EVERY_PATH)
                .map(|name| format!(" [policy {name}]"))
                .unwrap_or_default();
            writeln!(f, "\n{}. {}: {}{policy}", number + 1, finding.severity, finding.title())?;
            let count = finding.endpoints.len();
            let noun = if count == 1 { "endpoint" } else { "endpoints" };
            writeln!(f, "   rule {}, {count} {noun}: {}", finding.rule(), self.endpoint_list(finding))?;
            for line in finding.details().lines() {
                if line.is_empty() { writeln!(f)? } else { writeln!(f, "   {line}")? }
            }
        }
        if !self.complete {
            writeln!(
                f,
                "\ninterrupted: {} endpoints were not scanned; findings were not shrunk",
                self.endpoints.len() - self.scanned
            )?;
        }
        Ok(())
    }
}
