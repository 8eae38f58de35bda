//! No input makes the loader panic: arbitrary text, and arbitrary edits of a valid file. Every
//! error it gives is located inside the text it was given.

use std::path::Path;

use corsproof_scenario::{ScenarioError, parse_str};
use proptest::prelude::*;

/// A valid file that uses most of the format, the seed for mutations.
const VALID: &str = r#"# A file that uses most of the format.
[[scenario]]
name = "put-with-custom-header"
about = "PUT with a custom header is preflighted, and allowed when the preflight allows both"
page = "app"

[[scenario.request]]
to = "api"
method = "PUT"
path = "/items/1"
headers = { "X-Custom" = "1", "Content-Type" = "application/json" }
body = "{}"
credentials = "include"
mode = "cors"
redirect = "follow"
api = "fetch"

[scenario.request.server]
acao = ["origin"]
acac = true
acam = "PUT"
acah = "x-custom, content-type"
max_age = 600
preflight_status = 204
location = "{api-https}/t/{token}-next/x?acao=*"
header = ["X-Total: 42"]

[scenario.request.expect]
outcome = "allowed"
preflight = true
reached_server = true
status = 200
readable_headers = ["x-total"]
hidden_headers = ["x-secret"]

[[scenario.request]]
to = "api"
same_url_as = 1
method = "PUT"

[scenario.request.expect]
outcome = "blocked"
reason = "credentials-not-true"
"#;

/// An edit of a text, on character boundaries.
#[derive(Debug, Clone)]
enum Edit {
    Delete { at: usize, len: usize },
    Insert { at: usize, text: String },
    Replace { at: usize, with: char },
    DuplicateLine { line: usize },
    SwapLines { a: usize, b: usize },
}

fn edit() -> impl Strategy<Value = Edit> {
    let snippet = prop_oneof![
        "[ -~]{0,12}",
        "\\PC{0,6}",
        Just("\n".to_owned()),
        Just("[[scenario]]\n".to_owned()),
        Just("[[scenario.request]]\n".to_owned()),
        Just("[scenario.request.expect]\n".to_owned()),
        Just("[scenario.request.server]\n".to_owned()),
        Just("{token}".to_owned()),
        Just("{nowhere}".to_owned()),
        Just("same_url_as = 3\n".to_owned()),
        Just("\"".to_owned()),
        Just("é".to_owned()),
        Just("\t".to_owned()),
        Just("\r\n".to_owned()),
    ];
    prop_oneof![
        (any::<usize>(), 0usize..40).prop_map(|(at, len)| Edit::Delete { at, len }),
        (any::<usize>(), snippet).prop_map(|(at, text)| Edit::Insert { at, text }),
        (any::<usize>(), any::<char>()).prop_map(|(at, with)| Edit::Replace { at, with }),
        any::<usize>().prop_map(|line| Edit::DuplicateLine { line }),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::SwapLines { a, b }),
    ]
}

fn apply(text: &str, edit: &Edit) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_owned).collect();
    match edit {
        Edit::Delete { at, len } => {
            let at = at % (chars.len() + 1);
            let end = (at + len).min(chars.len());
            chars.drain(at..end);
        }
        Edit::Insert { at, text } => {
            let at = at % (chars.len() + 1);
            chars.splice(at..at, text.chars());
        }
        Edit::Replace { at, with } if !chars.is_empty() => {
            let at = at % chars.len();
            chars[at] = *with;
        }
        Edit::Replace { .. } => {}
        Edit::DuplicateLine { line } if !lines.is_empty() => {
            let line = line % lines.len();
            lines.insert(line, lines[line].clone());
            return lines.concat();
        }
        Edit::SwapLines { a, b } if !lines.is_empty() => {
            let count = lines.len();
            lines.swap(a % count, b % count);
            return lines.concat();
        }
        Edit::DuplicateLine { .. } | Edit::SwapLines { .. } => {}
    }
    chars.into_iter().collect()
}

/// An error must point inside the text and render without colours unless asked.
fn check_error(text: &str, error: &ScenarioError) {
    assert!(!error.diagnostics().is_empty());
    let lines = text.split('\n').count();
    for diagnostic in error.diagnostics() {
        assert!(diagnostic.span.start <= diagnostic.span.end && diagnostic.span.end <= text.len());
        assert!((1..=lines).contains(&diagnostic.line), "line {} of {lines}", diagnostic.line);
        assert!(diagnostic.column >= 1);
        assert!(!diagnostic.message.is_empty());
    }
    assert!((error.line(), error.column()) == (error.diagnostics()[0].line, error.diagnostics()[0].column));
    let plain = error.to_string();
    assert!(plain.starts_with("s.toml:"), "{plain}");
    assert!(!plain.contains('\x1b'));
    let _ = error.render(true);
}

fn check(text: &str) {
    match parse_str(Path::new("s.toml"), text) {
        Ok(file) => {
            for scenario in &file.scenarios {
                assert!(!scenario.about.trim().is_empty());
                assert!(!scenario.requests.is_empty());
                for (index, step) in scenario.requests.iter().enumerate() {
                    assert!(step.path.starts_with('/'));
                    assert!(step.same_url_as.is_none_or(|earlier| earlier < index));
                }
            }
        }
        Err(error) => check_error(text, &error),
    }
}

#[test]
fn the_seed_file_is_valid() {
    let file = parse_str(Path::new("s.toml"), VALID).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(file.scenarios[0].requests.len(), 2);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parse_str_never_panics_on_arbitrary_text(text in "\\PC*") {
        check(&text);
    }

    #[test]
    fn parse_str_never_panics_on_arbitrary_characters(text in any::<String>()) {
        check(&text);
    }

    #[test]
    fn parse_str_never_panics_on_toml_like_text(
        text in "(\\[\\[?[a-z.]{0,20}\\]\\]?|[a-z_]{1,12} = (\"[ -~]{0,20}\"|[0-9-]{1,5}|true|\\[\\]|\\{ \\})|#.*|)(\n(\\[\\[?[a-z.]{0,20}\\]\\]?|[a-z_]{1,12} = (\"[ -~]{0,20}\"|[0-9-]{1,5}|true|\\[\\]|\\{ \\})|#.*|)){0,30}"
    ) {
        check(&text);
    }

    #[test]
    fn parse_str_never_panics_on_mutations_of_a_valid_file(edits in prop::collection::vec(edit(), 1..6)) {
        let mut text = VALID.to_owned();
        for edit in &edits {
            text = apply(&text, edit);
        }
        check(&text);
    }
}
