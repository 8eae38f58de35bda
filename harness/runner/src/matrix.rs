//! The cross-engine matrix: one row per scenario, one column per engine, each cell what that
//! engine did with the scenario's requests. Running several engines is for finding where they
//! disagree, and a table of 300 scenarios by three engines hides that unless the rows that differ
//! stand out; so rows are compared, and the renderers (a terminal table, Markdown, a
//! self-contained HTML page) mark the ones that differ or fail.
//!
//! Like [`crate::report`], the matrix sees results only, never how the scenarios ran. An engine
//! that could not start is a column with its error rather than a missing column: one absent
//! browser must not hide what the others did.

use std::collections::{HashMap, HashSet};
use std::fmt::{self, Write as _};
use std::time::Duration;

use corsproof_scenario::Outcome;
use serde::Serialize;

use crate::observe::Observation;
use crate::report::{Report, ScenarioReport, SnapshotNote};
use crate::run::JobResult;

/// One engine's run, as the matrix reads it.
#[derive(Debug, Clone, Copy)]
pub struct EngineRun<'a> {
    /// The engine's name (`chromium`), the column's title.
    pub engine: &'a str,
    /// Its report and the results the report was made from, line `i` from result `i` (the
    /// results say which response a block was blamed on, which the report's lines do not); or
    /// why the engine could not run at all.
    pub outcome: Result<(&'a Report, &'a [JobResult]), &'a str>,
}

/// The matrix of a run in several engines.
#[derive(Debug, Clone, Serialize)]
pub struct Matrix {
    /// The columns, in the order the runs were given.
    pub engines: Vec<Column>,
    /// One row per scenario, in the order the engines listed them.
    pub rows: Vec<Row>,
    /// Files that could not be loaded, rendered.
    pub load_errors: Vec<String>,
    /// Wall time of the whole run, every engine included.
    #[serde(serialize_with = "seconds")]
    pub elapsed: Duration,
}

fn seconds<S: serde::Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(duration.as_secs_f64())
}

/// One engine's column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Column {
    /// The engine's name.
    pub engine: String,
    /// How its run went.
    #[serde(flatten)]
    pub state: ColumnState,
}

/// How an engine's run went, as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum ColumnState {
    /// It ran every scenario it was given.
    Ran {
        /// The browser and its version.
        browser: String,
        /// Scenarios that passed.
        passed: usize,
        /// Scenarios that failed.
        failed: usize,
    },
    /// It could not start; the error carries the install hint.
    Failed {
        /// Why.
        error: String,
    },
}

/// One scenario across the engines.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// `file::name`.
    pub id: String,
    /// What the scenario proves.
    pub about: String,
    /// One cell per engine, in the columns' order.
    pub cells: Vec<Cell>,
    /// Whether the engines that ran it did the same.
    pub agreement: Agreement,
    /// Whether a cell fails (see [`Cell::fails`]).
    pub failing: bool,
}

impl Row {
    /// The engines did different things with it: the rows a reader is looking for.
    pub fn differs(&self) -> bool {
        self.agreement == Agreement::Differs
    }

    /// Worth showing when space is short: it differs or fails.
    pub fn notable(&self) -> bool {
        self.differs() || self.failing
    }
}

/// Whether the engines agree on a scenario: compared on what the cells show, each request's
/// outcome, whether a preflight went out and whether it was blamed (the console's words differ
/// between engines even when they do the same thing, so they are not compared).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Agreement {
    /// Every engine that ran it did the same.
    Identical,
    /// At least two engines did different things.
    Differs,
    /// Fewer than two engines ran it, so there is nothing to compare.
    NotCompared,
}

/// One request's fate in one engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Fate {
    /// Allowed, blocked, a network error, or a timeout.
    pub outcome: Outcome,
    /// Whether the browser blamed the preflight.
    pub in_preflight: bool,
    /// Whether a preflight reached the server (engines differ in what their preflight cache
    /// spares).
    pub preflighted: bool,
}

impl fmt::Display for Fate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.preflighted && !self.in_preflight {
            f.write_str("preflight + ")?;
        }
        f.write_str(self.outcome.name())?;
        if self.in_preflight {
            f.write_str(" (preflight)")?;
        }
        Ok(())
    }
}

/// What one engine did with one scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum Cell {
    /// It ran.
    Ran {
        /// Each request's fate, in order.
        requests: Vec<Fate>,
        /// The browser's words for each request it refused (`request 2: Access to fetch ...`).
        reasons: Vec<String>,
        /// Expectations that did not hold (checked in the expectations' engine only).
        mismatches: Vec<String>,
        /// The snapshot compared with this engine's stored one.
        snapshot: SnapshotNote,
    },
    /// The scenario could not run in this engine.
    CouldNotRun {
        /// Why.
        error: String,
    },
    /// The engine could not start; its column says why.
    EngineFailed,
    /// The engine ran, but this scenario was not among its results.
    Absent,
}

/// A remark on a cell beside its fates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Note {
    /// The expectations' engine contradicted the scenario file.
    ExpectationsFailed,
    /// The observation differs from the stored snapshot.
    SnapshotChanged,
    /// No snapshot is stored yet.
    NoSnapshot,
    /// Where the snapshot lives could not be worked out.
    SnapshotUnavailable,
    /// The scenario could not run.
    CouldNotRun,
    /// The engine could not start.
    EngineFailed,
    /// The engine's results lack the scenario.
    Absent,
}

