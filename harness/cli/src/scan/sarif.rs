//! The findings as SARIF 2.1.0 (OASIS), the format GitHub code scanning and other security
//! dashboards import: one rule per kind of finding, one result per finding (one root cause),
//! located at the line of the first endpoint it affects in the URL list or OpenAPI document,
//! the other endpoints as related locations, with a fingerprint that stays the same from scan
//! to scan so that a dashboard tracks it.

use corsproof::Severity;
use corsproof::scan::{Endpoint, ScanFinding, ScanReport};
use serde_json::{Value, json};

use super::Input;

/// How many endpoints a result lists as related locations: enough to see the spread.
const RELATED_SHOWN: usize = 50;

pub(crate) fn report(report: &ScanReport, input: &Input) -> Value {
    let mut rules: Vec<&ScanFinding> = Vec::new();
    for finding in &report.findings {
        if !rules.iter().any(|rule| rule.rule() == finding.rule()) {
            rules.push(finding);
        }
    }
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|finding| {
            let rule_index = rules.iter().position(|rule| rule.rule() == finding.rule()).unwrap_or(0);
            result(report, input, finding, rule_index)
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "corsproof",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": "https://github.com/corsproof/corsproof",
                    "rules": rules.iter().map(|finding| rule(finding)).collect::<Vec<_>>(),
                }
            },
            "invocations": [{
                "executionSuccessful": report.complete,
                "properties": { "endpoints": report.endpoints.len(), "requests": report.requests },
            }],
            "originalUriBaseIds": { "%SRCROOT%": { "description": { "text": "The folder corsproof scan ran in" } } },
            "results": results,
        }]
    })
}

/// SARIF's level and the `security-severity` score GitHub ranks security alerts by (CVSS-like:
/// 9.0 and above critical, 7.0 high, 4.0 medium, above 0 low).
fn level(severity: Severity) -> (&'static str, &'static str) {
    match severity {
        Severity::Critical => ("error", "9.3"),
        Severity::High => ("error", "7.5"),
        Severity::Medium => ("warning", "5.0"),
        Severity::Low => ("note", "3.0"),
        Severity::Info => ("note", "0.5"),
    }
}

fn rule(finding: &ScanFinding) -> Value {
    let (level, score) = level(finding.severity);
    json!({
        "id": finding.rule(),
        "name": camel_case(finding.rule()),
        "shortDescription": { "text": finding.title() },
        "fullDescription": { "text": finding.title() },
        "help": {
            "text": format!("{}\n\nThe result's message has the shrunk request, the browser's words and the fix.", finding.title()),
        },
        "defaultConfiguration": { "level": level },
        "properties": { "security-severity": score, "tags": ["security", "cors"], "precision": "very-high" },
    })
}

fn result(report: &ScanReport, input: &Input, finding: &ScanFinding, rule_index: usize) -> Value {
    let (level, _) = level(finding.severity);
    let endpoints: Vec<&Endpoint> = report.endpoints_of(finding).collect();
    let count = endpoints.len();
    let noun = if count == 1 { "endpoint" } else { "endpoints" };
    let policy = finding.policy.as_ref().map(|name| format!(" (policy {name})")).unwrap_or_default();
    let message = format!(
        "{}: {}{policy}, on {count} {noun}: {}\n\n{}",
        finding.severity,
        finding.title(),
        endpoints.iter().take(5).map(|endpoint| endpoint.label_or_url()).collect::<Vec<_>>().join(", "),
        finding.details()
    );
    let mut located = endpoints.iter().map(|endpoint| location(endpoint, input));
    let first = located.next();
    let related: Vec<Value> = located
        .take(RELATED_SHOWN)
        .enumerate()
        .map(|(id, mut location)| {
            location["id"] = json!(id + 1);
            location
        })
        .collect();
    json!({
        "ruleId": finding.rule(),
        "ruleIndex": rule_index,
        "level": level,
        "message": { "text": message },
        "locations": first.into_iter().collect::<Vec<_>>(),
        "relatedLocations": related,
        "partialFingerprints": { "corsproofFinding/v1": fingerprint(finding, &endpoints) },
        "properties": {
            "severity": finding.severity.name(),
            "endpoints": endpoints.iter().map(|endpoint| endpoint.label_or_url()).collect::<Vec<_>>(),
        },
    })
}

/// Where an endpoint was listed; the input file's first line when the endpoint has no place.
fn location(endpoint: &Endpoint, input: &Input) -> Value {
    let (file, line, column) = match &endpoint.source {
        Some(source) => (source.file.as_str(), source.line, source.column),
        None => (input.file.as_str(), 1, 1),
    };
    let uri = file.replace('\\', "/");
    let mut artifact = json!({ "uri": uri.trim_start_matches("./") });
    if !uri.starts_with('/') {
        artifact["uriBaseId"] = json!("%SRCROOT%");
    }
    json!({
        "physicalLocation": {
            "artifactLocation": artifact,
            "region": { "startLine": line, "startColumn": column },
        },
        "logicalLocations": [{ "fullyQualifiedName": endpoint.label_or_url(), "kind": "resource" }],
        "message": { "text": format!("{} {}", endpoint.method, endpoint.url) },
    })
}

/// A fingerprint that depends on what the finding is and where, not on when it was found:
/// FNV-1a over the rule, the policy and the endpoints' labels.
fn fingerprint(finding: &ScanFinding, endpoints: &[&Endpoint]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |text: &str| {
        for byte in text.bytes().chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    };
    feed(finding.rule());
    feed(finding.policy.as_deref().unwrap_or(""));
    for endpoint in endpoints {
        feed(&endpoint.label_or_url());
    }
    format!("{hash:016x}")
}

/// `origin-not-in-policy` as `OriginNotInPolicy`, SARIF's rule name.
fn camel_case(id: &str) -> String {
    id.split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_names_are_camel_case() {
        assert_eq!(camel_case("origin-not-in-policy"), "OriginNotInPolicy");
        assert_eq!(camel_case("unreachable"), "Unreachable");
    }

    #[test]
    fn levels_follow_github_security_severity_bands() {
        let score = |severity| level(severity).1.parse::<f64>().unwrap();
        assert!(score(Severity::Critical) >= 9.0);
        assert!((7.0..9.0).contains(&score(Severity::High)));
        assert!((4.0..7.0).contains(&score(Severity::Medium)));
        assert!(score(Severity::Low) > 0.0 && score(Severity::Low) < 4.0);
    }
}
