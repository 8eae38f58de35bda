//! The matrix as a terminal table: only the rows worth a look, since a run's every row would
//! scroll the rest away (the Markdown and HTML files hold them all).

use std::fmt::Write as _;

use super::{Cell, FailingCell, Failures, Matrix, Problem, Row, SharedError};
use crate::report;

/// The terminal table: the rows that differ or fail (every row would be too long; the files
/// hold them all), why the failing cells fail, the engines that could not run, and the summary.
/// Differing rows are yellow and failing cells red when `color`; a `≠` marks differing rows
/// either way.
pub fn table(matrix: &Matrix, color: bool) -> String {
    let paint = |code: &str, text: &str| report::paint(color, code, text);
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
            let mut line = format!("{mark} {:<id_width$}", report::clip_left(&row.id, id_width));
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
    let failures = Failures::of(matrix);
    for FailingCell { engine, row, cell } in &failures.cells {
        let _ = writeln!(out, "\n{} {engine} {}", paint("31", "FAIL"), row.id);
        let _ = writeln!(out, "     {}", row.about);
        for problem in cell.problems() {
            let _ = writeln!(out, "     {}", problem.heading(engine));
            if let Problem::Diff(diff) = problem {
                report::write_diff(&mut out, diff, color);
            }
        }
        for line in cell.evidence() {
            let _ = writeln!(out, "     {line}");
        }
    }
    for SharedError { engine, error, scenarios: count } in &failures.shared {
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
