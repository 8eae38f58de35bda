//! Reading HAR text: the engines' exports read whole, and every kind of bad file located.

use corsproof_har::read::{read, read_bytes};

#[test]
fn a_minimal_export_reads_with_its_defaults() {
    let har = read(
        r#"{"log": {"entries": [{"request": {"method": "GET", "url": "https://a.example/"},
        "response": {"status": 200}}]}}"#,
    )
    .expect("a HAR");
    assert_eq!(har.log.version, "1.2");
    assert_eq!(har.log.entries[0].request.headers_size, -1);
    assert!(har.log.entries[0].response.headers.is_empty());
}

#[test]
fn a_byte_order_mark_is_allowed() {
    let har = read("\u{feff}{\"log\": {\"entries\": []}}").expect("a HAR after a BOM");
    assert!(har.log.entries.is_empty());
}

#[test]
fn a_syntax_error_is_located_with_what_was_expected() {
    let error = read("{\n  \"log\": {\n    \"entries\": [1 2]\n  }\n}").unwrap_err();
    assert_eq!((error.line, error.column), (3, 19));
    assert_eq!(error.message, "not valid JSON: expected `,` or `]`");
    assert_eq!(error.expected.as_deref(), Some("`,` or `]`"));
    assert_eq!(error.path, None);
    let shown = error.render("x.har");
    assert!(shown.starts_with("x.har:3:19: not valid JSON: expected `,` or `]`\n"), "{shown}");
    assert!(shown.contains("3 |     \"entries\": [1 2]\n  |                   ^\n"), "{shown}");
}

#[test]
fn a_cut_off_file_says_it_ends_too_early() {
    let error = read("{\"log\": {\"entries\": [").unwrap_err();
    assert!(error.message.starts_with("not valid JSON: EOF while parsing"), "{}", error.message);
    assert!(error.expected.as_deref().is_some_and(|expected| expected.contains("cut off")));
}

#[test]
fn a_missing_request_url_is_named_by_its_path_at_its_object() {
    let text = "{\"log\": {\"entries\": [\n  {\"request\": {\"method\": \"GET\", \"url\": \"https://a.example/\"}, \"response\": {\"status\": 200}},\n  {\"request\": {\"method\": \"GET\"}, \"response\": {\"status\": 200}}\n]}}";
    let error = read(text).unwrap_err();
    assert_eq!(error.path.as_deref(), Some("log.entries[1].request.url"));
    assert_eq!((error.line, error.column), (3, 15));
    assert_eq!(error.message, "not a HAR file: `log.entries[1].request.url` is missing");
}

#[test]
fn a_header_without_a_value_is_named_down_to_the_header() {
    let text = r#"{"log": {"entries": [{"request": {"method": "GET", "url": "https://a.example/",
      "headers": [{"name": "Accept", "value": "*/*"}, {"name": "Origin"}]}, "response": {"status": 200}}]}}"#;
    let error = read(text).unwrap_err();
    assert_eq!(error.path.as_deref(), Some("log.entries[0].request.headers[1].value"));
    assert_eq!((error.line, error.column), (2, 55));
}

#[test]
fn a_wrong_type_is_named_at_the_value() {
    let error = read(r#"{"log": {"entries": {"request": 1}}}"#).unwrap_err();
    assert_eq!(error.path.as_deref(), Some("log.entries"));
    assert_eq!(error.column, 21);
    assert_eq!(error.message, "not a HAR file: `log.entries` is an object");
    assert_eq!(error.expected.as_deref(), Some("an array"));
}

#[test]
fn a_top_level_array_is_not_a_har() {
    let error = read("[]").unwrap_err();
    assert_eq!((error.line, error.column), (1, 1));
    assert_eq!(error.message, "not a HAR file: the top level is an array");
    assert_eq!(error.path.as_deref(), Some(""));
    assert_eq!(error.expected.as_deref(), Some("an object"));
}

#[test]
fn bytes_that_are_not_utf8_are_located() {
    let error = read_bytes(b"{\"log\":\n {\"entries\": [\xff]}}").unwrap_err();
    assert_eq!((error.line, error.column), (2, 15));
    assert!(error.message.contains("not UTF-8"), "{}", error.message);
}

#[test]
fn whitespace_only_is_empty() {
    let error = read(" \n\t\n").unwrap_err();
    assert_eq!(error.message, "the file is empty");
}
