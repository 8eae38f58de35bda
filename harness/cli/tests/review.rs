//! `corsproof review` as a user types it: a run leaves pending snapshots, review settles them.

mod support;

use std::path::{Path, PathBuf};

use support::{corsproof, corsproof_in_ci, stderr, stdout};

const SCENARIOS: &str = r#"
[[scenario]]
name = "no-acao"
about = "A simple GET without Access-Control-Allow-Origin is blocked but reaches the server"
page = "app"

[[scenario.request]]
to = "api"
path = "/data"

[scenario.request.expect]
outcome = "blocked"
reached_server = true

[[scenario]]
name = "echoed"
about = "The same GET with the Origin echoed is allowed"
page = "app"

[[scenario.request]]
to = "api"
path = "/data"

[scenario.request.server]
acao = "origin"

[scenario.request.expect]
outcome = "allowed"
"#;

/// A fresh folder outside the repository with the scenario file `api.toml`.
fn folder(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("corsproof-review-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("api.toml"), SCENARIOS).unwrap();
    dir
}

/// The snapshot file of `scenario` and its pending file.
fn snapshot(dir: &Path, scenario: &str) -> (PathBuf, PathBuf) {
    let snap = dir.join(format!("snapshots/chromium/api__{scenario}.snap"));
    let pending = dir.join(format!("snapshots/chromium/api__{scenario}.snap.new"));
    (snap, pending)
}

#[test]
fn new_snapshots_are_listed_off_a_terminal_then_accepted() {
    let dir = folder("accept");
    let run = corsproof_in_ci(&["run", "api.toml"], &dir, false);
    assert_eq!(run.status.code(), Some(1), "no snapshot yet:\n{}", stdout(&run));
    let (no_acao, no_acao_pending) = snapshot(&dir, "no-acao");
    let (echoed, echoed_pending) = snapshot(&dir, "echoed");
    let observed = std::fs::read_to_string(&no_acao_pending).expect("run left a pending snapshot");
    assert!(echoed_pending.exists());

    let listed = corsproof(&["review"], &dir);
    let text = stdout(&listed);
    assert_eq!(listed.status.code(), Some(1), "off a terminal nothing is settled:\n{text}");
    for expected in [
        "engine:   chromium",
        "snapshot: snapshots/chromium/api__echoed.snap",
        "snapshot: snapshots/chromium/api__no-acao.snap",
        "source:   api.toml",
        "new (nothing stored yet):",
        "+    outcome: \"blocked\"",
        "2 pending snapshots not reviewed",
        "Pass --accept or --reject",
    ] {
        assert!(text.contains(expected), "{expected:?} in:\n{text}");
    }
    assert!(!text.contains('\x1b'), "no color off a terminal:\n{text}");
    assert!(no_acao_pending.exists() && echoed_pending.exists(), "still pending");

    let accepted = corsproof(&["review", "--accept", "--filter", "no-acao"], &dir);
    let text = stdout(&accepted);
    assert!(accepted.status.success(), "{text}{}", stderr(&accepted));
    assert_eq!(text, "accepted snapshots/chromium/api__no-acao.snap\naccepted 1, rejected 0, skipped 0\n");
    assert_eq!(std::fs::read_to_string(&no_acao).unwrap(), observed, "the pending file, as it was");
    assert!(!no_acao_pending.exists());
    assert!(echoed_pending.exists() && !echoed.exists(), "--filter left the other one pending");

    let rest = corsproof(&["review", ".", "--accept"], &dir);
    assert!(stdout(&rest).ends_with("accepted 1, rejected 0, skipped 0\n"), "{}", stdout(&rest));
    assert!(echoed.exists() && !echoed_pending.exists());

    let ci = corsproof_in_ci(&["run", "api.toml"], &dir, true);
    assert!(ci.status.success(), "the accepted snapshots hold under CI:\n{}", stdout(&ci));
    assert!(stdout(&ci).contains("2 passed, 0 failed"), "{}", stdout(&ci));
    let nothing = corsproof(&["review", "api.toml"], &dir);
    assert!(nothing.status.success());
    assert_eq!(stdout(&nothing), "no pending snapshots: nothing to review\n");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_changed_snapshot_is_shown_as_a_diff_and_rejected() {
    let dir = folder("reject");
    assert!(corsproof(&["record", "api.toml"], &dir).status.success());
    let (no_acao, no_acao_pending) = snapshot(&dir, "no-acao");
    let recorded = std::fs::read_to_string(&no_acao).expect("record wrote the snapshot");
    let edited = recorded.replace("outcome: \"blocked\"", "outcome: \"allowed\"");
    assert_ne!(edited, recorded);
    std::fs::write(&no_acao, &edited).unwrap();

    let run = corsproof_in_ci(&["run", "api.toml"], &dir, false);
    assert_eq!(run.status.code(), Some(1), "{}", stdout(&run));
    assert!(no_acao_pending.exists() && !snapshot(&dir, "echoed").1.exists(), "only the changed one");

    let listed = corsproof(&["review", "api.toml"], &dir);
    let text = stdout(&listed);
    assert_eq!(listed.status.code(), Some(1), "{text}");
    assert!(text.contains("changed (stored to pending):"), "{text}");
    assert!(
        text.contains("-    outcome: \"allowed\"") && text.contains("+    outcome: \"blocked\""),
        "the diff, stored to pending:\n{text}"
    );

    let filtered = corsproof(&["review", "--reject", "--filter", "echoed"], &dir);
    assert!(filtered.status.success());
    assert_eq!(stdout(&filtered), "no pending snapshots matching `echoed`: nothing to review\n");
    assert!(no_acao_pending.exists(), "--filter kept it out of reach");

    let rejected = corsproof(&["review", "--reject"], &dir);
    let text = stdout(&rejected);
    assert!(rejected.status.success(), "{text}{}", stderr(&rejected));
    assert_eq!(
        text,
        "rejected snapshots/chromium/api__no-acao.snap.new\naccepted 0, rejected 1, skipped 0\n"
    );
    assert!(!no_acao_pending.exists());
    assert_eq!(std::fs::read_to_string(&no_acao).unwrap(), edited, "the snapshot stays as it was");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn review_refuses_both_flags_and_a_path_that_is_not_there() {
    let dir = folder("usage");
    let both = corsproof(&["review", "--accept", "--reject"], &dir);
    assert_eq!(both.status.code(), Some(2));
    assert!(stderr(&both).contains("cannot be used with"), "{}", stderr(&both));
    let missing = corsproof(&["review", "nowhere.toml"], &dir);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("nowhere.toml does not exist"), "{}", stderr(&missing));
    let help = corsproof(&["--help"], &dir);
    assert!(
        stdout(&help).contains("review") && stdout(&help).contains("pending snapshots"),
        "{}",
        stdout(&help)
    );
    let _ = std::fs::remove_dir_all(dir);
}
