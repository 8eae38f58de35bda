//! What a scan found, deduplicated across endpoints: one finding per root cause (per policy),
//! with every endpoint it affects, most severe first.

use std::cmp::Reverse;
use std::fmt;

use crate::checked::Checked;
use crate::client::ClientError;
use crate::disagreement::{Cause, Disagreement};
use crate::hygiene::Finding;
use crate::report::Counterexample;
use crate::severity::Severity;
use crate::tls::TlsFailure;

/// One root cause a scan found and the endpoints it affects.
#[derive(Clone, Debug)]
pub struct ScanFinding {
    /// How much it matters: the most severe of what showed it.
    pub severity: Severity,
    /// The name of the policy it is judged by, `None` where no policy was given.
    pub policy: Option<String>,
    /// The endpoints it affects, as indices into [`ScanReport::endpoints`](crate::scan::ScanReport::endpoints),
    /// in the order they were listed.
    pub endpoints: Vec<usize>,
    /// What it is.
    pub detail: FindingDetail,
    /// Where a server lets in more than the policy: the policy's allow-list as the
    /// configuration of the framework the answers show (the check of a blocked request
    /// carries its own fix).
    pub fix: Option<String>,
}

/// What a scan finding is.
#[derive(Clone, Debug)]
pub enum FindingDetail {
    /// Verdicts differ from the policy's for one root cause: one probe of them shrunk.
    Disagrees(Box<Counterexample>),
    /// Something wrong with the answers even where the verdict is right, as first seen.
    Hygiene(Finding),
    /// Endpoints that did not answer (no connection, TLS, a timeout), with one of the checks.
    Unreachable(Box<Checked>),
    /// Endpoints no browser request can reach as listed (an https page and an http URL).
    Unusable(String),
}

impl ScanFinding {
    /// A stable id for the kind of finding: the [`Cause`] name, the hygiene [`Finding`] name,
    /// `unreachable` or `unusable`; SARIF's rule id.
    pub fn rule(&self) -> &'static str {
        match &self.detail {
            FindingDetail::Disagrees(counterexample) => counterexample.cause.name(),
            FindingDetail::Hygiene(finding) => finding.name(),
            FindingDetail::Unreachable(_) => "unreachable",
            FindingDetail::Unusable(_) => "unusable",
        }
    }

    /// One line that says what it is.
    pub fn title(&self) -> String {
        match &self.detail {
            FindingDetail::Disagrees(counterexample) => counterexample.cause.to_string(),
            FindingDetail::Hygiene(finding) => hygiene_title(finding).to_owned(),
            FindingDetail::Unreachable(checked) => {
                let error = checked.connection_error().map(unreachable_class).unwrap_or("no answer");
                format!("endpoints do not answer: {error}")
            }
            FindingDetail::Unusable(_) => {
                "endpoints a page of the policy's origins cannot fetch at all".to_owned()
            }
        }
    }

    /// The whole story: the shrunk counterexample with its exchange, the console's words and the
    /// fix, or the hygiene finding's advice, or the connection error.
    pub fn details(&self) -> String {
        match &self.detail {
            FindingDetail::Disagrees(counterexample) => {
                const SHOWN: usize = 6;
                let mut text = String::new();
                if !counterexample.seen_with.is_empty() {
                    let shown: Vec<&str> =
                        counterexample.seen_with.iter().take(SHOWN).map(String::as_str).collect();
                    let more = counterexample.seen_with.len().saturating_sub(SHOWN);
                    let more = if more > 0 { format!(" and {more} more") } else { String::new() };
                    text.push_str(&format!(
                        "seen with {}{more}, in {} probes\n",
                        shown.join(", "),
                        counterexample.count
                    ));
                }
                let steps = if counterexample.shrink_steps == 1 { "step" } else { "steps" };
                text.push_str(&format!(
                    "shrunk in {} {steps}: {}\n\n{}",
                    counterexample.shrink_steps, counterexample.disagreement, counterexample.checked
                ));
                if let Some(fix) = &self.fix {
                    text.push_str(&format!("\n{fix}"));
                }
                text
            }
            FindingDetail::Hygiene(finding) => format!("{finding}\n"),
            FindingDetail::Unreachable(checked) => checked.to_string(),
            FindingDetail::Unusable(why) => format!("{why}\n"),
        }
    }
}

