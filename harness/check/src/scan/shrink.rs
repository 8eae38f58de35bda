//! Shrinking one probe of a finding to the simplest that still shows it as severely: no
//! credentials, fewer headers, no body, tried greedily, each candidate sent for real. The method
//! stays: an endpoint is a method on a URL, and another method may be another route.

use crate::checked::Checked;
use crate::checker::Checker;
use crate::disagreement::{Cause, Disagreement};
use crate::policy::Policy;
use crate::probe::Probe;
use crate::severity::Severity;
use crate::verify::still_shows;

/// The simpler probes `probe` may shrink to, simplest change first.
fn candidates(probe: &Probe) -> Vec<Probe> {
    let mut simpler = Vec::new();
    if probe.credentials {
        simpler.push(Probe { credentials: false, ..probe.clone() });
    }
    if !probe.headers.is_empty() {
        simpler.push(Probe { headers: Vec::new(), ..probe.clone() });
    }
    for index in 0..probe.headers.len().min(8) {
        let mut headers = probe.headers.clone();
        headers.remove(index);
        simpler.push(Probe { headers, ..probe.clone() });
    }
    if probe.body.is_some() {
        simpler.push(Probe { body: None, ..probe.clone() });
    }
    simpler.dedup();
    simpler.retain(|candidate| candidate != probe);
    simpler
}

/// Shrinks `checked`'s probe while it shows `cause` at least as severely as `severity`, within
/// `steps` probes; returns the simplest disagreement, its check and the probes spent.
pub(crate) async fn shrink(
    checker: &Checker,
    policy: &Policy,
    cause: Cause,
    severity: Severity,
    (mut disagreement, mut checked): (Disagreement, Checked),
    steps: u32,
) -> (Disagreement, Checked, u32) {
    let mut spent = 0;
    'simplify: while spent < steps {
        for candidate in candidates(checked.probe()) {
            if spent == steps {
                break 'simplify;
            }
            spent += 1;
            let Ok(tried) = checker.check(&candidate).await else { continue };
            if tried.connection_error().is_some() {
                continue;
            }
            if let Some(found) = still_shows(policy, checker, &tried, cause, severity) {
                (disagreement, checked) = (found, tried);
                continue 'simplify;
            }
        }
        break;
    }
    (disagreement, checked, spent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_only_simplify() {
        let probe = Probe::new("https://api.example/x")
            .origin("https://evil.example")
            .method("PUT")
            .header("x-a", "1")
            .header("x-b", "2")
            .body("{}")
            .credentials(true);
        let simpler = candidates(&probe);
        assert!(
            simpler.iter().all(|candidate| candidate.origin == probe.origin && candidate.url == probe.url)
        );
        assert!(simpler.iter().any(|candidate| !candidate.credentials));
        assert!(simpler.iter().all(|candidate| candidate.method == "PUT"), "the endpoint's method stays");
        assert!(simpler.iter().any(|candidate| candidate.body.is_none()));
        assert!(candidates(&Probe::new("https://api.example/x").origin("https://evil.example")).is_empty());
    }
}
