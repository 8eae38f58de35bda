//! Reporters: a table for people, JSON for scripts, JUnit XML for CI. They see results only,
//! never how the scenarios ran.

use std::fmt::Write as _;
use std::time::Duration;

use corsproof_browser::Engine;
use corsproof_scenario::Outcome;
use serde::Serialize;

use crate::evidence::evidence;
use crate::matrix::Matrix;
use crate::observe::Observation;
use crate::pipeline::EngineResults;
use crate::run::{Job, JobResult};
use crate::snapshot::{PendingSnapshot, SnapshotBody, SnapshotFile, SnapshotState};

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
    /// It matches, but under CI a pending `.snap.new` (the path) is left beside it: unreviewed
    /// work, which fails the run as in insta.
    Unreviewed(String),
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
    /// The observation of `result` checked against `engine`'s stored snapshot as insta checks
    /// it ([`SnapshotFile::check`]: outside CI a missing or changed snapshot leaves a pending
    /// `.snap.new`), and what became of the pending file, for the report.
    pub fn checked(result: &JobResult, engine: Engine) -> (Self, Option<String>) {
        let Ok(observation) = &result.observation else { return (SnapshotNote::NotTaken, None) };
        let snapshot = match SnapshotFile::find(&result.job.file, &result.job.scenario, engine) {
            Ok(snapshot) => snapshot,
            Err(error) => return (SnapshotNote::Unlocatable(error.to_string()), None),
        };
        let pending_path = snapshot.pending_path().display().to_string();
        let observed = SnapshotBody::of(observation);
        match snapshot.check(&observed) {
            Ok(checked) => match checked.pending {
                PendingSnapshot::Unreviewed => (SnapshotNote::Unreviewed(pending_path), None),
                PendingSnapshot::Written => (checked.state.into(), Some(format!("pending: {pending_path}"))),
                PendingSnapshot::NotWritten => {
                    let snapshot = snapshot.path().display().to_string();
                    (
                        checked.state.into(),
                        Some(format!("CI=true: no pending snapshot written for {snapshot}")),
                    )
                }
                PendingSnapshot::None => (checked.state.into(), None),
            },
            Err(error) => {
                let state = snapshot.compare(&observed);
                (state.into(), Some(format!("cannot write or remove {pending_path}: {error}")))
            }
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
    /// The scenario file, as the run was given it.
    pub file: String,
    /// The line of the scenario's `[[scenario]]` header in it.
    pub line: usize,
    /// The scenario's own time (its requests' times as the page measured them).
    #[serde(serialize_with = "seconds")]
    pub elapsed: Duration,
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
    /// What became of the pending `.snap.new`, when there is something to say: where it was
    /// written for review, or that CI wrote none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending: Option<String>,
    /// Everything the page, the console and the server saw of the scenario's requests, for the
    /// failure's evidence and for scripts (`--json`); absent when the scenario could not run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observation: Option<Observation>,
}

impl ScenarioReport {
    /// The report line of a result and its snapshot.
    pub fn new(result: &JobResult, snapshot: SnapshotNote) -> Self {
        let file = result.job.file.display().to_string();
        let id = format!("{file}::{}", result.job.scenario.name);
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
            file,
            line: result.job.scenario.line,
            elapsed: result.elapsed,
            about: result.job.scenario.about.clone(),
            expected,
            observed,
            reason,
            mismatches,
            error,
            snapshot,
            pending: None,
            observation: result.observation.as_ref().ok().cloned(),
        }
    }

    /// The scenario's name, its `id` without the file.
    pub fn name(&self) -> &str {
        self.id.strip_prefix(self.file.as_str()).and_then(|rest| rest.strip_prefix("::")).unwrap_or(&self.id)
    }

    /// What went wrong in a scenario that ran, in order: each unmet expectation, then its
    /// snapshot's trouble; each as a headline and its full text (a changed snapshot's diff).
    fn problems(&self) -> Vec<(String, String)> {
        let mut problems: Vec<(String, String)> =
            self.mismatches.iter().map(|mismatch| (mismatch.clone(), mismatch.clone())).collect();
        let snapshot = match &self.snapshot {
            SnapshotNote::Changed(diff) => {
                let text = format!("{SNAPSHOT_CHANGED}:\n{diff}");
                Some(("snapshot changed".to_owned(), text))
            }
            SnapshotNote::New => Some(("no snapshot".to_owned(), NO_SNAPSHOT.to_owned())),
            SnapshotNote::Unreviewed(path) => {
                let text = format!("unreviewed pending snapshot {path} {REVIEW}");
                Some((text.clone(), text))
            }
            SnapshotNote::Unlocatable(error) => {
                let text = format!("snapshot unavailable: {error}");
                Some((text.clone(), text))
            }
            SnapshotNote::Matches | SnapshotNote::Written { .. } | SnapshotNote::NotTaken => None,
        };
        problems.extend(snapshot.map(|(headline, text)| match &self.pending {
            Some(pending) => (headline, format!("{text}\n{pending}")),
            None => (headline, text),
        }));
        problems
    }

    /// Every expectation held, it ran, and its snapshot is stored, matches and has no
    /// unreviewed pending file (insta's rule: a missing snapshot fails too).
    pub fn passed(&self) -> bool {
        self.error.is_none()
            && self.mismatches.is_empty()
            && !matches!(
                self.snapshot,
                SnapshotNote::Changed(_) | SnapshotNote::New | SnapshotNote::Unreviewed(_)
            )
    }
}

