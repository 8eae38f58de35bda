//! Bad input stays cheap: a huge or generated file is refused at the limit it passes, with a
//! bounded number of problems and a bounded rendering, whatever its bulk.

use std::path::Path;

use corsproof_scenario::{
    MAX_ERRORS_SHOWN, MAX_FILE_BYTES, MAX_KEY_BYTES, MAX_LIST_ITEMS, MAX_SHOWN_LINE_CHARS, MAX_STRING_BYTES,
    ScenarioError, load, parse_str,
};

/// A scenario whose request's server table holds `server` (line 10) and which expects `expect`
/// (from line 14).
fn scenario(server: &str, expect: &str) -> String {
    format!(
        "[[scenario]]\nname = \"fuzzed\"\nabout = \"A fuzzed file\"\npage = \"app\"\n\n\
         [[scenario.request]]\nto = \"api\"\n\n[scenario.request.server]\n{server}\n\n\
         [scenario.request.expect]\noutcome = \"allowed\"\n{expect}"
    )
}

/// `header = [1, 1, ...]` with `count` numbers: every item is a value the vocabulary refuses.
fn numbers(count: usize) -> String {
    format!("header = [{}]", vec!["1"; count].join(", "))
}

fn broken(text: &str) -> ScenarioError {
    parse_str(Path::new("s.toml"), text).expect_err("the file is broken")
}

#[test]
fn a_file_over_the_size_limit_is_refused_by_its_size_where_it_passes_it() {
    // The fuzzed file of the issue: three megabytes, a million numbers on one line.
    let text = scenario(&numbers(1_000_000), "");
    assert!(text.len() > MAX_FILE_BYTES);
    let error = broken(&text);
    assert_eq!(error.diagnostics().len(), 1);
    assert_eq!(error.more_errors(), 0);
    assert!(error.message().contains(&format!("this file is {} bytes", text.len())), "{}", error.message());
    assert_eq!(
        error.expected(),
        Some(format!("a file of at most {MAX_FILE_BYTES} bytes (256 KiB)").as_str())
    );
    // At the spot where it passes the limit, on the long line 10.
    assert_eq!(error.line(), 10);
    assert_eq!(error.column(), MAX_FILE_BYTES - text.find("header").unwrap() + 1);
    let rendered = error.to_string();
    assert!(rendered.len() < 1_000, "{} bytes:\n{rendered}", rendered.len());
}

#[test]
fn a_file_on_disk_over_the_size_limit_is_refused_with_its_size() {
    let path = std::env::temp_dir().join(format!("corsproof-limits-{}.toml", std::process::id()));
    let text = format!("{}\n# {}\n", scenario("acao = \"*\"", ""), "x".repeat(MAX_FILE_BYTES));
    std::fs::write(&path, &text).unwrap();
    let loaded = load(&path);
    std::fs::remove_file(&path).unwrap();
    let error = loaded.expect_err("the file is too large");
    assert!(error.message().contains(&format!("this file is {} bytes", text.len())), "{}", error.message());
    assert_eq!(error.line(), 15);
}

#[test]
fn a_list_over_its_limit_is_refused_at_the_first_item_past_it_however_long() {
    // Under the size limit, but a list of eighty thousand numbers: one problem, not one per item.
    let text = scenario(&numbers(80_000), "");
    assert!(text.len() <= MAX_FILE_BYTES);
    let error = broken(&text);
    assert_eq!(error.diagnostics().len(), 1);
    assert_eq!(
        error.message(),
        format!(
            "this list has 80000 items, more than the {MAX_LIST_ITEMS} a list may hold; item 101 is here"
        )
    );
    assert_eq!(error.line(), 10);
    // `header = [` then 100 items of `1, `.
    assert_eq!(error.column(), "header = [".len() + 3 * MAX_LIST_ITEMS + 1);
    let rendered = error.to_string();
    assert!(rendered.len() < 1_000, "{} bytes:\n{rendered}", rendered.len());
}

