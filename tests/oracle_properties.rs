//! Properties of the CORS oracle that must hold for every input, not just the examples.

use std::time::Duration;

use corsproof_oracle::{
    Body, CredentialsMode, Engine, Exchange, Header, Oracle, Origin, Outcome, PreflightCache, Request,
    RequestKind, RequestMode, Response, Verdict, is_cors_safelisted_request_header,
};
use proptest::prelude::*;

const PAGE: &str = "https://app.test";

fn page() -> Origin {
    PAGE.parse().expect("valid origin")
}

fn engines() -> impl Strategy<Value = Engine> {
    prop::sample::select(Engine::ALL.to_vec())
}

fn credentials() -> impl Strategy<Value = CredentialsMode> {
    prop::sample::select(vec![CredentialsMode::Omit, CredentialsMode::SameOrigin, CredentialsMode::Include])
}

fn methods() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "GET", "HEAD", "POST", "PUT", "DELETE", "patch", "PATCH", "OPTIONS", "PROPFIND",
    ])
    .prop_map(str::to_owned)
}

/// Header names a page plausibly sets: safelisted, unsafe, forbidden, mixed case.
fn header_names() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "Accept",
        "Accept-Language",
        "Content-Language",
        "Content-Type",
        "Range",
        "Authorization",
        "X-Custom",
        "x-custom",
        "X-Requested-With",
        "Cookie",
        "Origin",
        "Sec-Fetch-Mode",
    ])
    .prop_map(str::to_owned)
}

fn header_values() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "text/plain",
            "application/json",
            "multipart/form-data; boundary=x",
            "en-US,en;q=0.9",
            "bytes=0-99",
            "bytes=-5",
            "Bearer token",
            "1",
        ])
        .prop_map(str::to_owned),
        "[ -~]{0,40}",
    ]
}

fn page_headers() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec((header_names(), header_values()), 0..5)
}

fn request(method: String, url: &str, headers: &[(String, String)], credentials: CredentialsMode) -> Request {
    headers
        .iter()
        .fold(Request::fetch(method, url), |request, (name, value)| {
            request.header(name.as_str(), value.as_str())
        })
        .credentials(credentials)
}

/// Arbitrary response headers: real CORS names with arbitrary bytes, and arbitrary names.
fn response_headers() -> impl Strategy<Value = Vec<(Vec<u8>, Vec<u8>)>> {
    let names = prop_oneof![
        prop::sample::select(vec![
            "Access-Control-Allow-Origin",
            "access-control-allow-credentials",
            "Access-Control-Allow-Methods",
            "Access-Control-Allow-Headers",
            "Access-Control-Max-Age",
            "Access-Control-Expose-Headers",
            "Location",
            "Vary",
            "Set-Cookie",
        ])
        .prop_map(|n| n.as_bytes().to_vec()),
        prop::collection::vec(any::<u8>(), 0..12),
    ];
    let values = prop_oneof![
        prop::sample::select(vec![
            "*",
            PAGE,
            "null",
            "true",
            "https://app.test, https://other.test",
            "PUT, patch",
            "x-custom, authorization",
            "99999999999999999999999",
            "-1",
            "/next",
            "https://user:pw@cdn.test/",
            "https://cdn.test/x",
        ])
        .prop_map(|v| v.as_bytes().to_vec()),
        prop::collection::vec(any::<u8>(), 0..40),
    ];
    prop::collection::vec((names, values), 0..8)
}

fn responses() -> impl Strategy<Value = Response> {
    (any::<u16>(), response_headers()).prop_map(|(status, headers)| Response {
        status,
        headers: headers.into_iter().map(|(name, value)| Header::new(name, value)).collect(),
    })
}

fn plan_preflight(oracle: &Oracle, request: &Request) -> bool {
    oracle.plan(&page(), request, &PreflightCache::new(), Duration::ZERO).preflight.is_some()
}

