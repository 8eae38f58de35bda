//! Reading a HAR file's text, with errors that say where: the line and column of a JSON syntax
//! error and what was expected there, or the path of the field a HAR needs and does not have
//! (`log.entries[3].response.status`) and where its object starts.
//!
//! The model's structs keep unknown fields (`#[serde(flatten)]`), which hides the path of an
//! error from serde; so the text is first read as JSON, then the model is tried object by object
//! (`narrow`) down to the smallest one that does not fit, and the offending field is found in
//! it by the model itself. The model stays the one description of what a HAR needs.

use std::fmt;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::model::{Cookie, CorsproofNote, Creator, Entry, Har, Header, Log, Page, Request, Response};

/// A text that is not a HAR file: where, what is wrong and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HarError {
    /// The line, from 1.
    pub line: usize,
    /// The column, from 1, in characters.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// What was expected there instead.
    pub expected: Option<String>,
    /// The JSON path of the field at fault (`log.entries[3].response.status`), when the text is
    /// JSON but not a HAR.
    pub path: Option<String>,
    /// The source line, shortened around the column, for the caret under it.
    source_line: Option<(String, usize)>,
}

impl HarError {
    fn at(
        text: &str,
        offset: usize,
        message: String,
        expected: Option<String>,
        path: Option<String>,
    ) -> Self {
        let (line, column) = position(text, offset);
        let source_line = text.lines().nth(line - 1).map(|source| excerpt(source, column));
        HarError { line, column, message, expected, path, source_line }
    }

    /// The error as `FILE:LINE:COLUMN: message`, the source line with the spot marked, and what
    /// was expected, as the scenario loader prints its errors.
    ///
    /// ```
    /// let error = corsproof_har::read::read("{\"log\": {\"entries\": [}}").unwrap_err();
    /// let text = error.render("a.har");
    /// assert!(text.starts_with("a.har:1:22: not valid JSON"), "{text}");
    /// ```
    pub fn render(&self, file: &str) -> String {
        let mut out = format!("{file}:{}:{}: {}\n", self.line, self.column, self.message);
        if let Some((source, caret)) = &self.source_line {
            let gutter = " ".repeat(self.line.to_string().len());
            out.push_str(&format!(
                "{gutter} |\n{} | {source}\n{gutter} | {}^\n",
                self.line,
                " ".repeat(*caret)
            ));
        }
        if let Some(expected) = &self.expected {
            let gutter = " ".repeat(self.line.to_string().len());
            out.push_str(&format!("{gutter} = expected {expected}\n"));
        }
        out
    }
}

impl fmt::Display for HarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)?;
        if let Some(expected) = &self.expected {
            write!(f, " (expected {expected})")?;
        }
        Ok(())
    }
}

impl std::error::Error for HarError {}

/// What a HAR file is, for the "expected" of an error about its shape.
const A_HAR: &str = "a HAR file: the JSON object {\"log\": {\"entries\": [...]}} that the developer tools' \
                     \"Save all as HAR\" writes";

/// Reads a HAR file's bytes: UTF-8 (a leading byte-order mark is allowed), then [`read`].
pub fn read_bytes(bytes: &[u8]) -> Result<Har, HarError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => read(text),
        Err(error) => {
            let valid = String::from_utf8_lossy(&bytes[..error.valid_up_to()]).into_owned();
            Err(HarError::at(
                &valid,
                valid.len(),
                "not a text file: this byte is not UTF-8".to_owned(),
                Some(A_HAR.to_owned()),
                None,
            ))
        }
    }
}

/// Reads a HAR file's text.
///
/// ```
/// use corsproof_har::read::read;
///
/// let error = read(r#"{"log": {"entries": [{"request": {"method": "GET", "url": "https://a.example/"},
///   "response": {"statusText": "OK"}}]}}"#).unwrap_err();
/// assert_eq!(error.path.as_deref(), Some("log.entries[0].response.status"));
/// assert_eq!((error.line, error.column), (2, 15));
/// ```
pub fn read(text: &str) -> Result<Har, HarError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(HarError::at(text, 0, "the file is empty".to_owned(), Some(A_HAR.to_owned()), None));
    }
    let value: Value = serde_json::from_str(text).map_err(|error| syntax_error(text, &error))?;
    match Har::deserialize(&value) {
        Ok(har) => Ok(har),
        Err(error) => Err(shape_error(text, &value, &error)),
    }
}

