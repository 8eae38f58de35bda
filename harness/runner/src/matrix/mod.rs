//! The cross-engine matrix: one row per scenario, one column per engine, each cell what that
//! engine did with the scenario's requests. Running several engines is for finding where they
//! disagree, and a table of 300 scenarios by three engines hides that unless the rows that differ
//! stand out; so rows are compared, and the renderers (a terminal table, Markdown, a
//! self-contained HTML page) mark the ones that differ or fail.
//!
//! This module is the model: the rows, whether the engines agree on each, which cells fail, and
//! the failures to explain, grouped once for every renderer. Each renderer, one module each
//! ([`table`] for the terminal, [`markdown_report`], [`html_report`]), is a function of the
//! model alone.
//!
//! Like [`crate::report`], the matrix sees results only, never how the scenarios ran. An engine
//! that could not start is a column with its error rather than a missing column: one absent
//! browser must not hide what the others did.

mod html;
mod markdown;
pub mod network;
mod terminal;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};
use std::fmt::{self, Write as _};
use std::time::Duration;

use serde::Serialize;

pub use self::html::{engine_html_report, html_report};
pub use self::markdown::markdown_report;
use self::network::{Exchange, Source};
pub use self::terminal::table;
use crate::fate::{Fate, Glance};
use crate::observe::Observation;
use crate::report::{REVIEW, Report, ScenarioReport, SnapshotNote};
use crate::run::{JobResult, ScenarioRunError};
use crate::snapshot::SnapshotLocation;

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
    /// Its file, line and topic, which the HTML report's Network view links and filters by.
    /// Not serialized: each engine's report carries the file and line.
    #[serde(skip)]
    pub source: Source,
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
/// [`Glance`] (the outcome, whether a preflight went out and whether it was blamed; the console's
/// words differ between engines even when they do the same thing, so they are not compared).
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

/// What one engine did with one scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum Cell {
    /// It ran.
    Ran {
        /// Each request's fate at a glance, in order.
        requests: Vec<Glance>,
        /// The browser's words for each request it refused (`request 2: Access to fetch ...`).
        reasons: Vec<String>,
        /// Expectations that did not hold (checked in the expectations' engine only).
        mismatches: Vec<String>,
        /// The snapshot compared with this engine's stored one.
        snapshot: SnapshotNote,
        /// What the engine and the server saw, the evidence of a failure. Not serialized: the
        /// engine's report carries it once (`--json`'s `engines[].report`).
        #[serde(skip)]
        observation: Box<Observation>,
        /// What became of the pending `.snap.new` (where it was written, or that CI wrote none
        /// for which file). Not serialized: the engine's report carries it.
        #[serde(skip)]
        pending: Option<String>,
        /// Its requests as a Network tab lists them, for the HTML report. Not serialized: the
        /// observation carries the same facts.
        #[serde(skip)]
        network: Box<Exchange>,
    },
    /// The scenario could not run in this engine.
    CouldNotRun {
        /// Why.
        error: CellError,
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
    /// Under CI, a pending `.snap.new` is left beside the snapshot.
    UnreviewedSnapshot,
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
        !matches!(self, Note::SnapshotUnavailable)
    }

    /// The words shown in a cell.
    pub fn text(self) -> &'static str {
        match self {
            Note::ExpectationsFailed => "expectations failed",
            Note::SnapshotChanged => "snapshot changed",
            Note::NoSnapshot => "no snapshot",
            Note::UnreviewedSnapshot => "unreviewed .snap.new",
            Note::SnapshotUnavailable => "snapshot unavailable",
            Note::CouldNotRun => "could not run",
            Note::EngineFailed => "engine failed",
            Note::Absent => "not run",
        }
    }
}

impl Cell {
    /// The cell of a report line and the result it was made from in `engine`: its observation
    /// (and its Network view, which links `engine`'s snapshot), or the error that kept the
    /// scenario from running.
    pub fn new(line: &ScenarioReport, result: &JobResult, engine: &str) -> Self {
        let observation = match result.observation.as_ref() {
            Ok(observation) => observation,
            Err(error) => return Cell::CouldNotRun { error: CellError::from(error) },
        };
        Cell::Ran {
            requests: observation.requests.iter().map(|request| Fate::observed(request).glance()).collect(),
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
            observation: Box::new(observation.clone()),
            pending: line.pending.clone(),
            network: Box::new(Exchange::of(observation, &result.job.scenario, snapshot_path(result, engine))),
        }
    }