impl Note {
    /// Whether the cell fails because of it: the same rule as [`ScenarioReport::passed`], so
    /// the matrix and the per-engine reports agree on what failed.
    pub fn fails(self) -> bool {
        !matches!(self, Note::NoSnapshot | Note::SnapshotUnavailable)
    }

    /// The words shown in a cell.
    pub fn text(self) -> &'static str {
        match self {
            Note::ExpectationsFailed => "expectations failed",
            Note::SnapshotChanged => "snapshot changed",
            Note::NoSnapshot => "no snapshot",
            Note::SnapshotUnavailable => "snapshot unavailable",
            Note::CouldNotRun => "could not run",
            Note::EngineFailed => "engine failed",
            Note::Absent => "not run",
        }
    }
}

impl Cell {
    /// The cell of a report line and the observation it was made from (none when it did not run).
    pub fn new(line: &ScenarioReport, observation: Option<&Observation>) -> Self {
        let Some(observation) = observation else {
            return Cell::CouldNotRun { error: line.error.clone().unwrap_or_default() };
        };
        Cell::Ran {
            requests: observation
                .requests
                .iter()
                .map(|request| Fate {
                    outcome: request.outcome,
                    in_preflight: request.reason_in_preflight,
                    preflighted: request.preflight == Some(true),
                })
                .collect(),
            reasons: observation
                .requests
                .iter()
                .enumerate()
                .filter_map(|(index, request)| {
                    request.reason.as_ref().map(|reason| format!("request {}: {reason}", index + 1))
                })
                .collect(),
            mismatches: line.mismatches.clone(),
            snapshot: line.snapshot.clone(),
        }
    }

    /// The requests' fates, when it ran.
    pub fn fates(&self) -> Option<&[Fate]> {
        match self {
            Cell::Ran { requests, .. } => Some(requests),
            _ => None,
        }
    }

    /// What to remark beside the fates.
    pub fn notes(&self) -> Vec<Note> {
        match self {
            Cell::Ran { mismatches, snapshot, .. } => {
                let mut notes = Vec::new();
                if !mismatches.is_empty() {
                    notes.push(Note::ExpectationsFailed);
                }
                match snapshot {
                    SnapshotNote::Changed(_) => notes.push(Note::SnapshotChanged),
                    SnapshotNote::New => notes.push(Note::NoSnapshot),
                    SnapshotNote::Unlocatable(_) => notes.push(Note::SnapshotUnavailable),
                    SnapshotNote::Matches | SnapshotNote::Written { .. } | SnapshotNote::NotTaken => {}
                }
                notes
            }
            Cell::CouldNotRun { .. } => vec![Note::CouldNotRun],
            Cell::EngineFailed => vec![Note::EngineFailed],
            Cell::Absent => vec![Note::Absent],
        }
    }

    /// Whether the engine failed this scenario.
    pub fn fails(&self) -> bool {
        self.notes().into_iter().any(Note::fails)
    }

    /// The cell as one line: `allowed → blocked (preflight) ✗ snapshot changed`.
    pub fn text(&self) -> String {
        let fates = self.fates().unwrap_or_default().iter().map(Fate::to_string).collect::<Vec<_>>();
        let mut words: Vec<String> = if fates.is_empty() { vec![] } else { vec![fates.join(" → ")] };
        words.extend(self.notes().into_iter().map(|note| {
            if note.fails() { format!("✗ {}", note.text()) } else { format!("({})", note.text()) }
        }));
        words.join(" ")
    }

    /// What to explain when it fails, one paragraph each: the error, the unmet expectations, the
    /// snapshot's diff (a whole engine's failure is explained once, in its column).
    fn problems(&self) -> Vec<Problem<'_>> {
        match self {
            Cell::Ran { mismatches, snapshot, .. } => {
                let mut problems: Vec<Problem<'_>> = mismatches.iter().map(|m| Problem::Line(m)).collect();
                match snapshot {
                    SnapshotNote::Changed(diff) => problems.push(Problem::Diff(diff)),
                    SnapshotNote::Unlocatable(error) => problems.push(Problem::SnapshotUnavailable(error)),
                    _ => {}
                }
                problems
            }
            Cell::CouldNotRun { error } => vec![Problem::CouldNotRun(error)],
            Cell::EngineFailed | Cell::Absent => vec![],
        }
    }
}

