//! The scenario corpus loads: every file under `scenarios/` parses without error, and its
//! scenarios are well formed (the browser run in `tests/scenarios.rs` relies on it).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use corsproof_scenario::ScenarioFile;

/// The repository's `scenarios/` folder, found upwards from this package.
fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|dir| dir.join("scenarios"))
        .find(|dir| dir.is_dir())
        .expect("a scenarios/ folder above this package")
}

fn load_corpus() -> Vec<ScenarioFile> {
    let files = corsproof_scenario::discover(&[corpus()]);
    assert!(!files.is_empty(), "no scenario file under {}", corpus().display());
    let mut loaded = Vec::new();
    let mut broken = Vec::new();
    for result in corsproof_scenario::load_all(&files) {
        match result {
            Ok(file) => loaded.push(file),
            Err(error) => broken.push(error.to_string()),
        }
    }
    assert!(broken.is_empty(), "{} broken scenario file(s):\n\n{}", broken.len(), broken.join("\n\n"));
    loaded
}

#[test]
fn every_scenario_file_parses() {
    let files = load_corpus();
    for file in &files {
        assert!(!file.scenarios.is_empty(), "{}: no scenario", file.path.display());
    }
}

#[test]
fn every_toml_file_under_scenarios_is_found() {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|ext| ext == "toml") {
                found.push(path);
            }
        }
    }
    let mut on_disk = Vec::new();
    walk(&corpus(), &mut on_disk);
    on_disk.sort();
    assert_eq!(corsproof_scenario::discover(&[corpus()]), on_disk);
}

#[test]
fn every_scenario_says_what_it_proves() {
    for file in load_corpus() {
        for scenario in &file.scenarios {
            let about = scenario.about.trim();
            assert!(!about.is_empty(), "{}::{} has no `about`", file.path.display(), scenario.name);
            assert!(!about.contains('\n'), "{}::{}: `about` is one line", file.path.display(), scenario.name);
        }
    }
}

#[test]
fn scenario_names_are_unique_per_file() {
    for file in load_corpus() {
        let mut seen = BTreeSet::new();
        for scenario in &file.scenarios {
            assert!(
                seen.insert(scenario.name.as_str()),
                "{}: `{}` is used twice",
                file.path.display(),
                scenario.name
            );
        }
    }
}

#[test]
fn the_corpus_runs_on_the_mock_origins() {
    // The corpus scripts the mock server, so each request names its origin; files meant for
    // `--target` belong with a user's own scenarios, not here.
    for file in load_corpus() {
        for scenario in &file.scenarios {
            for (index, step) in scenario.requests.iter().enumerate() {
                assert!(
                    step.to.is_some(),
                    "{}::{} request {}: no `to`",
                    file.path.display(),
                    scenario.name,
                    index + 1
                );
            }
        }
    }
}

#[test]
fn every_scenario_writes_back_to_itself() {
    for file in load_corpus() {
        for scenario in &file.scenarios {
            let text = corsproof_scenario::to_toml(scenario);
            let again = corsproof_scenario::parse_str(&file.path, &text).unwrap_or_else(|error| {
                panic!("{}::{} written back:\n{text}\n{error}", file.path.display(), scenario.name)
            });
            let mut written = again.scenarios[0].clone();
            written.line = scenario.line;
            assert_eq!(
                &written,
                scenario,
                "{}::{} written back:\n{text}",
                file.path.display(),
                scenario.name
            );
        }
    }
}

#[test]
fn the_corpus_asserts_the_response_and_held_cookies_in_every_form() {
    // What the conformance suites assert of a response and of cookies set before the requests:
    // each form is in the corpus at least once, so each is checked in Chromium and snapshotted.
    use corsproof_scenario::{HeaderReading, ResponseType};
    let corpus = load_corpus();
    let scenarios = || corpus.iter().flat_map(|file| &file.scenarios);
    let expects = || scenarios().flat_map(|scenario| &scenario.requests).map(|step| &step.expect);
    for kind in ResponseType::ALL {
        assert!(
            expects().any(|expect| expect.response_type == Some(kind)),
            "no `response_type = {}`",
            kind.name()
        );
    }
    assert!(expects().any(|expect| expect.status == Some(0)), "no `status = 0`");
    assert!(expects().any(|expect| expect.body.as_deref() == Some("")), "no empty `body`");
    assert!(expects().any(|expect| expect.body.as_deref().is_some_and(|body| !body.is_empty())), "no `body`");
    let readings = || expects().flat_map(|expect| &expect.headers).map(|(_, reading)| reading);
    assert!(readings().any(|reading| matches!(reading, HeaderReading::Value(_))), "no header value");
    assert!(readings().any(|reading| *reading == HeaderReading::Unreadable), "no unreadable header");
    assert!(scenarios().any(|scenario| !scenario.cookies.is_empty()), "no `[[scenario.cookie]]`");
}
