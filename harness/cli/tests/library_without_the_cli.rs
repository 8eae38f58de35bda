//! `corsproof = { default-features = false }` compiles the checker's dependencies only: none of
//! the command-line tool's browser stack, mock server, runner, argument parser or allocator.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// Every package `corsproof` without its default features builds (normal dependencies only, as
/// a user's build sees them), with its enabled features.
fn library_dependencies() -> BTreeMap<String, Vec<String>> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let output = Command::new(env!("CARGO"))
        .args(["tree", "--offline", "--no-default-features", "-e", "normal", "--prefix", "none"])
        .args(["--format", "{p} {f}", "-p", "corsproof", "--manifest-path"])
        .arg(&manifest)
        .output()
        .expect("cargo runs");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "cargo tree failed: {}", String::from_utf8_lossy(&output.stderr));
    let mut packages: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in text.lines() {
        // `name vX.Y.Z [(path) | (proc-macro)] [feature,feature] [(*)]`
        let words: Vec<&str> = line.split_whitespace().filter(|word| *word != "(*)").collect();
        let Some(name) = words.first() else { continue };
        let features = words.last().filter(|last| words.len() > 2 && !last.ends_with(')'));
        let enabled = packages.entry((*name).to_owned()).or_default();
        enabled.extend(features.into_iter().flat_map(|list| list.split(',')).map(str::to_owned));
    }
    packages
}

#[test]
fn the_library_builds_without_the_browser_stack() {
    let packages = library_dependencies();
    assert!(packages.contains_key("corsproof-check"), "{packages:#?}");
    for absent in [
        "fantoccini",
        "tokio-tungstenite",
        "clap",
        "mimalloc",
        "tracing-subscriber",
        "corsproof-browser",
        "corsproof-runner",
        "corsproof-server",
        "corsproof-scenario",
    ] {
        assert!(!packages.contains_key(absent), "{absent} is built without the cli feature: {packages:#?}");
    }
    // The browser crate's HTTP client (CDP, BiDi and WebDriver over hyper-util's legacy client).
    // The checker uses hyper-util's tokio glue only; `tokio` proves the features were read.
    let hyper_util = &packages["hyper-util"];
    assert!(hyper_util.iter().any(|feature| feature == "tokio"), "{hyper_util:?}");
    assert!(!hyper_util.iter().any(|feature| feature == "client-legacy"), "{hyper_util:?}");
}
