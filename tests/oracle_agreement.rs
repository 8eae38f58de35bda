//! The oracle proven against the browsers: for every scenario and every engine, the oracle's
//! prediction with that engine's profile must match the engine's recorded snapshot
//! (`tests/snapshots/<engine>/`), field by field, unless the difference is a documented
//! deviation in `tests/deviations/<engine>.toml`. Needs no browser: it reads the snapshots.
//!
//! The fields are [`Field::ALL`], by the names deviation files use: `outcome`, `reason_class`,
//! `reason_in_preflight`, `reason` (the console line of a block, word for word: the oracle's
//! line from the engine's console table, redacted as the runner redacts the browser's, against
//! the snapshot's `reason`, for every engine whose snapshots hold its console text),
//! `preflight`, `reached_server`, `status` and `readable_headers`.

mod agreement;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use agreement::disagreements;
use corsproof_behaviour::{Listener, NamedOrigin};
use corsproof_oracle::Engine;
use corsproof_runner::fate::{Difference, Fate, Field};
use corsproof_runner::predict::predict;
use corsproof_runner::snapshot::SnapshotFile;
use serde::Deserialize;
use serde_json::Value;

/// The mock origins with stand-in ports; snapshots name origins, never ports.
fn origins() -> Vec<NamedOrigin> {
    NamedOrigin::table(|listener| match listener {
        Listener::HttpA => 8001,
        Listener::HttpB => 8002,
        Listener::Https => 8443,
    })
}

#[derive(Debug, Deserialize)]
struct Deviations {
    #[serde(default)]
    deviation: Vec<Deviation>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Deviation {
    snapshot: String,
    request: usize,
    /// The fields of that request that differ for this one reason.
    fields: Vec<String>,
    why: String,
}

/// The recorded observation of a snapshot, read through the type that owns the file.
fn recorded(snapshot: &SnapshotFile) -> Value {
    let path = snapshot.path();
    let body = snapshot.stored().unwrap_or_else(|| panic!("{}: no snapshot", path.display()));
    serde_norway::from_str(body.as_str()).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_oracle_predicts_every_chromium_snapshot_or_names_the_deviation() {
    agreement(Engine::Chromium);
}

#[test]
fn the_oracle_predicts_every_firefox_snapshot_or_names_the_deviation() {
    agreement(Engine::Firefox);
}

#[test]
fn the_oracle_predicts_every_webkit_snapshot_or_names_the_deviation() {
    agreement(Engine::WebKit);
}

fn agreement(engine: Engine) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let file = format!("tests/deviations/{engine}.toml");
    let deviations: Deviations =
        toml::from_str(&std::fs::read_to_string(root.join(&file)).unwrap_or_else(|e| panic!("{file}: {e}")))
            .unwrap_or_else(|e| panic!("{file}: {e}"));
    let listed: BTreeSet<(String, usize, String)> = deviations
        .deviation
        .iter()
        .flat_map(|d| d.fields.iter().map(|field| (d.snapshot.clone(), d.request, field.clone())))
        .collect();
    assert!(deviations.deviation.iter().all(|d| !d.why.trim().is_empty()), "every deviation says why");
    let unknown: Vec<&(String, usize, String)> =
        listed.iter().filter(|(_, _, field)| Field::named(field).is_none()).collect();
    let names: Vec<&str> = Field::ALL.iter().map(|field| field.name()).collect();
    assert!(unknown.is_empty(), "{file}: fields that are not of {names:?}: {unknown:?}");

    let origins = origins();
    let mut compared = 0;
    let mut differences: Vec<((String, usize, String), String)> = Vec::new();
    let mut scenarios = 0;
    let mut scenarios_agreeing = 0;
    // Blocked requests whose console line either side words, and those worded alike.
    let mut console_lines = 0;
    let mut console_lines_agreeing = 0;
    for path in corsproof_scenario::discover(&[root.join("scenarios")]) {
        let file = corsproof_scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
        for scenario in &file.scenarios {
            let snapshot_file = SnapshotFile::find(&path, scenario, engine).unwrap_or_else(|e| panic!("{e}"));
            let location = snapshot_file.location();
            let snapshot = recorded(&snapshot_file);
            let observed: Vec<Fate> = snapshot["requests"]
                .as_array()
                .expect("a snapshot lists its requests")
                .iter()
                .map(|request| Fate::recorded(request).unwrap_or_else(|e| panic!("{}: {e}", location.name)))
                .collect();
            let predicted: Vec<Fate> = predict(scenario, &origins, engine, Duration::from_secs(5))
                .unwrap_or_else(|e| panic!("{}: {e}", location.name))
                .iter()
                .map(Fate::predicted)
                .collect();
            assert_eq!(observed.len(), predicted.len(), "{}: one prediction per request", location.name);
            scenarios += 1;
            compared += observed.len() * Field::ALL.len();
            for (browser, oracle) in observed.iter().zip(&predicted) {
                if browser.reason.is_some() || oracle.reason.is_some() {
                    console_lines += 1;
                    console_lines_agreeing += usize::from(browser.reason == oracle.reason);
                }
            }
            let found = disagreements(&observed, &predicted);
            scenarios_agreeing += usize::from(found.is_empty());
            for (request, Difference { field, this: browser, other: oracle }) in found {
                let key = (location.name.clone(), request, field.name().to_owned());
                let text =
                    format!("{} request {} {field}: {engine} {browser}, oracle {oracle}", key.0, key.1);
                differences.push((key, text));
            }
        }
    }
    eprintln!(
        "oracle agreement with {engine}: {}/{compared} fields, {scenarios_agreeing}/{scenarios} scenarios exactly, \
         console text: {console_lines_agreeing}/{console_lines} blocked requests word for word; \
         {} documented deviations covering {} fields",
        compared - differences.len(),
        deviations.deviation.len(),
        listed.len()
    );
    let unexplained: Vec<&str> =
        differences.iter().filter(|(key, _)| !listed.contains(key)).map(|(_, text)| text.as_str()).collect();
    assert!(unexplained.is_empty(), "differences not in {file}:\n  {}", unexplained.join("\n  "));
    let differing: BTreeSet<(String, usize, String)> = differences.into_iter().map(|(key, _)| key).collect();
    let stale: Vec<_> = listed.difference(&differing).collect();
    assert!(stale.is_empty(), "deviations that no longer differ (remove them): {stale:?}");
}