/// A JSON syntax error, at serde_json's line and column.
fn syntax_error(text: &str, error: &serde_json::Error) -> HarError {
    let full = error.to_string();
    let what = full.rsplit_once(" at line ").map_or(full.as_str(), |(what, _)| what);
    let expected = if what == "expected value" {
        "a JSON value: a HAR file starts with `{`".to_owned()
    } else if let Some(rest) = what.strip_prefix("expected ") {
        rest.to_owned()
    } else if what.starts_with("EOF while parsing") {
        "the rest of the file: it ends in the middle (was the export cut off?)".to_owned()
    } else if what == "trailing characters" {
        "the end of the file after the top-level object".to_owned()
    } else if what == "key must be a string" {
        "a key in double quotes".to_owned()
    } else {
        "valid JSON".to_owned()
    };
    let offset = offset_of_position(text, error.line(), error.column());
    let mut located = HarError::at(text, offset, format!("not valid JSON: {what}"), Some(expected), None);
    // serde_json counts the column of the character it stopped at; keep its numbers.
    (located.line, located.column) = (error.line().max(1), error.column().max(1));
    located
}

/// The text is JSON but the model does not read it: find the smallest object at fault and the
/// field in it.
fn shape_error(text: &str, value: &Value, error: &serde_json::Error) -> HarError {
    let mut path = JsonPath::default();
    let problem = narrow(Shape::Har, value, &mut path).unwrap_or_else(|| Problem {
        path: JsonPath::default(),
        message: error.to_string(),
        field_missing: false,
    });
    let shown = problem.path.to_string();
    let offset = problem.path.offset_in(text);
    let subject = if problem.path.0.is_empty() { "the top level".to_owned() } else { format!("`{shown}`") };
    let (message, expected) = if problem.field_missing {
        let field = problem.path.0.last().map_or(String::new(), |segment| match segment {
            Segment::Key(key) => key.clone(),
            Segment::Index(index) => index.to_string(),
        });
        (
            format!("not a HAR file: {subject} is missing"),
            format!("a `{field}` field in this object: HAR 1.2 requires `{shown}`"),
        )
    } else {
        let (found, expected) = split_type_error(&problem.message);
        (format!("not a HAR file: {subject} is {found}"), expected)
    };
    HarError::at(text, offset, message, Some(expected), Some(shown))
}

/// serde's "invalid type: string \"200\", expected u16" as ("a string \"200\"", "u16"), worded
/// for a reader of JSON.
fn split_type_error(message: &str) -> (String, String) {
    let what = message.strip_prefix("invalid type: ").or_else(|| message.strip_prefix("invalid value: "));
    match what.and_then(|what| what.rsplit_once(", expected ")) {
        Some((found, expected)) => {
            let expected = if expected.starts_with("struct ") || expected == "a map" {
                "an object".to_owned()
            } else if expected == "a sequence" {
                "an array".to_owned()
            } else if expected == "u16" {
                "a whole number from 0 to 65535".to_owned()
            } else {
                expected.to_owned()
            };
            (json_words(found), expected)
        }
        None => (message.to_owned(), A_HAR.to_owned()),
    }
}

/// serde's names of JSON values (`map`, `sequence`) in JSON's (`an object`, `an array`).
fn json_words(found: &str) -> String {
    match found {
        "map" => "an object".to_owned(),
        "sequence" => "an array".to_owned(),
        "null" => "null".to_owned(),
        other => format!("a {other}"),
    }
}

/// Which field of which object a model struct could not read.
#[derive(Debug)]
struct Problem {
    path: JsonPath,
    message: String,
    field_missing: bool,
}

/// The model's objects, each read by its own struct: what [`Shape::children`] descends into
/// before blaming an object's own fields.
#[derive(Debug, Clone, Copy)]
enum Shape {
    Har,
    Log,
    Creator,
    Page,
    Entry,
    Request,
    Response,
    Header,
    Cookie,
    Note,
}

