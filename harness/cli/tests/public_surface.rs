//! Everything a user of the checker needs, and every type its public signatures name, is
//! reachable through `corsproof::`. Each binding states the type a signature gives by its
//! `corsproof::` path, so the compiler proves that the re-export is that very type; the asserts
//! check what the values are. It needs no `cli` feature and no server: the checks go to a closed
//! port.

use std::net::{Ipv4Addr, TcpListener};
use std::time::Duration;

use proptest::strategy::SBoxedStrategy;

/// A loopback URL nothing listens on: every exchange ends in "connection refused", at once.
fn closed_url() -> String {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("a free port");
    let port = listener.local_addr().expect("an address").port();
    drop(listener);
    format!("http://127.0.0.1:{port}/api/items")
}

fn policy() -> corsproof::Policy {
    let builder: corsproof::PolicyBuilder = corsproof::Policy::builder();
    let built: Result<corsproof::Policy, corsproof::PolicyError> =
        builder.allow_origin(["https://app.example"]).allow_methods(["PUT"]).build();
    built.expect("a valid policy")
}

#[tokio::test]
async fn a_check_and_its_verdict_are_named_through_corsproof() {
    let engine: Result<corsproof::Engine, corsproof::UnknownOption> = "firefox".parse();
    let checker: corsproof::Checker = corsproof::Checker::builder()
        .engine(engine.expect("an engine"))
        .timeout(Duration::from_secs(2))
        .build();
    let probe: corsproof::Probe =
        corsproof::Probe::new(closed_url()).origin("https://app.example").method("PUT");
    let checked: Result<corsproof::Checked, corsproof::ProbeError> = checker.check(&probe).await;
    let checked = checked.expect("a valid probe");

    let hop: &corsproof::Hop = &checked.hops()[0];
    let sent: &corsproof::SentRequest = &hop.sent;
    assert_eq!(sent.kind, corsproof::RequestKind::Preflight);
    let method: &corsproof::Method = &sent.method;
    assert_eq!(method.as_str(), "OPTIONS");
    let headers: &[corsproof::Header] = &sent.headers;
    assert!(headers.iter().any(|header| header.is("access-control-request-method")));
    let received: &Result<corsproof::Received, corsproof::ClientError> = &hop.received;
    assert!(matches!(received, Err(corsproof::ClientError::Connect { .. })), "{received:?}");

    let verdict: &corsproof::Verdict = checked.verdict();
    match &verdict.outcome {
        corsproof::Outcome::NetworkError(error) => {
            let error: &corsproof::NetworkError = error;
            assert!(error.explain(corsproof::Engine::Firefox).starts_with("TypeError"));
        }
        corsproof::Outcome::Allowed(response) => {
            let response: &corsproof::ReadableResponse = response;
            panic!("allowed: {response:?}");
        }
        corsproof::Outcome::Blocked(block) => {
            let block: &corsproof::Block = block;
            panic!("blocked: {block:?}");
        }
        other => panic!("{other:?}"),
    }
    let warnings: &[corsproof::Warning] = &verdict.warnings;
    assert!(warnings.is_empty());
    let cache: &corsproof::PreflightCache = &verdict.cache;
    let entries: &[corsproof::CacheEntry] = cache.entries();
    let keys: Vec<&corsproof::CacheKey> = entries.iter().map(|entry| &entry.key).collect();
    assert!(keys.is_empty(), "no preflight answered, none cached");

    let findings: Vec<corsproof::Finding> = corsproof::findings(&checked, Some(&policy()));
    assert!(findings.iter().all(|finding| finding.severity() < corsproof::Severity::Low), "{findings:?}");
}

