//! `corsproof check-scenarios`: scenario files loaded, validated and planned as `run` does,
//! without a browser. Each command runs with an empty environment (no `PATH`), where no
//! browser or driver could be found, so any attempt to start one would fail the test.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::{folder, stderr, stdout};

/// `corsproof ARGS` in `dir`, with nothing in its environment.
fn without_browsers(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_corsproof"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .output()
        .expect("corsproof runs")
}

const GOOD: &str = r#"[[scenario]]
name = "echoed"
about = "A GET with the Origin echoed is allowed"
page = "app"

[[scenario.request]]
to = "api"
path = "/data?_bust=1&status=201"

[scenario.request.server]
acao = "origin"

[scenario.request.expect]
outcome = "allowed"
"#;

const BROKEN: &str = r#"[[scenario]]
name = "bad"
about = "credentials has a typo"
page = "app"

[[scenario.request]]
to = "api"
credentials = "includ"

[scenario.request.expect]
outcome = "allowed"
"#;

const BAD_PATH_QUERY: &str = r#"[[scenario]]
name = "bogus-word"
about = "A word the mock server does not know in the path's query"
page = "app"

[[scenario.request]]
to = "api"
path = "/items?acao=origin&bogus=1"

[scenario.request.expect]
outcome = "allowed"
"#;

const WORD_TWICE: &str = r#"[[scenario]]
name = "status-twice"
about = "The path's query and the server table both set the status"
page = "app"

[[scenario.request]]
to = "api"
path = "/items?status=201"

[scenario.request.server]
status = 204

[scenario.request.expect]
outcome = "allowed"
"#;

/// The workspace's scenario corpus.
fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios")
}

/// The `*.toml` files under `dir`, and how many `[[scenario]]` tables they hold.
fn count_scenarios(dir: &Path) -> (usize, usize) {
    let (mut files, mut scenarios) = (0, 0);
    for entry in std::fs::read_dir(dir).expect("the corpus folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            let (more_files, more_scenarios) = count_scenarios(&path);
            files += more_files;
            scenarios += more_scenarios;
        } else if path.extension().is_some_and(|extension| extension == "toml") {
            files += 1;
            let text = std::fs::read_to_string(&path).expect("a scenario file");
            scenarios += text.lines().filter(|line| line.trim() == "[[scenario]]").count();
        }
    }
    (files, scenarios)
}

#[test]
fn the_corpus_checks_clean_without_a_browser() {
    let corpus = corpus();
    let (files, scenarios) = count_scenarios(&corpus);
    assert!(files > 0 && scenarios > 0, "the corpus has scenarios");
    let output = without_browsers(&["check-scenarios", "scenarios"], corpus.parent().expect("the workspace"));
    assert_eq!(output.status.code(), Some(0), "{}{}", stdout(&output), stderr(&output));
    assert_eq!(stdout(&output), format!("{files} files, {scenarios} scenarios: ok\n"));
}

#[test]
fn a_broken_file_is_located_and_fails_the_check() {
    let dir = folder("check-broken", &[("good.toml", GOOD), ("broken.toml", BROKEN)]);
    let output = without_browsers(&["check-scenarios", "."], &dir);
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{out}");
    assert!(out.contains("broken.toml:8:15: `includ` is not a value of `credentials`"), "{out}");
    assert!(out.ends_with("2 files, 1 scenario: 1 error in 1 file\n"), "{out}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn an_unknown_word_in_a_path_query_is_located_at_the_path_here_and_before_a_run() {
    let dir = folder("check-query", &[("query.toml", BAD_PATH_QUERY)]);
    let output = without_browsers(&["check-scenarios", "query.toml"], &dir);
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{out}");
    assert!(
        out.contains(
            "query.toml:8:8: `bogus` in this path's query is not a word of the mock server's vocabulary"
        ),
        "{out}"
    );
    assert!(out.ends_with("1 file, 0 scenarios: 1 error in 1 file\n"), "{out}");
    // `run` refuses the file the same way, before it looks for a browser.
    let run = without_browsers(&["run", "query.toml"], &dir);
    assert_eq!(run.status.code(), Some(1));
    let err = stderr(&run);
    assert!(err.contains("query.toml:8:8: `bogus` in this path's query"), "{err}");
    assert!(err.contains("nothing to run"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_query_the_plan_finds_unreadable_is_told_at_its_scenario() {
    let dir = folder("check-twice", &[("twice.toml", WORD_TWICE), ("good.toml", GOOD)]);
    let output = without_browsers(&["check-scenarios", "."], &dir);
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{out}");
    assert!(
        out.contains("twice.toml:1:1: scenario `status-twice`: the mock server cannot read the query"),
        "{out}"
    );
    assert!(out.contains("`status`: given more than once"), "{out}");
    assert!(out.ends_with("2 files, 2 scenarios: 1 error in 1 file\n"), "{out}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_project_file_names_pages_as_for_a_run() {
    let shop = GOOD.replace("page = \"app\"", "page = \"shop\"");
    let dir = folder("check-project", &[("shop.toml", &shop)]);
    let output = without_browsers(&["check-scenarios", "."], &dir);
    assert_eq!(output.status.code(), Some(1), "`shop` is no page without the project file");
    std::fs::write(dir.join("corsproof.toml"), "[pages]\nshop = \"https://shop.example\"\n").unwrap();
    let output = without_browsers(&["check-scenarios", "shop.toml"], &dir);
    assert_eq!(stdout(&output), "1 file, 1 scenario: ok\n", "{}", stderr(&output));
    assert_eq!(output.status.code(), Some(0));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn paths_without_scenario_files_are_bad_arguments() {
    let dir = folder("check-empty", &[("notes.txt", "not a scenario")]);
    let empty = without_browsers(&["check-scenarios", "."], &dir);
    assert_eq!(empty.status.code(), Some(2));
    assert!(stderr(&empty).contains("no scenario file (`*.toml`) in ."), "{}", stderr(&empty));
    let missing = without_browsers(&["check-scenarios", "nowhere"], &dir);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("nowhere: there is no such file or folder"), "{}", stderr(&missing));
    std::fs::remove_dir_all(dir).unwrap();
}
