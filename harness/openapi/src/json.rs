//! A JSON document (RFC 8259) read into the located [`Node`] tree. JSON is read on its own
//! rather than as YAML: YAML refuses a tab where JSON allows it, and has no surrogate pairs in
//! `\u` escapes, both of which real JSON descriptions use.

use std::collections::HashSet;

use crate::error::ReadError;
use crate::tree::{Entry, Node, Position, Value};
use crate::yaml::MAX_DEPTH;

/// Reads `text` as one JSON value. A syntax error ends the reading; duplicate keys are collected
/// in `errors` and reading goes on.
pub(crate) fn read(text: &str, errors: &mut Vec<ReadError>) -> Result<Node, ReadError> {
    let mut reader = Reader { text, offset: 0, at: Position { line: 1, column: 1 }, errors };
    reader.whitespace();
    let node = reader.value(0)?;
    reader.whitespace();
    if reader.peek().is_some() {
        return Err(reader.fail("not valid JSON: more after the document's value", "the end of the file"));
    }
    Ok(node)
}

struct Reader<'a, 'e> {
    text: &'a str,
    offset: usize,
    at: Position,
    errors: &'e mut Vec<ReadError>,
}

impl Reader<'_, '_> {
    fn peek(&self) -> Option<char> {
        self.text[self.offset..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.offset += c.len_utf8();
        if c == '\n' {
            self.at = Position { line: self.at.line + 1, column: 1 };
        } else {
            self.at.column += 1;
        }
        Some(c)
    }

    fn whitespace(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t' | '\n' | '\r')) {
            self.bump();
        }
    }

    fn fail(&self, message: &str, expected: &str) -> ReadError {
        ReadError::new(self.at, message).expected(expected)
    }

    /// The message for the character at the cursor when something else was expected.
    fn unexpected(&self, expected: &str) -> ReadError {
        let message = match self.peek() {
            None => "not valid JSON: the file ends in the middle of a value".to_owned(),
            Some(c) => format!("not valid JSON: unexpected {}", shown(c)),
        };
        ReadError::new(self.at, message).expected(expected)
    }

    fn value(&mut self, depth: usize) -> Result<Node, ReadError> {
        let at = self.at;
        let value = match self.peek() {
            Some('{') => {
                self.deeper(depth)?;
                self.object(depth)?
            }
            Some('[') => {
                self.deeper(depth)?;
                self.array(depth)?
            }
            Some('"') => Value::Scalar { text: self.string()?, quoted: true },
            Some('-' | '0'..='9') => Value::Scalar { text: self.number()?, quoted: false },
            Some('t' | 'f' | 'n') => Value::Scalar { text: self.literal()?, quoted: false },
            _ => {
                return Err(self.unexpected("a value: an object, array, string, number, true, false or null"));
            }
        };
        Ok(Node { value, at })
    }

