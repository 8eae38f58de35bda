//! The matrix as Markdown, for a pull request or a wiki: every row, then why each failing cell
//! fails.

use std::fmt::Write as _;

use super::{ColumnState, FailingCell, Failures, Matrix, Problem, SharedError};

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
    let explained = Failures::of(matrix);
    for FailingCell { engine, row, cell } in &explained.cells {
        let _ = writeln!(failures, "\n### {}: {}\n", markdown(engine), markdown(&row.id));
        let _ = writeln!(failures, "{}\n", markdown(&row.about));
        for problem in cell.problems() {
            let _ = writeln!(failures, "- {}", markdown(&problem.heading(engine)));
            if let Problem::Diff(diff) = problem {
                let _ = write!(failures, "\n{}", fenced(diff));
            }
        }
        let evidence = cell.evidence();
        if !evidence.is_empty() {
            let _ = write!(failures, "\n{}", fenced(&evidence.join("\n")));
        }
    }
    for SharedError { engine, error, scenarios: count } in &explained.shared {
        let _ = write!(
            failures,
            "\n### {}: {count} scenarios could not run\n\n{}",
            markdown(engine),
            fenced(&error.to_string())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_text_cannot_start_markup_or_close_its_fence() {
        assert_eq!(markdown("`x` <b> *y* [z](u) & \\"), "\\`x\\` \\<b\\> \\*y\\* \\[z\\](u) \\& \\\\");
        assert_eq!(fenced("a ``` b"), "````\na ``` b\n````\n");
    }
}
