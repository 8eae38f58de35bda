//! The scan report as JSON, for scripts: every endpoint, every finding with the endpoints it
//! affects (indices into `endpoints`), its shrunk counterexample in `check --json`'s shape.

use corsproof::scan::{Endpoint, EndpointKind, FindingDetail, ScanReport};
use serde_json::{Value, json};

use crate::check::{as_json, counterexample_json};

pub(crate) fn report(report: &ScanReport) -> Value {
    json!({
        "complete": report.complete,
        "passed": report.passed(),
        "engine": report.engine.name(),
        "no_policy": report.no_policy,
        "scanned": report.scanned,
        "probes": report.probes,
        "requests": report.requests,
        "elapsed_ms": report.elapsed.as_millis() as u64,
        "summary": report.tally(),
        "endpoints": report.endpoints.iter().map(endpoint).collect::<Vec<_>>(),
        "uncovered": report.uncovered,
        "findings": report.findings.iter().map(|finding| {
            let (counterexample, check) = match &finding.detail {
                FindingDetail::Disagrees(counterexample) => (counterexample_json(counterexample), Value::Null),
                FindingDetail::Unreachable(checked) => (Value::Null, as_json(checked)),
                FindingDetail::Hygiene(_) | FindingDetail::Unusable(_) => (Value::Null, Value::Null),
            };
            json!({
                "rule": finding.rule(),
                "severity": finding.severity.name(),
                "title": finding.title(),
                "policy": finding.policy,
                "endpoints": finding.endpoints,
                "details": finding.details(),
                "counterexample": counterexample,
                "check": check,
            })
        }).collect::<Vec<_>>(),
    })
}

fn endpoint(endpoint: &Endpoint) -> Value {
    json!({
        "method": endpoint.method,
        "url": endpoint.url,
        "label": endpoint.label_or_url(),
        "headers": endpoint.headers.iter().map(|(name, value)| json!([name, value])).collect::<Vec<_>>(),
        "error_route": match endpoint.kind {
            EndpointKind::ErrorRoute { documented } => json!(documented),
            EndpointKind::Route => Value::Null,
        },
        "source": endpoint.source.as_ref().map(|source| json!({
            "file": source.file, "line": source.line, "column": source.column,
        })),
    })
}