/// What a missing snapshot's failure says.
pub(crate) const NO_SNAPSHOT: &str = "no snapshot (accept it with `corsproof review`, or `corsproof record`, \
     or `cargo insta review` the pending .snap.new)";

/// What a changed snapshot's failure says, before its diff.
const SNAPSHOT_CHANGED: &str = "snapshot changed (`corsproof review` or `corsproof record` accepts it)";

/// How to settle an unreviewed pending snapshot.
pub(crate) const REVIEW: &str = "(review it with `corsproof review` or `cargo insta review`, or delete it)";

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
    /// Whether the run was stopped by a signal (Ctrl-C, SIGTERM) before it ended: `scenarios`
    /// are then those that finished, `unfinished` the others.
    pub interrupted: bool,
    /// The scenarios that did not finish because the run was stopped, in file order.
    pub unfinished: Vec<UnfinishedScenario>,
}

/// A scenario that did not finish because the run was stopped.
#[derive(Debug, Clone, Serialize)]
pub struct UnfinishedScenario {
    /// `file::name`.
    pub id: String,
    /// The scenario file, as the run was given it.
    pub file: String,
    /// The line of the scenario's `[[scenario]]` header in it.
    pub line: usize,
}

impl UnfinishedScenario {
    /// The unfinished `job`.
    pub fn of(job: &Job) -> Self {
        let file = job.file.display().to_string();
        Self { id: format!("{file}::{}", job.scenario.name), file, line: job.scenario.line }
    }
}

fn seconds<S: serde::Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(duration.as_secs_f64())
}

impl Report {
    /// The report of one engine's run, each observation checked against its snapshot (against
    /// the mock origins and against your server alike); `elapsed` is the wall time of the whole
    /// run as its caller counts it.
    pub fn of(run: &EngineResults, load_errors: Vec<String>, elapsed: Duration) -> Self {
        let scenarios = run
            .results
            .iter()
            .map(|result| {
                let (note, pending) = SnapshotNote::checked(result, run.engine);
                ScenarioReport { pending, ..ScenarioReport::new(result, note) }
            })
            .collect();
        Report {
            scenarios,
            load_errors,
            browser: run.browser.clone(),
            elapsed,
            startup: run.startup,
            interrupted: run.interrupted,
            unfinished: run.unfinished.iter().map(UnfinishedScenario::of).collect(),
        }
    }

