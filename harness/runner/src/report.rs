//! Reporters: a table for people, JSON for scripts, JUnit XML for CI. They see results only,
//! never how the scenarios ran.

use std::fmt::Write as _;
use std::time::Duration;

use corsproof_browser::Engine;
use corsproof_scenario::Outcome;
use serde::Serialize;

use crate::pipeline::EngineResults;
use crate::run::JobResult;
use crate::snapshot::{SnapshotBody, SnapshotFile, SnapshotState};

/// What became of the scenario's snapshot in this run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SnapshotNote {
    /// It matches the stored one.
    Matches,
    /// It differs from the stored one (the diff).
    Changed(String),
    /// None is stored.
    New,
    /// It was written (by `record`); `true` when it differs from what was stored.
    Written {
        /// Whether the stored snapshot changed.
        changed: bool,
    },
    /// The scenario could not run, so there is nothing to compare.
    NotTaken,
    /// Where the snapshot lives could not be worked out (a broken `corsproof.toml`).
    Unlocatable(String),
}

impl SnapshotNote {
    /// The observation of `result` compared with `engine`'s stored snapshot.
    pub fn compared(result: &JobResult, engine: Engine) -> Self {
        let Ok(observation) = &result.observation else { return SnapshotNote::NotTaken };
        match SnapshotFile::find(&result.job.file, &result.job.scenario, engine) {
            Ok(snapshot) => snapshot.compare(&SnapshotBody::of(observation)).into(),
            Err(error) => SnapshotNote::Unlocatable(error.to_string()),
        }
    }
}

impl From<SnapshotState> for SnapshotNote {
    fn from(state: SnapshotState) -> Self {
        match state {
            SnapshotState::Matches => SnapshotNote::Matches,
            SnapshotState::Changed(diff) => SnapshotNote::Changed(diff),
            SnapshotState::New => SnapshotNote::New,
        }
    }
}

/// One scenario's line in a report.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioReport {
    /// `file::name`.
    pub id: String,
    /// What the scenario proves.
    pub about: String,
    /// The expected outcome of each request.
    pub expected: Vec<Outcome>,
    /// The observed outcome of each request (none when it could not run).
    pub observed: Vec<Outcome>,
    /// The reason class of the first blocked request.
    pub reason: Option<String>,
    /// Expectations that did not hold, one sentence each.
    pub mismatches: Vec<String>,
    /// Why the scenario could not run.
    pub error: Option<String>,
    /// The snapshot.
    pub snapshot: SnapshotNote,
}

impl ScenarioReport {
    /// The report line of a result and its snapshot.
    pub fn new(result: &JobResult, snapshot: SnapshotNote) -> Self {
        let id = format!("{}::{}", result.job.file.display(), result.job.scenario.name);
        let expected = result.job.scenario.requests.iter().map(|step| step.expect.outcome).collect();
        let (observed, reason, error) = match &result.observation {
            Ok(observation) => (
                observation.requests.iter().map(|request| request.outcome).collect(),
                observation
                    .requests
                    .iter()
                    .find_map(|request| request.reason_class.map(|class| class.name().to_owned())),
                None,
            ),
            Err(error) => (vec![], None, Some(error.to_string())),
        };
        let mismatches = result
            .mismatches
            .iter()
            .map(|m| {
                format!("request {}: {} expected {}, observed {}", m.request, m.field, m.expected, m.observed)
            })
            .collect();
        Self {
            id,
            about: result.job.scenario.about.clone(),
            expected,
            observed,
            reason,
            mismatches,
            error,
            snapshot,
        }
    }

    /// Every expectation held, it ran, and its snapshot did not change.
    pub fn passed(&self) -> bool {
        self.error.is_none()
            && self.mismatches.is_empty()
            && !matches!(self.snapshot, SnapshotNote::Changed(_))
    }
}

/// Whether a run's observations are compared with the stored snapshots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Snapshots {
    /// Each with the engine's stored snapshot.
    Compared,
    /// Not at all: against `--target` the server is yours, not the mock one they describe.
    NotTaken,
}

/// A whole run's report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// One line per scenario, in file order.
    pub scenarios: Vec<ScenarioReport>,
    /// Files that could not be loaded, rendered.
    pub load_errors: Vec<String>,
    /// The browser and its version.
    pub browser: String,
    /// Wall time of the whole run.
    #[serde(serialize_with = "seconds")]
    pub elapsed: Duration,
    /// Of which starting the mock server and the browser took this long.
    #[serde(serialize_with = "seconds")]
    pub startup: Duration,
}

fn seconds<S: serde::Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(duration.as_secs_f64())
}