#[test]
fn a_block_its_reason_and_its_fix_are_named_through_corsproof() {
    let required = corsproof::Requirement {
        origin: "https://app.example".into(),
        credentials: true,
        preflight: true,
        methods: vec!["PUT".into()],
        headers: Vec::new(),
    };
    let block = corsproof::Block {
        reason: corsproof::Reason::MethodNotAllowed { method: "PUT".into() },
        stage: corsproof::Stage::Preflight,
        status: Some(204),
        initial_url: "https://api.example/items/1".into(),
        url: "https://api.example/items/1".into(),
        page_origin: "https://app.example".into(),
        initiator: corsproof::Initiator::Fetch,
        policy: required,
        redirect_location: None,
        header_as_written: None,
    };
    assert!(block.console_message(corsproof::Engine::Chromium).contains("Method PUT is not allowed"));
    let fix: corsproof::Fix = block.fix();
    let headers: &[corsproof::FixHeader] = &fix.headers;
    assert!(
        headers.iter().any(|header| header.name == "Access-Control-Allow-Methods" && header.preflight_only)
    );
    let framework: corsproof::Framework = "express".parse().expect("a framework");
    let confirmed = block.fix_with(corsproof::OriginTrust::Confirmed);
    assert!(confirmed.snippet(framework).contains("origin: ['https://app.example']"));
    let _: corsproof::FixFor = "all".parse().expect("all");
}

#[test]
fn origins_urls_and_methods_are_named_through_corsproof() {
    let origin: Result<corsproof::Origin, corsproof::UrlError> = "https://app.example".parse();
    let origin = origin.expect("an origin");
    let url: corsproof::Url = "https://app.example/page".parse().expect("a URL");
    assert!(origin.is_same_origin_with_url(&url));
    let method: Result<corsproof::Method, corsproof::MethodError> = corsproof::Method::normalize(b"put");
    assert_eq!(method.expect("a method").as_str(), "PUT");
    let attacker: Option<String> = corsproof::strategies::Attack::Prefix.origin(&origin, "evil");
    assert_eq!(attacker.as_deref(), Some("https://app.example.evil.com"));
}

#[test]
fn a_policy_and_what_it_expects_are_named_through_corsproof() {
    let policy = policy();
    let origins: &corsproof::Allow = policy.origins();
    assert_eq!(origins.listed(), ["https://app.example"]);
    let put =
        corsproof::Probe::new("https://api.example/items/1").origin("https://app.example").method("PUT");
    let expected: Result<corsproof::Expected, corsproof::ProbeError> = policy.expects(&put);
    assert!(expected.expect("a valid probe").is_allowed());

    let wildcard = corsproof::Policy::builder().allow_origin(corsproof::Any).allow_credentials(true).build();
    let error: corsproof::PolicyError = wildcard.expect_err("`*` with credentials is refused");
    let field: corsproof::Field = error.field;
    assert_eq!(field, corsproof::Field::Credentials);
    let from_file: Result<corsproof::Policy, corsproof::PolicyFileError> =
        corsproof::Policy::from_toml("origins = [\"null\"]");
    assert_eq!(from_file.expect_err("`null` is refused").line, 1);
    let longest: Duration = corsproof::LONGEST_MAX_AGE;
    assert_eq!(longest, Duration::from_secs(86_400));
}

#[tokio::test]
async fn verification_and_its_report_are_named_through_corsproof() {
    let policy = policy();
    let url = closed_url();
    let strategy: SBoxedStrategy<corsproof::Probe> = corsproof::strategies::probe(&policy, &url);
    let origins: SBoxedStrategy<String> = corsproof::strategies::allowed_origin(&policy);
    let attackers: Option<SBoxedStrategy<String>> = corsproof::strategies::attacker_origin(&policy);
    drop((strategy, origins, attackers));
    // Named, not awaited: awaiting it would panic on the closed port.
    drop(corsproof::assert_policy(&policy, &url));

    let checker = corsproof::Checker::builder().timeout(Duration::from_secs(2)).build();
    let config: corsproof::VerifyConfig = corsproof::VerifyConfig::default().checker(checker).cases(4);
    let report: corsproof::Report = corsproof::verify(&policy, &url, &config).await;
    let failure: Option<&corsproof::Failure> = report.failures.first();
    assert!(matches!(failure, Some(corsproof::Failure::NoAnswer(_))), "{report}");
    let disagreement = corsproof::Disagreement::BlockedAgainstPolicy;
    assert!(disagreement.to_string().contains("a browser blocks it"));
}

#[test]
fn a_test_ca_is_trusted_through_corsproof() {
    let certificate: corsproof::CertificateDer<'static> = corsproof::CertificateDer::from(vec![0x30, 0x00]);
    let builder: corsproof::CheckerBuilder = corsproof::Checker::builder().trust(certificate);
    let checker: corsproof::Checker = builder.build();
    assert_eq!(checker.engine(), corsproof::Engine::Chromium);
}
