//! Policies verified against the mock origins, told by the query how to answer: a reflecting
//! server, a `*` with credentials, a correct allow-list, and the hygiene findings.

mod mock;

use corsproof_check::{
    Checked, Checker, Disagreement, Failure, Finding, Policy, Probe, Report, VerifyConfig, findings, verify,
};
use corsproof_server::MockServer;
use mock::start;

const APP: &str = "https://app.example";

/// The https API: an https page cannot fetch http (mixed content).
fn api(server: &MockServer, path_and_query: &str) -> String {
    mock::url(server, "api-https", path_and_query)
}

/// The policy of an app at https://app.example that writes with PUT, with cookies.
fn app_policy() -> Policy {
    Policy::from_toml(
        r#"
        origins = ["https://app.example"]
        credentials = true
        methods = ["PUT"]
        headers = ["x-requested-with"]
        max_age = 600
        "#,
    )
    .expect("a valid policy")
}

async fn verified(policy: &Policy, url: &str, checker: Checker) -> Report {
    let report = verify(policy, url, &VerifyConfig::default().checker(checker)).await;
    eprintln!("{report}");
    report
}

fn shrunk(report: &Report) -> (&Disagreement, &Checked) {
    match &report.failure {
        Some(Failure::Disagrees { disagreement, checked, .. }) => (disagreement, checked),
        other => panic!("expected a disagreement, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_reflects_any_origin_fails_with_a_minimal_attacker_probe() {
    let (server, checker) = start().await;
    let url = api(&server, "/t/p1/items?acao=origin&acac=true&acam=PUT&acah=x-requested-with&vary=Origin");
    let report = verified(&app_policy(), &url, checker).await;
    assert!(!report.passed());
    let (disagreement, checked) = shrunk(&report);
    assert!(matches!(disagreement, Disagreement::AllowedAgainstPolicy(_)), "{disagreement}");
    let probe = checked.probe();
    assert!(!app_policy().allows_origin(probe.page_origin()), "{probe:?}");
    assert_eq!(
        (probe.method_name(), probe.headers().len(), probe.is_credentialed()),
        ("GET", 0, false),
        "shrunk to the simplest request"
    );
    let text = report.to_string();
    assert!(text.contains("the page reads the response, but the policy does not allow the origin"), "{text}");
    assert!(text.contains("> Origin: "), "the exchange is shown: {text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wildcard_with_credentials_fails_the_policy() {
    let (server, checker) = start().await;
    let url = api(&server, "/t/p2/items?acao=*&acac=true&acam=PUT&acah=x-requested-with");
    let report = verified(&app_policy(), &url, checker).await;
    let (disagreement, _) = shrunk(&report);
    // `*` lets any page read uncredentialed answers (the simplest disagreement, so shrinking
    // lands there) and no page read credentialed ones.
    assert!(matches!(disagreement, Disagreement::AllowedAgainstPolicy(_)), "{disagreement}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_allowing_exactly_the_policy_passes() {
    let (server, checker) = start().await;
    let url = api(
        &server,
        "/t/p3/items?acao=https://app.example&acac=true&acam=PUT&acah=x-requested-with&vary=Origin&max_age=600",
    );
    let report = verified(&app_policy(), &url, checker).await;
    assert!(report.failure.is_none(), "{report}");
    report.assert_passed();
    // A fixed allow-list answers every origin's preflight with the same details: advice only.
    assert!(
        report.findings.iter().any(|f| matches!(f, Finding::PreflightDetailsToDisallowedOrigin { .. })),
        "{report}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exposing_more_headers_than_the_policy_is_a_disagreement() {
    let (server, checker) = start().await;
    let policy = Policy::builder().allow_origin([APP]).expose_headers(["x-total"]).build().unwrap();
    let url = api(&server, "/t/p4/items?acao=https://app.example&vary=Origin&aceh=*&header=X-Internal:%201");
    let report = verified(&policy, &url, checker).await;
    let (disagreement, _) = shrunk(&report);
    assert!(matches!(disagreement, Disagreement::Exposes(name) if name != "content-type"), "{disagreement}");
}

async fn check(checker: &Checker, probe: Probe) -> Checked {
    checker.check(&probe).await.expect("a valid probe")
}

#[tokio::test]
async fn hygiene_findings_fire_where_the_answers_are_sloppy() {
    let (server, checker) = start().await;
    let get = |query: &str| Probe::new(api(&server, &format!("/t/h/x?{query}"))).origin(APP);
    let put = |query: &str| get(query).method("PUT");
    let policy = app_policy();

    let reflected = check(&checker, get("acao=origin")).await;
    assert!(matches!(findings(&reflected, None)[..], [Finding::MissingVaryOrigin { .. }]));

    let error = check(&checker, get("status=500")).await;
    assert!(matches!(findings(&error, None)[..], [Finding::ErrorWithoutCors { status: 500, .. }]));

    let not_found = check(&checker, put("acao=origin&acam=PUT&preflight_status=404")).await;
    assert!(
        findings(&not_found, None).contains(&Finding::PreflightNotOk {
            url: not_found.hops()[0].sent.url.to_string(),
            status: 404
        })
    );

    let uncached = check(&checker, put("acao=origin&acam=PUT&vary=Origin")).await;
    assert!(matches!(findings(&uncached, None)[..], [Finding::MaxAgeMissing { sent: None, .. }]));

    let too_long = check(&checker, put("acao=origin&acam=PUT&vary=Origin&max_age=86400")).await;
    assert!(matches!(
        findings(&too_long, None)[..],
        [Finding::MaxAgeAboveCap { seconds: 86400, cap: 7200, .. }]
    ));

    let attacker =
        check(&checker, put("acao=https://app.example&acam=PUT&acac=true").origin("https://evil.example"))
            .await;
    let found = findings(&attacker, Some(&policy));
    assert!(
        matches!(&found[..], [Finding::PreflightDetailsToDisallowedOrigin { headers, .. }] if headers.len() == 2),
        "{found:?}"
    );
    assert!(
        findings(&attacker, None)
            .iter()
            .all(|f| !matches!(f, Finding::PreflightDetailsToDisallowedOrigin { .. }))
    );

    let clean = check(&checker, put("acao=origin&acam=PUT&vary=Origin&max_age=600")).await;
    assert_eq!(findings(&clean, None), []);
}

#[tokio::test]
async fn no_server_is_reported_as_no_answer_at_once() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let report = verify(&app_policy(), &format!("http://127.0.0.1:{port}/x"), &VerifyConfig::default()).await;
    assert!(matches!(report.failure, Some(Failure::NoAnswer(_))), "{report}");
    assert!(report.to_string().contains("cannot connect"), "{report}");
}

#[tokio::test]
async fn an_https_page_and_an_http_url_is_refused_not_vacuously_passed() {
    let (server, checker) = start().await;
    let http = format!("{}/t/m/x?acao=origin", server.origin("api").unwrap().url().trim_end_matches('/'));
    let report = verified(&app_policy(), &http, checker).await;
    assert!(
        matches!(&report.failure, Some(Failure::Unusable(reason)) if reason.contains("mixed content")),
        "{report}"
    );
}

#[test]
fn the_readme_policy_example_is_a_valid_policy() {
    let readme = include_str!("../README.md");
    let example = readme
        .split("```toml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("the README shows a TOML policy");
    Policy::from_toml(example).unwrap();
}
