//! What a verification found: every distinct failure, each shrunk and ranked, and the hygiene
//! findings, on one severity scale, most severe first.

use std::fmt;
use std::time::Duration;

use crate::checked::Checked;
use crate::disagreement::{Cause, Disagreement};
use crate::hygiene::Finding;
use crate::severity::Severity;

/// One root cause of disagreement with the policy: how severe, how many probes showed it, where,
/// and one of them shrunk to a minimal probe that still shows it as severely (a credentialed
/// read by an attacker origin stays credentialed and from an attacker origin).
#[derive(Clone, Debug)]
pub struct Counterexample {
    /// How much it matters: the most severe of its probes.
    pub severity: Severity,
    /// What a reader calls the bug.
    pub cause: Cause,
    /// How many generated probes showed it (shrinking not included).
    pub count: u32,
    /// The URLs whose answers showed it, each once.
    pub urls: Vec<String>,
    /// What varied among its probes, each once in the order seen: the origins that got in, the
    /// methods or the header names.
    pub seen_with: Vec<String>,
    /// How the shrunk probe disagrees.
    pub disagreement: Disagreement,
    /// The shrunk probe's check: the exchange, the console's words, the diagnosis, the fix.
    pub checked: Box<Checked>,
    /// How many smaller probes shrinking tried.
    pub shrink_steps: u32,
}

/// Why a verification failed: a root cause of disagreement, or why nothing could be judged.
#[derive(Clone, Debug)]
pub enum Failure {
    /// The server's verdicts differ from the policy's, for this root cause.
    Disagrees(Box<Counterexample>),
    /// The server did not answer (no connection, TLS, timeout): nothing could be judged.
    NoAnswer(Box<Checked>),
    /// No probe could be made (the URL or the policy gives nothing to generate).
    Unusable(String),
}

impl Failure {
    /// How much it matters; `None` when nothing could be judged.
    pub fn severity(&self) -> Option<Severity> {
        match self {
            Failure::Disagrees(counterexample) => Some(counterexample.severity),
            Failure::NoAnswer(_) | Failure::Unusable(_) => None,
        }
    }
}

/// The result of [`verify`](crate::verify): whether the server honours the policy, every distinct
/// way it does not (most severe first), and the hygiene findings, each kind once.
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
    /// Every failure, most severe first: one [`Failure::Disagrees`] per root cause, or the one
    /// [`Failure::NoAnswer`] or [`Failure::Unusable`] that stopped the verification.
    pub failures: Vec<Failure>,
    /// Hygiene findings, the first of each kind, most severe first.
    pub findings: Vec<Finding>,
    /// The safelisted methods the policy's `methods` does not list, which a browser never asks
    /// about: allowed to the policy's origins all the same, and judged on origin, credentials,
    /// headers and exposure only.
    pub safelisted_methods_not_listed: Vec<&'static str>,
}

impl Report {
    /// Whether every verdict matched the policy and no finding is [`Severity::Low`] or above.
    pub fn passed(&self) -> bool {
        self.failures.is_empty() && self.findings.iter().all(|finding| !finding.severity().fails())
    }

    /// Each root cause of disagreement, most severe first.
    pub fn counterexamples(&self) -> impl Iterator<Item = &Counterexample> {
        self.failures.iter().filter_map(|failure| match failure {
            Failure::Disagrees(counterexample) => Some(&**counterexample),
            Failure::NoAnswer(_) | Failure::Unusable(_) => None,
        })
    }

    /// Panics with the whole report unless it [`passed`](Self::passed).
    #[track_caller]
    pub fn assert_passed(&self) {
        if !self.passed() {
            panic!("the server does not honour the policy\n\n{self}");
        }
    }

