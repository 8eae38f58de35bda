//! Every scenario file runs in real Chromium: its expectations must hold and each scenario's
//! observation must match its snapshot in `tests/snapshots/chromium/` (see `scenario_suite`).

mod scenario_suite;

use std::path::PathBuf;

use corsproof_browser::Engine;
use rstest::rstest;

#[rstest]
fn scenario_file(#[files("scenarios/**/*.toml")] path: PathBuf) {
    scenario_suite::check_file(Engine::Chromium, path);
}
