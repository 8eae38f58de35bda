//! The scan library against the mock origins: the rate limit spaces every request, the
//! concurrency bounds what is in flight, and a shrunk finding keeps its root cause.

mod mock;

use std::net::{IpAddr, Ipv4Addr};
use std::time::Instant;

use corsproof_check::scan::{Endpoint, FindingDetail, ScanConfig, ScanEvent, scan, scan_until};
use corsproof_check::{Cause, Checker, Policy, PolicySet};
use corsproof_server::MockServer;
use mock::start;

/// The https API: an https page cannot fetch http (mixed content).
fn api(server: &MockServer, path_and_query: &str) -> String {
    mock::url(server, "api-https", path_and_query)
}

fn policy() -> PolicySet {
    PolicySet::from(Policy::from_toml("origins = [\"https://app.example\"]\ncredentials = true").unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_rate_limit_spaces_every_request_of_the_whole_scan() {
    let server = MockServer::start(corsproof_server::ServerConfig::default()).await.unwrap();
    let endpoints: Vec<Endpoint> = (0..4)
        .map(|n| Endpoint::new("GET", api(&server, &format!("/t/rate/{n}?acao=origin&acac=true"))))
        .collect();
    let per_second = 40.0;
    let config = ScanConfig::default()
        .checker(
            Checker::builder()
                .resolve("api.test", IpAddr::V4(Ipv4Addr::LOCALHOST))
                .trust(server.certificates().ca_der.clone())
                .max_requests_per_second(per_second)
                .build(),
        )
        .policies(policy())
        .concurrency(8)
        .max_shrink_steps(0);
    let started = Instant::now();
    let report = scan(endpoints, &config).await;
    let elapsed = started.elapsed().as_secs_f64();
    assert!(report.requests > 20, "{}", report.headline());
    // The first request leaves at once; each other waits for its slot.
    let least = (report.requests - 1) as f64 / per_second;
    assert!(
        elapsed >= least * 0.95,
        "{} requests in {elapsed:.2} s, at most {per_second}/s",
        report.requests
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn events_count_every_endpoint_and_the_finding_is_shrunk_to_its_simplest_probe() {
    let (server, checker) = start().await;
    let endpoints = vec![
        Endpoint::new("PUT", api(&server, "/t/ev/a?acao=origin&acac=true&acam=PUT&acah=x-a"))
            .header("x-a", "1")
            .body("{}"),
        Endpoint::new("GET", api(&server, "/t/ev/b?acao=https://app.example&acac=true&vary=Origin")),
    ];
    let mut events = Vec::new();
    let config = ScanConfig::default().checker(checker).policies(policy());
    let report = scan_until(endpoints, &config, |event| events.push(event), std::future::pending()).await;
    assert!(matches!(events[0], ScanEvent::Started { endpoints: 2, .. }), "{events:?}");
    let scanned: Vec<usize> = events
        .iter()
        .filter_map(|event| if let ScanEvent::Scanned { done, .. } = event { Some(*done) } else { None })
        .collect();
    assert_eq!(scanned, [1, 2]);
    let critical = report.findings.first().expect("a finding");
    let FindingDetail::Disagrees(counterexample) = &critical.detail else { panic!("{critical}") };
    assert_eq!(counterexample.cause, Cause::OriginNotInPolicy);
    assert_eq!(critical.endpoints, [0]);
    // Still an attacker's credentialed read, now without the header and body it did not need.
    let probe = counterexample.checked.probe();
    assert!(
        probe.is_credentialed() && probe.headers().is_empty() && probe.body_text().is_none(),
        "{probe:?}"
    );
    assert!(counterexample.shrink_steps > 0);
}