impl Shape {
    /// serde's error when the model does not read `value` as this object.
    fn error(self, value: &Value) -> Option<String> {
        fn reads<T: DeserializeOwned>(value: &Value) -> Option<String> {
            T::deserialize(value).err().map(|error| error.to_string())
        }
        match self {
            Shape::Har => reads::<Har>(value),
            Shape::Log => reads::<Log>(value),
            Shape::Creator => reads::<Creator>(value),
            Shape::Page => reads::<Page>(value),
            Shape::Entry => reads::<Entry>(value),
            Shape::Request => reads::<Request>(value),
            Shape::Response => reads::<Response>(value),
            Shape::Header => reads::<Header>(value),
            Shape::Cookie => reads::<Cookie>(value),
            Shape::Note => reads::<CorsproofNote>(value),
        }
    }

    /// The objects nested in this one: the key, their shape, and whether the key holds an array
    /// of them.
    fn children(self) -> &'static [(&'static str, Shape, bool)] {
        match self {
            Shape::Har => &[("log", Shape::Log, false)],
            Shape::Log => &[
                ("creator", Shape::Creator, false),
                ("browser", Shape::Creator, false),
                ("pages", Shape::Page, true),
                ("entries", Shape::Entry, true),
            ],
            Shape::Entry => &[
                ("request", Shape::Request, false),
                ("response", Shape::Response, false),
                ("_corsproof", Shape::Note, false),
            ],
            Shape::Request => &[
                ("headers", Shape::Header, true),
                ("queryString", Shape::Header, true),
                ("cookies", Shape::Cookie, true),
            ],
            Shape::Response => &[("headers", Shape::Header, true), ("cookies", Shape::Cookie, true)],
            Shape::Creator | Shape::Page | Shape::Header | Shape::Cookie | Shape::Note => &[],
        }
    }
}

/// `None` when the model reads `value` as `shape`; else the problem in the first nested object
/// that does not read, or in `value`'s own fields.
fn narrow(shape: Shape, value: &Value, path: &mut JsonPath) -> Option<Problem> {
    let message = shape.error(value)?;
    if !value.is_object() {
        // Every object of the model is a struct, which serde would also read from an array.
        let kind = match value {
            Value::Array(_) => "sequence",
            Value::String(_) => "string",
            Value::Number(_) => "number",
            Value::Bool(_) => "boolean",
            _ => "null",
        };
        let message = format!("invalid type: {kind}, expected an object");
        return Some(Problem { path: path.clone(), message, field_missing: false });
    }
    for (key, child, each) in shape.children() {
        let Some(nested) = value.get(key) else { continue };
        path.0.push(Segment::Key((*key).to_owned()));
        let found = if *each {
            nested.as_array().into_iter().flatten().enumerate().find_map(|(index, item)| {
                path.0.push(Segment::Index(index));
                let found = narrow(*child, item, path);
                path.0.pop();
                found
            })
        } else {
            narrow(*child, nested, path)
        };
        path.0.pop();
        if found.is_some() {
            return found;
        }
    }
    Some(own_field_problem(shape, value, path, &message))
}

/// The field of `value` that `shape` does not read: a missing one serde names, or the one whose
/// removal changes the error (its type is wrong).
fn own_field_problem(shape: Shape, value: &Value, path: &JsonPath, message: &str) -> Problem {
    if let Some(field) = message.strip_prefix("missing field `").and_then(|rest| rest.strip_suffix('`')) {
        let mut path = path.clone();
        path.0.push(Segment::Key(field.to_owned()));
        return Problem { path, message: message.to_owned(), field_missing: true };
    }
    if let Some(object) = value.as_object() {
        for key in object.keys() {
            let mut without = object.clone();
            without.remove(key);
            if shape.error(&Value::Object(without)).as_deref() != Some(message) {
                let mut path = path.clone();
                path.0.push(Segment::Key(key.clone()));
                return Problem { path, message: message.to_owned(), field_missing: false };
            }
        }
    }
    Problem { path: path.clone(), message: message.to_owned(), field_missing: false }
}

/// One step of a JSON path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Key(String),
    Index(usize),
}

/// Where a value is in a JSON document, shown as `log.entries[3].response.status`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct JsonPath(Vec<Segment>);

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(key) if index == 0 => f.write_str(key)?,
                Segment::Key(key) => write!(f, ".{key}")?,
                Segment::Index(position) => write!(f, "[{position}]")?,
            }
        }
        Ok(())
    }
}

