//! A broken scenario file is reported at the exact spot, with what was expected, and every
//! problem of the file at once.

use std::path::Path;

use corsproof_scenario::{Credentials, Outcome, ReasonClass, ScenarioError, parse_str};

const HEAD: &str = "[[scenario]]\nname = \"one\"\nabout = \"A scenario\"\npage = \"app\"\n\n[[scenario.request]]\nto = \"api\"\n";
const EXPECT: &str = "\n[scenario.request.expect]\noutcome = \"blocked\"\n";

/// A file whose request has `extra` lines (from line 8) and an `expect` table.
fn request_with(extra: &str) -> String {
    format!("{HEAD}{extra}{EXPECT}")
}

fn broken(text: &str) -> ScenarioError {
    parse_str(Path::new("s.toml"), text).expect_err("the file is broken")
}

fn spot(error: &ScenarioError) -> (usize, usize) {
    (error.line(), error.column())
}

#[test]
fn a_valid_file_gives_plain_data_with_defaults() {
    let text = request_with(
        "method = \"patch\"\nheaders = { \"X-B\" = \"2\", \"X-A\" = \"1\" }\ncredentials = \"include\"\n",
    );
    let file = parse_str(Path::new("s.toml"), &text).unwrap();
    let scenario = &file.scenarios[0];
    assert_eq!(scenario.line, 1);
    let step = &scenario.requests[0];
    assert_eq!(step.method, "patch");
    assert_eq!(step.path, "/");
    assert_eq!(step.headers, vec![("X-B".to_owned(), "2".to_owned()), ("X-A".to_owned(), "1".to_owned())]);
    assert_eq!(step.credentials, Credentials::Include);
    assert_eq!(step.expect.outcome, Outcome::Blocked);
    assert_eq!(step.server, None);
}

#[test]
fn invalid_toml_is_located() {
    let error = broken("[[scenario]]\nname = \"one\nabout = 1\n");
    assert_eq!(error.line(), 2);
    assert!(error.message().starts_with("this is not valid TOML"), "{error}");
}

#[test]
fn unknown_key_is_named_with_its_line_and_column() {
    let error = broken(&request_with("methd = \"PUT\"\n"));
    assert_eq!(spot(&error), (8, 1));
    assert!(error.message().contains("unknown key `methd` in a request"));
    assert!(error.to_string().contains("expected one of `to`, `path`, `method`"), "{error}");
}

#[test]
fn bad_enum_value_lists_the_allowed_values() {
    let error = broken(&request_with("credentials = \"includ\"\n"));
    assert_eq!(spot(&error), (8, 15));
    let text = error.to_string();
    assert!(text.contains("s.toml:8:15"), "{text}");
    assert!(text.contains("8 | credentials = \"includ\""), "the source line is shown:\n{text}");
    assert!(text.contains("^^^^^^^^ expected one of `omit`, `same-origin`, `include`"), "{text}");
}

#[test]
fn three_bad_values_give_three_diagnostics() {
    let error = broken(&request_with("mode = \"corz\"\napi = \"fetchh\"\npath = \"data\"\n"));
    let lines: Vec<usize> = error.diagnostics().iter().map(|d| d.span.start).collect();
    assert_eq!(lines.len(), 3, "{error}");
    assert_eq!(spot(&error), (8, 8));
    assert!(error.to_string().contains("the path does not start with `/`"));
}

#[test]
fn missing_required_keys_are_named() {
    let error = broken("[[scenario]]\nname = \"one\"\n\n[[scenario.request]]\nto = \"api\"\n");
    let text = error.to_string();
    assert!(text.contains("a scenario has no `about`"), "{text}");
    assert!(text.contains("a scenario has no `page`"), "{text}");
    assert!(text.contains("this request has no `expect` table"), "{text}");
}

#[test]
fn unknown_origins_are_listed() {
    let error = broken(&format!("{}{EXPECT}", HEAD.replace("to = \"api\"", "to = \"apii\"")));
    assert_eq!(spot(&error), (7, 6));
    assert!(error.to_string().contains("`apii` is not an origin"));
    assert!(error.to_string().contains("`api-https`"));
}

#[test]
fn duplicate_scenario_names_are_refused() {
    let text = request_with("") + "\n" + &request_with("");
    let error = broken(&text);
    assert!(error.message().contains("a scenario named `one` is already in this file"), "{error}");
}