    /// The evidence to show under a failing cell's problems, one line each: what the engine and
    /// the server saw (nothing when it did not run).
    fn evidence(&self) -> Vec<String> {
        match self {
            Cell::Ran { observation, .. } => crate::evidence::evidence(observation),
            _ => Vec::new(),
        }
    }

    /// The requests' fates at a glance, when it ran.
    pub fn fates(&self) -> Option<&[Glance]> {
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
                    SnapshotNote::Unreviewed(_) => notes.push(Note::UnreviewedSnapshot),
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
        let fates = self.fates().unwrap_or_default().iter().map(Glance::to_string).collect::<Vec<_>>();
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
            Cell::Ran { mismatches, snapshot, pending, .. } => {
                let mut problems: Vec<Problem<'_>> = mismatches.iter().map(|m| Problem::Line(m)).collect();
                match snapshot {
                    SnapshotNote::Changed(diff) => problems.push(Problem::Diff(diff)),
                    SnapshotNote::New => problems.push(Problem::Line(crate::report::NO_SNAPSHOT)),
                    SnapshotNote::Unreviewed(path) => problems.push(Problem::Unreviewed(path)),
                    SnapshotNote::Unlocatable(error) => problems.push(Problem::SnapshotUnavailable(error)),
                    _ => {}
                }
                if matches!(snapshot, SnapshotNote::Changed(_) | SnapshotNote::New) {
                    problems.extend(pending.as_deref().map(Problem::Line));
                }
                problems
            }
            Cell::CouldNotRun { error } => vec![Problem::CouldNotRun(error)],
            Cell::EngineFailed | Cell::Absent => vec![],
        }
    }
}

/// Where `engine`'s snapshot of `result`'s scenario lives, when that can be worked out (a broken
/// `corsproof.toml` is told in the cell's notes already).
fn snapshot_path(result: &JobResult, engine: &str) -> Option<String> {
    let location = SnapshotLocation::find(&result.job.file, &result.job.scenario.name, engine).ok()?;
    Some(location.path().display().to_string())
}

/// Why a scenario could not run in one engine: the runner's typed error, kept as a value.
/// Failures are grouped by it (errors are compared with `==`, never their rendering), so that an
/// error an engine gave several scenarios (no page loaded) is told once. It serializes as its
/// text, which is what the reports and `--json` show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellError(ScenarioRunError);

impl From<&ScenarioRunError> for CellError {
    fn from(error: &ScenarioRunError) -> Self {
        Self(error.clone())
    }
}

impl fmt::Display for CellError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Serialize for CellError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

/// One thing to explain about a failing cell.
#[derive(Debug, Clone, Copy)]
enum Problem<'a> {
    /// A sentence (an unmet expectation).
    Line(&'a str),
    /// The scenario could not run.
    CouldNotRun(&'a CellError),
    /// The snapshot's location could not be worked out.
    SnapshotUnavailable(&'a str),
    /// The snapshot changed: the unified diff.
    Diff(&'a str),
    /// Under CI, a pending `.snap.new` (the path) is left beside a matching snapshot.
    Unreviewed(&'a str),
}

impl Problem<'_> {
    /// The problem's first line, its heading, for a cell of `engine`.
    fn heading(&self, engine: &str) -> String {
        match self {
            Problem::Line(text) => (*text).to_owned(),
            Problem::CouldNotRun(error) => format!("could not run: {error}"),
            Problem::SnapshotUnavailable(error) => format!("snapshot unavailable: {error}"),
            Problem::Diff(_) => format!(
                "snapshot changed (`corsproof review` or `corsproof record --browser {engine}` accepts it):"
            ),
            Problem::Unreviewed(path) => format!("unreviewed pending snapshot {path} {REVIEW}"),
        }
    }
}

/// What the renderers explain below the table, gathered here once so that every renderer tells
/// the same failures.
#[derive(Debug, Default)]
struct Failures<'a> {
    /// Failing cells with something to explain, engine by engine, in row order.
    cells: Vec<FailingCell<'a>>,
    /// Errors an engine gave several scenarios, each told once rather than on every cell.
    shared: Vec<SharedError<'a>>,
    /// Engines that could not start: (engine, error).
    engines: Vec<(&'a str, &'a str)>,
}

/// A failing cell and where it is.
#[derive(Debug, Clone, Copy)]
struct FailingCell<'a> {
    /// Its column's engine.
    engine: &'a str,
    /// Its row.
    row: &'a Row,
    /// The cell.
    cell: &'a Cell,
}

/// An error that kept several of one engine's scenarios from running.
#[derive(Debug, Clone, Copy)]
struct SharedError<'a> {
    /// The engine.
    engine: &'a str,
    /// The error.
    error: &'a CellError,
    /// How many scenarios gave it.
    scenarios: usize,
}