impl JsonPath {
    /// The byte offset in `text` (valid JSON) of the value at this path; for a path that ends in
    /// a missing key, of the object that lacks it; the top level's when nothing else is found.
    fn offset_in(&self, text: &str) -> usize {
        let mut scanner = Scanner { text: text.as_bytes(), at: 0 };
        scanner.skip_whitespace();
        for segment in &self.0 {
            let found = match segment {
                Segment::Key(key) => scanner.enter_key(key),
                Segment::Index(index) => scanner.enter_index(*index),
            };
            if !found {
                break;
            }
        }
        scanner.at
    }
}

/// Walks valid JSON text down a path, without building values.
struct Scanner<'a> {
    text: &'a [u8],
    at: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    /// From an object's `{` to the value of `key`; stays at the `{` when it has none.
    fn enter_key(&mut self, key: &str) -> bool {
        let start = self.at;
        if self.peek() != Some(b'{') {
            return false;
        }
        self.at += 1;
        loop {
            self.skip_whitespace();
            if self.peek() != Some(b'"') {
                self.at = start;
                return false;
            }
            let name_start = self.at;
            self.skip_value();
            let name: Option<String> = std::str::from_utf8(&self.text[name_start..self.at])
                .ok()
                .and_then(|raw| serde_json::from_str(raw).ok());
            self.skip_whitespace();
            self.at += 1; // the colon
            self.skip_whitespace();
            if name.as_deref() == Some(key) {
                return true;
            }
            if !self.skip_past_comma() {
                self.at = start;
                return false;
            }
        }
    }

    /// From an array's `[` to its item `index`; stays at the `[` when it is shorter.
    fn enter_index(&mut self, index: usize) -> bool {
        let start = self.at;
        if self.peek() != Some(b'[') {
            return false;
        }
        self.at += 1;
        for _ in 0..index {
            self.skip_whitespace();
            if !self.skip_past_comma() {
                self.at = start;
                return false;
            }
        }
        self.skip_whitespace();
        true
    }

    /// Past a member's or an item's value and the comma after it; `false` at the last one.
    fn skip_past_comma(&mut self) -> bool {
        self.skip_value();
        self.skip_whitespace();
        if self.peek() != Some(b',') {
            return false;
        }
        self.at += 1;
        true
    }

    /// Past one value (string, number, literal, object or array).
    fn skip_value(&mut self) {
        match self.peek() {
            Some(b'"') => {
                self.at += 1;
                while let Some(byte) = self.peek() {
                    self.at += 1;
                    match byte {
                        b'\\' => self.at += 1,
                        b'"' => return,
                        _ => {}
                    }
                }
            }
            Some(b'{' | b'[') => {
                let mut depth = 0usize;
                while let Some(byte) = self.peek() {
                    match byte {
                        b'"' => {
                            self.skip_value();
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                self.at += 1;
                                return;
                            }
                        }
                        _ => {}
                    }
                    self.at += 1;
                }
            }
            _ => {
                while !matches!(self.peek(), None | Some(b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')) {
                    self.at += 1;
                }
            }
        }
    }
}

/// (line, column) of a byte offset, both from 1, the column in characters.
fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |start| start.chars().count()) + 1;
    (line, column)
}

/// The byte offset of serde_json's (line, column) (its column counts bytes from 1; 0 at a
/// line's start).
fn offset_of_position(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
    floor_char_boundary(text, line_start + column.saturating_sub(1))
}

fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// At most 100 characters of `line` around `column` (a minified HAR is one long line), control
/// characters escaped, and where the caret goes under it.
fn excerpt(line: &str, column: usize) -> (String, usize) {
    const WIDTH: usize = 100;
    let characters: Vec<char> = line.trim_end_matches('\r').chars().collect();
    let start = column.saturating_sub(1).saturating_sub(WIDTH / 2).min(characters.len());
    let end = (start + WIDTH).min(characters.len());
    let shown: String = characters[start..end]
        .iter()
        .map(|c| if c.is_control() && *c != '\t' { c.escape_default().to_string() } else { c.to_string() })
        .collect();
    let ellipsis = if start > 0 { "…" } else { "" };
    (format!("{ellipsis}{shown}"), column.saturating_sub(1) - start + usize::from(start > 0))
}