impl Report {
    /// The report of one engine's run, its snapshots compared or not; `elapsed` is the wall
    /// time of the whole run as its caller counts it.
    pub fn of(
        run: &EngineResults,
        snapshots: Snapshots,
        load_errors: Vec<String>,
        elapsed: Duration,
    ) -> Self {
        let scenarios = run
            .results
            .iter()
            .map(|result| {
                let note = match snapshots {
                    Snapshots::Compared => SnapshotNote::compared(result, run.engine),
                    Snapshots::NotTaken => SnapshotNote::NotTaken,
                };
                ScenarioReport::new(result, note)
            })
            .collect();
        Report { scenarios, load_errors, browser: run.browser.clone(), elapsed, startup: run.startup }
    }

    /// Every scenario passed and every file loaded.
    pub fn passed(&self) -> bool {
        self.load_errors.is_empty() && self.scenarios.iter().all(ScenarioReport::passed)
    }

    /// How many scenarios passed and failed.
    pub fn counts(&self) -> (usize, usize) {
        let passed = self.scenarios.iter().filter(|s| s.passed()).count();
        (passed, self.scenarios.len() - passed)
    }
}

fn outcomes(outcomes: &[Outcome]) -> String {
    if outcomes.is_empty() {
        return "-".to_owned();
    }
    outcomes.iter().map(|o| o.name()).collect::<Vec<_>>().join(",")
}

/// `text` cut to `width` characters from the left, so that the scenario's name stays. Counts
/// characters, not bytes: a file path may hold any.
pub(crate) fn clip_left(text: &str, width: usize) -> String {
    let length = text.chars().count();
    if length <= width {
        return text.to_owned();
    }
    let kept: String = text.chars().skip(length - width + 1).collect();
    format!("…{kept}")
}

/// `text` in the ANSI color `code` when `color`, else as it is.
pub(crate) fn paint(color: bool, code: &str, text: &str) -> String {
    if color { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_owned() }
}

/// A unified diff, indented under a failure, its added lines green and removed ones red.
pub(crate) fn write_diff(out: &mut String, diff: &str, color: bool) {
    for line in diff.lines() {
        let line = match line.chars().next() {
            Some('+') if !line.starts_with("+++") => paint(color, "32", line),
            Some('-') if !line.starts_with("---") => paint(color, "31", line),
            _ => line.to_owned(),
        };
        let _ = writeln!(out, "       {line}");
    }
}

/// The table: one row per scenario, then the failures explained, then the summary.
pub fn table(report: &Report, color: bool) -> String {
    let paint = |code: &str, text: &str| paint(color, code, text);
    let id_width = report.scenarios.iter().map(|s| s.id.chars().count()).max().unwrap_or(8).clamp(8, 70);
    let mut out = String::new();
    let _ =
        writeln!(out, "{:<4} {:<id_width$}  {:<16} {:<16} reason", "", "scenario", "expected", "observed");
    for scenario in &report.scenarios {
        let mark = if scenario.passed() { paint("32", "ok  ") } else { paint("31", "FAIL") };
        let id = clip_left(&scenario.id, id_width);
        let _ = writeln!(
            out,
            "{mark} {id:<id_width$}  {:<16} {:<16} {}",
            outcomes(&scenario.expected),
            outcomes(&scenario.observed),
            scenario.reason.as_deref().unwrap_or("")
        );
    }
    for scenario in report.scenarios.iter().filter(|s| !s.passed()) {
        let _ = writeln!(out, "\n{} {}", paint("31", "FAIL"), scenario.id);
        let _ = writeln!(out, "     {}", scenario.about);
        if let Some(error) = &scenario.error {
            let _ = writeln!(out, "     could not run: {error}");
        }
        for mismatch in &scenario.mismatches {
            let _ = writeln!(out, "     {mismatch}");
        }
        if let SnapshotNote::Unlocatable(error) = &scenario.snapshot {
            let _ = writeln!(out, "     snapshot unavailable: {error}");
        }
        if let SnapshotNote::Changed(diff) = &scenario.snapshot {
            let _ = writeln!(out, "     snapshot changed (`corsproof record` accepts it):");
            write_diff(&mut out, diff, color);
        }
    }
    for error in &report.load_errors {
        let _ = writeln!(out, "\n{error}");
    }
    let (passed, failed) = report.counts();
    let new = report.scenarios.iter().filter(|s| s.snapshot == SnapshotNote::New).count();
    let _ = writeln!(
        out,
        "\n{passed} passed, {failed} failed{}{} in {:.2}s, of which {:.2}s browser start ({})",
        match report.load_errors.len() {
            0 => String::new(),
            1 => ", 1 file not loaded".to_owned(),
            n => format!(", {n} files not loaded"),
        },
        if new == 0 { String::new() } else { format!(", {new} without snapshot") },
        report.elapsed.as_secs_f64(),
        report.startup.as_secs_f64(),
        report.browser
    );
    out
}

