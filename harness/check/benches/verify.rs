//! A default property run (`verify` with `VerifyConfig::default()`) of one policy against the
//! local mock origins, over http and over https (a TLS handshake per request, as the checker
//! opens a fresh connection per exchange). One iteration = one whole run, shrinking included
//! (the server is correct, so there is none).

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use corsproof_check::{Checker, Policy, VerifyConfig, verify};
use corsproof_server::{MockServer, ServerConfig};
use criterion::{Criterion, criterion_group, criterion_main};

const QUERY: &str = "acac=true&acam=PUT&acah=x-requested-with&vary=Origin&max_age=600";

fn policy(origin: &str) -> Policy {
    Policy::builder()
        .allow_origin([origin])
        .allow_credentials(true)
        .allow_methods(["PUT"])
        .allow_headers(["x-requested-with"])
        .max_age(Duration::from_secs(600))
        .build()
        .expect("a valid policy")
}

fn default_property_run(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let server =
        runtime.block_on(MockServer::start(ServerConfig::default())).expect("the mock origins start");
    let config = VerifyConfig::default().checker(
        Checker::builder()
            .resolve("api.test", IpAddr::V4(Ipv4Addr::LOCALHOST))
            .trust(server.certificates().ca_der.clone())
            .build(),
    );
    let mut group = c.benchmark_group("verify (96 probes, a correct server)");
    group.sample_size(10);
    for (listener, page) in [("api", "http://app.test:8000"), ("api-https", "https://app.example")] {
        let base = server.origin(listener).expect("a known origin").url();
        let url = format!("{}/t/bench/items?acao={page}&{QUERY}", base.trim_end_matches('/'));
        let policy = policy(page);
        let report = runtime.block_on(verify(&policy, &url, &config));
        assert!(report.passed(), "{report}");
        eprintln!("one run over {listener}: {:.0?}", report.elapsed);
        group.bench_function(listener, |b| b.iter(|| runtime.block_on(verify(&policy, &url, &config))));
    }
    group.finish();
}

criterion_group!(benches, default_property_run);
criterion_main!(benches);