#[test]
fn same_url_as_must_point_backwards_at_the_same_origin() {
    let second = "\n[[scenario.request]]\nto = \"api\"\nsame_url_as = 2\n[scenario.request.expect]\noutcome = \"allowed\"\n";
    let error = broken(&(request_with("") + second));
    assert!(error.message().contains("`same_url_as` does not point at an earlier request"), "{error}");
    assert!(error.to_string().contains("1 to 1"), "{error}");

    let other_origin = second.replace("to = \"api\"", "to = \"evil\"").replace("= 2", "= 1");
    let error = broken(&(request_with("") + &other_origin));
    assert!(error.message().contains("request 1 goes to another origin"), "{error}");

    let good = second.replace("= 2", "= 1");
    let file = parse_str(Path::new("s.toml"), &(request_with("") + &good)).unwrap();
    assert_eq!(file.scenarios[0].requests[1].same_url_as, Some(0));
}

#[test]
fn reason_only_goes_with_a_blocked_outcome() {
    let text = format!(
        "{HEAD}\n[scenario.request.expect]\noutcome = \"allowed\"\nreason = \"missing-allow-origin\"\n"
    );
    let error = broken(&text);
    assert!(error.message().contains("a `reason` with outcome `allowed`"), "{error}");
    let good = text.replace("\"allowed\"", "\"blocked\"");
    let file = parse_str(Path::new("s.toml"), &good).unwrap();
    assert_eq!(file.scenarios[0].requests[0].expect.reason, Some(ReasonClass::MissingAllowOrigin));
}

#[test]
fn bad_header_names_and_values_are_refused() {
    let error = broken(&request_with("headers = { \"Bad Name\" = \"1\", \"X-Ok\" = 2 }\n"));
    assert_eq!(error.diagnostics().len(), 2, "{error}");
    assert!(error.to_string().contains("`Bad Name` is not a header name"));
    assert!(error.to_string().contains("a header value must be a string"));
}

#[test]
fn server_tables_become_vocabulary_queries_with_placeholders_kept() {
    let text = request_with(
        "[scenario.request.server]\nacao = [\"origin\", \"*\"]\nacac = true\nstatus = 307\nlocation = \"{evil}/t/{token}/next\"\npreflight_status = 204\n",
    );
    let file = parse_str(Path::new("s.toml"), &text).unwrap();
    assert_eq!(
        file.scenarios[0].requests[0].server.as_deref(),
        Some(
            "acao=origin&acao=*&acac=true&status=307&location=%7Bevil%7D%2Ft%2F%7Btoken%7D%2Fnext&preflight_status=204"
        )
    );
}

#[test]
fn server_vocabulary_errors_point_at_the_key() {
    let error = broken(&request_with("[scenario.request.server]\nacao = \"*\"\nstatus = 99\n"));
    assert_eq!(spot(&error), (10, 10));
    assert!(error.message().contains("200 to 599"), "{error}");

    let error = broken(&request_with("[scenario.request.server]\nacoa = \"*\"\n"));
    assert_eq!(spot(&error), (9, 1));
    assert!(error.to_string().contains("`acoa` is not a word of the server vocabulary"));

    let error = broken(&request_with("[scenario.request.server]\nstatus = [200, 201]\n"));
    assert!(error.message().contains("`status` takes one value"), "{error}");
}

#[test]
fn placeholders_must_name_known_origins() {
    let error = broken(&request_with("[scenario.request.server]\nlocation = \"{evill}/x\"\n"));
    assert_eq!(spot(&error), (9, 12));
    assert!(error.message().contains("`{evill}` is not a placeholder"), "{error}");
}

#[test]
fn a_scenario_may_not_mix_mock_origins_and_the_external_target() {
    let second = "\n[[scenario.request]]\npath = \"/x\"\n[scenario.request.expect]\noutcome = \"allowed\"\n";
    let error = broken(&(request_with("") + second));
    assert!(error.message().contains("mixes mock origins and the external target"), "{error}");
}

#[test]
fn one_broken_file_does_not_stop_the_others() {
    let dir = std::env::temp_dir().join(format!("corsproof-scenario-load-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("nested")).unwrap();
    std::fs::write(dir.join("a.toml"), request_with("")).unwrap();
    std::fs::write(dir.join("nested/b.toml"), request_with("mode = 1\n")).unwrap();
    std::fs::write(dir.join("corsproof.toml"), "snapshots = \"x\"\n").unwrap();
    std::fs::write(dir.join("notes.txt"), "not a scenario").unwrap();
    let files = corsproof_scenario::discover(std::slice::from_ref(&dir));
    assert_eq!(files, vec![dir.join("a.toml"), dir.join("nested/b.toml")]);
    let loaded = corsproof_scenario::load_all(&files);
    assert!(loaded[0].is_ok());
    assert!(loaded[1].as_ref().unwrap_err().message().contains("`mode` is not a string"));
    let missing = corsproof_scenario::load(&dir.join("missing.toml")).unwrap_err();
    assert!(missing.message().starts_with("cannot read the file"));
    std::fs::remove_dir_all(dir).unwrap();
}