impl fmt::Display for ScanFinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.severity, self.title())
    }
}

fn hygiene_title(finding: &Finding) -> &'static str {
    match finding {
        Finding::MissingVaryOrigin { .. } => {
            "`Access-Control-Allow-Origin` names one origin without `Vary: Origin`"
        }
        Finding::ErrorWithoutCors { .. } => "error answers without CORS headers hide the real error",
        Finding::PreflightNotOk { .. } => "preflights of allowed requests are answered outside 2xx",
        Finding::MaxAgeMissing { .. } => "preflights are not cached (no valid `Access-Control-Max-Age`)",
        Finding::MaxAgeAboveCap { .. } => "`Access-Control-Max-Age` above what the engine caches",
        Finding::PreflightDetailsToDisallowedOrigin { .. } => {
            "preflights from disallowed origins get the allowed methods and headers"
        }
    }
}

/// What kind of failure a connection error is, so that one finding gathers every endpoint
/// that failed alike.
fn unreachable_class(error: &ClientError) -> &'static str {
    match error {
        ClientError::Timeout(_) => "no answer in time",
        ClientError::Url(_) => "the URL is not one a client can fetch",
        ClientError::Connect { reason, .. } if reason.contains("refused") => "connection refused",
        ClientError::Connect { .. } => "no connection",
        ClientError::Tls {
            failure:
                TlsFailure::SelfSigned { .. }
                | TlsFailure::CaCertificate
                | TlsFailure::UnknownIssuer
                | TlsFailure::Expired { .. }
                | TlsFailure::NotYetValid { .. }
                | TlsFailure::WrongName { .. }
                | TlsFailure::Revoked
                | TlsFailure::BadCertificate(_),
            ..
        } => "the TLS certificate is not accepted (`--cacert FILE` or `-k`)",
        ClientError::Tls { .. } => "no TLS connection",
        ClientError::Http(_) => "the connection closed without an answer",
    }
}