/// One thing to explain about a failing cell.
#[derive(Debug, Clone, Copy)]
enum Problem<'a> {
    /// A sentence (an unmet expectation).
    Line(&'a str),
    /// The scenario could not run.
    CouldNotRun(&'a str),
    /// The snapshot's location could not be worked out.
    SnapshotUnavailable(&'a str),
    /// The snapshot changed: the unified diff.
    Diff(&'a str),
}

impl Problem<'_> {
    /// The problem's first line, its heading, for a cell of `engine`.
    fn heading(&self, engine: &str) -> String {
        match self {
            Problem::Line(text) => (*text).to_owned(),
            Problem::CouldNotRun(error) => format!("could not run: {error}"),
            Problem::SnapshotUnavailable(error) => format!("snapshot unavailable: {error}"),
            Problem::Diff(_) => {
                format!("snapshot changed (`corsproof record --browser {engine}` accepts it):")
            }
        }
    }
}

/// What the renderers explain below the table.
#[derive(Debug, Default)]
struct Failures<'a> {
    /// Failing cells, each with its problems: (engine, row, cell).
    cells: Vec<(&'a str, &'a Row, &'a Cell)>,
    /// A "could not run" error an engine gave several scenarios (no page loaded), told once:
    /// (engine, error, how many scenarios).
    shared: Vec<(&'a str, &'a str, usize)>,
    /// Engines that could not start: (engine, error).
    engines: Vec<(&'a str, &'a str)>,
}

impl<'a> Failures<'a> {
    /// The failures of the given rows.
    fn of(matrix: &'a Matrix, rows: &[&'a Row]) -> Self {
        let mut failures = Failures::default();
        for (index, column) in matrix.engines.iter().enumerate() {
            let engine = column.engine.as_str();
            if let ColumnState::Failed { error } = &column.state {
                failures.engines.push((engine, error));
                continue;
            }
            let mut shared: Vec<(&str, usize)> = Vec::new();
            for row in rows {
                if let Cell::CouldNotRun { error } = &row.cells[index] {
                    match shared.iter_mut().find(|(known, _)| known == error) {
                        Some((_, count)) => *count += 1,
                        None => shared.push((error, 1)),
                    }
                }
            }
            for row in rows {
                let cell = &row.cells[index];
                let told_once = match cell {
                    Cell::CouldNotRun { error } => {
                        shared.iter().any(|(known, count)| known == error && *count > 1)
                    }
                    _ => false,
                };
                if cell.fails() && !told_once && !cell.problems().is_empty() {
                    failures.cells.push((engine, row, cell));
                }
            }
            failures.shared.extend(
                shared
                    .into_iter()
                    .filter(|(_, count)| *count > 1)
                    .map(|(error, count)| (engine, error, count)),
            );
        }
        failures
    }
}

impl Matrix {
    /// The matrix of the engines' runs. Rows are the scenarios of every engine that ran, in the
    /// order the first engine listed them; a scenario an engine lists twice (a file named twice
    /// on the command line) is one row.
    pub fn build(runs: &[EngineRun<'_>], load_errors: Vec<String>, elapsed: Duration) -> Self {
        let engines = runs
            .iter()
            .map(|run| Column {
                engine: run.engine.to_owned(),
                state: match run.outcome {
                    Ok((report, _)) => {
                        let (passed, failed) = report.counts();
                        ColumnState::Ran { browser: report.browser.clone(), passed, failed }
                    }
                    Err(error) => ColumnState::Failed { error: error.to_owned() },
                },
            })
            .collect();
        let mut order: Vec<(&str, &str)> = Vec::new();
        let mut seen = HashSet::new();
        // Each engine's cells by scenario id, first listing wins.
        let mut cells: Vec<HashMap<&str, Cell>> = Vec::new();
        for run in runs {
            let mut column = HashMap::new();
            if let Ok((report, results)) = run.outcome {
                for (line, result) in report.scenarios.iter().zip(results) {
                    if seen.insert(line.id.as_str()) {
                        order.push((&line.id, &line.about));
                    }
                    column
                        .entry(line.id.as_str())
                        .or_insert_with(|| Cell::new(line, result.observation.as_ref().ok()));
                }
            }
            cells.push(column);
        }
        let rows = order
            .into_iter()
            .map(|(id, about)| {
                let cells: Vec<Cell> = runs
                    .iter()
                    .zip(&mut cells)
                    .map(|(run, column)| match run.outcome {
                        Ok(_) => column.remove(id).unwrap_or(Cell::Absent),
                        Err(_) => Cell::EngineFailed,
                    })
                    .collect();
                let observed: Vec<&[Fate]> = cells.iter().filter_map(Cell::fates).collect();
                let agreement = match observed.split_first() {
                    Some((first, rest)) if !rest.is_empty() => {
                        if rest.iter().all(|fates| fates == first) {
                            Agreement::Identical
                        } else {
                            Agreement::Differs
                        }
                    }
                    _ => Agreement::NotCompared,
                };
                // A whole engine's failure is told once, in its column, not on every row.
                let failing = cells.iter().any(|cell| cell != &Cell::EngineFailed && cell.fails());
                Row { id: id.to_owned(), about: about.to_owned(), cells, agreement, failing }
            })
            .collect();
        Self { engines, rows, load_errors, elapsed }
    }

    /// Every engine ran, every file loaded, and no cell fails.
    pub fn passed(&self) -> bool {
        self.load_errors.is_empty()
            && self.engines.iter().all(|column| matches!(column.state, ColumnState::Ran { .. }))
            && self.rows.iter().all(|row| !row.failing)
    }

    /// One line: the counts, each engine's browser and passes, the wall time.
    pub fn summary(&self) -> String {
        let count = |wanted: Agreement| self.rows.iter().filter(|row| row.agreement == wanted).count();
        // Rows are compared between the engines that observed them: name those when one
        // observed nothing (it did not start, or no page loaded), lest "all" claim too much.
        let observing: Vec<&str> = self
            .engines
            .iter()
            .enumerate()
            .filter(|(index, _)| self.rows.iter().any(|row| row.cells[*index].fates().is_some()))
            .map(|(_, column)| column.engine.as_str())
            .collect();
        let scope = if observing.len() == self.engines.len() {
            "all engines".to_owned()
        } else {
            observing.join(", ")
        };
        let mut out = format!(
            "{} scenarios, {} identical in {scope}, {} differ, {} failing",
            self.rows.len(),
            count(Agreement::Identical),
            count(Agreement::Differs),
            self.rows.iter().filter(|row| row.failing).count()
        );
        match count(Agreement::NotCompared) {
            0 => {}
            n => {
                let _ = write!(out, ", {n} not compared");
            }
        }
        match self.load_errors.len() {
            0 => {}
            1 => out.push_str(", 1 file not loaded"),
            n => {
                let _ = write!(out, ", {n} files not loaded");
            }
        }
        for column in &self.engines {
            let _ = match &column.state {
                ColumnState::Ran { browser, passed, failed } => {
                    write!(out, "; {browser}: {passed} passed, {failed} failed")
                }
                ColumnState::Failed { .. } => write!(out, "; {}: could not run", column.engine),
            };
        }
        let _ = write!(out, "; in {:.2}s", self.elapsed.as_secs_f64());
        out
    }
}

/// The terminal table: the rows that differ or fail (every row would be too long; the files
/// hold them all), why the failing cells fail, the engines that could not run, and the summary.
/// Differing rows are yellow and failing cells red when `color`; a `≠` marks differing rows
/// either way.
pub fn table(matrix: &Matrix, color: bool) -> String {
    let paint = |code: &str, text: &str| crate::report::paint(color, code, text);
    let shown: Vec<&Row> = matrix.rows.iter().filter(|row| row.notable()).collect();
    let id_width = shown.iter().map(|row| row.id.chars().count()).max().unwrap_or(8).clamp(8, 60);
    let texts: Vec<Vec<String>> =
        shown.iter().map(|row| row.cells.iter().map(Cell::text).collect()).collect();
    let widths: Vec<usize> = matrix
        .engines
        .iter()
        .enumerate()
        .map(|(index, column)| {
            texts
                .iter()
                .map(|cells| cells[index].chars().count())
                .chain([column.engine.chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    if !shown.is_empty() {
        let mut header = format!("  {:<id_width$}", "scenario");
        for (column, width) in matrix.engines.iter().zip(&widths) {
            let _ = write!(header, "  {:<width$}", column.engine);
        }
        let _ = writeln!(out, "{}", header.trim_end());
        for (row, cells) in shown.iter().zip(&texts) {
            let mark = if row.differs() { paint("33", "≠") } else { " ".to_owned() };
            let mut line = format!("{mark} {:<id_width$}", crate::report::clip_left(&row.id, id_width));
            for ((cell, text), width) in row.cells.iter().zip(cells).zip(&widths) {
                let padded = format!("{text:<width$}");
                let painted = if cell.fails() {
                    paint("31", &padded)
                } else if row.differs() {
                    paint("33", &padded)
                } else {
                    padded
                };
                let _ = write!(line, "  {painted}");
            }
            let _ = writeln!(out, "{}", line.trim_end());
        }
    }
    let failures = Failures::of(matrix, &shown);
    for (engine, row, cell) in &failures.cells {
        let _ = writeln!(out, "\n{} {engine} {}", paint("31", "FAIL"), row.id);
        let _ = writeln!(out, "     {}", row.about);
        for problem in cell.problems() {
            let _ = writeln!(out, "     {}", problem.heading(engine));
            if let Problem::Diff(diff) = problem {
                crate::report::write_diff(&mut out, diff, color);
            }
        }
    }
    for (engine, error, count) in &failures.shared {
        let _ = writeln!(out, "\n{} {engine}: {count} scenarios could not run: {error}", paint("31", "FAIL"));
    }
    for (engine, error) in &failures.engines {
        let _ = writeln!(out, "\n{} {engine} could not run: {error}", paint("31", "FAIL"));
    }
    for error in &matrix.load_errors {
        let _ = writeln!(out, "\n{error}");
    }
    let _ = writeln!(out, "\n{}", matrix.summary());
    // With no row to show, the first explanation or the summary opens the output.
    out.trim_start_matches('\n').to_owned()
}

/// Text for a Markdown table cell: `|` would end the cell; `\`, `` ` ``, `*`, `_`, `~`, `[`,
/// `]`, `<`, `>` and `&` would start an escape, code, emphasis, a link, raw HTML or an entity;
/// a line break would end the row. Scenario names, reasons and errors are user input.
fn markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '|' | '`' | '*' | '_' | '~' | '[' | ']' | '<' | '>' | '&' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// `text` as a fenced code block whose fence no backtick run inside it can close.
fn fenced(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}\n{}\n{fence}\n", text.trim_end())
}

/// The matrix as Markdown: the summary, the engines, every row (`≠` marks those that differ,
/// `✗` failing cells), then why each failing cell fails.
pub fn markdown_report(matrix: &Matrix) -> String {
    let mut out = String::from("# corsproof: one scenario, every engine\n\n");
    let _ = writeln!(out, "{}\n", markdown(&matrix.summary()));
    out.push_str("| engine | browser | passed | failed |\n| --- | --- | --- | --- |\n");
    for column in &matrix.engines {
        let _ = match &column.state {
            ColumnState::Ran { browser, passed, failed } => {
                writeln!(
                    out,
                    "| {} | {} | {passed} | {failed} |",
                    markdown(&column.engine),
                    markdown(browser)
                )
            }
            ColumnState::Failed { error } => {
                writeln!(out, "| {} | could not run: {} | | |", markdown(&column.engine), markdown(error))
            }
        };
    }
    out.push_str(
        "\nA row marked ≠ differs between engines; ✗ marks a cell that fails (its expectations, its \
         snapshot, or it could not run).\n\n",
    );
    out.push_str("|  | scenario |");
    for column in &matrix.engines {
        let _ = write!(out, " {} |", markdown(&column.engine));
    }
    out.push_str("\n| --- | --- |");
    out.push_str(&" --- |".repeat(matrix.engines.len()));
    out.push('\n');
    for row in &matrix.rows {
        let mark = if row.differs() { "≠" } else { "" };
        let _ = write!(out, "| {mark} | {} |", markdown(&row.id));
        for cell in &row.cells {
            let text = markdown(&cell.text());
            if cell.fails() {
                let _ = write!(out, " **{text}** |");
            } else {
                let _ = write!(out, " {text} |");
            }
        }
        out.push('\n');
    }
    let mut failures = String::new();
    let rows: Vec<&Row> = matrix.rows.iter().collect();
    let explained = Failures::of(matrix, &rows);
    for (engine, row, cell) in &explained.cells {
        let _ = writeln!(failures, "\n### {}: {}\n", markdown(engine), markdown(&row.id));
        let _ = writeln!(failures, "{}\n", markdown(&row.about));
        for problem in cell.problems() {
            let _ = writeln!(failures, "- {}", markdown(&problem.heading(engine)));
            if let Problem::Diff(diff) = problem {
                let _ = write!(failures, "\n{}", fenced(diff));
            }
        }
    }
    for (engine, error, count) in &explained.shared {
        let _ = write!(
            failures,
            "\n### {}: {count} scenarios could not run\n\n{}",
            markdown(engine),
            fenced(error)
        );
    }
    for (engine, error) in &explained.engines {
        let _ = write!(failures, "\n### {} could not run\n\n{}", markdown(engine), fenced(error));
    }
    for error in &matrix.load_errors {
        let _ = write!(failures, "\n### A file could not be loaded\n\n{}", fenced(error));
    }
    if !failures.is_empty() {
        out.push_str("\n## Failures\n");
        out.push_str(&failures);
    }
    out
}

/// Text safe inside HTML elements and quoted attributes. Scenario names, reasons and diffs are
/// user input; control characters other than line breaks and tabs are dropped.
fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && !matches!(c, '\n' | '\t') => {}
            c => out.push(c),
        }
    }
    out
}

/// The page's style: differing rows amber, failing cells red, and the filter's rule.
const HTML_STYLE: &str = "\
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#1d1d1f}
table{border-collapse:collapse;margin:1em 0}
th,td{border:1px solid #d0d0d7;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f6;position:sticky;top:0}
code,pre{font:12px/1.4 ui-monospace,monospace}
pre{white-space:pre-wrap;margin:.3em 0}
.about{color:#666;font-size:12px}
.mark{text-align:center;font-weight:bold}
tr.differs td{background:#fff4d6}
td.fails{background:#fde2e2;color:#8b0000}
tr.differs td.fails{background:#fbd0c8}
.note{font-size:12px;white-space:nowrap}
.add{color:#176f2c}.del{color:#b00020}
body.only-differing table.matrix tbody tr:not(.differs){display:none}
body.only-notable table.matrix tbody tr.plain{display:none}
";

/// The row filter: the chosen radio button's value becomes the body's class, which the style
/// turns into hidden rows.
const HTML_SCRIPT: &str = "document.querySelectorAll('input[name=rows]').forEach(function(radio){\
radio.addEventListener('change',function(){document.body.className=radio.value;});});";

/// The matrix as one self-contained HTML page (inline style and script, nothing fetched):
/// differing rows highlighted and marked `≠`, failing cells red with their explanation
/// folded inside, the browser's reasons as each cell's tooltip, and buttons that show only the
/// rows that differ, or that differ or fail.
pub fn html_report(matrix: &Matrix) -> String {
    let mut out = String::from("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    let names: Vec<&str> = matrix.engines.iter().map(|column| column.engine.as_str()).collect();
    let _ = writeln!(out, "<title>corsproof: {}</title>", html(&names.join(", ")));
    let _ = writeln!(out, "<style>\n{HTML_STYLE}</style>\n</head>\n<body>");
    out.push_str("<h1>corsproof: one scenario, every engine</h1>\n");
    let _ = writeln!(out, "<p>{}</p>", html(&matrix.summary()));
    out.push_str("<table>\n<tr><th>engine</th><th>browser</th><th>passed</th><th>failed</th></tr>\n");
    for column in &matrix.engines {
        let _ = match &column.state {
            ColumnState::Ran { browser, passed, failed } => writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{passed}</td><td>{failed}</td></tr>",
                html(&column.engine),
                html(browser)
            ),
            ColumnState::Failed { error } => writeln!(
                out,
                "<tr><td>{}</td><td class=\"fails\" colspan=\"3\">could not run<pre>{}</pre></td></tr>",
                html(&column.engine),
                html(error)
            ),
        };
    }
    out.push_str("</table>\n");
    for error in &matrix.load_errors {
        let _ = writeln!(out, "<pre class=\"fails\">{}</pre>", html(error));
    }
    out.push_str(
        "<p>Show: <label><input type=\"radio\" name=\"rows\" value=\"\" checked> every row</label> \
         <label><input type=\"radio\" name=\"rows\" value=\"only-differing\"> rows that differ</label> \
         <label><input type=\"radio\" name=\"rows\" value=\"only-notable\"> rows that differ or fail</label></p>\n",
    );
    out.push_str("<table class=\"matrix\">\n<thead><tr><th></th><th>scenario</th>");
    for name in &names {
        let _ = write!(out, "<th>{}</th>", html(name));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &matrix.rows {
        let class = match (row.differs(), row.failing) {
            (true, _) => "differs",
            (false, true) => "failing",
            (false, false) => "plain",
        };
        let _ = write!(
            out,
            "<tr class=\"{class}\"><td class=\"mark\">{}</td><td><code>{}</code><div class=\"about\">{}</div></td>",
            if row.differs() { "≠" } else { "" },
            html(&row.id),
            html(&row.about)
        );
        for (column, cell) in matrix.engines.iter().zip(&row.cells) {
            out.push_str(&html_cell(cell, &column.engine));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    let _ = writeln!(out, "<script>{HTML_SCRIPT}</script>\n</body>\n</html>");
    out
}

/// One `<td>` of `engine`'s column: the fates, the notes, the reasons as its tooltip, and the
/// problems folded.
fn html_cell(cell: &Cell, engine: &str) -> String {
    let mut out = String::from("<td");
    if cell.fails() {
        out.push_str(" class=\"fails\"");
    }
    if let Cell::Ran { reasons, .. } = cell
        && !reasons.is_empty()
    {
        let _ = write!(out, " title=\"{}\"", html(&reasons.join("\n")));
    }
    out.push('>');
    let fates: Vec<String> = cell.fates().unwrap_or_default().iter().map(Fate::to_string).collect();
    out.push_str(&html(&fates.join(" → ")));
    for note in cell.notes() {
        let _ = if note.fails() {
            write!(out, " <span class=\"note\">✗ {}</span>", note.text())
        } else {
            write!(out, " <span class=\"note\">({})</span>", note.text())
        };
    }
    let problems = cell.problems();
    if cell.fails() && !problems.is_empty() {
        out.push_str("<details><summary>why</summary>");
        for problem in problems {
            let _ = write!(out, "<pre>{}", html(&problem.heading(engine)));
            if let Problem::Diff(diff) = problem {
                for line in diff.lines() {
                    let class = match line.chars().next() {
                        Some('+') if !line.starts_with("+++") => "add",
                        Some('-') if !line.starts_with("---") => "del",
                        _ => "",
                    };
                    let _ = write!(out, "\n<span class=\"{class}\">{}</span>", html(line));
                }
            }
            out.push_str("</pre>");
        }
        out.push_str("</details>");
    }
    out.push_str("</td>");
    out
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use corsproof_scenario::Scenario;

    use super::*;
    use crate::observe::RequestObservation;
    use crate::run::Job;

    fn fate(outcome: Outcome, in_preflight: bool) -> Fate {
        Fate { outcome, in_preflight, preflighted: in_preflight }
    }

    fn request(fate: &Fate) -> RequestObservation {
        let Fate { outcome, in_preflight, preflighted } = *fate;
        RequestObservation {
            request: "GET {api}/t/{token1}/data".into(),
            outcome,
            reason_class: None,
            reason_in_preflight: in_preflight,
            reason: (outcome == Outcome::Blocked).then(|| "Access to fetch at '<x>' was blocked".into()),
            js_error: None,
            status: None,
            response_type: None,
            readable_headers: vec![],
            body: None,
            preflight: Some(preflighted),
            reached_server: Some(!in_preflight),
            server_saw: None,
        }
    }

    /// One engine's report and the results it was made from.
    struct Ran {
        report: Report,
        results: Vec<JobResult>,
    }

    /// `browser`'s run of scenarios in `scenarios/a.toml`: (name, each request's fate, snapshot).
    fn ran(browser: &str, scenarios: &[(&str, Vec<Fate>, SnapshotNote)]) -> Ran {
        let mut results = Vec::new();
        let mut lines = Vec::new();
        for (name, fates, snapshot) in scenarios {
            let scenario = Scenario {
                name: (*name).to_owned(),
                about: format!("what {name} proves"),
                page: "app".into(),
                sandbox: false,
                requests: vec![],
                line: 1,
            };
            let observation = Observation {
                scenario: (*name).to_owned(),
                about: scenario.about.clone(),
                page: "app".into(),
                sandbox: false,
                requests: fates.iter().map(request).collect(),
            };
            let result = JobResult {
                job: Job { file: PathBuf::from("scenarios/a.toml"), scenario },
                observation: Ok(observation),
                mismatches: vec![],
            };
            lines.push(ScenarioReport::new(&result, snapshot.clone()));
            results.push(result);
        }
        let report = Report {
            scenarios: lines,
            load_errors: vec![],
            browser: browser.into(),
            elapsed: Duration::from_secs(1),
            startup: Duration::ZERO,
        };
        Ran { report, results }
    }

    fn matrix(runs: &[(&str, Result<&Ran, &str>)]) -> Matrix {
        let runs: Vec<EngineRun<'_>> = runs
            .iter()
            .map(|(engine, outcome)| EngineRun {
                engine,
                outcome: outcome.map(|ran| (&ran.report, ran.results.as_slice())),
            })
            .collect();
        Matrix::build(&runs, vec![], Duration::from_millis(2500))
    }

    #[test]
    fn identical_rows_are_not_highlighted() {
        let fates = vec![fate(Outcome::Blocked, true), fate(Outcome::Allowed, false)];
        let chromium = ran("chromium 1", &[("same", fates.clone(), SnapshotNote::Matches)]);
        let firefox = ran("firefox 2", &[("same", fates, SnapshotNote::Matches)]);
        let matrix = matrix(&[("chromium", Ok(&chromium)), ("firefox", Ok(&firefox))]);
        let row = &matrix.rows[0];
        assert_eq!(row.agreement, Agreement::Identical);
        assert!(!row.notable() && matrix.passed());
        assert_eq!(row.cells[0].text(), "blocked (preflight) → allowed");

        let text = table(&matrix, true);
        assert!(!text.contains("same") && !text.contains('≠') && !text.contains("\x1b[33m"), "{text}");
        assert!(text.contains("1 scenarios, 1 identical in all engines, 0 differ, 0 failing"), "{text}");
        assert!(text.contains("chromium 1: 1 passed, 0 failed; firefox 2: 1 passed, 0 failed; in 2.50s"));
        assert!(
            markdown_report(&matrix)
                .contains("|  | scenarios/a.toml::same | blocked (preflight) → allowed |")
        );
        assert!(html_report(&matrix).contains("<tr class=\"plain\"><td class=\"mark\"></td>"));
    }

    #[test]
    fn a_preflight_one_engine_sends_and_another_spares_makes_a_row_differ() {
        let preflighted = Fate { outcome: Outcome::Allowed, in_preflight: false, preflighted: true };
        let cached = fate(Outcome::Allowed, false);
        let chromium =
            ran("chromium 1", &[("opaque", vec![preflighted, preflighted], SnapshotNote::Matches)]);
        let firefox = ran("firefox 2", &[("opaque", vec![preflighted, cached], SnapshotNote::Matches)]);
        let matrix = matrix(&[("chromium", Ok(&chromium)), ("firefox", Ok(&firefox))]);
        assert_eq!(matrix.rows[0].agreement, Agreement::Differs);
        let plain = table(&matrix, false);
        assert!(
            plain.contains("preflight + allowed → preflight + allowed  preflight + allowed → allowed"),
            "{plain}"
        );
    }

    #[test]
    fn a_differing_row_is_highlighted() {
        let chromium = ran(
            "chromium 1",
            &[
                ("same", vec![fate(Outcome::Allowed, false)], SnapshotNote::Matches),
                ("star-with-auth", vec![fate(Outcome::Blocked, true)], SnapshotNote::Matches),
            ],
        );
        let firefox = ran(
            "firefox 2",
            &[
                ("same", vec![fate(Outcome::Allowed, false)], SnapshotNote::Matches),
                ("star-with-auth", vec![fate(Outcome::Allowed, false)], SnapshotNote::Matches),
            ],
        );
        let matrix = matrix(&[("chromium", Ok(&chromium)), ("firefox", Ok(&firefox))]);
        assert_eq!(matrix.rows[1].agreement, Agreement::Differs);
        assert!(matrix.rows[1].notable() && !matrix.rows[1].failing && matrix.passed());

        let plain = table(&matrix, false);
        let line = plain.lines().find(|line| line.contains("star-with-auth")).unwrap_or_default();
        assert!(line.starts_with('≠') && line.ends_with("blocked (preflight)  allowed"), "{plain}");
        assert!(!plain.contains("::same"), "identical rows stay off the terminal:\n{plain}");
        assert!(plain.contains("2 scenarios, 1 identical in all engines, 1 differ, 0 failing"), "{plain}");
        assert!(table(&matrix, true).contains("\x1b[33m≠\x1b[0m"));
        assert!(
            markdown_report(&matrix)
                .contains("| ≠ | scenarios/a.toml::star-with-auth | blocked (preflight) | allowed |")
        );
        let html = html_report(&matrix);
        assert!(html.contains("<tr class=\"differs\"><td class=\"mark\">≠</td>"), "{html}");
        assert!(html.contains("title=\"request 1: Access to fetch at &#39;&lt;x&gt;&#39; was blocked\""));
    }

    #[test]
    fn an_engine_that_could_not_run_is_a_failed_column_and_the_others_still_show() {
        let chromium = ran(
            "chromium 1",
            &[
                ("fine", vec![fate(Outcome::Allowed, false)], SnapshotNote::Matches),
                ("moved", vec![fate(Outcome::Blocked, false)], SnapshotNote::Changed("-a\n+b".into())),
            ],
        );
        let firefox = ran(
            "firefox 2",
            &[
                ("fine", vec![fate(Outcome::Allowed, false)], SnapshotNote::Matches),
                ("moved", vec![fate(Outcome::Blocked, false)], SnapshotNote::Matches),
            ],
        );
        let hint = "WebKitWebDriver not found: install WebKitGTK's MiniBrowser";
        let matrix = matrix(&[("chromium", Ok(&chromium)), ("firefox", Ok(&firefox)), ("webkit", Err(hint))]);
        assert_eq!(matrix.engines[2].state, ColumnState::Failed { error: hint.into() });
        assert!(matrix.rows.iter().all(|row| row.cells[2] == Cell::EngineFailed));
        assert!(!matrix.passed());
        assert!(!matrix.rows[0].failing, "an engine's failure is told once, not on every row");
        assert!(matrix.rows[1].failing && matrix.rows[1].agreement == Agreement::Identical);

        let text = table(&matrix, false);
        assert!(text.contains("FAIL webkit could not run: WebKitWebDriver not found"), "{text}");
        assert!(text.contains("blocked ✗ snapshot changed  blocked  ✗ engine failed"), "{text}");
        assert!(text.contains("FAIL chromium scenarios/a.toml::moved\n     what moved proves\n"), "{text}");
        assert!(text.contains("       -a\n       +b"), "{text}");
        assert!(
            text.contains("2 scenarios, 2 identical in chromium, firefox, 0 differ, 1 failing; chromium 1: 1 passed, 1 failed; firefox 2: 2 passed, 0 failed; webkit: could not run"),
            "{text}"
        );
        assert!(markdown_report(&matrix).contains("| webkit | could not run: WebKitWebDriver not found"));
        let html = html_report(&matrix);
        assert!(
            html.contains("<td class=\"fails\"> <span class=\"note\">✗ engine failed</span></td>"),
            "{html}"
        );
        assert!(
            html.contains("could not run<pre>WebKitWebDriver not found: install WebKitGTK&#39;s"),
            "{html}"
        );
    }

    #[test]
    fn a_page_error_shared_by_an_engines_scenarios_is_told_once() {
        let chromium = ran(
            "chromium 1",
            &[
                ("one", vec![fate(Outcome::Allowed, false)], SnapshotNote::Matches),
                ("two", vec![fate(Outcome::Allowed, false)], SnapshotNote::Matches),
            ],
        );
        let mut webkit = ran(
            "webkit 2",
            &[("one", vec![], SnapshotNote::NotTaken), ("two", vec![], SnapshotNote::NotTaken)],
        );
        for (line, result) in webkit.report.scenarios.iter_mut().zip(&mut webkit.results) {
            let page_error = "the page has no corsproof script: about:blank".to_owned();
            result.observation = Err(corsproof_browser::BrowserError::Page(page_error).into());
            *line = ScenarioReport::new(result, SnapshotNote::NotTaken);
        }
        let matrix = matrix(&[("chromium", Ok(&chromium)), ("webkit", Ok(&webkit))]);
        assert!(matrix.rows.iter().all(|row| row.failing && row.agreement == Agreement::NotCompared));
        let text = table(&matrix, false);
        assert_eq!(text.matches("about:blank").count(), 1, "{text}");
        assert!(
            text.contains(
                "FAIL webkit: 2 scenarios could not run: the page could not run the requests: the page has no corsproof script"
            ),
            "{text}"
        );
        assert!(
            text.contains("2 scenarios, 0 identical in chromium, 0 differ, 2 failing, 2 not compared"),
            "{text}"
        );
        assert_eq!(markdown_report(&matrix).matches("about:blank").count(), 1);
    }

    #[test]
    fn html_escapes_a_scenario_named_like_a_script() {
        let evil = ran("chromium 1", &[("<script>alert(1)</script>", vec![], SnapshotNote::New)]);
        let html = html_report(&matrix(&[("chromium", Ok(&evil))]));
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(
            html.contains("<code>scenarios/a.toml::&lt;script&gt;alert(1)&lt;/script&gt;</code>"),
            "{html}"
        );
        assert_eq!(html.matches("<script>").count(), 1, "only the page's own filter script");
        assert!(!html.contains("http://") && !html.contains("https://"), "nothing is fetched");
    }

    #[test]
    fn markdown_escapes_a_pipe() {
        let piped = ran("chromium 1", &[("a|b", vec![fate(Outcome::Allowed, false)], SnapshotNote::Matches)]);
        let text = markdown_report(&matrix(&[("chromium", Ok(&piped))]));
        let row = text.lines().find(|line| line.contains("a\\|b")).unwrap_or_default();
        assert_eq!(row, "|  | scenarios/a.toml::a\\|b | allowed |");
        assert_eq!(markdown("`x` <b> *y* [z](u) & \\"), "\\`x\\` \\<b\\> \\*y\\* \\[z\\](u) \\& \\\\");
        assert_eq!(fenced("a ``` b"), "````\na ``` b\n````\n");
    }
}
