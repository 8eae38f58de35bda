//! The document as a tree that remembers where each node and key was written: the one shape
//! both the YAML and the JSON reader build, so every later error can point at its node.

use std::fmt::Write as _;

/// Where a node starts: line and column from 1, the column in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub(crate) struct Position {
    pub line: usize,
    pub column: usize,
}

/// One value of the document and where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Node {
    pub value: Value,
    pub at: Position,
}

/// A scalar keeps its text as written; `quoted` tells a YAML `"1"` or a JSON string from a
/// plain `1`, `true` or `null`, which is all the typing OpenAPI needs here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    Scalar { text: String, quoted: bool },
    Sequence(Vec<Node>),
    Mapping(Vec<Entry>),
}

/// A mapping's key (always a scalar here) with its own position, and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub key: String,
    pub key_at: Position,
    pub value: Node,
}

impl Node {
    /// The scalar's text, whatever its type: `openapi: 3.1` is read as the text `3.1`.
    pub fn text(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// The value under `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|entry| &entry.value)
    }

    /// The entry of `key` in a mapping, for the key's own position.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        match &self.value {
            Value::Mapping(entries) => entries.iter().find(|entry| entry.key == key),
            _ => None,
        }
    }

    pub fn entries(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Mapping(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn items(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Sequence(items) => Some(items),
            _ => None,
        }
    }

    /// What the node is, in a reader's words, for "... is a sequence" messages.
    pub fn describe(&self) -> String {
        match &self.value {
            Value::Mapping(_) => "a mapping".to_owned(),
            Value::Sequence(_) => "a sequence".to_owned(),
            Value::Scalar { text, quoted } => {
                if *quoted {
                    format!("the string `{}`", shorten(text))
                } else if is_null_text(text) {
                    "empty (null)".to_owned()
                } else {
                    format!("the scalar `{}`", shorten(text))
                }
            }
        }
    }

    /// The node at a JSON pointer's segments (already unescaped), from this node.
    pub fn at_pointer<'a>(&'a self, segments: &[String]) -> Result<&'a Node, usize> {
        let mut node = self;
        for (depth, segment) in segments.iter().enumerate() {
            node = match &node.value {
                Value::Mapping(_) => node.get(segment),
                Value::Sequence(items) => segment.parse::<usize>().ok().and_then(|index| items.get(index)),
                Value::Scalar { .. } => None,
            }
            .ok_or(depth)?;
        }
        Ok(node)
    }
}

pub(crate) fn is_null_text(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

/// A long scalar cut for a message.
fn shorten(text: &str) -> String {
    const MOST: usize = 40;
    if text.chars().count() <= MOST {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(MOST).collect();
        cut.push('…');
        cut
    }
}

/// A JSON pointer built segment by segment (`/paths/~1items~1{id}/get`), as errors report it.
pub(crate) fn child(pointer: &str, segment: &str) -> String {
    let mut out = String::with_capacity(pointer.len() + segment.len() + 1);
    out.push_str(pointer);
    out.push('/');
    for c in segment.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
    out
}

pub(crate) fn index(pointer: &str, index: usize) -> String {
    let mut out = pointer.to_owned();
    let _ = write!(out, "/{index}");
    out
}