    /// `2 failures (1 critical, 1 low), 1 finding`: what the headline counts.
    fn tally(&self) -> String {
        let mut severities: Vec<Severity> = self.failures.iter().filter_map(Failure::severity).collect();
        severities.dedup();
        let by_severity: Vec<String> = severities
            .iter()
            .map(|severity| {
                let count = self.failures.iter().filter(|f| f.severity() == Some(*severity)).count();
                format!("{count} {severity}")
            })
            .collect();
        let failures = match self.failures.len() {
            1 => "1 failure".to_owned(),
            count => format!("{count} failures"),
        };
        let findings = match self.findings.len() {
            1 => "1 finding".to_owned(),
            count => format!("{count} findings"),
        };
        if by_severity.is_empty() {
            format!("{failures}, {findings}")
        } else {
            format!("{failures} ({}), {findings}", by_severity.join(", "))
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.passed() { "ok" } else { "FAILED" };
        writeln!(
            f,
            "{verdict}: {} against the policy, {} probes (seed {}) in {:.2?}: {}",
            self.url,
            self.cases,
            self.seed,
            self.elapsed,
            self.tally()
        )?;
        if let Some(note) = safelisted_note(&self.safelisted_methods_not_listed) {
            writeln!(f, "note: {note}")?;
        }
        let total = self.failures.len();
        for (number, failure) in self.failures.iter().enumerate() {
            match failure {
                Failure::Disagrees(counterexample) => {
                    write!(f, "\n{}/{total} ", number + 1)?;
                    counterexample.fmt(f)?;
                }
                Failure::NoAnswer(checked) => writeln!(f, "\nno answer:\n\n{checked}")?,
                Failure::Unusable(reason) => writeln!(f, "\n{reason}")?,
            }
        }
        for finding in &self.findings {
            writeln!(f, "\n{}: {finding}", finding.severity())?;
        }
        Ok(())
    }
}

impl fmt::Display for Counterexample {
    /// `critical: <cause> (12 probes, with ...; at URL)`, the shrunk disagreement, its check, and
    /// the fix where the check's own does not say it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 6;
        let probes = if self.count == 1 { "1 probe".to_owned() } else { format!("{} probes", self.count) };
        let mut with = self.seen_with.iter().take(SHOWN).cloned().collect::<Vec<_>>().join(", ");
        if self.seen_with.len() > SHOWN {
            with.push_str(&format!(" and {} more", self.seen_with.len() - SHOWN));
        }
        let with = if with.is_empty() { String::new() } else { format!(", with {with}") };
        writeln!(f, "{}: {} ({probes}{with}; at {})", self.severity, self.cause, self.urls.join(", "))?;
        writeln!(f, "shrunk in {} steps: {}\n\n{}", self.shrink_steps, self.disagreement, self.checked)?;
        if self.cause == Cause::OriginNotInPolicy {
            writeln!(
                f,
                "fix: send the CORS headers only to the policy's origins, compared byte for byte with the \
                 request's Origin (no prefix, suffix, substring or regex match, no reflection)"
            )?;
        }
        Ok(())
    }
}

/// What a report says about the safelisted methods a policy does not list, if any.
pub(crate) fn safelisted_note(not_listed: &[&str]) -> Option<String> {
    let (last, first) = not_listed.split_last()?;
    let (names, are, them) = match first {
        [] => (last.to_string(), "is", "it"),
        _ => (format!("{} and {last}", first.join(", ")), "are", "them"),
    };
    Some(format!(
        "{names}, which `methods` does not list, {are} CORS-safelisted: a browser never asks the server \
         about {them}, so the policy's origins may use {them} whatever `methods` says; such requests are \
         judged on origin, credentials, headers and exposure only (refuse a method with a status, such as \
         405)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_note_names_the_safelisted_methods_not_listed() {
        assert_eq!(safelisted_note(&[]), None);
        let one = safelisted_note(&["HEAD"]).unwrap();
        assert!(one.starts_with("HEAD, which `methods` does not list, is CORS-safelisted"), "{one}");
        let three = safelisted_note(&["GET", "HEAD", "POST"]).unwrap();
        assert!(three.starts_with("GET, HEAD and POST, which"), "{three}");
    }
}