/// The report as JSON.
pub fn json(report: &Report) -> String {
    serde_json::to_string_pretty(report).unwrap_or_default()
}

/// The report as JUnit XML: one test case per scenario, one suite per run.
pub fn junit(report: &Report) -> String {
    let (_, failed) = report.counts();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"corsproof\" tests=\"{}\" failures=\"{failed}\" errors=\"{}\" time=\"{:.3}\">",
        report.scenarios.len(),
        report.load_errors.len(),
        report.elapsed.as_secs_f64()
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\" errors=\"{}\">",
        xml(&report.browser),
        report.scenarios.len(),
        report.load_errors.len()
    );
    for scenario in &report.scenarios {
        let (class, name) = scenario.id.rsplit_once("::").unwrap_or(("", &scenario.id));
        let _ = write!(out, "    <testcase classname=\"{}\" name=\"{}\"", xml(class), xml(name));
        if scenario.passed() {
            out.push_str("/>\n");
            continue;
        }
        out.push_str(">\n");
        let mut details: Vec<String> = scenario.mismatches.clone();
        if let Some(error) = &scenario.error {
            details.push(format!("could not run: {error}"));
        }
        match &scenario.snapshot {
            SnapshotNote::Changed(diff) => details.push(format!("snapshot changed:\n{diff}")),
            SnapshotNote::Unlocatable(error) => details.push(format!("snapshot unavailable: {error}")),
            _ => {}
        }
        let _ = writeln!(
            out,
            "      <failure message=\"{}\">{}</failure>",
            xml(details.first().map_or("", String::as_str)),
            xml(&details.join("\n"))
        );
        out.push_str("    </testcase>\n");
    }
    for (index, error) in report.load_errors.iter().enumerate() {
        let _ = writeln!(
            out,
            "    <testcase classname=\"load\" name=\"file-{}\">\n      <error message=\"the file could not be loaded\">{}</error>\n    </testcase>",
            index + 1,
            xml(error)
        );
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

fn xml(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .flat_map(|c| match c {
            '&' => "&amp;".chars().collect::<Vec<_>>(),
            '<' => "&lt;".chars().collect(),
            '>' => "&gt;".chars().collect(),
            '"' => "&quot;".chars().collect(),
            other => vec![other],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(mismatches: Vec<String>, snapshot: SnapshotNote) -> Report {
        Report {
            scenarios: vec![ScenarioReport {
                id: "scenarios/a.toml::one".into(),
                about: "About <it>".into(),
                expected: vec![Outcome::Blocked],
                observed: vec![Outcome::Allowed],
                reason: None,
                mismatches,
                error: None,
                snapshot,
            }],
            load_errors: vec![],
            browser: "chromium 1".into(),
            elapsed: Duration::from_millis(1500),
            startup: Duration::from_millis(500),
        }
    }

    #[test]
    fn a_long_id_in_any_alphabet_is_clipped_by_characters() {
        let mut report = report(vec![], SnapshotNote::Matches);
        report.scenarios[0].id = format!("scénarios/{}.toml::ünïcode", "é".repeat(80));
        let text = table(&report, false);
        assert!(text.contains("…éé"), "{text}");
        assert!(text.contains("ünïcode"), "{text}");
    }

    #[test]
    fn a_mismatch_fails_the_report_and_is_explained() {
        let report = report(
            vec!["request 1: outcome expected blocked, observed allowed".into()],
            SnapshotNote::Matches,
        );
        assert!(!report.passed());
        let text = table(&report, false);
        assert!(text.contains("FAIL scenarios/a.toml::one"));
        assert!(text.contains("request 1: outcome expected blocked, observed allowed"));
        assert!(text.contains("0 passed, 1 failed"));
        let xml = junit(&report);
        assert!(xml.contains("<failure message=\"request 1: outcome expected blocked, observed allowed\">"));
    }

    #[test]
    fn a_changed_snapshot_fails_and_a_new_one_does_not() {
        assert!(!report(vec![], SnapshotNote::Changed("-a\n+b".into())).passed());
        assert!(report(vec![], SnapshotNote::New).passed());
        assert!(table(&report(vec![], SnapshotNote::New), false).contains("1 without snapshot"));
    }
}
