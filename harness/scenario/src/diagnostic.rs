//! Errors that point at the exact spot: file, line, column, the source line, what was expected.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// One problem in a scenario file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Where, as a byte range of the file.
    pub span: Range<usize>,
    /// What is wrong.
    pub message: String,
    /// What was expected instead.
    pub expected: Option<String>,
}

/// A scenario file that could not be loaded: every problem found in it, or why it could not be
/// read at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    path: PathBuf,
    text: String,
    diagnostics: Vec<Diagnostic>,
}

impl ScenarioError {
    pub(crate) fn new(path: &Path, text: &str, mut diagnostics: Vec<Diagnostic>) -> Self {
        diagnostics.sort_by_key(|d| (d.span.start, d.span.end));
        Self { path: path.to_path_buf(), text: text.to_owned(), diagnostics }
    }

    /// A file that could not be read.
    pub(crate) fn unreadable(path: &Path, error: &std::io::Error) -> Self {
        let diagnostic =
            Diagnostic { span: 0..0, message: format!("cannot read the file: {error}"), expected: None };
        Self { path: path.to_path_buf(), text: String::new(), diagnostics: vec![diagnostic] }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every problem, in file order.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// The first problem's line, from 1.
    pub fn line(&self) -> usize {
        self.position(self.first().span.start).0
    }

    /// The first problem's column, from 1, in characters.
    pub fn column(&self) -> usize {
        self.position(self.first().span.start).1
    }

    /// The first problem's message.
    pub fn message(&self) -> &str {
        &self.first().message
    }

    fn first(&self) -> &Diagnostic {
        &self.diagnostics[0]
    }

    /// (line, column) of a byte offset, both from 1.
    fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = self.text.get(..offset).unwrap_or("");
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |start| start.chars().count()) + 1;
        (line, column)
    }

    /// Every problem as `path:line:column: message`, the source line with the spot underlined,
    /// and what was expected; with ANSI colours when `color` is set.
    pub fn render(&self, color: bool) -> String {
        let paint = |code: &str, text: &str| {
            if color { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_owned() }
        };
        let mut out = String::new();
        for (index, diagnostic) in self.diagnostics.iter().enumerate() {
            if index > 0 {
                out.push('\n');
            }
            let (line, column) = self.position(diagnostic.span.start);
            out.push_str(&format!(
                "{}: {}\n  --> {}:{line}:{column}\n",
                paint("1;31", "error"),
                diagnostic.message,
                self.path.display()
            ));
            let Some(source) = self.text.lines().nth(line - 1) else {
                if let Some(expected) = &diagnostic.expected {
                    out.push_str(&format!("  = expected {expected}\n"));
                }
                continue;
            };
            let gutter = " ".repeat(line.to_string().len());
            let width = self.underline_width(diagnostic, source, column);
            out.push_str(&format!("{gutter} |\n{line} | {source}\n{gutter} | "));
            out.push_str(&" ".repeat(column - 1));
            out.push_str(&paint("1;31", &"^".repeat(width)));
            if let Some(expected) = &diagnostic.expected {
                out.push(' ');
                out.push_str(&paint("1", &format!("expected {expected}")));
            }
            out.push('\n');
        }
        out
    }

    /// The span's width in characters on its first line (at least one caret).
    fn underline_width(&self, diagnostic: &Diagnostic, source: &str, column: usize) -> usize {
        let spanned = self.text.get(diagnostic.span.clone()).unwrap_or("");
        let on_line = spanned.split('\n').next().unwrap_or("").chars().count();
        let room = source.chars().count().saturating_sub(column - 1);
        on_line.min(room).max(1)
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.render(false).trim_end())
    }
}

impl std::error::Error for ScenarioError {}
