//! Errors that say where: the line and column of the node at fault, what is wrong, what was
//! expected there and the node's JSON pointer; rendered like the scenario loader's and the HAR
//! reader's errors, with the source line and a caret.

use std::fmt;

use crate::tree::Position;

/// One thing wrong with a document, at the node at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    /// The line, from 1.
    pub line: usize,
    /// The column, from 1, in characters.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// What was expected there instead.
    pub expected: Option<String>,
    /// The JSON pointer of the node at fault (`/paths/~1items~1{id}/get/parameters/0`), when
    /// the document was read far enough to have nodes.
    pub pointer: Option<String>,
}

impl ReadError {
    pub(crate) fn new(at: Position, message: impl Into<String>) -> Self {
        ReadError {
            line: at.line.max(1),
            column: at.column.max(1),
            message: message.into(),
            expected: None,
            pointer: None,
        }
    }

    pub(crate) fn expected(mut self, expected: impl Into<String>) -> Self {
        self.expected = Some(expected.into());
        self
    }

    pub(crate) fn pointer(mut self, pointer: &str) -> Self {
        self.pointer = Some(if pointer.is_empty() { "/".to_owned() } else { pointer.to_owned() });
        self
    }

    /// The error as `FILE:LINE:COLUMN: message`, the source line (shortened around the column
    /// when long) with a caret under the spot, and `= expected ...`. `text` is the document the
    /// error came from.
    ///
    /// ```
    /// let errors = corsproof_openapi::read("openapi: 3.0.3\npaths: [1, 2]\n").unwrap_err();
    /// let shown = errors.0[0].render("api.yaml", "openapi: 3.0.3\npaths: [1, 2]\n");
    /// assert_eq!(
    ///     shown,
    ///     "api.yaml:2:8: `paths` is a sequence\n  |\n2 | paths: [1, 2]\n  |        ^\n  \
    ///      = expected a mapping of paths (`/items/{id}`) to their path items\n"
    /// );
    /// ```
    pub fn render(&self, file: &str, text: &str) -> String {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let gutter = " ".repeat(self.line.to_string().len());
        let mut out = format!("{file}:{}:{}: {}\n", self.line, self.column, self.message);
        if let Some(source) = text.split('\n').nth(self.line - 1) {
            let (shown, caret) = excerpt(source, self.column);
            out.push_str(&format!(
                "{gutter} |\n{} | {shown}\n{gutter} | {}^\n",
                self.line,
                " ".repeat(caret)
            ));
        }
        if let Some(expected) = &self.expected {
            out.push_str(&format!("{gutter} = expected {expected}\n"));
        }
        out
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)?;
        if let Some(expected) = &self.expected {
            write!(f, " (expected {expected})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ReadError {}

/// Every error found in a document, in document order: the first [`ReadErrors::KEPT`], and
/// how many more there were.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadErrors(
    /// The errors kept, in document order; never empty.
    pub Vec<ReadError>,
    /// How many more errors were found and left out.
    pub usize,
);

impl ReadErrors {
    /// How many errors are kept; a broken document can have thousands and the first few say
    /// what is wrong.
    pub const KEPT: usize = 20;

    /// Sorts the errors into document order, drops repeats (a component referenced from many
    /// operations is wrong once) and keeps the first [`ReadErrors::KEPT`].
    pub(crate) fn collect(mut errors: Vec<ReadError>) -> Self {
        errors.sort_by_key(|error| (error.line, error.column));
        errors.dedup_by(|later, earlier| {
            (later.line, later.column, &later.message) == (earlier.line, earlier.column, &earlier.message)
        });
        let left_out = errors.len().saturating_sub(Self::KEPT);
        errors.truncate(Self::KEPT);
        ReadErrors(errors, left_out)
    }

    /// Each error rendered with [`ReadError::render`], then how many were left out.
    pub fn render(&self, file: &str, text: &str) -> String {
        let mut out: String = self.0.iter().map(|error| error.render(file, text)).collect();
        if self.1 > 0 {
            out.push_str(&format!("{file}: {} more {} not shown\n", self.1, errors_word(self.1)));
        }
        out
    }
}

fn errors_word(count: usize) -> &'static str {
    if count == 1 { "error" } else { "errors" }
}

impl fmt::Display for ReadErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, error) in self.0.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        if self.1 > 0 {
            write!(f, "\n{} more {} not shown", self.1, errors_word(self.1))?;
        }
        Ok(())
    }
}

impl std::error::Error for ReadErrors {}

/// A source line cut to at most 100 characters around the column, control characters shown
/// escaped, and where the caret goes under it.
fn excerpt(line: &str, column: usize) -> (String, usize) {
    const WIDTH: usize = 100;
    let characters: Vec<char> = line.trim_end_matches('\r').chars().collect();
    let start = column.saturating_sub(1).saturating_sub(WIDTH / 2).min(characters.len());
    let end = (start + WIDTH).min(characters.len());
    let mut shown = String::new();
    let mut caret = usize::from(start > 0);
    if start > 0 {
        shown.push('…');
    }
    for (index, c) in characters[start..end].iter().enumerate() {
        // A tab is shown as a space so that the caret, counted in characters, stays under it.
        let piece = if *c == '\t' {
            " ".to_owned()
        } else if c.is_control() {
            c.escape_default().to_string()
        } else {
            c.to_string()
        };
        if start + index + 1 < column {
            caret += piece.chars().count();
        }
        shown.push_str(&piece);
    }
    if end < characters.len() {
        shown.push('…');
    }
    (shown, caret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_line_is_cut_around_the_column_and_the_caret_follows() {
        let line = format!("{}X{}", "a".repeat(300), "b".repeat(300));
        let (shown, caret) = excerpt(&line, 301);
        assert_eq!(shown.chars().nth(caret), Some('X'));
        assert!(shown.starts_with('…') && shown.ends_with('…'));
        assert!(shown.chars().count() <= 102);
    }

    #[test]
    fn tabs_and_control_characters_keep_the_caret_under_its_character() {
        let (shown, caret) = excerpt("\t\u{1}key: x", 3);
        assert_eq!(shown, " \\u{1}key: x");
        assert_eq!(shown.chars().nth(caret), Some('k'));
    }

    #[test]
    fn repeats_are_dropped_and_the_rest_counted() {
        let error = |line| ReadError::new(Position { line, column: 1 }, "wrong");
        let mut errors: Vec<ReadError> = (1..=30).rev().map(error).collect();
        errors.push(error(3));
        let collected = ReadErrors::collect(errors);
        assert_eq!(collected.0.len(), ReadErrors::KEPT);
        assert_eq!(collected.1, 10);
        assert_eq!(collected.0[0].line, 1);
        assert!(collected.to_string().ends_with("\n10 more errors not shown"), "{collected}");
    }
}