impl<'a> Failures<'a> {
    /// The matrix's failures.
    fn of(matrix: &'a Matrix) -> Self {
        let mut failures = Failures::default();
        for (index, column) in matrix.engines.iter().enumerate() {
            let engine = column.engine.as_str();
            if let ColumnState::Failed { error } = &column.state {
                failures.engines.push((engine, error));
                continue;
            }
            let column_cells = matrix.rows.iter().map(|row| (row, &row.cells[index]));
            let shared: Vec<(&CellError, usize)> =
                errors_by_value(column_cells.clone().map(|(_, cell)| cell))
                    .into_iter()
                    .filter(|(_, scenarios)| *scenarios > 1)
                    .collect();
            for (row, cell) in column_cells {
                let told_once = matches!(
                    cell,
                    Cell::CouldNotRun { error } if shared.iter().any(|(known, _)| *known == error)
                );
                if cell.fails() && !told_once && !cell.problems().is_empty() {
                    failures.cells.push(FailingCell { engine, row, cell });
                }
            }
            failures.shared.extend(shared.into_iter().map(|(error, scenarios)| SharedError {
                engine,
                error,
                scenarios,
            }));
        }
        failures
    }
}

/// The errors of the cells that could not run, each with how many cells gave it, in the order
/// first given: the one place failures are grouped, by the error's value.
fn errors_by_value<'a>(cells: impl Iterator<Item = &'a Cell>) -> Vec<(&'a CellError, usize)> {
    let mut groups: Vec<(&CellError, usize)> = Vec::new();
    for cell in cells {
        if let Cell::CouldNotRun { error } = cell {
            match groups.iter_mut().find(|(known, _)| *known == error) {
                Some((_, count)) => *count += 1,
                None => groups.push((error, 1)),
            }
        }
    }
    groups
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
        let mut order: Vec<(&str, &str, Source)> = Vec::new();
        let mut seen = HashSet::new();
        // Each engine's cells by scenario id, first listing wins.
        let mut cells: Vec<HashMap<&str, Cell>> = Vec::new();
        for run in runs {
            let mut column = HashMap::new();
            if let Ok((report, results)) = run.outcome {
                for (line, result) in report.scenarios.iter().zip(results) {
                    if seen.insert(line.id.as_str()) {
                        order.push((
                            &line.id,
                            &line.about,
                            Source::of(&result.job.file, &result.job.scenario),
                        ));
                    }
                    column.entry(line.id.as_str()).or_insert_with(|| Cell::new(line, result, run.engine));
                }
            }
            cells.push(column);
        }
        let rows = order
            .into_iter()
            .map(|(id, about, source)| {
                let cells: Vec<Cell> = runs
                    .iter()
                    .zip(&mut cells)
                    .map(|(run, column)| match run.outcome {
                        Ok(_) => column.remove(id).unwrap_or(Cell::Absent),
                        Err(_) => Cell::EngineFailed,
                    })
                    .collect();
                let observed: Vec<&[Glance]> = cells.iter().filter_map(Cell::fates).collect();
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
                Row { id: id.to_owned(), about: about.to_owned(), cells, agreement, failing, source }
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
        let scope = match observing.len() {
            count if count == self.engines.len() => "all engines".to_owned(),
            0 => "no engine".to_owned(),
            _ => observing.join(", "),
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
