//! A YAML document read into the located [`Node`] tree from saphyr-parser's events, which carry
//! the span of each scalar, collection and syntax error.

use std::collections::{HashMap, HashSet};

use saphyr_parser::{Event, Parser, ScalarStyle};

use crate::error::ReadError;
use crate::tree::{Entry, Node, Position, Value};

/// Deeper nesting than any API description needs; it bounds the work on hostile input.
pub(crate) const MAX_DEPTH: usize = 200;
/// How many nodes a document may have once its aliases are expanded: an alias of an alias of an
/// anchor (the "billion laughs") multiplies, and this stops it.
pub(crate) const MAX_NODES: usize = 2_000_000;

/// A collection being read, and the anchor it will be stored under.
#[derive(Debug)]
enum Open {
    Sequence {
        items: Vec<Node>,
        at: Position,
        anchor: usize,
        size: usize,
    },
    Mapping {
        entries: Vec<Entry>,
        keys: HashSet<String>,
        key: Option<Key>,
        at: Position,
        anchor: usize,
        size: usize,
    },
}

/// A mapping key read, waiting for its value; `None` text when the key was not a scalar (an
/// error already said so) and the value is to be skipped.
#[derive(Debug)]
struct Key {
    text: Option<String>,
    at: Position,
}

/// Where each line starts, in characters, to place saphyr's character index on a line. The
/// lines are those of the text split at `\n`, as errors are rendered; saphyr also breaks lines at
/// a lone `\r`, and its own line numbers would then point past the rendered text.
#[derive(Debug)]
struct Lines(Vec<usize>);

impl Lines {
    fn of(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.chars().enumerate().filter(|(_, c)| *c == '\n').map(|(index, _)| index + 1));
        Lines(starts)
    }

    fn position(&self, index: usize) -> Position {
        let line = self.0.partition_point(|start| *start <= index).max(1);
        Position { line, column: index - self.0[line - 1] + 1 }
    }
}

/// Reads the first YAML document of `text`. A syntax error ends the reading; duplicate keys and
/// keys that are not scalars are collected in `errors` and reading goes on.
pub(crate) fn read(text: &str, errors: &mut Vec<ReadError>) -> Result<Option<Node>, ReadError> {
    let lines = Lines::of(text);
    let mut parser = Parser::new_from_str(text);
    let mut open: Vec<Open> = Vec::new();
    let mut anchors: HashMap<usize, (Node, usize)> = HashMap::new();
    let mut nodes = 0usize;
    let mut documents = 0usize;
    let mut root: Option<Node> = None;
    while let Some(event) = parser.next_event() {
        let (event, span) = event.map_err(|error| {
            ReadError::new(
                lines.position(error.marker().index()),
                format!("not valid YAML: {}", error.info()),
            )
            .expected(yaml_expected(error.info()))
        })?;
        let at = lines.position(span.start.index());
        // The node completed, its anchor, its size (for an alias of it later) and how many nodes
        // it adds to the document (an alias adds its anchor's whole size).
        let (node, anchor, size, added) = match event {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(ReadError::new(at, "a second YAML document in the file")
                        .expected("one document: an OpenAPI description is one YAML document"));
                }
                continue;
            }
            Event::Scalar(text, style, anchor, _) => {
                let quoted = !matches!(style, ScalarStyle::Plain);
                (Node { value: Value::Scalar { text: text.into_owned(), quoted }, at }, anchor, 1, 1)
            }
            Event::Alias(id) => match anchors.get(&id) {
                Some((node, size)) => {
                    if nodes.saturating_add(*size) > MAX_NODES {
                        return Err(too_many(at));
                    }
                    (Node { at, ..node.clone() }, 0, *size, *size)
                }
                None => return Err(ReadError::new(at, "not valid YAML: an alias to an unknown anchor")),
            },
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if open.len() >= MAX_DEPTH {
                    return Err(ReadError::new(at, format!("nested more than {MAX_DEPTH} levels deep"))
                        .expected("a shallower document"));
                }
                open.push(if matches!(event, Event::SequenceStart(..)) {
                    Open::Sequence { items: Vec::new(), at, anchor, size: 1 }
                } else {
                    Open::Mapping {
                        entries: Vec::new(),
                        keys: HashSet::new(),
                        key: None,
                        at,
                        anchor,
                        size: 1,
                    }
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match open.pop() {
                Some(Open::Sequence { items, at, anchor, size }) => {
                    (Node { value: Value::Sequence(items), at }, anchor, size, 1)
                }
                Some(Open::Mapping { entries, at, anchor, size, .. }) => {
                    (Node { value: Value::Mapping(entries), at }, anchor, size, 1)
                }
                None => continue,
            },
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => continue,
        };
        nodes = nodes.saturating_add(added);
        if nodes > MAX_NODES {
            return Err(too_many(at));
        }
        if anchor > 0 {
            anchors.insert(anchor, (node.clone(), size));
        }
        match open.last_mut() {
            None => root = Some(node),
            Some(Open::Sequence { items, size: parent_size, .. }) => {
                *parent_size = parent_size.saturating_add(size);
                items.push(node);
            }
            Some(Open::Mapping { entries, keys, key, size: parent_size, .. }) => match key.take() {
                None => {
                    let text = match &node.value {
                        Value::Scalar { text, .. } => Some(text.clone()),
                        _ => {
                            errors.push(
                                ReadError::new(node.at, format!("a mapping key that is {}", node.describe()))
                                    .expected("a plain or quoted key"),
                            );
                            None
                        }
                    };
                    *key = Some(Key { text, at: node.at });
                }
                Some(Key { text: None, .. }) => {}
                Some(Key { text: Some(text), at }) => {
                    *parent_size = parent_size.saturating_add(size);
                    if keys.insert(text.clone()) {
                        entries.push(Entry { key: text, key_at: at, value: node });
                    } else {
                        errors.push(
                            ReadError::new(at, format!("the key `{text}` appears twice in this mapping"))
                                .expected("each key once: the second one is left out"),
                        );
                    }
                }
            },
        }
    }
    Ok(root)
}