    fn deeper(&self, depth: usize) -> Result<(), ReadError> {
        if depth >= MAX_DEPTH {
            Err(self.fail(&format!("nested more than {MAX_DEPTH} levels deep"), "a shallower document"))
        } else {
            Ok(())
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, ReadError> {
        self.bump();
        let mut entries = Vec::new();
        let mut keys = HashSet::new();
        self.whitespace();
        if self.peek() == Some('}') {
            self.bump();
            return Ok(Value::Mapping(entries));
        }
        loop {
            self.whitespace();
            if self.peek() != Some('"') {
                return Err(self.unexpected("a key in double quotes"));
            }
            let key_at = self.at;
            let key = self.string()?;
            self.whitespace();
            if self.peek() != Some(':') {
                return Err(self.unexpected("`:` after the key"));
            }
            self.bump();
            self.whitespace();
            let value = self.value(depth + 1)?;
            if keys.insert(key.clone()) {
                entries.push(Entry { key, key_at, value });
            } else {
                self.errors.push(
                    ReadError::new(key_at, format!("the key `{key}` appears twice in this object"))
                        .expected("each key once: the second one is left out"),
                );
            }
            self.whitespace();
            match self.peek() {
                Some(',') => {
                    self.bump();
                }
                Some('}') => {
                    self.bump();
                    return Ok(Value::Mapping(entries));
                }
                _ => return Err(self.unexpected("`,` or `}` after the member")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, ReadError> {
        self.bump();
        let mut items = Vec::new();
        self.whitespace();
        if self.peek() == Some(']') {
            self.bump();
            return Ok(Value::Sequence(items));
        }
        loop {
            self.whitespace();
            items.push(self.value(depth + 1)?);
            self.whitespace();
            match self.peek() {
                Some(',') => {
                    self.bump();
                }
                Some(']') => {
                    self.bump();
                    return Ok(Value::Sequence(items));
                }
                _ => return Err(self.unexpected("`,` or `]` after the element")),
            }
        }
    }

    fn string(&mut self) -> Result<String, ReadError> {
        self.bump();
        let mut out = String::new();
        loop {
            match self.peek() {
                None => return Err(self.unexpected("`\"` to end the string")),
                Some('"') => {
                    self.bump();
                    return Ok(out);
                }
                Some('\\') => {
                    let escape_at = self.at;
                    self.bump();
                    let c = match self.bump() {
                        Some('"') => '"',
                        Some('\\') => '\\',
                        Some('/') => '/',
                        Some('b') => '\u{8}',
                        Some('f') => '\u{c}',
                        Some('n') => '\n',
                        Some('r') => '\r',
                        Some('t') => '\t',
                        Some('u') => self.unicode_escape(escape_at)?,
                        _ => {
                            return Err(ReadError::new(escape_at, "not valid JSON: an unknown escape")
                                .expected("one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX"));
                        }
                    };
                    out.push(c);
                }
                Some(c) if c < ' ' => {
                    return Err(self.fail(
                        &format!("not valid JSON: {} inside a string", shown(c)),
                        "the character escaped (\\n, \\t, \\u0000)",
                    ));
                }
                Some(c) => {
                    self.bump();
                    out.push(c);
                }
            }
        }
    }

    /// The four hex digits after `\u`, and the low half of a surrogate pair after a high one.
    fn unicode_escape(&mut self, escape_at: Position) -> Result<char, ReadError> {
        let high = self.hex4()?;
        let lone = || {
            ReadError::new(escape_at, "not valid JSON: a lone surrogate in a \\u escape")
                .expected("a \\uD800-\\uDBFF escape followed by a \\uDC00-\\uDFFF one")
        };
        let code = if (0xD800..0xDC00).contains(&high) {
            if !self.text[self.offset..].starts_with("\\u") {
                return Err(lone());
            }
            self.bump();
            self.bump();
            let low = self.hex4()?;
            if !(0xDC00..0xE000).contains(&low) {
                return Err(lone());
            }
            0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00..0xE000).contains(&high) {
            return Err(lone());
        } else {
            high
        };
        char::from_u32(code).ok_or_else(lone)
    }

    fn hex4(&mut self) -> Result<u32, ReadError> {
        let mut code = 0;
        for _ in 0..4 {
            let digit = self.peek().and_then(|c| c.to_digit(16));
            let Some(digit) = digit else {
                return Err(self.unexpected("four hex digits after \\u"));
            };
            self.bump();
            code = code * 16 + digit;
        }
        Ok(code)
    }

    fn number(&mut self) -> Result<String, ReadError> {
        let start = self.offset;
        if self.peek() == Some('-') {
            self.bump();
        }
        match self.peek() {
            Some('0') => {
                self.bump();
            }
            Some('1'..='9') => self.digits(),
            _ => return Err(self.unexpected("a digit")),
        }
        if self.peek() == Some('.') {
            self.bump();
            self.first_digit()?;
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            self.bump();
            if matches!(self.peek(), Some('+' | '-')) {
                self.bump();
            }
            self.first_digit()?;
        }
        Ok(self.text[start..self.offset].to_owned())
    }

    fn first_digit(&mut self) -> Result<(), ReadError> {
        if !matches!(self.peek(), Some('0'..='9')) {
            return Err(self.unexpected("a digit"));
        }
        self.digits();
        Ok(())
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some('0'..='9')) {
            self.bump();
        }
    }

    fn literal(&mut self) -> Result<String, ReadError> {
        for word in ["true", "false", "null"] {
            if self.text[self.offset..].starts_with(word) {
                for _ in 0..word.len() {
                    self.bump();
                }
                return Ok(word.to_owned());
            }
        }
        Err(self.unexpected("a value: an object, array, string, number, true, false or null"))
    }
}

/// A character named for a message: printable ones quoted, others by their code.
fn shown(c: char) -> String {
    if c.is_control() || c.is_whitespace() {
        format!("character U+{:04X}", u32::from(c))
    } else {
        format!("`{c}`")
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// JSON tokens, right and wrong, which arbitrary strings would rarely put together. No
    /// exponents: serde_json refuses `1e999` as out of range, where this reader keeps the text.
    const TOKENS: &[&str] = &[
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "\"a\"",
        "\"b\"",
        "\"\\u00e9\"",
        "\"\\ud83d\\ude00\"",
        "\"\\ud800\"",
        "\"\\udc00\"",
        "\"\\q\"",
        "\"\t\"",
        "1",
        "-0.5",
        "01",
        "-",
        "2.",
        "true",
        "nul",
        "null",
        " ",
        "\t",
        "\n",
        "\r",
        "\"x",
        "\\",
        "é",
    ];

    proptest! {
        #[test]
        fn reads_exactly_what_serde_json_reads(tokens in proptest::collection::vec(0..TOKENS.len(), 0..24)) {
            let text: String = tokens.iter().map(|token| TOKENS[*token]).collect();
            let ours = read(&text, &mut Vec::new());
            let theirs = serde_json::from_str::<serde_json::Value>(&text);
            prop_assert_eq!(ours.is_ok(), theirs.is_ok(), "{:?}: {:?}", text, ours);
        }
    }

    fn read_ok(text: &str) -> Node {
        let mut errors = Vec::new();
        let node = read(text, &mut errors).expect("valid JSON");
        assert_eq!(errors, []);
        node
    }

    #[test]
    fn tabs_and_escapes_read_as_json_reads_them() {
        let root = read_ok("{\n\t\"a\": \"\\u00e9\\ud83d\\ude00\\n\",\n\t\"b\": [1, -2.5e+3, true, null]\n}");
        let a = root.entry("a").expect("a");
        assert_eq!(a.key_at, Position { line: 2, column: 2 });
        assert_eq!(a.value.text(), Some("é😀\n"));
        let b = root.get("b").and_then(Node::items).expect("b");
        assert_eq!(b[1].text(), Some("-2.5e+3"));
        assert_eq!(b[3].at, Position { line: 3, column: 26 });
        assert_eq!(b[3].value, Value::Scalar { text: "null".to_owned(), quoted: false });
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let root = read_ok("{\"é😀\": \"x\", \"b\": 1}");
        assert_eq!(root.entry("b").expect("b").key_at, Position { line: 1, column: 13 });
    }

    #[test]
    fn syntax_errors_stop_where_the_reading_stopped() {
        let error = read("{\"a\": 1,\n \"b\" 2}", &mut Vec::new()).expect_err("no colon");
        assert_eq!((error.line, error.column), (2, 6));
        assert_eq!(error.message, "not valid JSON: unexpected `2`");
        assert_eq!(error.expected.as_deref(), Some("`:` after the key"));

        let error = read("{\"a\": \"\\ud800x\"}", &mut Vec::new()).expect_err("lone surrogate");
        assert_eq!((error.line, error.column), (1, 8));

        let error = read("[1, 2", &mut Vec::new()).expect_err("cut off");
        assert_eq!(error.message, "not valid JSON: the file ends in the middle of a value");
    }
}