    /// Every scenario ran and passed and every file loaded.
    pub fn passed(&self) -> bool {
        !self.interrupted && self.load_errors.is_empty() && self.scenarios.iter().all(ScenarioReport::passed)
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
pub fn write_diff(out: &mut String, diff: &str, color: bool) {
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
        match &scenario.snapshot {
            SnapshotNote::Changed(diff) => {
                let _ = writeln!(out, "     {SNAPSHOT_CHANGED}:");
                write_diff(&mut out, diff, color);
            }
            SnapshotNote::New => {
                let _ = writeln!(out, "     {NO_SNAPSHOT}");
            }
            SnapshotNote::Unreviewed(path) => {
                let _ = writeln!(out, "     unreviewed pending snapshot {path} {REVIEW}");
            }
            _ => {}
        }
        if let Some(pending) = scenario.pending.as_ref().filter(|_| !scenario.passed()) {
            let _ = writeln!(out, "     {pending}");
        }
        for line in scenario.observation.iter().flat_map(evidence) {
            let _ = writeln!(out, "     {line}");
        }
    }
    for error in &report.load_errors {
        let _ = writeln!(out, "\n{error}");
    }
    let (passed, failed) = report.counts();
    let new = report.scenarios.iter().filter(|s| s.snapshot == SnapshotNote::New).count();
    if report.interrupted {
        let _ = writeln!(out, "\n{}", paint("33", &interrupted_line(report.unfinished.len())));
    }
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

/// What the table says of a run stopped before `unfinished` scenarios finished.
fn interrupted_line(unfinished: usize) -> String {
    match unfinished {
        0 => "interrupted: every scenario had finished".to_owned(),
        1 => "interrupted: 1 scenario did not finish".to_owned(),
        n => format!("interrupted: {n} scenarios did not finish"),
    }
}

/// The report as JSON.
pub fn json(report: &Report) -> String {
    serde_json::to_string_pretty(report).unwrap_or_default()
}

/// `run --browser all --json`: every engine's report, or why it could not start, and the matrix
/// (the README's "The JSON report" documents every field, and a test holds it to that).
#[derive(Debug, Serialize)]
pub struct AllJson<'a> {
    /// Whether the run was stopped by a signal before it ended (each engine's report says what
    /// it finished).
    pub interrupted: bool,
    /// One entry per engine, in the order they were run.
    pub engines: Vec<EngineJson<'a>>,
    /// The engines side by side.
    pub matrix: &'a Matrix,
}

/// One engine in [`AllJson`]: its report, or why it could not start.
#[derive(Debug, Serialize)]
pub struct EngineJson<'a> {
    /// The engine's name.
    pub engine: &'a str,
    /// Its report, when it ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<&'a Report>,
    /// Why it could not start (with the install hint for a missing browser).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'a str>,
}

/// One engine's suite in a JUnit document: its report, or why the engine could not start.
#[derive(Debug, Clone, Copy)]
pub struct JunitSuite<'a> {
    /// The engine, which names the suite.
    pub engine: Engine,
    /// Its report, or why it could not start (for a missing browser, with the install hint).
    pub outcome: Result<&'a Report, &'a str>,
}

/// The run as JUnit XML, for CI: one `<testsuite>` per engine, one engine alike, so that a
/// consumer meets one shape. Each scenario is a `<testcase>` with its file, line and time; one
/// that did not pass holds a `<failure>` whose message is its first problem in one line and
/// whose text is every problem with the snapshot diff, then the evidence (what the page, the
/// console and the server saw), one that could not run an `<error>`. A file that could not be
/// loaded is an `<error>` case in the suite of each engine that ran (it fails each of their
/// reports), and an engine that could not start a suite of one `<error>` case saying why. A
/// scenario that did not finish because the run was stopped is a `<skipped>` case.
/// `elapsed` is the whole run's wall time.
pub fn junit(suites: &[JunitSuite<'_>], elapsed: Duration) -> String {
    let suites: Vec<SuiteXml> = suites.iter().map(SuiteXml::of).collect();
    let total = |count: fn(&SuiteXml) -> usize| suites.iter().map(count).sum::<usize>();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"corsproof\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{:.3}\">",
        total(|suite| suite.tests),
        total(|suite| suite.failures),
        total(|suite| suite.errors),
        elapsed.as_secs_f64()
    );
    for suite in &suites {
        out.push_str(&suite.xml);
    }
    out.push_str("</testsuites>\n");
    out
}

/// One `<testsuite>`, written, with the counts the document adds up.
struct SuiteXml {
    tests: usize,
    failures: usize,
    errors: usize,
    xml: String,
}

impl SuiteXml {
    fn of(suite: &JunitSuite<'_>) -> Self {
        let engine = suite.engine.name();
        let (cases, time, browser) = match suite.outcome {
            Ok(report) => {
                let scenarios = report.scenarios.iter().map(Case::of);
                let load_errors = report.load_errors.iter().enumerate().map(|(index, error)| Case {
                    classname: "load".into(),
                    name: format!("file-{}", index + 1),
                    location: None,
                    time: Duration::ZERO,
                    verdict: Verdict::error(error),
                });
                let unfinished = report.unfinished.iter().map(Case::unfinished);
                (
                    scenarios.chain(unfinished).chain(load_errors).collect(),
                    report.elapsed,
                    Some(&report.browser),
                )
            }
            Err(error) => {
                let start = Case {
                    classname: engine.into(),
                    name: "browser start".into(),
                    location: None,
                    time: Duration::ZERO,
                    verdict: Verdict::error(error),
                };
                (vec![start], Duration::ZERO, None)
            }
        };
        let count = |kind: fn(&Verdict) -> bool| cases.iter().filter(|case| kind(&case.verdict)).count();
        let failures = count(|verdict| matches!(verdict, Verdict::Failure { .. }));
        let errors = count(|verdict| matches!(verdict, Verdict::Error { .. }));
        // Said only when there are some, as most JUnit writers do.
        let skipped = match count(|verdict| matches!(verdict, Verdict::Skipped { .. })) {
            0 => String::new(),
            n => format!(" skipped=\"{n}\""),
        };
        let mut xml = String::new();
        let _ = writeln!(
            xml,
            "  <testsuite name=\"{engine}\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\"{skipped} time=\"{:.3}\">",
            cases.len(),
            time.as_secs_f64()
        );
        if let Some(browser) = browser {
            let _ = writeln!(
                xml,
                "    <properties>\n      <property name=\"browser\" value=\"{}\"/>\n    </properties>",
                escape_markup(browser)
            );
        }
        for case in &cases {
            case.write(&mut xml);
        }
        xml.push_str("  </testsuite>\n");
        Self { tests: cases.len(), failures, errors, xml }
    }
}

