//! `corsproof check --prove` as a user types it: a blocked request against a live server (the
//! mock origins stand in for it), replayed in the real browsers as the server answered it and
//! with the fix's headers. Every engine must block the server's own answer and let the page read
//! the fixed one; nothing is skipped (a missing browser fails the test with its install command).
//!
//! The page is at an http origin: the stand-in for a server on 127.0.0.1 is the mock origin on
//! 127.0.0.1, which WebKit does not let an https page read (mixed content), whatever the headers.

mod support;

use serde_json::Value;
use support::{api, check};

/// The `prove` part of `--json`'s report, with the exit code.
fn proof(args: &[&str]) -> (Option<i32>, Value) {
    let output = check(args);
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!("JSON on stdout ({error}):\n{}", String::from_utf8_lossy(&output.stdout))
    });
    (output.status.code(), report["prove"].clone())
}

/// Asserts that every engine ran, blocked the server's answer and allowed the fixed one.
fn assert_proven_everywhere(proof: &Value) {
    let engines = proof["engines"].as_array().expect("one entry per engine");
    assert_eq!(engines.len(), 3, "{proof:#}");
    for engine in engines {
        assert!(engine["error"].is_null(), "{} could not run: {}", engine["engine"], engine["error"]);
        assert_eq!(engine["as_answered"]["outcome"], "blocked", "{engine:#}");
        assert_eq!(engine["fixed"]["outcome"], "allowed", "{engine:#}");
    }
    assert_eq!(proof["works_in"], serde_json::json!(["chromium", "firefox", "webkit"]), "{proof:#}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_allow_origin_is_fixed_in_every_engine() {
    let (_server, api) = api().await;
    let url = format!("{api}/t/p1/items");
    let (code, proof) =
        proof(&[&url, "--origin", "http://app.example.com", "--credentials", "--json", "--prove"]);
    // The exit code is the verdict on the server as it is.
    assert_eq!(code, Some(1));
    assert_eq!(proof["page"], "http://app.example.com");
    assert_proven_everywhere(&proof);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_preflight_answered_401_is_fixed_in_every_engine() {
    let (_server, api) = api().await;
    // Auth middleware in front of CORS: the preflight gets 401 and no CORS headers.
    let url = format!("{api}/t/p2/items/1?acao=origin&preflight_status=401&preflight_acao=none");
    let (code, proof) = proof(&[
        &url,
        "--origin",
        "http://app.example.com",
        "-X",
        "PUT",
        "-H",
        "Content-Type: application/json",
        "-d",
        "{}",
        "--json",
        "--prove",
    ]);
    assert_eq!(code, Some(1));
    assert_proven_everywhere(&proof);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_allowed_request_has_nothing_to_prove_and_a_bad_engine_is_named() {
    let (_server, api) = api().await;
    let url = format!("{api}/t/p3/items?acao=origin");
    let output = check(&[&url, "--origin", "http://app.example.com", "--prove", "chromium"]);
    assert_eq!(output.status.code(), Some(0));
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(report.contains("not proven: the browser would allow this request"), "{report}");

    // A public page's request to this loopback server is refused before CORS: no header helps.
    let output = check(&[
        &url,
        "--origin",
        "https://app.example.com",
        "--page-space",
        "public",
        "--prove",
        "chromium",
    ]);
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(report.contains("not proven: the browser refuses this request before CORS"), "{report}");

    let output = check(&[&url, "--origin", "http://app.example.com", "--prove", "chromium,lynx"]);
    assert_eq!(output.status.code(), Some(2));
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(error.contains("`lynx` is not an engine"), "{error}");
}
