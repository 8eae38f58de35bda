//! `corsproof check` and Local Network Access, as a user types it against the mock origins (all
//! on loopback): a page said to be public is stopped in Chromium, a granted one is not, and
//! `--policy` reports a server that answers the Private Network Access preflight to any origin.

mod support;

use support::{api, check, stdout};

#[tokio::test(flavor = "multi_thread")]
async fn a_public_page_reaching_loopback_exits_1_with_the_sentence_and_the_way_out() {
    let (_server, api) = api().await;
    let url = format!("{api}/t/lna1/items?acao=origin");
    let output = check(&[&url, "--origin", "https://app.example.com", "--page-space", "public"]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let report = stdout(&output);
    assert!(!report.contains("> GET"), "nothing is sent: {report}");
    assert!(
        report.contains("Permission was denied for this request to access the `loopback` address space."),
        "{report}"
    );
    assert!(
        report.contains("loopback-network") && report.contains("serve the API from a public address"),
        "{report}"
    );

    let granted = check(&[
        &url,
        "--origin",
        "https://app.example.com",
        "--page-space",
        "public",
        "--local-network-granted",
    ]);
    assert_eq!(granted.status.code(), Some(0), "{}", stdout(&granted));
    let webkit =
        check(&[&url, "--origin", "http://app.example.com", "--page-space", "public", "--engine", "webkit"]);
    assert_eq!(webkit.status.code(), Some(0), "WebKit has no local network access: {}", stdout(&webkit));
    let unsaid = check(&[&url, "--origin", "https://app.example.com"]);
    assert_eq!(
        unsaid.status.code(),
        Some(0),
        "a DNS-named page is not judged unless told: {}",
        stdout(&unsaid)
    );
    assert_eq!(
        check(&[&url, "--origin", "https://a.example", "--page-space", "mars"]).status.code(),
        Some(2)
    );
}

const POLICY: &str = "origins = [\"https://app.example\"]\n";

#[tokio::test(flavor = "multi_thread")]
async fn a_policy_check_reports_private_network_access_granted_to_any_origin() {
    let (_server, api) = api().await;
    let dir = std::env::temp_dir().join(format!("corsproof-lna-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let policy = dir.join("policy.toml");
    std::fs::write(&policy, POLICY).unwrap();
    let private_network = "header=Access-Control-Allow-Private-Network:%20true";
    let reflecting = format!("{api}/t/lna2/items?acao=origin&vary=Origin&{private_network}");
    let output = check(&[&reflecting, "--policy", policy.to_str().unwrap()]);
    let report = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{report}");
    assert!(
        report.contains("problem: ")
            && report.contains("Private Network Access preflight from https://attacker.corsproof.invalid"),
        "{report}"
    );

    let only_the_app = format!("{api}/t/lna3/items?acao=https://app.example&vary=Origin&{private_network}");
    let output = check(&[&only_the_app, "--policy", policy.to_str().unwrap(), "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    assert_eq!(json["private_network"], serde_json::Value::Null, "{json}");
    std::fs::remove_dir_all(&dir).unwrap();
}