/// One `<testcase>`.
struct Case {
    classname: String,
    name: String,
    /// The scenario's file and line.
    location: Option<(String, usize)>,
    time: Duration,
    verdict: Verdict,
}

/// How a test case ended, as JUnit tells it.
enum Verdict {
    Passed,
    /// It ran and did not pass.
    Failure {
        message: String,
        text: String,
    },
    /// It could not run.
    Error {
        message: String,
        text: String,
    },
    /// It did not finish: the run was stopped first.
    Skipped {
        message: String,
    },
}

impl Verdict {
    /// An error, its first line the message (a load error's location and summary; the rest is
    /// its source excerpt).
    fn error(error: &str) -> Self {
        let first_line = error.lines().find(|line| !line.trim().is_empty()).unwrap_or_default();
        Verdict::Error { message: one_line(first_line), text: error.to_owned() }
    }
}

impl Case {
    fn of(scenario: &ScenarioReport) -> Self {
        let verdict = if scenario.passed() {
            Verdict::Passed
        } else if let Some(error) = &scenario.error {
            Verdict::error(error)
        } else {
            let problems = scenario.problems();
            let message = problems.first().map_or_else(String::new, |(headline, _)| one_line(headline));
            let mut text = problems.into_iter().map(|(_, text)| text).collect::<Vec<_>>().join("\n");
            if let Some(observation) = &scenario.observation {
                text = format!("{text}\n\n{}", evidence(observation).join("\n"));
            }
            Verdict::Failure { message, text }
        };
        Case {
            classname: scenario.file.clone(),
            name: scenario.name().to_owned(),
            location: Some((scenario.file.clone(), scenario.line)),
            time: scenario.elapsed,
            verdict,
        }
    }

    /// The case of a scenario that did not finish.
    fn unfinished(scenario: &UnfinishedScenario) -> Self {
        let name = scenario.id.strip_prefix(&format!("{}::", scenario.file)).unwrap_or(&scenario.id);
        Case {
            classname: scenario.file.clone(),
            name: name.to_owned(),
            location: Some((scenario.file.clone(), scenario.line)),
            time: Duration::ZERO,
            verdict: Verdict::Skipped {
                message: "did not finish: the run was interrupted (Ctrl-C or SIGTERM) first".to_owned(),
            },
        }
    }

    fn write(&self, out: &mut String) {
        let _ = write!(
            out,
            "    <testcase classname=\"{}\" name=\"{}\"",
            escape_markup(&self.classname),
            escape_markup(&self.name)
        );
        if let Some((file, line)) = &self.location {
            let _ = write!(out, " file=\"{}\" line=\"{line}\"", escape_markup(file));
        }
        let _ = write!(out, " time=\"{:.3}\"", self.time.as_secs_f64());
        let (element, message, text) = match &self.verdict {
            Verdict::Passed => {
                out.push_str("/>\n");
                return;
            }
            Verdict::Failure { message, text } => ("failure", message, text),
            Verdict::Error { message, text } => ("error", message, text),
            Verdict::Skipped { message } => {
                let _ = writeln!(
                    out,
                    ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                    escape_markup(message)
                );
                return;
            }
        };
        let _ = writeln!(
            out,
            ">\n      <{element} message=\"{}\">{}</{element}>\n    </testcase>",
            escape_markup(message),
            escape_markup(text)
        );
    }
}

