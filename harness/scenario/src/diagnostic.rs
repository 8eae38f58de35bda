//! Errors that point at the exact spot: file, line, column, the source line, what was expected.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::str::Utf8Error;

use crate::limits::{MAX_FILE_BYTES, file_too_large};

/// The most problems kept and shown for one file; the rest are counted ("and 7 more errors").
/// A generated file can hold hundreds of thousands of the same mistake, and the first few say
/// what is wrong; each shown problem costs a pass over the file to place it.
pub const MAX_ERRORS_SHOWN: usize = 20;

/// The most characters of a source line shown under a problem: a window around its column,
/// marked `…` where the line goes on, so that a megabyte-long line is not copied into every
/// error.
pub const MAX_SHOWN_LINE_CHARS: usize = 120;

/// The most characters of a problem's message or expectation shown: they quote the file's own
/// keys and values, which may be long.
pub const MAX_SHOWN_MESSAGE_CHARS: usize = 600;

/// How many characters of the line the window shows before the column, when it cannot show all.
const WINDOW_BEFORE_COLUMN: usize = 40;

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
    /// Never empty; at most [`MAX_ERRORS_SHOWN`].
    diagnostics: Vec<Diagnostic>,
    /// How many problems were found beyond those kept.
    more: usize,
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
        }
        diagnostics.sort_by(|a, b| {
            (a.span.start, a.span.end, &a.message, &a.expected).cmp(&(
                b.span.start,
                b.span.end,
                &b.message,
                &b.expected,
            ))
        });
        diagnostics.dedup();
        let more = diagnostics.len().saturating_sub(MAX_ERRORS_SHOWN);
        diagnostics.truncate(MAX_ERRORS_SHOWN);
        // Placed only once kept: each placement reads the file up to the problem.
        for diagnostic in &mut diagnostics {
            (diagnostic.line, diagnostic.column) = position(text, diagnostic.span.start);
        }
        Self { path: path.to_path_buf(), text: text.to_owned(), diagnostics, more, unreadable: false }
    }

    /// A file larger than [`MAX_FILE_BYTES`], of which `read` are the first bytes (at least the
    /// limit's worth): the problem sits where the file passes the limit, its line shown as a
    /// lossy reading shows it. `size` is the whole file's, when known.
    pub(crate) fn too_large(path: &Path, read: &[u8], size: Option<u64>) -> Self {
        let text = String::from_utf8_lossy(&read[..read.len().min(MAX_FILE_BYTES)]);
        Self::new(path, &text, vec![file_too_large(size)])
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
            more: 0,
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

    /// Every problem kept, in file order, each with its line and column: the first
    /// [`MAX_ERRORS_SHOWN`] of the file.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// How many more problems the file has than [`diagnostics`](Self::diagnostics) keeps.
    pub fn more_errors(&self) -> usize {
        self.more
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
    /// underlined, and what was expected; with ANSI colours only when `color` is set. A long
    /// line is shown as a window of [`MAX_SHOWN_LINE_CHARS`] around the spot, and the problems
    /// beyond [`MAX_ERRORS_SHOWN`] are counted at the end.
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
                paint("1;31", &visible(&clip(&diagnostic.message)))
            ));
            let source = if self.unreadable { None } else { self.text.lines().nth(line - 1) };
            if let Some(source) = source {
                let source = source.strip_suffix('\r').unwrap_or(source);
                let spanned = self.text.get(diagnostic.span.clone()).unwrap_or("");
                let spanned = spanned.split('\n').next().unwrap_or("").trim_end_matches('\r');
                let window = Window::around(source, column - 1, spanned.chars().count());
                // Tabs before the spot are kept, and control characters shown escaped, so that
                // the carets line up under it.
                let mut padding = " ".repeat(window.opening.chars().count());
                for c in window.before_spot.chars() {
                    match c {
                        '\t' => padding.push('\t'),
                        c => padding.push_str(&" ".repeat(visible_char(c).chars().count())),
                    }
                }
                let width: usize = window.spot.chars().map(|c| visible_char(c).chars().count()).sum();
                out.push_str(&format!(
                    "{gutter} |\n{line:>widest$} | {}{}{}{}\n{gutter} | {padding}",
                    window.opening,
                    visible(window.before_spot),
                    visible(window.rest),
                    window.closing,
                ));
                out.push_str(&paint("1;31", &"^".repeat(width.max(1))));
                out.push('\n');
            }
            if let Some(expected) = &diagnostic.expected {
                out.push_str(&format!(
                    "{gutter} = {} {}\n",
                    paint("1", "expected"),
                    visible(&clip(expected))
                ));
            }
        }
        if self.more > 0 {
            let errors = if self.more == 1 { "error" } else { "errors" };
            out.push_str(&format!(
                "\n{}\n",
                paint("1", &format!("and {} more {errors} in this file", self.more))
            ));
        }
        out
    }
}

/// The part of a source line shown under a problem: all of it when it is short, else
/// [`MAX_SHOWN_LINE_CHARS`] characters around the spot, with `…` where the line goes on.
struct Window<'s> {
    /// `…` when the line goes on before the window.
    opening: &'static str,
    /// The window's characters before the spot.
    before_spot: &'s str,
    /// The window's characters from the spot on; `spot` is their start.
    rest: &'s str,
    /// The spot's characters that are in the window.
    spot: &'s str,
    /// `…` when the line goes on after the window.
    closing: &'static str,
}

impl<'s> Window<'s> {
    /// The window of `line` around the spot of `spot_chars` characters at character `column`.
    fn around(line: &'s str, column: usize, spot_chars: usize) -> Self {
        let length = line.chars().count();
        let (first, end) = if length <= MAX_SHOWN_LINE_CHARS {
            (0, length)
        } else {
            let first = column.saturating_sub(WINDOW_BEFORE_COLUMN).min(length - MAX_SHOWN_LINE_CHARS);
            (first, first + MAX_SHOWN_LINE_CHARS)
        };
        let column = column.clamp(first, end);
        let at = |chars: usize| line.char_indices().nth(chars).map_or(line.len(), |(index, _)| index);
        let (first_byte, column_byte, end_byte) = (at(first), at(column), at(end));
        let spot_end = at(column.saturating_add(spot_chars).min(end));
        Self {
            opening: if first > 0 { "…" } else { "" },
            before_spot: &line[first_byte..column_byte],
            rest: &line[column_byte..end_byte],
            spot: &line[column_byte..spot_end],
            closing: if end < length { "…" } else { "" },
        }
    }
}

/// `text` cut to [`MAX_SHOWN_MESSAGE_CHARS`], with `…` where it was cut.
fn clip(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(MAX_SHOWN_MESSAGE_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]).into(),
        None => text.into(),
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
