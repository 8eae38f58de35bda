//! `corsproof install-browsers` as a user types it, on this machine, where the browsers are
//! installed (`ci/install-browsers` ran): only `--dry-run`, since a test never installs anything.
//! And `ci/install-browsers`, which runs before anything is built, checked against the engine
//! modules the command walks.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

use corsproof_browser::{Engine, Provider};

fn corsproof(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_corsproof")).args(args).output().expect("corsproof runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn every_engine_is_present_here_with_its_executables() {
    let output = corsproof(&["install-browsers", "--dry-run"]);
    let text = stdout(&output);
    assert!(output.status.success(), "{text}{}", String::from_utf8_lossy(&output.stderr));
    for engine in Engine::ALL {
        assert!(text.lines().any(|line| line == format!("{engine}: present")), "{text}");
        for executable in corsproof_browser::requirements(engine).executables() {
            let line = text
                .lines()
                .find(|line| line.starts_with(&format!("  {} ", executable.name)))
                .unwrap_or_else(|| panic!("{} is not reported:\n{text}", executable.name));
            let words: Vec<&str> = line.split_whitespace().collect();
            assert!(matches!(words[..], [_, path] if Path::new(path).is_file()), "{line}");
        }
    }
    assert!(text.ends_with("nothing to install\n"), "{text}");
}

#[test]
fn one_engine_reports_only_itself() {
    let output = corsproof(&["install-browsers", "--engine", "webkit", "--dry-run"]);
    let text = stdout(&output);
    assert!(output.status.success(), "{text}{}", String::from_utf8_lossy(&output.stderr));
    assert!(text.starts_with("webkit: present\n"), "{text}");
    for name in ["MiniBrowser", "WebKitWebDriver", "Xvfb"] {
        assert!(text.contains(&format!("  {name} ")), "{text}");
    }
    for other in ["chromium", "chromedriver", "firefox", "geckodriver"] {
        assert!(!text.contains(other), "{text}");
    }
    assert_eq!(corsproof(&["install-browsers", "--check", "--engine", "webkit"]).stdout, output.stdout);
}

#[test]
fn an_unknown_engine_is_refused_with_the_known_ones() {
    let output = corsproof(&["install-browsers", "--engine", "lynx", "--dry-run"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("chromium, firefox, webkit"), "{stderr}");
}

/// `ci/install-browsers` installs, with apt-get, exactly the Debian packages the engine modules
/// name, and builds with cargo every crate they name: the script and the binary agree.
#[test]
fn the_script_installs_what_the_engine_modules_require() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../ci/install-browsers");
    let script = std::fs::read_to_string(path).expect("ci/install-browsers");
    let providers = Engine::ALL.into_iter().flat_map(|engine| {
        corsproof_browser::requirements(engine).executables().map(|executable| executable.provider)
    });
    let (mut packages, mut crates) = (BTreeSet::new(), BTreeSet::new());
    for provider in providers {
        match provider {
            Provider::Debian(package) => packages.insert(package),
            Provider::Crate(name) => crates.insert(name),
        };
    }
    let in_script: BTreeSet<&str> =
        script.split("missing+=(").skip(1).filter_map(|rest| rest.split(')').next()).collect();
    assert_eq!(in_script, packages, "the Debian packages of ci/install-browsers and of the engine modules");
    for name in &crates {
        let command = format!("cargo install --locked --quiet {name}\n");
        assert!(script.contains(&command), "ci/install-browsers does not build {name}");
    }
    let builds =
        script.lines().filter(|line| !line.trim_start().starts_with('#') && line.contains("cargo install"));
    assert_eq!(builds.count(), crates.len(), "ci/install-browsers builds a crate no engine module names");
}
