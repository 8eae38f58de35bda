//! Every scenario file runs in real Firefox (ESR, through geckodriver): each scenario's
//! observation must match its snapshot in `tests/snapshots/firefox/` (see `scenario_suite`).
//! The scenario files' expectations describe Chromium and are not checked here; the oracle's
//! Firefox profile is proven against these snapshots in `tests/oracle_agreement.rs`.

mod scenario_suite;

use std::path::PathBuf;

use corsproof_browser::Engine;
use rstest::rstest;

#[rstest]
fn scenario_file(#[files("scenarios/**/*.toml")] path: PathBuf) {
    scenario_suite::check_file(Engine::Firefox, path);
}
