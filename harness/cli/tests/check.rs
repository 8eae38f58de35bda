//! `corsproof check` as a user types it, against the mock origins: the report, the JSON and the
//! exit codes a deploy can gate on.

use std::process::{Command, Output};

use corsproof_server::{MockServer, ServerConfig};

async fn api() -> (MockServer, String) {
    let server = MockServer::start(ServerConfig::default()).await.expect("the mock origins start");
    let port = server.origin("api").expect("api").port;
    (server, format!("http://127.0.0.1:{port}"))
}

fn check(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_corsproof")).arg("check").args(args).output().expect("corsproof runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_allowed_request_exits_0_with_the_exchange() {
    let (_server, api) = api().await;
    let output = check(&[&format!("{api}/t/c1/items?acao=origin"), "--origin", "https://app.example"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let report = stdout(&output);
    assert!(report.contains("> Origin: https://app.example"), "{report}");
    assert!(report.contains("< access-control-allow-origin: https://app.example"), "{report}");
    assert!(report.contains("allowed: the page reads status 200"), "{report}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_blocked_request_exits_1_with_the_console_message_and_the_fix() {
    let (_server, api) = api().await;
    let url = format!("{api}/t/c2/items/1?acao=origin");
    let output =
        check(&[&url, "--origin", "https://app.example", "-X", "PUT", "-H", "X-Custom: 1", "--credentials"]);
    assert_eq!(output.status.code(), Some(1));
    let report = stdout(&output);
    assert!(report.contains("(preflight)"), "{report}");
    assert!(report.contains("> Access-Control-Request-Headers: x-custom"), "{report}");
    assert!(report.contains("has been blocked by CORS policy"), "{report}");
    assert!(report.contains("Express (cors):") && report.contains("tower-http:"), "{report}");
}

#[tokio::test(flavor = "multi_thread")]
async fn json_is_for_scripts() {
    let (_server, api) = api().await;
    let output = check(&[
        &format!("{api}/t/c3/x?acao=*&acac=true"),
        "--origin",
        "https://app.example",
        "--credentials",
        "--json",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    assert_eq!(report["allowed"], false);
    assert!(report["console"].as_str().unwrap().contains("must not be the wildcard"));
    assert_eq!(report["exchanges"][0]["response"]["status"], 200);
    assert!(!report["fix"]["nginx"].as_str().unwrap().is_empty());
}

#[test]
fn no_connection_and_bad_arguments_exit_2() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = format!("http://127.0.0.1:{}/x", listener.local_addr().unwrap().port());
    drop(listener);
    let output = check(&[&closed, "--origin", "https://app.example"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stdout(&output).contains("cannot connect"), "{}", stdout(&output));
    assert_eq!(check(&[&closed, "--origin", "app.example"]).status.code(), Some(2), "not an origin");
    assert_eq!(check(&[&closed, "--origin", "https://a.example", "-H", "no colon"]).status.code(), Some(2));
    assert_eq!(check(&[&closed]).status.code(), Some(2), "--origin is required");
}