fn check_block_explained(verdict: &Verdict, engine: Engine) -> Result<(), TestCaseError> {
    if let Some(block) = verdict.block() {
        prop_assert!(!block.console_message(engine).is_empty());
        prop_assert!(!block.reason.explain(engine, block.initiator).is_empty());
        let fix = block.fix();
        prop_assert!(!fix.summary.is_empty());
        prop_assert!(!fix.headers.is_empty());
        for framework in corsproof_oracle::Framework::ALL {
            prop_assert!(!fix.snippet(framework).trim().is_empty());
        }
    }
    if let Outcome::NetworkError(error) = &verdict.outcome {
        prop_assert!(!error.explain(engine).is_empty());
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Same-origin requests are never blocked by CORS, whatever the server answers (when it
    /// does not redirect elsewhere).
    #[test]
    fn same_origin_request_never_blocked_by_cors(
        engine in engines(),
        method in methods(),
        headers in page_headers(),
        credentials in credentials(),
        mut response in responses(),
    ) {
        response.headers.retain(|h| !h.is("location"));
        let request = request(method, "https://app.test/api/1", &headers, credentials);
        let verdict = Oracle::new(engine).judge_once(&page(), &request, &Exchange::single(response));
        prop_assert!(verdict.block().is_none(), "{:?}", verdict.outcome);
        prop_assert!(verdict.requests.iter().all(|r| r.kind == RequestKind::Actual));
    }

    /// Adding a CORS-safelisted header never adds a preflight (as long as the safelisted
    /// values stay under the 1024-byte budget).
    #[test]
    fn adding_safelisted_header_never_adds_preflight(
        engine in engines(),
        method in methods(),
        headers in page_headers(),
        extra in prop::sample::select(vec![
            ("Accept", "application/json"),
            ("Accept-Language", "fr-CH, fr;q=0.9"),
            ("Content-Language", "de"),
            ("Content-Type", "text/plain;charset=UTF-8"),
            ("Range", "bytes=0-1023"),
        ]),
    ) {
        prop_assume!(is_cors_safelisted_request_header(extra.0.as_bytes(), extra.1.as_bytes()));
        let oracle = Oracle::new(engine);
        let base = request(method, "https://api.test/x", &headers, CredentialsMode::Omit);
        let safelisted_total: usize = base
            .headers
            .iter()
            .filter(|h| is_cors_safelisted_request_header(&h.name, &h.value))
            .map(|h| h.value.len())
            .sum();
        prop_assume!(safelisted_total + extra.1.len() <= 1024);
        let before = plan_preflight(&oracle, &base);
        let after = plan_preflight(&oracle, &base.clone().header(extra.0, extra.1));
        prop_assert!(!after || before);
    }

    /// `Access-Control-Allow-Origin: *` never satisfies a credentialed request, whatever else
    /// the server sends.
    #[test]
    fn wildcard_acao_never_satisfies_credentialed_request(
        engine in engines(),
        method in methods(),
        headers in page_headers(),
        mut preflight in responses(),
        mut actual in responses(),
    ) {
        for response in [&mut preflight, &mut actual] {
            response.headers.retain(|h| !h.is("access-control-allow-origin") && !h.is("location"));
            response.headers.push(Header::new("Access-Control-Allow-Origin", "*"));
        }
        let request = request(method, "https://api.test/x", &headers, CredentialsMode::Include);
        let verdict = Oracle::new(engine)
            .judge_once(&page(), &request, &Exchange::preflighted(preflight, actual));
        prop_assert!(!verdict.is_allowed(), "{:?}", verdict.outcome);
    }

    /// `judge` never panics, whatever bytes and statuses the server sends, and every block
    /// comes with words and a fix in every framework's dialect.
    #[test]
    fn judge_never_panics_and_blocks_are_explained_with_fixes(
        engine in engines(),
        method in "[A-Za-z]{1,8}",
        headers in prop::collection::vec(
            (prop::collection::vec(any::<u8>(), 0..10), prop::collection::vec(any::<u8>(), 0..20)),
            0..4,
        ),
        credentials in credentials(),
        mode in prop::sample::select(vec![RequestMode::Cors, RequestMode::NoCors, RequestMode::SameOrigin]),
        url in prop::sample::select(vec![
            "https://api.test/x", "https://app.test/y", "/relative", "http://api.test:8080/",
            "ftp://api.test/", "not a url", "https://u:p@api.test/",
        ]),
        preflights in prop::collection::vec(responses(), 0..3),
        actuals in prop::collection::vec(responses(), 0..4),
        now in any::<u64>(),
    ) {
        let mut request = Request::fetch(method, url).credentials(credentials).mode(mode);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let exchange = Exchange { preflights: preflights.into(), responses: actuals.into() };
        let verdict = Oracle::new(engine).judge(
            &page(), &request, &PreflightCache::new(), Duration::from_secs(now), &exchange,
        );
        check_block_explained(&verdict, engine)?;
    }

    /// The serialized `Access-Control-Request-Headers` is lower-case, sorted, de-duplicated,
    /// comma-separated without spaces, and never names a safelisted or forbidden header.
    #[test]
    fn request_headers_serialization_is_lowercase_sorted_deduplicated(
        headers in prop::collection::vec(("[A-Za-z][A-Za-z0-9-]{0,12}", header_values()), 0..8),
    ) {
        let request = request("PUT".into(), "https://api.test/x", &headers, CredentialsMode::Omit);
        let plan = Oracle::default().plan(&page(), &request, &PreflightCache::new(), Duration::ZERO);
        let preflight = plan.preflight.expect("PUT is preflighted");
        if let Some(serialized) = preflight.request_headers {
            prop_assert!(!serialized.contains(' '));
            let names: Vec<&str> = serialized.split(',').collect();
            prop_assert!(names.iter().all(|n| !n.is_empty() && *n == n.to_ascii_lowercase()));
            prop_assert!(names.windows(2).all(|pair| pair[0] < pair[1]), "{serialized}");
            for name in names {
                prop_assert!(!matches!(name, "cookie" | "origin" | "host") && !name.starts_with("sec-"));
            }
        }
    }

    /// A preflight never carries cookies or `Authorization`, and a request that was
    /// preflighted only reaches the server after a preflight.
    #[test]
    fn preflight_never_carries_credentials(
        engine in engines(),
        method in methods(),
        headers in page_headers(),
        credentials in credentials(),
        preflight in responses(),
        actual in responses(),
    ) {
        let request = request(method, "https://api.test/x", &headers, credentials);
        let verdict = Oracle::new(engine)
            .judge_once(&page(), &request, &Exchange::preflighted(preflight, actual));
        for sent in verdict.requests.iter().filter(|r| r.kind == RequestKind::Preflight) {
            prop_assert!(!sent.cookies);
            prop_assert!(!sent.headers.iter().any(|h| h.is("authorization") || h.is("cookie")));
            prop_assert_eq!(sent.method.as_str(), "OPTIONS");
        }
    }

    /// The cache never outlives the engine's cap, and never holds expired entries.
    #[test]
    fn cache_entries_bounded_by_engine_cap(
        engine in engines(),
        max_age in prop_oneof!["[0-9]{1,25}", "-[0-9]{1,3}", "[ -~]{0,8}"],
        now in 0u64..1_000_000_000,
    ) {
        let request = Request::fetch("PUT", "https://api.test/x").header("X-Custom", "1");
        let preflight = Response::new(204)
            .header("Access-Control-Allow-Origin", PAGE)
            .header("Access-Control-Allow-Methods", "PUT")
            .header("Access-Control-Allow-Headers", "x-custom")
            .header("Access-Control-Max-Age", max_age.as_str());
        let allow = Response::new(200).header("Access-Control-Allow-Origin", PAGE);
        let now = Duration::from_secs(now);
        let verdict = Oracle::new(engine).judge(
            &page(), &request, &PreflightCache::new(), now,
            &Exchange::preflighted(preflight, allow),
        );
        prop_assert!(verdict.is_allowed());
        for entry in verdict.cache.entries() {
            prop_assert!(entry.expires_at > now);
            prop_assert!(entry.expires_at <= now + engine.max_age_cap());
        }
    }

    /// A `no-cors` request never sends a preflight and never gives the page anything to read.
    #[test]
    fn no_cors_never_preflights_nor_reads(
        engine in engines(),
        headers in page_headers(),
        response in responses(),
    ) {
        let request = request("POST".into(), "https://api.test/x", &headers, CredentialsMode::Include)
            .mode(RequestMode::NoCors)
            .body(Body::Text);
        let verdict = Oracle::new(engine).judge_once(&page(), &request, &Exchange::single(response));
        prop_assert!(verdict.requests.iter().all(|r| r.kind == RequestKind::Actual));
        prop_assert!(!verdict.is_allowed());
    }

    /// After a redirect through another origin, every later request says `Origin: null`.
    #[test]
    fn tainted_chain_stays_null(
        hops in prop::collection::vec(
            prop::sample::select(vec!["https://a.test/1", "https://app.test/2", "https://b.test/3", "/4"]),
            1..5,
        ),
    ) {
        let mut exchange = Exchange::new();
        for hop in &hops {
            exchange = exchange.response(
                Response::new(302).header("Location", *hop).header("Access-Control-Allow-Origin", "*"),
            );
        }
        exchange = exchange.response(Response::new(200).header("Access-Control-Allow-Origin", "*"));
        let verdict = Oracle::default().judge_once(&page(), &Request::get("https://api.test/0"), &exchange);
        let origins: Vec<Option<&str>> = verdict.requests.iter().map(|r| r.origin.as_deref()).collect();
        if let Some(first_null) = origins.iter().position(|o| *o == Some("null")) {
            prop_assert!(origins[first_null..].iter().all(|o| *o == Some("null")), "{origins:?}");
        }
    }
}
