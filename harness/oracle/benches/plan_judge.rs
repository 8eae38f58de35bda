//! plan + judge per second on a mixed set of cases: simple allowed, preflighted allowed,
//! blocks of several kinds, redirects, cache hits. One element = one plan + judge.

use std::hint::black_box;
use std::time::Duration;

use corsproof_oracle::{
    CredentialsMode, Engine, Exchange, Oracle, Origin, PreflightCache, Request, Response,
};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const APP: &str = "https://app.example";
const API: &str = "https://api.example/items/1";

struct Case {
    request: Request,
    cache: PreflightCache,
    exchange: Exchange,
}

fn allow(status: u16) -> Response {
    Response::new(status)
        .header("Access-Control-Allow-Origin", APP)
        .header("Vary", "Origin")
        .header("Content-Type", "application/json")
}

fn preflight(methods: &str, headers: &str) -> Response {
    allow(204)
        .header("Access-Control-Allow-Methods", methods)
        .header("Access-Control-Allow-Headers", headers)
        .header("Access-Control-Max-Age", "600")
}

fn cases(oracle: &Oracle, page: &Origin) -> Vec<Case> {
    let empty = PreflightCache::new();
    let put = Request::fetch("PUT", API).header("Content-Type", "application/json");
    let warm = oracle
        .judge(
            page,
            &put,
            &empty,
            Duration::ZERO,
            &Exchange::preflighted(preflight("PUT", "content-type"), allow(200)),
        )
        .cache;
    vec![
        // Simple GET, allowed.
        Case { request: Request::get(API), cache: empty.clone(), exchange: Exchange::single(allow(200)) },
        // Preflighted PUT with JSON, allowed.
        Case {
            request: put.clone(),
            cache: empty.clone(),
            exchange: Exchange::preflighted(preflight("PUT", "content-type"), allow(200)),
        },
        // Same PUT, preflight cache hit.
        Case { request: put, cache: warm, exchange: Exchange::single(allow(200)) },
        // Blocked: no ACAO.
        Case {
            request: Request::get(API),
            cache: empty.clone(),
            exchange: Exchange::single(Response::new(200)),
        },
        // Blocked: wildcard with credentials.
        Case {
            request: Request::get(API).credentials(CredentialsMode::Include),
            cache: empty.clone(),
            exchange: Exchange::single(Response::new(200).header("Access-Control-Allow-Origin", "*")),
        },
        // Blocked: preflight 404.
        Case {
            request: Request::fetch("DELETE", API).header("X-Trace", "1"),
            cache: empty.clone(),
            exchange: Exchange::preflighted(Response::new(404), allow(200)),
        },
        // Blocked: header not allowed.
        Case {
            request: Request::fetch("PATCH", API).header("Authorization", "Bearer x"),
            cache: empty.clone(),
            exchange: Exchange::preflighted(preflight("PATCH", "*"), allow(200)),
        },
        // Redirect, same origin, allowed.
        Case {
            request: Request::get(API),
            cache: empty.clone(),
            exchange: Exchange::single(allow(302).header("Location", "/items/2")).response(allow(200)),
        },
        // Tainted redirect, blocked.
        Case {
            request: Request::get(API),
            cache: empty,
            exchange: Exchange::single(allow(302).header("Location", "https://cdn.example/x"))
                .response(allow(200)),
        },
    ]
}

fn plan_judge(c: &mut Criterion) {
    let oracle = Oracle::new(Engine::Chromium);
    let page: Origin = APP.parse().expect("valid origin");
    let cases = cases(&oracle, &page);
    let now = Duration::from_secs(10);
    let mut group = c.benchmark_group("oracle");
    group.throughput(Throughput::Elements(cases.len() as u64));
    group.bench_function("plan_judge_mixed", |b| {
        b.iter(|| {
            for case in &cases {
                let verdict = oracle
                    .plan(black_box(&page), black_box(&case.request), &case.cache, now)
                    .judge(black_box(&case.exchange));
                black_box(verdict);
            }
        });
    });
    group.finish();
}

criterion_group!(benches, plan_judge);
criterion_main!(benches);
