//! The snapshot body's YAML: written by hand so that it is the same byte for byte on every run
//! and in every version of a YAML library.

use serde_json::Value;

/// A small, deterministic YAML writer: strings are always double-quoted (JSON escapes are
/// valid YAML), maps keep their order, empty collections are written inline.
pub(super) fn write_yaml(value: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                out.push_str(&pad);
                out.push_str(key);
                out.push(':');
                write_nested(item, indent, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                out.push_str(&pad);
                out.push('-');
                match item {
                    Value::Object(map) if !map.is_empty() => {
                        // The first key goes on the dash's line, the rest align under it.
                        let mut nested = String::new();
                        write_yaml(item, indent + 2, &mut nested);
                        out.push(' ');
                        out.push_str(nested.trim_start());
                    }
                    _ => write_nested(item, indent, out),
                }
            }
        }
        scalar => {
            out.push_str(&pad);
            out.push_str(&scalar_text(scalar));
            out.push('\n');
        }
    }
}

fn write_nested(item: &Value, indent: usize, out: &mut String) {
    match item {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            write_yaml(item, indent + 2, out);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            write_yaml(item, indent + 2, out);
        }
        Value::Object(_) => out.push_str(" {}\n"),
        Value::Array(_) => out.push_str(" []\n"),
        scalar => {
            out.push(' ');
            out.push_str(&scalar_text(scalar));
            out.push('\n');
        }
    }
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::Null => "~".to_owned(),
        Value::String(text) => serde_json::to_string(text).unwrap_or_default(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn yaml_is_written_with_quoted_strings_and_aligned_lists() {
        let value = json!({
            "scenario": "a",
            "requests": [{ "request": "GET x", "readable_headers": [], "seen": [{ "method": "GET" }] }],
            "none": null,
        });
        let mut out = String::new();
        write_yaml(&value, 0, &mut out);
        assert_eq!(
            out,
            "scenario: \"a\"\nrequests:\n  - request: \"GET x\"\n    readable_headers: []\n    seen:\n      - method: \"GET\"\nnone: ~\n"
        );
    }
}
