//! The scan as JUnit XML, for CI test reports: one test case per endpoint, failing with every
//! finding that affects it (an `<error>` when it did not answer), skipped when a stop left it
//! unscanned.

use std::fmt::Write;

use corsproof::scan::{FindingDetail, ScanFinding, ScanReport};
use corsproof_runner::report::escape_markup;

pub(crate) fn report(report: &ScanReport) -> String {
    let mut cases = String::new();
    let (mut failures, mut errors, mut skipped) = (0, 0, 0);
    for (index, endpoint) in report.endpoints.iter().enumerate() {
        let affecting: Vec<&ScanFinding> = report
            .findings
            .iter()
            .filter(|finding| finding.severity.fails() && finding.endpoints.contains(&index))
            .collect();
        let classname = match endpoint.source.as_ref() {
            Some(source) => source.file.clone(),
            None => "corsproof scan".to_owned(),
        };
        let _ = write!(
            cases,
            "    <testcase classname=\"{}\" name=\"{}\"",
            escape_markup(&classname),
            escape_markup(&endpoint.label_or_url())
        );
        if let Some(source) = &endpoint.source {
            let _ = write!(cases, " file=\"{}\" line=\"{}\"", escape_markup(&source.file), source.line);
        }
        let unanswered = affecting.iter().find(|finding| {
            matches!(finding.detail, FindingDetail::Unreachable(_) | FindingDetail::Unusable(_))
        });
        if let Some(finding) = unanswered {
            errors += 1;
            let _ = write!(
                cases,
                ">\n      <error message=\"{}\">{}</error>\n    </testcase>\n",
                escape_markup(&finding.title()),
                escape_markup(&finding.details())
            );
        } else if !affecting.is_empty() {
            failures += 1;
            let message: Vec<String> = affecting
                .iter()
                .map(|finding| format!("{}: {}", finding.severity, finding.title()))
                .collect();
            let text: Vec<String> =
                affecting.iter().map(|finding| format!("{finding}\n\n{}", finding.details())).collect();
            let _ = write!(
                cases,
                ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>\n",
                escape_markup(&message.join("; ")),
                escape_markup(&text.join("\n"))
            );
        } else if report.unscanned.contains(&index) {
            skipped += 1;
            cases.push_str(">\n      <skipped message=\"the scan was interrupted before this endpoint\"/>\n    </testcase>\n");
        } else {
            cases.push_str("/>\n");
        }
    }
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let time = report.elapsed.as_secs_f64();
    let tests = report.endpoints.len();
    let _ = writeln!(
        out,
        "<testsuites name=\"corsproof scan\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" time=\"{time:.3}\">"
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"corsproof scan ({})\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"{time:.3}\">",
        report.engine
    );
    out.push_str(&cases);
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}
