//! What the scenario-format tests share: a one-request file to vary, and the readers of a
//! parse's result.

use std::path::Path;

use corsproof_scenario::{ScenarioError, ScenarioFile, parse_str};

/// Lines 1 to 7: one scenario whose request goes to `api`; `request` adds lines from line 8,
/// then the `expect` table (its header on the line after a blank one) with `outcome = OUTCOME`
/// and `expect` lines.
pub fn file(request: &str, outcome: &str, expect: &str) -> String {
    format!(
        "[[scenario]]\nname = \"one\"\nabout = \"A scenario\"\npage = \"app\"\n\n[[scenario.request]]\nto = \"api\"\n\
         {request}\n[scenario.request.expect]\noutcome = \"{outcome}\"\n{expect}"
    )
}

/// The error of a file that must not load.
pub fn broken(text: &str) -> ScenarioError {
    parse_str(Path::new("s.toml"), text).expect_err("the file is broken")
}

/// The scenarios of a file that must load.
pub fn valid(text: &str) -> ScenarioFile {
    parse_str(Path::new("s.toml"), text).unwrap_or_else(|error| panic!("{error}"))
}

/// Every problem's (line, column, message).
pub fn problems(error: &ScenarioError) -> Vec<(usize, usize, String)> {
    error.diagnostics().iter().map(|d| (d.line, d.column, d.message.clone())).collect()
}
