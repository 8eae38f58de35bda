//! Policies verified against the mock origins, told by the query how to answer: a reflecting
//! server, a `*` with credentials, a correct allow-list, two bugs at once, safelisted methods,
//! and the hygiene findings.

mod mock;

use corsproof_check::{
    Cause, Checked, Checker, Counterexample, Disagreement, Failure, Finding, Policy, Probe, ReasonClass,
    Refusal, Report, Severity, VerifyConfig, findings, verify,
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

/// The report's counterexamples, most severe first; panics when something could not be judged.
fn counterexamples(report: &Report) -> Vec<&Counterexample> {
    assert!(report.failures.iter().all(|failure| failure.severity().is_some()), "{report}");
    report.counterexamples().collect()
}

fn shrunk(report: &Report) -> (&Disagreement, &Checked) {
    let first = counterexamples(report).into_iter().next().unwrap_or_else(|| panic!("no failure: {report}"));
    (&first.disagreement, &first.checked)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_reflects_any_origin_fails_with_a_minimal_attacker_probe() {
    let (server, checker) = start().await;
    let url = api(&server, "/t/p1/items?acao=origin&acac=true&acam=PUT&acah=x-requested-with&vary=Origin");
    let report = verified(&app_policy(), &url, checker).await;
    assert!(!report.passed());
    let first = counterexamples(&report)[0];
    assert_eq!((first.severity, first.cause), (Severity::Critical, Cause::OriginNotInPolicy), "{report}");
    assert!(matches!(first.disagreement, Disagreement::AllowedAgainstPolicy(Refusal::Origin(_))), "{report}");
    assert!(first.count > 1 && first.seen_with.len() > 1, "every attacker origin got in: {report}");
    let probe = first.checked.probe();
    assert!(!app_policy().allows_origin(probe.page_origin()), "{probe:?}");
    assert_eq!(
        (probe.method_name(), probe.headers().len(), probe.is_credentialed()),
        ("GET", 0, true),
        "shrunk to the simplest request that still reads credentialed answers"
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
    // `*` lets any page read uncredentialed answers (high) and no page read credentialed ones,
    // the policy's own origin's included, at the preflight and on the response alike (medium):
    // two root causes.
    let found = counterexamples(&report);
    let causes: Vec<(Severity, Cause)> = found.iter().map(|c| (c.severity, c.cause)).collect();
    let credentials = Cause::CredentialsBlocked { class: ReasonClass::WildcardWithCredentials };
    assert_eq!(
        causes,
        [(Severity::High, Cause::OriginNotInPolicy), (Severity::Medium, credentials)],
        "{report}"
    );
    let probe = found[1].checked.probe();
    assert!(probe.is_credentialed() && app_policy().allows_origin(probe.page_origin()), "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_allowing_exactly_the_policy_passes() {
    let (server, checker) = start().await;
    let url = api(
        &server,
        "/t/p3/items?acao=https://app.example&acac=true&acam=PUT&acah=x-requested-with&vary=Origin&max_age=600",
    );
    let report = verified(&app_policy(), &url, checker).await;
    assert!(report.failures.is_empty(), "{report}");
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
    let exposed = counterexamples(&report)[0];
    assert_eq!((exposed.severity, exposed.cause), (Severity::Low, Cause::ExposesUnlisted), "{report}");
    assert!(exposed.seen_with.contains(&"x-internal".to_owned()), "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_independent_bugs_are_both_reported_the_credentialed_reflection_first() {
    let (server, checker) = start().await;
    // Reflects any origin with credentials, and lets the page read X-Internal, which the policy
    // does not expose: the readable header must not hide the reflection, nor the other way.
    let url = api(
        &server,
        "/t/p5/items?acao=origin&acac=true&acam=PUT&acah=x-requested-with&vary=Origin&max_age=600\
         &aceh=x-internal&header=X-Internal:%201",
    );
    let report = verified(&app_policy(), &url, checker).await;
    let found = counterexamples(&report);
    let causes: Vec<(Severity, Cause)> = found.iter().map(|c| (c.severity, c.cause)).collect();
    assert_eq!(
        causes,
        [(Severity::Critical, Cause::OriginNotInPolicy), (Severity::Low, Cause::ExposesUnlisted)],
        "{report}"
    );
    let reflection = found[0].checked.probe();
    assert!(reflection.is_credentialed(), "still credentialed after shrinking: {report}");
    assert!(!app_policy().allows_origin(reflection.page_origin()), "still an attacker: {report}");
    assert_eq!(found[1].disagreement, Disagreement::Exposes("x-internal".into()), "{report}");
    assert!(app_policy().allows_origin(found[1].checked.probe().page_origin()), "{report}");
    assert!(found.iter().all(|c| c.urls == [url.clone()]), "{report}");
    let text = report.to_string();
    let (critical, low) = (text.find("1/2 critical: ").unwrap(), text.find("2/2 low: ").unwrap());
    assert!(critical < low, "{text}");
    assert!(text.contains("2 failures (1 critical, 1 low)"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shrinking_every_root_cause_stays_within_one_budget() {
    let (server, checker) = start().await;
    let url = api(
        &server,
        "/t/p7/items?acao=origin&acac=true&acam=PUT&acah=x-requested-with&vary=Origin&max_age=600\
         &aceh=x-internal&header=X-Internal:%201",
    );
    let config = VerifyConfig::default().checker(checker).max_shrink_steps(9);
    let report = verify(&app_policy(), &url, &config).await;
    let found = counterexamples(&report);
    assert_eq!(found.len(), 2, "a small budget still reports every root cause: {report}");
    let spent: u32 = found.iter().map(|c| c.shrink_steps).sum();
    assert!(spent <= 9, "{spent} steps: {report}");
    assert!(found.iter().all(|c| c.shrink_steps > 0), "each root cause gets a share: {report}");
    assert!(found[0].checked.probe().is_credentialed(), "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_head_request_is_judged_without_a_method_rule() {
    let (server, checker) = start().await;
    // `methods` lists GET and PUT, not HEAD or POST, and the server's Allow-Methods says the same.
    let policy = Policy::from_toml(
        r#"
        origins = ["https://app.example"]
        methods = ["GET", "PUT"]
        headers = ["x-requested-with"]
        max_age = 600
        "#,
    )
    .expect("a policy listing a safelisted method is accepted");
    let url = api(
        &server,
        "/t/p6/items?acao=https://app.example&acam=GET,PUT&acah=x-requested-with&vary=Origin&max_age=600",
    );
    // A preflighted HEAD: the browser never checks a safelisted method against Allow-Methods.
    let head = Probe::new(&url).origin(APP).method("HEAD").header("X-Requested-With", "1");
    let checked = check(&checker, head.clone()).await;
    assert!(checked.preflight().is_some() && checked.is_allowed(), "{checked}");
    assert!(policy.expects(&head).unwrap().is_allowed());
    let report = verify(&policy, &url, &VerifyConfig::default().checker(checker).cases(128)).await;
    report.assert_passed();
    assert_eq!(report.safelisted_methods_not_listed, ["HEAD", "POST"]);
    assert!(
        report
            .to_string()
            .contains("note: HEAD and POST, which `methods` does not list, are CORS-safelisted"),
        "{report}"
    );
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
    let diagnosis = not_found.diagnosis().map(|finding| finding.to_string()).unwrap_or_default();
    assert!(diagnosis.contains("OPTIONS is not routed here"), "{not_found}");
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
    assert!(matches!(report.failures[..], [Failure::NoAnswer(_)]), "{report}");
    assert!(report.to_string().contains("cannot connect"), "{report}");
}

#[tokio::test]
async fn an_https_page_and_an_http_url_is_refused_not_vacuously_passed() {
    let (server, checker) = start().await;
    let http = format!("{}/t/m/x?acao=origin", server.origin("api").unwrap().url().trim_end_matches('/'));
    let report = verified(&app_policy(), &http, checker).await;
    assert!(
        matches!(&report.failures[..], [Failure::Unusable(reason)] if reason.contains("mixed content")),
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
