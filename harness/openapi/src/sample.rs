//! Values a probe sends: a document's examples and values made up from schemas, as JSON text,
//! as the text of a parameter, and percent-encoded.

use std::fmt::{self, Write as _};

use crate::tree::{Node, Value, is_null_text};

/// A JSON value, made from an example node or a schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Json {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

/// How many nodes an example may have to be sent: an example is sent whole or not at all, and
/// one this big is not what a probe needs.
const MOST_EXAMPLE_NODES: usize = 10_000;

impl Json {
    /// An example written in the document, typed as YAML's core schema types plain scalars
    /// (JSON's are the same); `None` when it is too big.
    pub fn from_node(node: &Node) -> Option<Json> {
        let mut budget = MOST_EXAMPLE_NODES;
        Self::from_node_within(node, &mut budget)
    }

    fn from_node_within(node: &Node, budget: &mut usize) -> Option<Json> {
        *budget = budget.checked_sub(1)?;
        Some(match &node.value {
            Value::Scalar { text, quoted: true } => Json::String(text.clone()),
            Value::Scalar { text, quoted: false } => plain_scalar(text),
            Value::Sequence(items) => Json::Array(
                items.iter().map(|item| Self::from_node_within(item, budget)).collect::<Option<_>>()?,
            ),
            Value::Mapping(entries) => Json::Object(
                entries
                    .iter()
                    .map(|entry| Some((entry.key.clone(), Self::from_node_within(&entry.value, budget)?)))
                    .collect::<Option<_>>()?,
            ),
        })
    }

    /// The value as a parameter's text in OpenAPI's `simple` style: a scalar as itself, an
    /// array's items and an object's keys and values joined by commas.
    pub fn parameter_text(&self) -> String {
        match self {
            Json::Null => String::new(),
            Json::Bool(value) => value.to_string(),
            Json::Number(text) | Json::String(text) => text.clone(),
            Json::Array(items) => items.iter().map(Json::parameter_text).collect::<Vec<_>>().join(","),
            Json::Object(members) => members
                .iter()
                .flat_map(|(key, value)| [key.clone(), value.parameter_text()])
                .collect::<Vec<_>>()
                .join(","),
        }
    }
}

/// A plain scalar's type: null, a boolean, a number (its text kept), or a string.
fn plain_scalar(text: &str) -> Json {
    if is_null_text(text) {
        Json::Null
    } else if matches!(text, "true" | "True" | "TRUE") {
        Json::Bool(true)
    } else if matches!(text, "false" | "False" | "FALSE") {
        Json::Bool(false)
    } else if is_json_number(text) {
        Json::Number(text.to_owned())
    } else {
        Json::String(text.to_owned())
    }
}

/// Whether YAML's number is also JSON's (`1`, `-2.5e3`; not `0x1F`, `.5` or `+1`), so that the
/// JSON written is valid.
fn is_json_number(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (mantissa, exponent) = match digits.find(['e', 'E']) {
        Some(at) => (&digits[..at], Some(&digits[at + 1..])),
        None => (digits, None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (mantissa, None),
    };
    let all_digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    all_digits(whole)
        && (whole == "0" || !whole.starts_with('0'))
        && fraction.is_none_or(all_digits)
        && exponent.is_none_or(|exponent| all_digits(exponent.strip_prefix(['+', '-']).unwrap_or(exponent)))
}

impl fmt::Display for Json {
    /// Compact JSON.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Json::Null => f.write_str("null"),
            Json::Bool(value) => write!(f, "{value}"),
            Json::Number(text) => f.write_str(text),
            Json::String(text) => write_json_string(f, text),
            Json::Array(items) => {
                f.write_char('[')?;
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        f.write_char(',')?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_char(']')
            }
            Json::Object(members) => {
                f.write_char('{')?;
                for (index, (key, value)) in members.iter().enumerate() {
                    if index > 0 {
                        f.write_char(',')?;
                    }
                    write_json_string(f, key)?;
                    write!(f, ":{value}")?;
                }
                f.write_char('}')
            }
        }
    }
}

fn write_json_string(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    f.write_char('"')?;
    for c in text.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            c if c < ' ' => write!(f, "\\u{:04x}", u32::from(c))?,
            c => f.write_char(c)?,
        }
    }
    f.write_char('"')
}

/// Percent-encodes all but the unreserved characters of RFC 3986, so that a value stays one
/// path segment or one query value whatever it holds.
pub(crate) fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// A value that fits a scalar type and format, when the schema gives none.
pub(crate) fn by_type(kind: &str, format: Option<&str>, minimum: Option<&str>, for_parameter: bool) -> Json {
    match kind {
        "integer" | "number" => Json::Number(minimum.filter(|m| is_json_number(m)).unwrap_or("1").to_owned()),
        "boolean" => Json::Bool(true),
        "null" => Json::Null,
        "object" => Json::Object(Vec::new()),
        "array" => Json::Array(Vec::new()),
        _ => Json::String(
            match format {
                Some("uuid") => "3f1c2a4e-7b5d-4c8e-9a60-2d3b4c5e6f70",
                Some("date") => "2024-01-01",
                Some("date-time") => "2024-01-01T00:00:00Z",
                Some("email") => "corsproof@example.com",
                Some("uri" | "url") => "https://example.com/",
                Some("hostname") => "example.com",
                Some("ipv4") => "192.0.2.1",
                Some("ipv6") => "2001:db8::1",
                Some("byte") => "Y29yc3Byb29m",
                _ if for_parameter => "1",
                _ => "example",
            }
            .to_owned(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_text_escapes_what_it_must() {
        let value = Json::Object(vec![
            ("a\"b".to_owned(), Json::String("line\nnext\u{1}é".to_owned())),
            ("n".to_owned(), Json::Array(vec![Json::Number("1".to_owned()), Json::Null, Json::Bool(false)])),
        ]);
        assert_eq!(value.to_string(), r#"{"a\"b":"line\nnext\u0001é","n":[1,null,false]}"#);
    }

    #[test]
    fn yaml_numbers_that_json_does_not_have_stay_strings() {
        for number in ["1", "-0", "2.5", "1e3", "-1.5E-3"] {
            assert_eq!(plain_scalar(number), Json::Number(number.to_owned()));
        }
        for not_json in ["0x1F", ".5", "+1", "01", "1.", "1e", "-", ".inf"] {
            assert_eq!(plain_scalar(not_json), Json::String(not_json.to_owned()), "{not_json}");
        }
    }

    #[test]
    fn percent_encoding_keeps_a_value_in_its_segment() {
        assert_eq!(percent_encode("a b/c?d=é~"), "a%20b%2Fc%3Fd%3D%C3%A9~");
    }

    #[test]
    fn parameter_text_is_the_simple_style() {
        let array = Json::Array(vec![Json::Number("1".to_owned()), Json::String("x".to_owned())]);
        assert_eq!(array.parameter_text(), "1,x");
        let object = Json::Object(vec![("k".to_owned(), Json::Bool(true))]);
        assert_eq!(object.parameter_text(), "k,true");
    }
}
