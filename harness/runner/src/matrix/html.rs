//! The matrix as one self-contained HTML page: every row, with buttons that hide the ones that
//! neither differ nor fail, then every scenario's Network view ([`picture`]).

mod picture;

use std::fmt::Write as _;

use super::{Cell, ColumnState, EngineRun, Matrix, Problem};
use crate::fate::Glance;
use crate::report::escape_markup as html;

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
/// rows that differ, or that differ or fail; then each scenario's requests as a Network tab
/// shows them, searchable and filtered by outcome, engine and topic. A matrix of one engine's
/// run is that engine's page.
pub fn html_report(matrix: &Matrix) -> String {
    let mut out = String::from("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    let names: Vec<&str> = matrix.engines.iter().map(|column| column.engine.as_str()).collect();
    let _ = writeln!(out, "<title>corsproof: {}</title>", html(&names.join(", ")));
    let _ = writeln!(out, "<style>\n{HTML_STYLE}{}</style>\n</head>\n<body>", picture::PICTURE_STYLE);
    match names.as_slice() {
        [engine] => {
            let _ = writeln!(out, "<h1>corsproof: {}</h1>", html(engine));
        }
        _ => out.push_str("<h1>corsproof: one scenario, every engine</h1>\n"),
    }
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
    out.push_str(&picture::network_view(matrix));
    let _ = writeln!(out, "<script>{HTML_SCRIPT}{}</script>\n</body>\n</html>", picture::PICTURE_SCRIPT);
    out
}

/// One engine's own page: the matrix of its run alone, so its Network view shows only its
/// requests; `None` when the engine could not run (the matrix page says why).
pub fn engine_html_report(run: &EngineRun<'_>, load_errors: Vec<String>) -> Option<String> {
    let (report, _) = run.outcome.ok()?;
    Some(html_report(&Matrix::build(std::slice::from_ref(run), load_errors, report.elapsed)))
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
    let fates: Vec<String> = cell.fates().unwrap_or_default().iter().map(Glance::to_string).collect();
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
        let evidence = cell.evidence();
        if !evidence.is_empty() {
            let _ = write!(out, "<pre>{}</pre>", html(&evidence.join("\n")));
        }
        out.push_str("</details>");
    }
    out.push_str("</td>");
    out
}