#[test]
fn readable_headers_over_the_list_limit_are_refused() {
    let names: Vec<String> = (0..10_000).map(|i| format!("\"x-h{i}\"")).collect();
    let error = broken(&scenario("acao = \"*\"", &format!("readable_headers = [{}]\n", names.join(", "))));
    assert_eq!(spot(&error), (14, "readable_headers = [".len() + names[..100].join(", ").len() + 3));
    assert!(error.message().starts_with("this list has 10000 items"), "{}", error.message());
}

#[test]
fn a_list_at_its_limit_is_loaded() {
    let names: Vec<String> = (0..MAX_LIST_ITEMS).map(|i| format!("\"x-h{i}\"")).collect();
    let text = scenario("acao = \"*\"", &format!("readable_headers = [{}]\n", names.join(", ")));
    let file = parse_str(Path::new("s.toml"), &text).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(file.scenarios[0].requests[0].expect.readable_headers.len(), MAX_LIST_ITEMS);
}

#[test]
fn a_string_or_a_key_over_its_limit_is_refused_at_it() {
    let body = "b".repeat(MAX_STRING_BYTES + 1);
    let error = broken(&scenario("acao = \"*\"", &format!("body = \"{body}\"\n")));
    assert_eq!(spot(&error), (14, 8));
    assert_eq!(
        error.message(),
        format!(
            "this string is {} bytes long, more than the {MAX_STRING_BYTES} a string may be",
            MAX_STRING_BYTES + 1
        )
    );

    let key = "k".repeat(MAX_KEY_BYTES + 1);
    let error = broken(&scenario(&format!("{key} = 1"), ""));
    assert_eq!(spot(&error), (10, 1));
    assert!(error.message().starts_with(&format!("this key is {} bytes long", MAX_KEY_BYTES + 1)));
}

#[test]
fn a_file_with_many_problems_shows_the_first_ones_and_counts_the_rest() {
    // 90 numbers, under the list limit: each is a value the mock server refuses.
    let error = broken(&scenario(&numbers(90), ""));
    assert_eq!(error.diagnostics().len(), MAX_ERRORS_SHOWN);
    assert_eq!(error.more_errors(), 90 - MAX_ERRORS_SHOWN);
    assert!(
        error.diagnostics().iter().all(|d| d.message == "the mock server refuses this value of `header`")
    );
    let rendered = error.to_string();
    assert!(rendered.ends_with("and 70 more errors in this file"), "{rendered}");
    assert!(rendered.len() < 10_000, "{} bytes", rendered.len());
}

#[test]
fn a_long_line_is_shown_as_a_window_around_the_spot() {
    // A wrong value far into a long line: the window shows it, underlined, and `…` either side.
    let padding = "a".repeat(5_000);
    let line = format!("headers = {{ \"x-a\" = \"{padding}\", \"x-b\" = 7, \"x-c\" = \"{padding}\" }}");
    let error = broken(&scenario("acao = \"*\"", &line));
    assert_eq!(spot(&error), (14, line.find(" 7,").unwrap() + 2));
    let rendered = error.to_string();
    let lines: Vec<&str> = rendered.lines().collect();
    let source = lines[2];
    let carets = lines[3];
    assert!(source.starts_with("14 | …") && source.ends_with('…'), "{source}");
    // The line number, the gutter, the window and its two marks.
    assert_eq!(source.chars().count(), "14 | ".len() + MAX_SHOWN_LINE_CHARS + 2);
    assert!(source.contains("aaa\", \"x-b\" = 7, \"x-c\" = \"aaa"), "{source}");
    let caret_at = carets.find('^').unwrap();
    assert_eq!(source.chars().nth(caret_at), Some('7'), "{source}\n{carets}");
    assert_eq!(carets.trim_end().len() - caret_at, 1);
}

#[test]
fn a_short_line_is_shown_whole() {
    let error = broken(&scenario("acao = \"*\"\nheader = [7]", ""));
    assert_eq!(error.to_string().lines().nth(2), Some("11 | header = [7]"));
}

/// The first problem's (line, column).
fn spot(error: &ScenarioError) -> (usize, usize) {
    (error.line(), error.column())
}
