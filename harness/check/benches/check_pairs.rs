//! Request pairs per second: a preflighted PUT (preflight and actual request, each over its own
//! connection) checked against the mock origins on loopback, one after another and 16 at once.
//!
//!   cargo bench -p corsproof-check

use std::hint::black_box;

use corsproof_check::{Checker, Probe};
use corsproof_server::{MockServer, ServerConfig};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn pairs(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let server = runtime.block_on(MockServer::start(ServerConfig::default())).expect("the mock origins");
    let port = server.origin("api").expect("api").port;
    let checker = Checker::new();
    let probe = Probe::new(format!("http://127.0.0.1:{port}/items/1?acao=origin&acam=PUT&acah=x-custom"))
        .origin("https://app.example")
        .method("PUT")
        .header("X-Custom", "1");
    let checked = runtime.block_on(checker.check(&probe)).expect("a valid probe");
    assert!(checked.is_allowed() && checked.hops().len() == 2, "{checked}");

    let mut group = c.benchmark_group("check");
    group.throughput(Throughput::Elements(1));
    group.bench_function("preflight_and_actual", |b| {
        b.iter(|| runtime.block_on(checker.check(black_box(&probe))).expect("a valid probe"))
    });
    const IN_FLIGHT: u64 = 16;
    group.throughput(Throughput::Elements(IN_FLIGHT));
    group.bench_function("16_in_flight", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let mut checks = tokio::task::JoinSet::new();
                for _ in 0..IN_FLIGHT {
                    let (checker, probe) = (checker.clone(), probe.clone());
                    checks.spawn(async move { checker.check(&probe).await });
                }
                while let Some(done) = checks.join_next().await {
                    black_box(done.expect("a check task").expect("a valid probe"));
                }
            })
        })
    });
    group.finish();
}

criterion_group!(benches, pairs);
criterion_main!(benches);
