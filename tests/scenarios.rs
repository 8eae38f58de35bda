//! Every scenario file runs in real Chromium, Firefox and WebKit, the three at once: each
//! scenario's observation must match its snapshot in `tests/snapshots/<engine>/`, and in
//! Chromium, the engine the scenario files describe, its expectations must hold (see
//! `scenario_suite`). `cargo test --test scenarios firefox` runs one engine's cases.

mod scenario_suite;

use std::path::PathBuf;

use corsproof_browser::Engine;
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