/// `text` on one line, its runs of white space one space each.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `text` safe as XML or HTML character data and in quoted attributes (scenario names, reasons
/// and diffs are user input): markup escaped, and the characters XML 1.0 does not allow (control
/// characters but line feed and tab, U+FFFE, U+FFFF) left out.
pub fn escape_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(c),
            '\u{fffe}' | '\u{ffff}' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use corsproof_scenario::ReasonClass;

    use super::*;
    use crate::observe::{RequestObservation, SeenRequest};

    fn report(mismatches: Vec<String>, snapshot: SnapshotNote) -> Report {
        Report {
            scenarios: vec![ScenarioReport {
                id: "scenarios/a.toml::one".into(),
                file: "scenarios/a.toml".into(),
                line: 7,
                elapsed: Duration::from_millis(42),
                about: "About <it>".into(),
                expected: vec![Outcome::Blocked],
                observed: vec![Outcome::Allowed],
                reason: None,
                mismatches,
                error: None,
                snapshot,
                pending: None,
                observation: None,
            }],
            load_errors: vec![],
            browser: "chromium 1".into(),
            elapsed: Duration::from_millis(1500),
            startup: Duration::from_millis(500),
            interrupted: false,
            unfinished: vec![],
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
        let xml = junit(&[JunitSuite { engine: Engine::Chromium, outcome: Ok(&report) }], report.elapsed);
        assert!(xml.contains("<failure message=\"request 1: outcome expected blocked, observed allowed\">"));
        assert!(
            xml.contains(
                "<testcase classname=\"scenarios/a.toml\" name=\"one\" file=\"scenarios/a.toml\" \
                 line=\"7\" time=\"0.042\">"
            ),
            "{xml}"
        );
        let document = parse(&xml);
        let failure = only(&document, "failure");
        assert_eq!(failure.text, "request 1: outcome expected blocked, observed allowed");
        let suite = only(&document, "testsuite");
        assert_eq!(suite.attribute("name"), "chromium", "one engine is one suite, named by its engine");
        assert_eq!(suite.attribute("failures"), "1");
    }

    /// A report of three scenarios: one passed, one with an unmet expectation and a changed
    /// snapshot, one that could not run; and a file that could not be loaded.
    fn mixed() -> Report {
        let mut mixed = report(vec![], SnapshotNote::Matches);
        let passed = mixed.scenarios[0].clone();
        let mut failed = passed.clone();
        failed.id = "scenarios/a.toml::two".into();
        failed.line = 19;
        failed.elapsed = Duration::from_millis(1234);
        failed.mismatches = vec![
            "request 1: outcome expected blocked, observed allowed".into(),
            "request 2: status expected 204, observed 200".into(),
        ];
        failed.snapshot =
            SnapshotNote::Changed("@@ -1 +1 @@\n-  outcome: \"blocked\"\n+  outcome: \"allowed\"".into());
        let mut errored = passed.clone();
        errored.id = "scenarios/a.toml::three".into();
        errored.elapsed = Duration::ZERO;
        errored.observed = vec![];
        errored.snapshot = SnapshotNote::NotTaken;
        errored.error =
            Some("the page could not run the requests: <script>\u{7} & \"quoted\" 'it'\nsecond line".into());
        mixed.scenarios.extend([failed, errored]);
        mixed.load_errors =
            vec!["b.toml:3:1: unknown field `credential`\n  |\n3 | credential = 1\n  | ^^^^^^^^^^".into()];
        mixed
    }

    #[test]
    fn junit_has_a_suite_per_engine_and_one_for_an_engine_that_could_not_start() {
        let chromium = mixed();
        let mut firefox = report(vec![], SnapshotNote::Matches);
        firefox.browser = "firefox 128.0".into();
        let not_started = "MiniBrowser was not found; install it with `corsproof install-browsers`";
        let suites = [
            JunitSuite { engine: Engine::Chromium, outcome: Ok(&chromium) },
            JunitSuite { engine: Engine::Firefox, outcome: Ok(&firefox) },
            JunitSuite { engine: Engine::WebKit, outcome: Err(not_started) },
        ];
        let xml = junit(&suites, Duration::from_millis(3500));
        let document = parse(&xml);

        let root = &document[0];
        assert_eq!(root.name, "testsuites");
        assert_eq!(
            [root.attribute("tests"), root.attribute("failures"), root.attribute("errors")],
            ["6", "1", "3"],
            "4 cases in chromium (one a load error), 1 in firefox, 1 in webkit:\n{xml}"
        );
        assert_eq!(root.attribute("time"), "3.500");
        let suites: Vec<&Element> = document.iter().filter(|e| e.name == "testsuite").collect();
        let names: Vec<&str> = suites.iter().map(|suite| suite.attribute("name")).collect();
        assert_eq!(names, ["chromium", "firefox", "webkit"]);
        let totals = |suite: &Element| {
            ["tests", "failures", "errors", "time"].map(|name| suite.attribute(name).to_owned())
        };
        assert_eq!(totals(suites[0]), ["4", "1", "2", "1.500"]);
        assert_eq!(totals(suites[1]), ["1", "0", "0", "1.500"]);
        assert_eq!(totals(suites[2]), ["1", "0", "1", "0.000"]);
        let browsers: Vec<&str> =
            document.iter().filter(|e| e.name == "property").map(|p| p.attribute("value")).collect();
        assert_eq!(browsers, ["chromium 1", "firefox 128.0"]);

        let cases: Vec<&Element> = document.iter().filter(|e| e.name == "testcase").collect();
        let case = |name: &str| *cases.iter().find(|case| case.attribute("name") == name).unwrap();
        let two = case("two");
        assert_eq!(
            ["classname", "file", "line", "time"].map(|name| two.attribute(name)),
            ["scenarios/a.toml", "scenarios/a.toml", "19", "1.234"]
        );
        let failure = child(&document, two, "failure");
        assert_eq!(failure.attribute("message"), "request 1: outcome expected blocked, observed allowed");
        assert_eq!(
            failure.text,
            "request 1: outcome expected blocked, observed allowed\n\
             request 2: status expected 204, observed 200\n\
             snapshot changed (`corsproof review` or `corsproof record` accepts it):\n\
             @@ -1 +1 @@\n-  outcome: \"blocked\"\n+  outcome: \"allowed\""
        );

        let error = child(&document, case("three"), "error");
        assert_eq!(
            error.attribute("message"),
            "the page could not run the requests: <script> & \"quoted\" 'it'",
            "its first line, without the control character"
        );
        assert!(error.text.ends_with("'it'\nsecond line"), "the text keeps its lines: {}", error.text);
        let load_error = child(&document, case("file-1"), "error");
        assert_eq!(load_error.attribute("message"), "b.toml:3:1: unknown field `credential`");
        assert!(load_error.text.ends_with("\n3 | credential = 1\n  | ^^^^^^^^^^"), "{}", load_error.text);

        let start = case("browser start");
        assert_eq!(start.attribute("classname"), "webkit");
        assert_eq!(
            child(&document, start, "error").attribute("message"),
            not_started,
            "with the install hint"
        );
        assert!(!xml.contains('\u{7}'));
    }

    #[test]
    fn a_failing_case_without_a_snapshot_says_so() {
        let mut report =
            report(vec!["request 1: status expected 204, observed 200".into()], SnapshotNote::New);
        report.scenarios[0].elapsed = Duration::from_micros(2500);
        let xml = junit(&[JunitSuite { engine: Engine::Firefox, outcome: Ok(&report) }], report.elapsed);
        let document = parse(&xml);
        assert_eq!(only(&document, "testcase").attribute("time"), "0.003");
        let failure = only(&document, "failure");
        assert_eq!(failure.attribute("message"), "request 1: status expected 204, observed 200");
        assert!(
            failure.text.ends_with(
                "\nno snapshot (accept it with `corsproof review`, or `corsproof record`, or `cargo insta \
                 review` the pending .snap.new)"
            ),
            "{}",
            failure.text
        );
        report.scenarios[0].mismatches.clear();
        report.scenarios[0].snapshot = SnapshotNote::Changed("-a\n+b".into());
        let xml = junit(&[JunitSuite { engine: Engine::Firefox, outcome: Ok(&report) }], report.elapsed);
        assert_eq!(only(&parse(&xml), "failure").attribute("message"), "snapshot changed");
    }

    /// One element of a parsed document.
    #[derive(Debug)]
    struct Element {
        name: String,
        attributes: Vec<(String, String)>,
        /// Its own character data, unescaped.
        text: String,
        /// Its parent's index in the document.
        parent: Option<usize>,
    }

    impl Element {
        fn attribute(&self, name: &str) -> &str {
            let found = self.attributes.iter().find(|(key, _)| key == name);
            found.map_or_else(|| panic!("{} has no {name}: {self:?}", self.name), |(_, value)| value)
        }
    }

    /// The one element named `name` in the document.
    fn only<'a>(document: &'a [Element], name: &str) -> &'a Element {
        let found: Vec<&Element> = document.iter().filter(|e| e.name == name).collect();
        assert_eq!(found.len(), 1, "one {name}: {document:?}");
        found[0]
    }

    /// The child named `name` of `parent`.
    fn child<'a>(document: &'a [Element], parent: &Element, name: &str) -> &'a Element {
        let index = document.iter().position(|e| std::ptr::eq(e, parent)).unwrap();
        document.iter().find(|e| e.parent == Some(index) && e.name == name).unwrap()
    }

    /// The elements of `xml` in document order, checking that it is well-formed as far as these
    /// documents go (no XML parser is in the dependency tree): the declaration, one root, tags
    /// that nest and close, quoted attributes, no raw `<` or `&` in values or text, only XML's
    /// own entities, no character XML 1.0 forbids.
    fn parse(xml: &str) -> Vec<Element> {
        let mut rest =
            xml.strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n").expect("the declaration");
        let mut document: Vec<Element> = Vec::new();
        let mut open: Vec<usize> = Vec::new();
        while let Some(start) = rest.find('<') {
            let text = unescape(&rest[..start]);
            match open.last() {
                Some(&index) => document[index].text.push_str(&text),
                None => assert!(text.trim().is_empty(), "text outside the root: {text:?}"),
            }
            let end = start + rest[start..].find('>').expect("a tag closes");
            let tag = &rest[start + 1..end];
            rest = &rest[end + 1..];
            if let Some(name) = tag.strip_prefix('/') {
                let index = open.pop().expect("a closing tag closes an open one");
                assert_eq!(document[index].name, name, "tags nest");
                continue;
            }
            assert!(!open.is_empty() || document.is_empty(), "one root");
            let (tag, empty) = tag.strip_suffix('/').map_or((tag, false), |tag| (tag, true));
            let (name, mut attributes_text) = tag.split_once(' ').unwrap_or((tag, ""));
            let mut attributes = Vec::new();
            while !attributes_text.trim().is_empty() {
                let (key, value_and_rest) =
                    attributes_text.trim_start().split_once("=\"").expect("key=\"value\"");
                let (value, after) = value_and_rest.split_once('"').expect("a closing quote");
                assert!(!value.contains('<'), "no < in {key}");
                attributes.push((key.to_owned(), unescape(value)));
                attributes_text = after;
            }
            document.push(Element {
                name: name.to_owned(),
                attributes,
                text: String::new(),
                parent: open.last().copied(),
            });
            if !empty {
                open.push(document.len() - 1);
            }
        }
        assert!(open.is_empty(), "every element is closed");
        assert!(rest.trim().is_empty(), "nothing after the root: {rest:?}");
        document
    }

    /// Character data unescaped, checking its entities and characters.
    fn unescape(text: &str) -> String {
        assert!(
            text.chars().all(|c| !c.is_control() || matches!(c, '\n' | '\t' | '\r')),
            "a character XML forbids in {text:?}"
        );
        let mut out = String::new();
        let mut rest = text;
        while let Some(at) = rest.find('&') {
            out.push_str(&rest[..at]);
            let (entity, after) = rest[at + 1..].split_once(';').expect("an entity ends");
            out.push(match entity {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "apos" | "#39" => '\'',
                other => panic!("unknown entity &{other};"),
            });
            rest = after;
        }
        out.push_str(rest);
        out
    }

    /// What a page at a chosen origin and the server behind the recording proxy saw of a POST
    /// whose preflight was refused.
    fn refused_preflight() -> Observation {
        Observation {
            scenario: "one".into(),
            about: "About <it>".into(),
            page: "app".into(),
            page_origin: Some("https://app.example.com".into()),
            sandbox: false,
            requests: vec![RequestObservation {
                request: "POST {target}/api/items".into(),
                outcome: Outcome::Blocked,
                reason_class: Some(ReasonClass::PreflightStatus),
                reason_in_preflight: true,
                reason: Some("Response to preflight request doesn't pass access control check".into()),
                reason_source: None,
                js_error: Some("TypeError: Failed to fetch".into()),
                status: None,
                response_type: None,
                readable_headers: vec![],
                header_values: Default::default(),
                body: None,
                preflight: Some(true),
                reached_server: Some(false),
                server_saw: Some(vec![SeenRequest {
                    method: "OPTIONS (preflight)".into(),
                    url: "{target}/api/items".into(),
                    origin: Some("https://app.example.com".into()),
                    request_method: Some("POST".into()),
                    request_headers: None,
                    cookies: false,
                    authorization: false,
                    headers: Default::default(),
                    received_headers: Vec::new(),
                    status: Some(401),
                    cors_headers: vec!["vary: Origin".into()],
                }]),
            }],
        }
    }

    /// The evidence of [`refused_preflight`], line by line.
    const EVIDENCE: [&str; 7] = [
        "page app at https://app.example.com",
        "1. POST {target}/api/items: blocked (preflight-status, blamed on the preflight)",
        "   page read   no response",
        "   console     Response to preflight request doesn't pass access control check",
        "   js error    TypeError: Failed to fetch",
        "   server saw  OPTIONS (preflight) {target}/api/items, origin https://app.example.com, \
         access-control-request-method POST → 401",
        "                 vary: Origin",
    ];

    #[test]
    fn a_failure_shows_its_evidence_after_its_problems_and_a_pass_none() {
        let mut report = report(
            vec!["request 1: outcome expected allowed, observed blocked".into()],
            SnapshotNote::Changed("-  outcome: \"allowed\"\n+  outcome: \"blocked\"".into()),
        );
        report.scenarios[0].observation = Some(refused_preflight());
        let text = table(&report, false);
        let indented: String = EVIDENCE.iter().map(|line| format!("     {line}\n")).collect();
        let diff_then_evidence = format!("       +  outcome: \"blocked\"\n{indented}");
        assert!(text.contains(&diff_then_evidence), "{text}");

        let xml = junit(&[JunitSuite { engine: Engine::Chromium, outcome: Ok(&report) }], report.elapsed);
        let document = parse(&xml);
        let failure = only(&document, "failure");
        assert_eq!(failure.attribute("message"), "request 1: outcome expected allowed, observed blocked");
        assert!(
            failure.text.ends_with(&format!("+  outcome: \"blocked\"\n\n{}", EVIDENCE.join("\n"))),
            "the diff, then the evidence:\n{}",
            failure.text
        );

        let json: serde_json::Value = serde_json::from_str(&json(&report)).unwrap();
        let seen = &json["scenarios"][0]["observation"]["requests"][0]["server_saw"][0];
        assert_eq!((&seen["status"], &seen["cors_headers"][0]), (&401.into(), &"vary: Origin".into()));

        report.scenarios[0].mismatches.clear();
        report.scenarios[0].snapshot = SnapshotNote::Matches;
        assert!(report.passed());
        let text = table(&report, false);
        assert!(
            !text.contains("page app") && !text.contains("server saw"),
            "no evidence for a pass:\n{text}"
        );
        let xml = junit(&[JunitSuite { engine: Engine::Chromium, outcome: Ok(&report) }], report.elapsed);
        assert!(!xml.contains("server saw"), "{xml}");
    }

    #[test]
    fn an_interrupted_run_lists_what_did_not_finish_and_does_not_pass() {
        let mut report = report(vec![], SnapshotNote::Matches);
        assert!(report.passed());
        report.interrupted = true;
        report.unfinished = vec![UnfinishedScenario {
            id: "scenarios/a.toml::held <it>".into(),
            file: "scenarios/a.toml".into(),
            line: 30,
        }];
        assert!(!report.passed(), "a run that was stopped did not pass, whatever finished");
        assert!(table(&report, false).contains("\ninterrupted: 1 scenario did not finish\n"));

        let xml = junit(&[JunitSuite { engine: Engine::Chromium, outcome: Ok(&report) }], report.elapsed);
        let document = parse(&xml);
        let suite = only(&document, "testsuite");
        assert_eq!((suite.attribute("tests"), suite.attribute("skipped")), ("2", "1"));
        let skipped = only(&document, "skipped");
        let case = &document[skipped.parent.expect("in a test case")];
        assert_eq!((case.attribute("name"), case.attribute("line")), ("held <it>", "30"));
        assert!(skipped.attribute("message").starts_with("did not finish"), "{xml}");

        let json: serde_json::Value = serde_json::from_str(&json(&report)).unwrap();
        assert_eq!(json["interrupted"], true);
        assert_eq!(json["unfinished"][0]["id"], "scenarios/a.toml::held <it>");
    }

    #[test]
    fn a_complete_run_says_nothing_of_skipped_cases() {
        let report = report(vec![], SnapshotNote::Matches);
        let xml = junit(&[JunitSuite { engine: Engine::Chromium, outcome: Ok(&report) }], report.elapsed);
        assert!(!xml.contains("skipped"), "{xml}");
        assert!(!table(&report, false).contains("interrupted"));
    }

    #[test]
    fn a_changed_a_new_or_an_unreviewed_snapshot_fails() {
        assert!(!report(vec![], SnapshotNote::Changed("-a\n+b".into())).passed());
        assert!(!report(vec![], SnapshotNote::New).passed(), "a missing snapshot fails, as in insta");
        assert!(!report(vec![], SnapshotNote::Unreviewed("a.snap.new".into())).passed());
        assert!(table(&report(vec![], SnapshotNote::New), false).contains("1 without snapshot"));
    }
}
