//! `corsproof scan` as a user runs it: the binary, in a folder of their own, against the mock
//! origins answering each endpoint as its URL's query says (a reflecting API, an allow-list, no
//! CORS at all), a port nobody listens on and a server that never answers.

mod support;

use std::io::Read;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{api, folder, stderr, stdout};

const POLICY: &str = "origins = [\"https://app.example\"]\ncredentials = true\n";

fn scan(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_corsproof"))
        .arg("scan")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("corsproof runs")
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("--json prints JSON ({e}):\n{}\n{}", stdout(output), stderr(output)))
}

/// The findings of a `--json` report as `(severity, rule, [endpoint URL])`.
fn findings(report: &Value) -> Vec<(String, String, Vec<String>)> {
    let endpoints = report["endpoints"].as_array().expect("endpoints");
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|finding| {
            let urls = finding["endpoints"]
                .as_array()
                .expect("a finding's endpoints")
                .iter()
                .map(|index| endpoints[index.as_u64().unwrap() as usize]["url"].as_str().unwrap().to_owned())
                .collect();
            (
                finding["severity"].as_str().unwrap().to_owned(),
                finding["rule"].as_str().unwrap().to_owned(),
                urls,
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn each_root_cause_is_one_finding_with_every_endpoint_it_affects_in_every_format() {
    let (_server, api) = api().await;
    let reflect = |path: &str| format!("{api}/t/scan1/{path}?acao=origin&acac=true");
    let urls = [
        reflect("users"),
        reflect("orders"),
        // The preflight must allow PUT too, or no page can send it and nothing is read.
        format!("PUT {}&acam=PUT", reflect("orders/1")),
        format!("{api}/t/scan1/public?acao=https://app.example&acac=true&vary=Origin"),
        format!("{api}/t/scan1/forgotten"),
    ];
    let list = format!("# the API\n{}\n", urls.join("\n"));
    let dir = folder("scan-formats", &[("urls.txt", &list), ("policy.toml", POLICY)]);
    let output = scan(
        &dir,
        &[
            "--urls",
            "urls.txt",
            "--policy",
            "policy.toml",
            "--json",
            "--sarif",
            "out.sarif",
            "--junit",
            "out.xml",
            "--markdown",
            "out.md",
        ],
    );
    assert_eq!(output.status.code(), Some(1), "{}\n{}", stdout(&output), stderr(&output));
    let report = json(&output);
    let found = findings(&report);
    let critical: Vec<_> = found.iter().filter(|(severity, ..)| severity == "critical").collect();
    assert_eq!(critical.len(), 1, "one root cause, one finding: {found:?}");
    let (_, rule, affected) = critical[0];
    assert_eq!(rule, "origin-not-in-policy");
    assert_eq!(
        affected,
        &[reflect("users"), reflect("orders"), format!("{}&acam=PUT", reflect("orders/1"))],
        "{found:?}"
    );
    let blocked = found.iter().find(|(_, rule, _)| rule == "blocked").expect("the endpoint without CORS");
    assert_eq!(blocked.2, [format!("{api}/t/scan1/forgotten")]);
    assert!(
        !found.iter().any(|(_, _, affected)| affected.contains(&urls[3])),
        "the allow-list endpoint is clean: {found:?}"
    );
    let counterexample = &report["findings"][0]["counterexample"];
    assert!(counterexample["shrink_steps"].as_u64().is_some(), "{counterexample}");
    assert!(
        report["findings"][0]["details"]
            .as_str()
            .unwrap()
            .contains("fix: allow exactly the policy's origins")
    );

    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("out.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), found.len(), "one result per finding");
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    for result in results {
        let rule = result["ruleId"].as_str().unwrap();
        assert_eq!(rules[result["ruleIndex"].as_u64().unwrap() as usize], rule);
        assert!(result["partialFingerprints"]["corsproofFinding/v1"].is_string());
    }
    let critical = results.iter().find(|result| result["ruleId"] == "origin-not-in-policy").unwrap();
    assert_eq!(critical["level"], "error");
    let location = &critical["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "urls.txt");
    assert_eq!(location["region"]["startLine"], 2, "the first affected URL's line");
    assert_eq!(critical["relatedLocations"].as_array().unwrap().len(), 2);

    let junit = std::fs::read_to_string(dir.join("out.xml")).unwrap();
    assert_eq!(junit.matches("<testcase ").count(), urls.len(), "{junit}");
    assert_eq!(junit.matches("<failure ").count(), 4, "{junit}");
    let markdown = std::fs::read_to_string(dir.join("out.md")).unwrap();
    assert!(
        markdown.contains("| 1 | critical | origins the policy does not allow read the responses |"),
        "{markdown}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_api_that_honours_its_policy_passes_and_no_policy_asks_about_signed_in_users() {
    let (_server, api) = api().await;
    let allow_list = format!("{api}/t/scan2/items?acao=https://app.example&acac=true&vary=Origin");
    let public = format!("{api}/t/scan2/public?acao=*");
    let dir =
        folder("scan-clean", &[("urls.txt", &format!("{allow_list}\n{public}\n")), ("policy.toml", POLICY)]);
    let only_allow_list =
        folder("scan-clean-one", &[("urls.txt", &format!("{allow_list}\n")), ("policy.toml", POLICY)]);
    let clean = scan(&only_allow_list, &["--urls", "urls.txt", "--policy", "policy.toml"]);
    assert_eq!(clean.status.code(), Some(0), "{}\n{}", stdout(&clean), stderr(&clean));
    assert!(stdout(&clean).contains("scanned 1 endpoints"), "{}", stdout(&clean));

    // Without a policy, `*` is a public API's right; only a credentialed read by another site counts.
    let output = scan(&dir, &["--urls", "urls.txt", "--json"]);
    assert_eq!(output.status.code(), Some(0), "{}\n{}", stdout(&output), stderr(&output));
    assert_eq!(json(&output)["no_policy"], true);
    let reflecting =
        folder("scan-reflect", &[("urls.txt", &format!("{api}/t/scan2/me?acao=origin&acac=true\n"))]);
    let output = scan(&reflecting, &["--urls", "urls.txt", "--json"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let found = findings(&json(&output));
    assert_eq!((found[0].0.as_str(), found[0].1.as_str()), ("critical", "origin-not-in-policy"), "{found:?}");
    for dir in [dir, only_allow_list, reflecting] {
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn policies_by_path_judge_an_admin_api_and_a_public_one_by_their_own_rules() {
    let (_server, api) = api().await;
    let policies = "[[policy]]\nname = \"admin\"\npaths = [\"/t/*/admin/**\"]\norigins = [\"https://admin.example\"]\n\
                    credentials = true\n\n[[policy]]\nname = \"public\"\npaths = [\"/**\"]\norigins = \"*\"\n";
    let admin = format!("{api}/t/scan3/admin/users?acao=*");
    let public = format!("{api}/t/scan3/catalog?acao=*");
    let dir =
        folder("scan-paths", &[("urls.txt", &format!("{admin}\n{public}\n")), ("policy.toml", policies)]);
    let output = scan(&dir, &["--urls", "urls.txt", "--policy", "policy.toml", "--json"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let report = json(&output);
    let origin_findings: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "origin-not-in-policy")
        .collect();
    assert_eq!(origin_findings.len(), 1, "{report}");
    assert_eq!(origin_findings[0]["policy"], "admin");
    assert_eq!(origin_findings[0]["severity"], "high", "any site reads the admin API's public answers");
    assert_eq!(
        findings(&report).iter().find(|f| f.1 == "origin-not-in-policy").unwrap().2,
        std::slice::from_ref(&admin)
    );

    // `check --policy` reads the same file and picks the policy whose paths match its URL.
    let check = |url: &str| {
        Command::new(env!("CARGO_BIN_EXE_corsproof"))
            .args(["check", url, "--policy", "policy.toml", "--cases", "16"])
            .current_dir(&dir)
            .output()
            .expect("corsproof runs")
    };
    let admin_check = check(&admin);
    assert_eq!(admin_check.status.code(), Some(1), "{}", stderr(&admin_check));
    assert!(stdout(&admin_check).contains("origins the policy does not allow read the responses"));
    assert_eq!(check(&public).status.code(), Some(0), "the public policy allows `*`");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_endpoint_that_does_not_answer_is_a_finding_and_nothing_answering_exits_2() {
    let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    // Accepts and never answers: the timeout must end it, not the test's patience.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_addr = silent.local_addr().unwrap();
    let list = format!("http://{closed}/gone\nhttp://{silent_addr}/hangs\n");
    let dir = folder("scan-unreachable", &[("urls.txt", &list)]);
    let started = Instant::now();
    let output = scan(&dir, &["--urls", "urls.txt", "--timeout-ms", "300", "--json"]);
    drop(silent);
    assert_eq!(output.status.code(), Some(2), "{}\n{}", stdout(&output), stderr(&output));
    assert!(started.elapsed() < Duration::from_secs(20), "a hung endpoint costs one timeout");
    let found = findings(&json(&output));
    let unreachable: Vec<&str> =
        found.iter().filter(|f| f.1 == "unreachable").flat_map(|f| f.2.iter().map(String::as_str)).collect();
    assert_eq!(unreachable.len(), 2, "{found:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_input_points_at_its_spot_before_anything_is_sent() {
    let dir = folder(
        "scan-bad-input",
        &[
            ("urls.txt", "http://127.0.0.1:9/ok\nftp://files.example/x\n"),
            (
                "api.yaml",
                "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /items:\n    get:\n      parameters:\n        - in: query\n      responses: {'200': {description: ok}}\n",
            ),
            (
                "relative.yaml",
                "openapi: 3.0.3\ninfo: {title: t, version: '1'}\nservers: [{url: /v1}]\npaths:\n  /items:\n    get:\n      responses: {'200': {description: ok}}\n",
            ),
            ("policy.toml", "origins = [\"https://app.example/\"]\n"),
            ("latin1.txt", ""),
            ("good.txt", "http://127.0.0.1:9/ok\n"),
        ],
    );
    std::fs::write(dir.join("latin1.txt"), b"http://127.0.0.1:9/\ncaf\xe9\n").unwrap();
    let cases: [(&[&str], &str); 6] = [
        (&["--urls", "urls.txt"], "urls.txt:2:1: `ftp:` is not a scheme a page fetches over CORS"),
        (&["--openapi", "api.yaml", "--base", "http://127.0.0.1:9"], "api.yaml:7:11:"),
        (&["--openapi", "relative.yaml"], "give the API's address with --base URL"),
        (&["--urls", "urls.txt", "--policy", "policy.toml"], "policy.toml:1:12:"),
        (&["--urls", "latin1.txt"], "latin1.txt:2:4: not UTF-8 text"),
        (
            &["--urls", "good.txt", "--junit", "/no/such/dir/x.xml"],
            "--junit /no/such/dir/x.xml: cannot be written: the folder /no/such/dir does not exist",
        ),
    ];
    for (args, expected) in cases {
        let output = scan(&dir, args);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", stderr(&output));
        assert!(
            stderr(&output).contains(expected),
            "{args:?}: expected {expected:?} in\n{}",
            stderr(&output)
        );
        assert!(!stderr(&output).contains("panicked"), "{}", stderr(&output));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A scan stopped by `signal` (`INT`, `TERM`) while it waits on endpoints that never answer:
/// it exits `code` and prints what was found so far.
async fn stopped_scan_prints_what_was_found_so_far(signal: &str, code: i32) {
    let (_server, api) = api().await;
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_addr = silent.local_addr().unwrap();
    let mut list = format!("{api}/t/scan4/me?acao=origin&acac=true\n");
    for n in 0..20 {
        list.push_str(&format!("http://{silent_addr}/hangs/{n}\n"));
    }
    let dir = folder(&format!("scan-stopped-{signal}"), &[("urls.txt", &list), ("policy.toml", POLICY)]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_corsproof"))
        .args([
            "scan",
            "--urls",
            "urls.txt",
            "--policy",
            "policy.toml",
            "--timeout-ms",
            "60000",
            "--concurrency",
            "2",
        ])
        .current_dir(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("corsproof runs");
    std::thread::sleep(Duration::from_millis(1500));
    let interrupted =
        Command::new("kill").args([&format!("-{signal}"), &child.id().to_string()]).status().unwrap();
    assert!(interrupted.success());
    let status = child.wait().expect("it ends after the signal");
    let mut out = String::new();
    child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    drop(silent);
    assert_eq!(status.code(), Some(code), "{out}");
    assert!(out.contains("(interrupted)"), "{out}");
    assert!(out.contains("critical: origins the policy does not allow read the responses"), "{out}");
    assert!(out.contains("interrupted: 20 endpoints were not scanned"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_prints_what_was_found_so_far() {
    stopped_scan_prints_what_was_found_so_far("INT", 130).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_prints_what_was_found_so_far() {
    stopped_scan_prints_what_was_found_so_far("TERM", 143).await;
}
