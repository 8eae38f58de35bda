//! The findings as Markdown for a pull request comment: the headline, a table of findings
//! most severe first, and each finding's details folded under `<details>`.

use std::fmt::Write;

use corsproof::PolicySet;
use corsproof::scan::ScanReport;

/// How many endpoints a table row names.
const ENDPOINTS_SHOWN: usize = 3;

pub(crate) fn report(report: &ScanReport) -> String {
    let mut out = String::from("## corsproof scan\n\n");
    let _ = writeln!(out, "{}.\n", report.headline());
    let verdict = if report.passed() { "passed" } else { "failed" };
    let _ = writeln!(out, "**{verdict}**: {}.\n", report.tally());
    if report.findings.is_empty() {
        return out;
    }
    out.push_str("| # | severity | finding | endpoints |\n|---|---|---|---|\n");
    for (number, finding) in report.findings.iter().enumerate() {
        let names: Vec<String> = report
            .endpoints_of(finding)
            .take(ENDPOINTS_SHOWN)
            .map(|endpoint| format!("`{}`", cell(&endpoint.label_or_url())))
            .collect();
        let more = finding.endpoints.len().saturating_sub(ENDPOINTS_SHOWN);
        let more = if more > 0 { format!(" and {more} more") } else { String::new() };
        let policy = finding
            .policy
            .as_ref()
            .filter(|name| *name != PolicySet::EVERY_PATH)
            .map(|name| format!(" (policy `{}`)", cell(name)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "| {} | {} | {}{policy} | {}{more} |",
            number + 1,
            finding.severity,
            cell(&finding.title()),
            names.join(", ")
        );
    }
    for (number, finding) in report.findings.iter().enumerate() {
        let _ = write!(
            out,
            "\n<details><summary>{}. {}: {} (<code>{}</code>)</summary>\n\n```text\n{}```\n\n</details>\n",
            number + 1,
            finding.severity,
            html(&finding.title()),
            finding.rule(),
            fence_safe(&finding.details())
        );
    }
    if !report.complete {
        out.push_str("\n_The scan was interrupted: these are the findings so far._\n");
    }
    out
}

/// Text safe in a table cell: no pipe or line break ends the cell early.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// Text safe inside `<summary>`.
fn html(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Text safe inside a fenced block: a line of backticks cannot close it.
fn fence_safe(text: &str) -> String {
    text.replace("```", "ʼʼʼ")
}
