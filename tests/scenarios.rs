//! Every scenario file runs in real Chromium, Firefox and WebKit, the three at once: each
//! scenario's observation must match its snapshot in `tests/snapshots/<engine>/`, and in
//! Chromium, the engine the scenario files describe, its expectations must hold (see
//! `scenario_suite`). `cargo test --test scenarios firefox` runs one engine's cases. The
//! snapshots are insta's files, which the last two tests hold to.

mod scenario_suite;

use std::path::PathBuf;

use corsproof_browser::Engine;
use corsproof_runner::snapshot::{SnapshotBody, SnapshotFile};
use corsproof_runner::{Listing, Observation};
use rstest::rstest;

#[rstest]
fn chromium(#[files("scenarios/**/*.toml")] path: PathBuf) {
    scenario_suite::check_file(Engine::Chromium, path);
}

#[rstest]
fn firefox(#[files("scenarios/**/*.toml")] path: PathBuf) {
    scenario_suite::check_file(Engine::Firefox, path);
}

#[rstest]
fn webkit(#[files("scenarios/**/*.toml")] path: PathBuf) {
    scenario_suite::check_file(Engine::WebKit, path);
}

/// The corpus snapshots are insta's files: each reads as an insta snapshot whose `source:` is
/// its own scenario file and whose contents are the body corsproof compares.
#[test]
fn every_snapshot_is_an_insta_snapshot_naming_its_scenario_file() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let listing = Listing::load(&[root.join("scenarios")], None);
    assert!(listing.load_errors.is_empty(), "{:?}", listing.load_errors);
    for job in &listing.jobs {
        for engine in Engine::ALL {
            let snapshot = SnapshotFile::find(&job.file, &job.scenario, engine).unwrap();
            let relative = job.file.strip_prefix(root).unwrap();
            assert_eq!(snapshot.source(), relative.to_str().unwrap());
            let insta = insta::Snapshot::from_file(&snapshot.path())
                .unwrap_or_else(|error| panic!("{}: {error}", snapshot.path().display()));
            assert_eq!(insta.metadata().source(), Some(snapshot.source()), "{}", snapshot.path().display());
            assert_eq!(insta.metadata().description(), Some(job.scenario.about.as_str()));
            let stored = snapshot.stored().expect("stored");
            assert_eq!(insta.as_text().map(ToString::to_string).as_deref(), Some(stored.as_str().trim_end()));
        }
    }
}

/// A pending snapshot is the `.snap.new` that `cargo insta review` reads and accepts.
#[test]
fn a_pending_snapshot_is_in_insta_format() {
    let dir = std::env::temp_dir().join(format!("corsproof-pending-{}", std::process::id()));
    let file = corsproof_scenario::parse_str(&dir.join("mine.toml"), SCENARIO)
        .unwrap_or_else(|error| panic!("{}", error.render(false)));
    let scenario = &file.scenarios[0];
    let snapshot = SnapshotFile::find(&file.path, scenario, Engine::WebKit).unwrap();
    let observation = Observation {
        scenario: scenario.name.clone(),
        about: scenario.about.clone(),
        page: scenario.page.clone(),
        page_origin: None,
        sandbox: false,
        requests: vec![],
    };
    let body = SnapshotBody::of(&observation);
    snapshot.write_pending(&body).unwrap();
    assert_eq!(snapshot.pending_path(), dir.join("snapshots/webkit/mine__pending.snap.new"));
    let insta = insta::Snapshot::from_file(&snapshot.pending_path()).unwrap();
    assert_eq!(insta.metadata().source(), Some(dir.join("mine.toml").to_str().unwrap()));
    assert_eq!(insta.metadata().description(), Some("A pending \"snapshot\": what it proves"));
    assert_eq!(insta.as_text().map(ToString::to_string).as_deref(), Some(body.as_str().trim_end()));
    std::fs::remove_dir_all(&dir).unwrap();
}

const SCENARIO: &str = r#"
[[scenario]]
name = "pending"
about = 'A pending "snapshot": what it proves'
page = "app"

[[scenario.request]]
to = "api"

[scenario.request.expect]
outcome = "blocked"
"#;