/// What groups findings: one root cause under one policy.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Key {
    Disagrees { policy: Option<String>, cause: Cause, severity: Severity },
    Hygiene { policy: Option<String>, name: &'static str },
    Unreachable(&'static str),
    Unusable,
}

/// One group as it fills.
#[derive(Debug)]
struct Group {
    key: Key,
    severity: Severity,
    endpoints: Vec<usize>,
    count: u32,
    seen_with: Vec<String>,
    /// The most severe showing so far: the endpoint, and what showed it.
    representative: (usize, Representative),
}

#[derive(Debug)]
enum Representative {
    Disagrees(Disagreement, Box<Checked>),
    Hygiene(Finding),
    Unreachable(Box<Checked>),
    Unusable(String),
}

/// Gathers what every endpoint showed into groups, as the endpoints finish in any order.
#[derive(Debug, Default)]
pub(crate) struct Collector {
    groups: Vec<Group>,
}

/// A disagreement that waits to be shrunk: its group's key and the check to start from.
#[derive(Debug)]
pub(crate) struct ToShrink {
    pub endpoint: usize,
    pub policy: Option<String>,
    pub cause: Cause,
    pub severity: Severity,
    pub disagreement: Disagreement,
    pub checked: Box<Checked>,
    pub count: u32,
    pub seen_with: Vec<String>,
    pub endpoints: Vec<usize>,
}

impl Collector {
    /// How many distinct findings so far.
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    fn add(
        &mut self,
        key: Key,
        severity: Severity,
        endpoint: usize,
        seen_with: Option<String>,
        representative: impl FnOnce() -> Representative,
    ) {
        let Some(group) = self.groups.iter_mut().find(|group| group.key == key) else {
            self.groups.push(Group {
                key,
                severity,
                endpoints: vec![endpoint],
                count: 1,
                seen_with: seen_with.into_iter().collect(),
                representative: (endpoint, representative()),
            });
            return;
        };
        group.count += 1;
        if !group.endpoints.contains(&endpoint) {
            group.endpoints.push(endpoint);
        }
        if let Some(value) = seen_with.filter(|value| !group.seen_with.contains(value)) {
            group.seen_with.push(value);
        }
        // The most severe showing, of the endpoint listed first: the same representative
        // whatever order the endpoints finish in, and the route before its error routes.
        if (severity, std::cmp::Reverse(endpoint))
            > (group.severity, std::cmp::Reverse(group.representative.0))
        {
            group.severity = severity;
            group.representative = (endpoint, representative());
        }
    }

    /// A probe's disagreement with the policy.
    /// Every disagreement one endpoint's probes showed. Each cause goes to the finding of the
    /// severity it reaches on this endpoint, so that an endpoint whose `*` lets any site read
    /// public answers is not listed under the critical finding of endpoints that let any site
    /// read a signed-in user's answers: one root cause, one severity, the endpoints it affects.
    pub fn disagreements(
        &mut self,
        endpoint: usize,
        policy: Option<&str>,
        shown: Vec<(Disagreement, &Checked)>,
    ) {
        let judged: Vec<(Cause, Severity, Disagreement, &Checked)> = shown
            .into_iter()
            .map(|(disagreement, checked)| {
                (disagreement.cause(checked), disagreement.severity(checked), disagreement, checked)
            })
            .collect();
        for (cause, severity, disagreement, checked) in &judged {
            let worst = judged.iter().filter(|other| other.0 == *cause).map(|other| other.1).max();
            if worst != Some(*severity) {
                continue;
            }
            let key =
                Key::Disagrees { policy: policy.map(str::to_owned), cause: *cause, severity: *severity };
            self.add(key, *severity, endpoint, disagreement.seen_with(checked), || {
                Representative::Disagrees(disagreement.clone(), Box::new((*checked).clone()))
            });
        }
    }

    /// A hygiene finding on one of the endpoint's answers.
    pub fn hygiene(&mut self, endpoint: usize, policy: Option<&str>, finding: Finding) {
        let key = Key::Hygiene { policy: policy.map(str::to_owned), name: finding.name() };
        let severity = finding.severity();
        self.add(key, severity, endpoint, None, || Representative::Hygiene(finding));
    }

    /// An endpoint that did not answer.
    pub fn unreachable(&mut self, endpoint: usize, checked: Checked) {
        let class = checked.connection_error().map_or("no answer", unreachable_class);
        self.add(Key::Unreachable(class), Severity::Medium, endpoint, None, || {
            Representative::Unreachable(Box::new(checked))
        });
    }

    /// An endpoint no page of the policy's origins can fetch.
    pub fn unusable(&mut self, endpoint: usize, why: String) {
        self.add(Key::Unusable, Severity::Medium, endpoint, None, || Representative::Unusable(why));
    }

    /// The findings, most severe and then most widespread first, with the disagreements still
    /// to shrink split off.
    pub fn finish(self) -> (Vec<ScanFinding>, Vec<ToShrink>) {
        let mut groups = self.groups;
        groups.sort_by_key(|group| (Reverse(group.severity), Reverse(group.endpoints.len())));
        let mut findings = Vec::new();
        let mut to_shrink = Vec::new();
        for group in groups {
            let Group {
                key,
                severity,
                mut endpoints,
                count,
                seen_with,
                representative: (endpoint, representative),
            } = group;
            endpoints.sort_unstable();
            let policy = match &key {
                Key::Disagrees { policy, .. } | Key::Hygiene { policy, .. } => policy.clone(),
                Key::Unreachable(_) | Key::Unusable => None,
            };
            let detail = match (key, representative) {
                (Key::Disagrees { cause, .. }, Representative::Disagrees(disagreement, checked)) => {
                    to_shrink.push(ToShrink {
                        endpoint,
                        policy,
                        cause,
                        severity,
                        disagreement,
                        checked,
                        count,
                        seen_with,
                        endpoints,
                    });
                    continue;
                }
                (_, Representative::Hygiene(finding)) => FindingDetail::Hygiene(finding),
                (_, Representative::Unreachable(checked)) => FindingDetail::Unreachable(checked),
                (_, Representative::Unusable(why)) => FindingDetail::Unusable(why),
                (_, Representative::Disagrees(..)) => continue,
            };
            findings.push(ScanFinding { severity, policy, endpoints, detail, fix: None });
        }
        (findings, to_shrink)
    }
}

/// Puts the shrunk disagreements among the other findings, in severity order.
pub(crate) fn merge(mut findings: Vec<ScanFinding>, shrunk: Vec<ScanFinding>) -> Vec<ScanFinding> {
    findings.extend(shrunk);
    findings.sort_by_key(|finding| (Reverse(finding.severity), Reverse(finding.endpoints.len())));
    findings
}
