//! What "the oracle agrees with the browser" means: every field of each request's
//! [`Fate`], one definition for the recorded snapshots (`tests/oracle_agreement.rs`) and the
//! generated cases (`tests/browser_properties.rs`).

use corsproof_runner::fate::{Difference, Fate};

/// Where the browser's fates and the oracle's differ, request by request: the request's number
/// (from 1) and the field, the browser's value first.
pub fn disagreements(observed: &[Fate], predicted: &[Fate]) -> Vec<(usize, Difference)> {
    observed
        .iter()
        .zip(predicted)
        .enumerate()
        .flat_map(|(index, (browser, oracle))| {
            browser.differences(oracle).into_iter().map(move |difference| (index + 1, difference))
        })
        .collect()
}