fn too_many(at: Position) -> ReadError {
    ReadError::new(at, format!("more than {MAX_NODES} nodes once aliases are expanded"))
        .expected("a document whose aliases do not multiply")
}

/// What a YAML syntax error's words expected, where they say it.
fn yaml_expected(info: &str) -> String {
    if info.contains("indentation")
        || info.contains("mapping values are not allowed")
        || info.contains("did not find expected key")
    {
        "a key indented like its siblings, or a value on the same line after `: `".to_owned()
    } else if info.contains("tab ") || info.contains("tabs ") || info.ends_with("a tab") {
        "spaces: YAML indents with spaces, never tabs".to_owned()
    } else if info.contains("unexpected end") || info.contains("unexpected eof") {
        "the rest of the document: it ends in the middle of a value".to_owned()
    } else if info.contains("did not find expected") {
        info.split("did not find expected ").nth(1).map_or("valid YAML".to_owned(), str::to_owned)
    } else {
        "valid YAML".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_ok(text: &str) -> Node {
        let mut errors = Vec::new();
        let node = read(text, &mut errors).expect("valid").expect("a document");
        assert_eq!(errors, []);
        node
    }

    #[test]
    fn keys_and_values_keep_their_positions() {
        let root = read_ok("a: 1\nb:\n  - x\n  - 'y'\n");
        let b = root.entry("b").expect("b");
        assert_eq!(b.key_at, Position { line: 2, column: 1 });
        let items = b.value.items().expect("a sequence");
        assert_eq!(items[1].at, Position { line: 4, column: 5 });
        assert_eq!(items[1].value, Value::Scalar { text: "y".to_owned(), quoted: true });
    }

    #[test]
    fn aliases_are_expanded_and_bombs_stopped() {
        let root = read_ok("a: &x {k: v}\nb: *x\n");
        assert_eq!(root.get("b").and_then(|b| b.get("k")).and_then(Node::text), Some("v"));

        let mut bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n".to_owned();
        for level in 1..10 {
            let previous = level - 1;
            bomb.push_str(&format!(
                "a{level}: &a{level} [*a{previous}, *a{previous}, *a{previous}, *a{previous}, *a{previous}, \
                 *a{previous}, *a{previous}, *a{previous}, *a{previous}, *a{previous}]\n"
            ));
        }
        let error = read(&bomb, &mut Vec::new()).expect_err("too big");
        assert!(error.message.contains("aliases"), "{error}");
    }

    #[test]
    fn a_duplicate_key_is_an_error_at_the_second_key() {
        let mut errors = Vec::new();
        read("a: 1\nb: 2\na: 3\n", &mut errors).expect("valid YAML");
        assert_eq!((errors[0].line, errors[0].column), (3, 1));
        assert_eq!(errors[0].message, "the key `a` appears twice in this mapping");
    }

    #[test]
    fn lines_are_counted_at_line_feeds_only() {
        // A lone carriage return breaks YAML's line, not the rendered one.
        let root = read_ok("a: x\rb: 1\n");
        assert_eq!(root.entry("b").expect("b").key_at, Position { line: 1, column: 6 });
        let lines = Lines::of("ab\ncd\n");
        assert_eq!(lines.position(4), Position { line: 2, column: 2 });
        assert_eq!(lines.position(6), Position { line: 3, column: 1 });
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let text = "[".repeat(100_000);
        assert!(read(&text, &mut Vec::new()).is_err());
        let text = "a:\n".to_owned()
            + &(1..300).map(|depth| format!("{}a:\n", " ".repeat(depth))).collect::<String>();
        let error = read(&text, &mut Vec::new()).expect_err("too deep");
        assert!(error.message.starts_with("nested more than"), "{error}");
    }
}
