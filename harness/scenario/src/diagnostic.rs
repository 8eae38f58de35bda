//! Errors that point at the exact spot: file, line, column, the source line, what was expected.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::str::Utf8Error;

/// One problem in a scenario file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Where, as a byte range of the file.
    pub span: Range<usize>,
    /// The line of the span's start, from 1.
    pub line: usize,
    /// The column of the span's start, from 1, in characters.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// What was expected instead.
    pub expected: Option<String>,
}

impl Diagnostic {
    /// A problem not yet located in lines and columns ([`ScenarioError`] does that).
    pub(crate) fn new(span: Range<usize>, message: impl Into<String>, expected: Option<String>) -> Self {
        Self { span, line: 0, column: 0, message: message.into(), expected }
    }
}

/// A scenario file that could not be loaded: every problem found in it, or why it could not be
/// read at all.
///
/// `Display` is the plain rendering of [`render`](Self::render) (no colours).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    path: PathBuf,
    text: String,
    /// Never empty.
    diagnostics: Vec<Diagnostic>,
    /// The file could not be read: there is no line to show.
    unreadable: bool,
}

impl ScenarioError {
    /// Every problem of `text`, sorted by position and located; at least one.
    pub(crate) fn new(path: &Path, text: &str, mut diagnostics: Vec<Diagnostic>) -> Self {
        if diagnostics.is_empty() {
            diagnostics.push(Diagnostic::new(0..0, "this file could not be loaded", None));
        }
        for diagnostic in &mut diagnostics {
            let start = floor_char_boundary(text, diagnostic.span.start);
            let end = floor_char_boundary(text, diagnostic.span.end.max(start));
            diagnostic.span = start..end;
            (diagnostic.line, diagnostic.column) = position(text, start);
        }
        diagnostics.sort_by_key(|d| (d.span.start, d.span.end));
        diagnostics.dedup();
        Self { path: path.to_path_buf(), text: text.to_owned(), diagnostics, unreadable: false }
    }

    /// A file that could not be read.
    pub(crate) fn unreadable(path: &Path, error: &std::io::Error) -> Self {
        // The two a user meets, in words rather than the system's `(os error 2)`.
        let why = match error.kind() {
            std::io::ErrorKind::NotFound => "there is no such file or folder".to_owned(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
            _ => error.to_string(),
        };
        let diagnostic = Diagnostic {
            span: 0..0,
            line: 1,
            column: 1,
            message: format!("cannot read the file: {why}"),
            expected: Some("a readable UTF-8 text file".into()),
        };
        Self {
            path: path.to_path_buf(),
            text: String::new(),
            diagnostics: vec![diagnostic],
            unreadable: true,
        }
    }

    /// A file that is not UTF-8 where `error` says, located at its first bad byte. Its line is
    /// shown as a lossy reading shows it, the bad bytes as one U+FFFD: the text before them is
    /// the same, and so are the line and the column.
    pub(crate) fn not_utf8(path: &Path, bytes: &[u8], error: Utf8Error) -> Self {
        let start = error.valid_up_to();
        let bad_len = error.error_len().unwrap_or(bytes.len() - start);
        let bad: Vec<String> =
            bytes[start..start + bad_len].iter().map(|byte| format!("0x{byte:02X}")).collect();
        let message = match error.error_len() {
            Some(1) => format!("the byte {} is not UTF-8", bad.join(" ")),
            Some(_) => format!("the bytes {} are not UTF-8", bad.join(" ")),
            None => format!("the file ends inside a UTF-8 character ({})", bad.join(" ")),
        };
        let text = String::from_utf8_lossy(bytes);
        let diagnostic = Diagnostic::new(
            start..start + char::REPLACEMENT_CHARACTER.len_utf8(),
            message,
            Some("UTF-8 text, as TOML requires (save the file as UTF-8)".into()),
        );
        Self::new(path, &text, vec![diagnostic])
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every problem, in file order, each with its line and column.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// The first problem's line, from 1.
    pub fn line(&self) -> usize {
        self.first().line
    }

    /// The first problem's column, from 1, in characters.
    pub fn column(&self) -> usize {
        self.first().column
    }

    /// The first problem's message.
    pub fn message(&self) -> &str {
        &self.first().message
    }

    /// What the first problem expected instead, when it says.
    pub fn expected(&self) -> Option<&str> {
        self.first().expected.as_deref()
    }

    fn first(&self) -> &Diagnostic {
        &self.diagnostics[0]
    }

    /// Every problem as a `path:line:column: message` line, the source line with the spot
    /// underlined, and what was expected; with ANSI colours only when `color` is set.
    ///
    /// ```text
    /// scenarios/a.toml:9:15: `includ` is not a value of `credentials`
    ///   |
    /// 9 | credentials = "includ"
    ///   |               ^^^^^^^^
    ///   = expected one of `omit`, `same-origin`, `include`
    /// ```
    pub fn render(&self, color: bool) -> String {
        let paint = |code: &str, text: &str| {
            if color { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_owned() }
        };
        let mut out = String::new();
        // One gutter width for the whole file, so that its problems line up.
        let widest = self.diagnostics.iter().map(|d| d.line).max().unwrap_or(1).to_string().len();
        let gutter = " ".repeat(widest);
        for (index, diagnostic) in self.diagnostics.iter().enumerate() {
            if index > 0 {
                out.push('\n');
            }
            let (line, column) = (diagnostic.line, diagnostic.column);
            let path = visible(&self.path.display().to_string());
            let place = if self.unreadable { format!("{path}:") } else { format!("{path}:{line}:{column}:") };
            out.push_str(&format!(
                "{} {}\n",
                paint("1", &place),
                paint("1;31", &visible(&diagnostic.message))
            ));
            let source = if self.unreadable { None } else { self.text.lines().nth(line - 1) };
            if let Some(source) = source {
                let source = source.strip_suffix('\r').unwrap_or(source);
                let spanned = self.text.get(diagnostic.span.clone()).unwrap_or("");
                let spanned = spanned.split('\n').next().unwrap_or("").trim_end_matches('\r');
                // Tabs before the spot are kept, and control characters shown escaped, so that
                // the carets line up under it.
                let mut padding = String::new();
                for c in source.chars().take(column - 1) {
                    match c {
                        '\t' => padding.push('\t'),
                        c => padding.push_str(&" ".repeat(visible_char(c).chars().count())),
                    }
                }
                let width: usize = spanned.chars().map(|c| visible_char(c).chars().count()).sum();
                out.push_str(&format!(
                    "{gutter} |\n{line:>widest$} | {}\n{gutter} | {padding}",
                    visible(source)
                ));
                out.push_str(&paint("1;31", &"^".repeat(width.max(1))));
                out.push('\n');
            }
            if let Some(expected) = &diagnostic.expected {
                out.push_str(&format!("{gutter} = {} {}\n", paint("1", "expected"), visible(expected)));
            }
        }
        out
    }
}

/// `text` with control characters (but tabs) escaped, so that a file cannot drive the terminal.
fn visible(text: &str) -> String {
    text.chars().map(visible_char).collect()
}

fn visible_char(c: char) -> String {
    if c.is_control() && c != '\t' { c.escape_default().to_string() } else { c.to_string() }
}

/// (line, column) of a byte offset, both from 1, the column in characters.
fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |start| start.chars().count()) + 1;
    (line, column)
}

/// The largest char boundary of `text` at or before `offset`.
fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.render(false).trim_end())
    }
}

impl std::error::Error for ScenarioError {}
