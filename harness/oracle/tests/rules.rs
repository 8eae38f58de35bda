//! One test (or more) per rule of `shared/cors-rules.md`, through the public API, named after
//! the rule. Module-level unit tests cover the parsers; these cover the fetch as a whole.

use std::time::Duration;

use corsproof_oracle::{
    Body, CacheKey, CredentialsMode, DropReason, Engine, Exchange, NetworkError, Oracle, Origin, Outcome,
    PreflightCache, Reason, RedirectMode, Request, RequestKind, RequestMode, Response, Stage, Step, Tainting,
    Verdict, Warning,
};

const APP: &str = "https://app.test";
const API: &str = "https://api.test/items/1";

fn page() -> Origin {
    APP.parse().unwrap()
}

fn chromium() -> Oracle {
    Oracle::new(Engine::Chromium)
}

fn judge(request: &Request, exchange: Exchange) -> Verdict {
    chromium().judge_once(&page(), request, &exchange)
}

fn allow(status: u16) -> Response {
    Response::new(status).header("Access-Control-Allow-Origin", APP).header("Vary", "Origin")
}

fn allow_credentials(status: u16) -> Response {
    allow(status).header("Access-Control-Allow-Credentials", "true")
}

fn preflight_ok(methods: &str, headers: &str) -> Response {
    allow(204).header("Access-Control-Allow-Methods", methods).header("Access-Control-Allow-Headers", headers)
}

fn reason(verdict: &Verdict) -> Reason {
    verdict.block().unwrap_or_else(|| panic!("expected a block, got {:?}", verdict.outcome)).reason.clone()
}

fn kinds(verdict: &Verdict) -> Vec<RequestKind> {
    verdict.requests.iter().map(|r| r.kind).collect()
}

// ----- Request side -----

#[test]
fn safelisted_methods_get_head_post_need_no_preflight() {
    for method in ["GET", "HEAD", "POST", "get", "post"] {
        let plan =
            chromium().plan(&page(), &Request::fetch(method, API), &PreflightCache::new(), Duration::ZERO);
        assert!(plan.preflight.is_none(), "{method}");
    }
    for method in ["PUT", "DELETE", "patch", "OPTIONS"] {
        let plan =
            chromium().plan(&page(), &Request::fetch(method, API), &PreflightCache::new(), Duration::ZERO);
        assert!(plan.preflight.is_some(), "{method}");
    }
}

#[test]
fn forbidden_methods_connect_trace_track_are_type_errors() {
    for method in ["CONNECT", "trace", "TRACK"] {
        let verdict = judge(&Request::fetch(method, API), Exchange::new());
        assert_eq!(
            verdict.outcome,
            Outcome::NetworkError(NetworkError::ForbiddenMethod { method: method.into() })
        );
        assert!(verdict.requests.is_empty());
    }
}

#[test]
fn method_normalization_keeps_patch_lowercase_in_preflight_and_check() {
    let request = Request::fetch("patch", API);
    let plan = chromium().plan(&page(), &request, &PreflightCache::new(), Duration::ZERO);
    assert_eq!(plan.preflight.as_ref().unwrap().request_method, "patch");
    let verdict = judge(&request, Exchange::preflighted(preflight_ok("GET, PATCH", ""), allow(200)));
    assert_eq!(reason(&verdict), Reason::MethodNotAllowed { method: "patch".into() });
    let verdict = judge(&request, Exchange::preflighted(preflight_ok("patch", ""), allow(200)));
    assert!(verdict.is_allowed());
    assert_eq!(verdict.requests[1].method, "patch");
}

#[test]
fn content_type_application_json_triggers_preflight() {
    let request = Request::fetch("POST", API).header("Content-Type", "application/json");
    let plan = chromium().plan(&page(), &request, &PreflightCache::new(), Duration::ZERO);
    assert_eq!(plan.preflight.unwrap().request_headers.as_deref(), Some("content-type"));
    let form = Request::fetch("POST", API).header("Content-Type", "text/plain;charset=UTF-8");
    let plan = chromium().plan(&page(), &form, &PreflightCache::new(), Duration::ZERO);
    assert!(plan.preflight.is_none());
}

#[test]
fn range_safelisted_only_for_a_single_bytes_range() {
    let preflighted = |engine: Engine, value: &str| {
        let request = Request::get(API).header("Range", value);
        Oracle::new(engine)
            .plan(&page(), &request, &PreflightCache::new(), Duration::ZERO)
            .preflight
            .is_some()
    };
    for engine in Engine::ALL {
        assert!(!preflighted(engine, "bytes=0-99"), "{engine}");
        assert!(!preflighted(engine, "bytes=100-"), "{engine}");
        assert!(preflighted(engine, "bytes=-500"), "{engine}: a suffix range");
        assert!(preflighted(engine, "bytes=0-1,5-6"), "{engine}: two ranges");
    }
    // The standard spells the unit `bytes` byte for byte; WebKit's parseRange takes any case.
    assert!(preflighted(Engine::Chromium, "Bytes=0-99"));
    assert!(preflighted(Engine::Firefox, "Bytes=0-99"));
    assert!(!preflighted(Engine::WebKit, "Bytes=0-99"));
}

#[test]
fn body_implied_content_type_counts_for_the_safelist() {
    let text = Request::fetch("POST", API).body(Body::Text);
    let plan = chromium().plan(&page(), &text, &PreflightCache::new(), Duration::ZERO);
    assert!(plan.preflight.is_none());
    assert!(plan.sent_headers.iter().any(|h| h.is("content-type")));
    let json_blob = Request::fetch("POST", API).body(Body::Blob(b"application/json".to_vec()));
    let plan = chromium().plan(&page(), &json_blob, &PreflightCache::new(), Duration::ZERO);
    assert!(plan.preflight.is_some());
}

#[test]
fn request_headers_serialized_lowercase_sorted_deduplicated_no_space() {
    let request = Request::fetch("PUT", API)
        .header("X-Zeta", "1")
        .header("X-Alpha", "1")
        .header("x-zeta", "2")
        .header("Accept", "application/json");
    let plan = chromium().plan(&page(), &request, &PreflightCache::new(), Duration::ZERO);
    let preflight = plan.preflight.unwrap();
    assert_eq!(preflight.request_headers.as_deref(), Some("x-alpha,x-zeta"));
    assert_eq!(preflight.request_method, "PUT");
}

#[test]
fn safelisted_values_over_1024_bytes_total_become_unsafe_and_preflight() {
    let value = "a".repeat(128);
    let mut request = Request::get(API);
    for _ in 0..9 {
        request = request.header("Accept", value.as_str());
    }
    let plan = chromium().plan(&page(), &request, &PreflightCache::new(), Duration::ZERO);
    assert_eq!(plan.preflight.unwrap().request_headers.as_deref(), Some("accept"));
}

#[test]
fn forbidden_request_headers_dropped_silently() {
    let request = Request::get(API)
        .header("Cookie", "a=b")
        .header("Sec-Fetch-Site", "none")
        .header("Proxy-Foo", "1")
        .header("X-HTTP-Method-Override", "TRACE")
        .header("X-Kept", "1");
    let plan = chromium().plan(&page(), &request, &PreflightCache::new(), Duration::ZERO);
    assert_eq!(plan.dropped_headers.len(), 4);
    assert!(plan.dropped_headers.iter().all(|d| d.reason == DropReason::Forbidden));
    assert_eq!(plan.sent_headers.len(), 1);
    assert_eq!(plan.preflight.unwrap().request_headers.as_deref(), Some("x-kept"));
}

#[test]
fn a_pages_user_agent_is_preflighted_except_where_the_engine_drops_it() {
    let request = Request::get(API).header("User-Agent", "corsproof-page");
    let plan = Oracle::new(Engine::Firefox).plan(&page(), &request, &PreflightCache::new(), Duration::ZERO);
    assert_eq!(plan.preflight.unwrap().request_headers.as_deref(), Some("user-agent"));
    let plan = chromium().plan(&page(), &request, &PreflightCache::new(), Duration::ZERO);
    assert!(plan.preflight.is_none(), "Chromium sends its own User-Agent, and no preflight");
    assert_eq!(plan.dropped_headers.len(), 1);
    assert_eq!(plan.dropped_headers[0].reason, DropReason::Forbidden);
}

#[test]
fn invalid_header_bytes_are_type_errors() {
    let verdict = judge(&Request::get(API).header("X Bad", "1"), Exchange::new());
    assert!(matches!(verdict.outcome, Outcome::NetworkError(NetworkError::InvalidHeader { .. })));
    let verdict = judge(&Request::get(API).header("X-A", "a\r\nb"), Exchange::new());
    assert!(matches!(verdict.outcome, Outcome::NetworkError(NetworkError::InvalidHeader { .. })));
}

#[test]
fn use_cors_preflight_flag_forces_preflight_for_simple_requests() {
    let request = Request::xhr("POST", API).upload_listener().body(Body::Text);
    let plan = chromium().plan(&page(), &request, &PreflightCache::new(), Duration::ZERO);
    let preflight = plan.preflight.as_ref().unwrap();
    assert_eq!(preflight.request_method, "POST");
    assert_eq!(preflight.request_headers, None);
    // With no Access-Control-Allow-Methods, the forced preflight allows the method itself.
    let verdict = judge(&request, Exchange::preflighted(allow(204), allow(200)));
    assert!(verdict.is_allowed(), "{:?}", verdict.outcome);
}

#[test]
fn stream_body_sets_use_cors_preflight() {
    let request = Request::fetch("POST", API).body(Body::Stream);
    let plan = chromium().plan(&page(), &request, &PreflightCache::new(), Duration::ZERO);
    assert!(plan.preflight.is_some());
}

#[test]
fn preflight_sends_options_accept_method_headers_and_origin() {
    let request = Request::fetch("DELETE", API).header("X-Custom", "1");
    let verdict = judge(&request, Exchange::preflighted(preflight_ok("DELETE", "x-custom"), allow(200)));
    let preflight = &verdict.requests[0];
    assert_eq!(preflight.kind, RequestKind::Preflight);
    assert_eq!(preflight.method, "OPTIONS");
    assert_eq!(&*preflight.url, API);
    assert_eq!(preflight.origin.as_deref(), Some(APP));
    assert_eq!(
        format!("{:?}", preflight.headers),
        "[Accept: */*, Access-Control-Request-Method: DELETE, \
         Access-Control-Request-Headers: x-custom, Origin: https://app.test]"
    );
    assert_eq!(verdict.requests[1].method, "DELETE");
}

#[test]
fn preflight_never_carries_cookies_but_is_judged_with_credentials() {
    let request =
        Request::fetch("PUT", API).header("Authorization", "Bearer t").credentials(CredentialsMode::Include);
    let exchange = Exchange::preflighted(
        Response::new(204)
            .header("Access-Control-Allow-Origin", "*")
            .header("Access-Control-Allow-Methods", "PUT")
            .header("Access-Control-Allow-Headers", "authorization"),
        allow_credentials(200),
    );
    let verdict = judge(&request, exchange);
    assert!(!verdict.requests[0].cookies);
    assert!(!verdict.requests[0].headers.iter().any(|h| h.is("authorization")));
    assert_eq!(reason(&verdict), Reason::WildcardOriginWithCredentials);
    assert_eq!(verdict.block().unwrap().stage, Stage::Preflight);
    assert_eq!(verdict.requests.len(), 1, "the PUT is never sent");
}

#[test]
fn no_cors_mode_only_allows_safelisted_methods() {
    let request = Request::fetch("PUT", API).mode(RequestMode::NoCors);
    assert_eq!(
        judge(&request, Exchange::new()).outcome,
        Outcome::NetworkError(NetworkError::NoCorsMethod { method: "PUT".into() })
    );
}

#[test]
fn no_cors_mode_sends_no_preflight_and_yields_opaque_response() {
    let request = Request::fetch("POST", API)
        .mode(RequestMode::NoCors)
        .header("X-Custom", "1")
        .header("Content-Type", "application/json")
        .header("Accept", "text/plain");
    let plan = chromium().plan(&page(), &request, &PreflightCache::new(), Duration::ZERO);
    assert!(plan.preflight.is_none());
    assert_eq!(plan.tainting, Some(Tainting::Opaque));
    assert_eq!(plan.dropped_headers.len(), 2);
    assert!(plan.dropped_headers.iter().all(|d| d.reason == DropReason::NotNoCorsSafelisted));
    let verdict = judge(&request, Exchange::single(Response::new(200)));
    assert_eq!(verdict.outcome, Outcome::Opaque);
    assert_eq!(verdict.requests.len(), 1);
}

#[test]
fn same_origin_mode_refuses_cross_origin_urls() {
    let request = Request::get(API).mode(RequestMode::SameOrigin);
    assert_eq!(
        judge(&request, Exchange::new()).outcome,
        Outcome::NetworkError(NetworkError::SameOriginModeCrossOrigin)
    );
}

#[test]
fn same_origin_requests_are_never_cors_checked() {
    let request = Request::fetch("PUT", "https://app.test/api").header("X-Custom", "1");
    let plan = chromium().plan(&page(), &request, &PreflightCache::new(), Duration::ZERO);
    assert!(plan.preflight.is_none());
    assert_eq!(plan.tainting, Some(Tainting::Basic));
    let verdict = judge(&request, Exchange::single(Response::new(500).header("X-Secret", "1")));
    let response = verdict.response().unwrap();
    assert_eq!(response.status, 500);
    assert!(response.headers.iter().any(|h| h.is("x-secret")));
}

#[test]
fn same_origin_get_sends_no_origin_but_post_does() {
    let get = judge(&Request::get("/local"), Exchange::single(Response::new(200)));
    assert_eq!(&*get.requests[0].url, "https://app.test/local");
    assert_eq!(get.requests[0].origin, None);
    let post = judge(&Request::fetch("POST", "/local"), Exchange::single(Response::new(200)));
    assert_eq!(post.requests[0].origin.as_deref(), Some(APP));
}

#[test]
fn credentials_same_origin_sends_cookies_only_to_same_origin() {
    let cross = judge(&Request::get(API), Exchange::single(allow(200)));
    assert!(!cross.requests[0].cookies);
    let same = judge(&Request::get("https://app.test/x"), Exchange::single(Response::new(200)));
    assert!(same.requests[0].cookies);
}

#[test]
fn credentials_omit_never_sends_cookies() {
    let request = Request::get("https://app.test/x").credentials(CredentialsMode::Omit);
    let verdict = judge(&request, Exchange::single(Response::new(200)));
    assert!(!verdict.requests[0].cookies);
}

#[test]
fn credentials_include_sends_cookies_cross_origin() {
    let request = Request::get(API).credentials(CredentialsMode::Include);
    let verdict = judge(&request, Exchange::single(allow_credentials(200)));
    assert!(verdict.requests[0].cookies);
    assert!(verdict.is_allowed());
}

#[test]
fn xhr_with_credentials_is_include() {
    let request = Request::xhr("GET", API).with_credentials(true);
    let verdict = judge(&request, Exchange::single(allow(200)));
    assert!(verdict.requests[0].cookies);
    assert_eq!(reason(&verdict), Reason::AllowCredentialsNotTrue { value: None });
    assert!(
        verdict.block().unwrap().console_message(Engine::Chromium).starts_with("Access to XMLHttpRequest at")
    );
}

// ----- CORS check -----

#[test]
fn cors_check_missing_acao_blocks_but_the_request_reached_the_server() {
    let verdict = judge(&Request::get(API), Exchange::single(Response::new(200)));
    assert_eq!(reason(&verdict), Reason::MissingAllowOrigin);
    assert_eq!(verdict.requests.len(), 1);
}

#[test]
fn cors_check_applies_whatever_the_status() {
    let verdict = judge(&Request::get(API), Exchange::single(Response::new(500)));
    assert_eq!(reason(&verdict), Reason::MissingAllowOrigin);
    assert_eq!(verdict.block().unwrap().status, Some(500));
    let verdict = judge(&Request::get(API), Exchange::single(allow(404)));
    assert_eq!(verdict.response().unwrap().status, 404);
}

#[test]
fn cors_check_wildcard_passes_without_credentials() {
    let response = Response::new(200).header("Access-Control-Allow-Origin", "*");
    assert!(judge(&Request::get(API), Exchange::single(response)).is_allowed());
}

#[test]
fn wildcard_never_satisfies_a_credentialed_request() {
    let response = Response::new(200)
        .header("Access-Control-Allow-Origin", "*")
        .header("Access-Control-Allow-Credentials", "true");
    let request = Request::get(API).credentials(CredentialsMode::Include);
    assert_eq!(reason(&judge(&request, Exchange::single(response))), Reason::WildcardOriginWithCredentials);
}

#[test]
fn cors_check_acao_must_match_byte_for_byte() {
    let response = Response::new(200).header("Access-Control-Allow-Origin", "https://app.test/");
    assert_eq!(
        reason(&judge(&Request::get(API), Exchange::single(response))),
        Reason::AllowOriginMismatch { value: "https://app.test/".into() }
    );
}

#[test]
fn cors_check_fails_on_two_acao_headers() {
    let response = allow(200).header("Access-Control-Allow-Origin", APP);
    assert!(matches!(
        reason(&judge(&Request::get(API), Exchange::single(response))),
        Reason::MultipleAllowOriginValues { .. }
    ));
}

#[test]
fn cors_check_credentials_need_acac_exactly_true() {
    let request = Request::get(API).credentials(CredentialsMode::Include);
    let response = allow(200).header("Access-Control-Allow-Credentials", "True");
    assert_eq!(
        reason(&judge(&request, Exchange::single(response))),
        Reason::AllowCredentialsNotTrue { value: Some("True".into()) }
    );
}

// ----- CORS-preflight fetch -----

#[test]
fn preflight_fails_on_3xx_404_405_500_answers() {
    for status in [404, 405, 500, 302] {
        let preflight = Response { status, ..preflight_ok("PUT", "") };
        let verdict = judge(&Request::fetch("PUT", API), Exchange::preflighted(preflight, allow(200)));
        assert_eq!(reason(&verdict), Reason::PreflightStatusNotOk { status });
        assert_eq!(kinds(&verdict), [RequestKind::Preflight]);
    }
}

#[test]
fn preflight_answered_404_without_headers_reports_missing_acao_like_chromium() {
    let verdict = judge(
        &Request::fetch("PUT", API).header("X-Custom", "1"),
        Exchange::preflighted(Response::new(404), allow(200)),
    );
    assert_eq!(
        verdict.block().unwrap().console_message(Engine::Chromium),
        "Access to fetch at 'https://api.test/items/1' from origin 'https://app.test' has been \
         blocked by CORS policy: Response to preflight request doesn't pass access control \
         check: No 'Access-Control-Allow-Origin' header is present on the requested resource."
    );
}

#[test]
fn preflight_redirect_is_not_followed() {
    let preflight = Response::new(301).header("Location", "https://api.test/items/1/");
    let verdict = judge(&Request::fetch("PUT", API), Exchange::preflighted(preflight, allow(200)));
    assert_eq!(reason(&verdict), Reason::PreflightRedirect { status: 301 });
    assert_eq!(verdict.requests.len(), 1);
}

#[test]
fn preflight_unparsable_allow_methods_is_a_network_error() {
    let verdict =
        judge(&Request::fetch("PUT", API), Exchange::preflighted(preflight_ok("PUT DELETE", ""), allow(200)));
    assert!(matches!(reason(&verdict), Reason::InvalidAllowMethods { .. }));
}

#[test]
fn preflight_method_not_listed_is_blocked() {
    let verdict =
        judge(&Request::fetch("PUT", API), Exchange::preflighted(preflight_ok("GET, POST", ""), allow(200)));
    assert_eq!(reason(&verdict), Reason::MethodNotAllowed { method: "PUT".into() });
}

#[test]
fn preflight_header_not_listed_is_blocked() {
    let verdict = judge(
        &Request::fetch("PUT", API).header("X-Custom", "1"),
        Exchange::preflighted(preflight_ok("PUT", "x-other"), allow(200)),
    );
    assert_eq!(reason(&verdict), Reason::HeaderNotAllowed { header: "x-custom".into() });
}

#[test]
fn authorization_not_covered_by_wildcard_allow_headers() {
    // The standard: `*` never covers Authorization. No engine follows it.
    let request = Request::get(API).header("Authorization", "Bearer t");
    let exchange = Exchange::preflighted(preflight_ok("GET", "*"), allow(200));
    // Chromium has only deprecated the wildcard covering Authorization: allowed, with a warning.
    let chromium = judge(&request, exchange.clone());
    assert!(matches!(chromium.outcome, Outcome::Allowed(_)), "{:?}", chromium.outcome);
    assert_eq!(chromium.warnings, [Warning::AuthorizationCoveredByWildcard { url: API.into() }]);
    // So has Firefox; WebKit never made the exception (validateCrossOriginHeaders).
    for engine in [Engine::Firefox, Engine::WebKit] {
        let verdict = Oracle::new(engine).judge_once(&page(), &request, &exchange);
        assert!(matches!(verdict.outcome, Outcome::Allowed(_)), "{engine}: {:?}", verdict.outcome);
        assert_eq!(
            verdict.warnings,
            [Warning::AuthorizationCoveredByWildcard { url: API.into() }],
            "{engine}"
        );
    }
    // With credentials `*` is a literal name in every engine, and Authorization is refused.
    let credentialed = request.clone().credentials(CredentialsMode::Include);
    let exchange = Exchange::preflighted(
        preflight_ok("GET", "*").header("Access-Control-Allow-Credentials", "true"),
        allow_credentials(200),
    );
    for engine in Engine::ALL {
        let verdict = Oracle::new(engine).judge_once(&page(), &credentialed, &exchange);
        assert_eq!(reason(&verdict), Reason::HeaderNotAllowed { header: "authorization".into() }, "{engine}");
    }
}

#[test]
fn preflight_max_age_sets_cache_lifetime_capped_per_engine() {
    let request = Request::fetch("PUT", API);
    let exchange =
        Exchange::preflighted(preflight_ok("PUT", "").header("Access-Control-Max-Age", "86400"), allow(200));
    for (engine, cap) in [(Engine::Chromium, 7200), (Engine::Firefox, 86_400), (Engine::WebKit, 600)] {
        let now = Duration::from_secs(50);
        let verdict = Oracle::new(engine).judge(&page(), &request, &PreflightCache::new(), now, &exchange);
        let expiry = verdict.cache.entries()[0].expires_at;
        assert_eq!(expiry, now + Duration::from_secs(cap), "{engine}");
    }
}

#[test]
fn preflight_missing_max_age_caches_five_seconds() {
    let request = Request::fetch("PUT", API);
    let exchange = Exchange::preflighted(preflight_ok("PUT", ""), allow(200));
    let verdict = judge(&request, exchange);
    assert_eq!(verdict.cache.entries()[0].expires_at, Duration::from_secs(5));
    let oracle = chromium();
    let at =
        |secs| oracle.plan(&page(), &request, &verdict.cache, Duration::from_secs(secs)).preflight.is_none();
    assert!(at(4), "cached at 4 s");
    assert!(!at(5), "expired at 5 s");
}

#[test]
fn preflight_invalid_max_age_caches_five_seconds_but_negative_caches_nothing_in_browsers() {
    let request = Request::fetch("PUT", API);
    let lifetime = |engine: Engine, max_age: &str| {
        let exchange = Exchange::preflighted(
            preflight_ok("PUT", "").header("Access-Control-Max-Age", max_age),
            allow(200),
        );
        let verdict = Oracle::new(engine).judge_once(&page(), &request, &exchange);
        verdict.cache.entries().first().map(|entry| entry.expires_at)
    };
    // The standard: a value that is not delta-seconds is the 5 s default.
    for engine in [Engine::Chromium, Engine::WebKit] {
        assert_eq!(lifetime(engine, "ten"), Some(Duration::from_secs(5)), "{engine}");
    }
    // Every engine reads `-1` as "do not cache": nothing is left in the cache.
    for engine in Engine::ALL {
        assert_eq!(lifetime(engine, "-1"), None, "{engine}");
    }
    // WebKit parses a signed int64: `+60` is 60 s, and a value too long for it the default.
    assert_eq!(lifetime(Engine::WebKit, "+60"), Some(Duration::from_secs(60)));
    assert_eq!(lifetime(Engine::WebKit, "99999999999999999999"), Some(Duration::from_secs(5)));
}

// ----- CORS-preflight cache -----

#[test]
fn cache_hit_skips_preflight_for_covered_method_and_headers() {
    let oracle = chromium();
    let request = Request::fetch("PUT", API).header("X-A", "1");
    let first = oracle.judge(
        &page(),
        &request,
        &PreflightCache::new(),
        Duration::ZERO,
        &Exchange::preflighted(preflight_ok("PUT", "x-a").header("Access-Control-Max-Age", "60"), allow(200)),
    );
    let plan = oracle.plan(&page(), &request, &first.cache, Duration::from_secs(30));
    assert!(plan.preflight.is_none() && plan.preflight_cached);
    let more_headers = request.clone().header("X-B", "1");
    let plan = oracle.plan(&page(), &more_headers, &first.cache, Duration::from_secs(30));
    assert_eq!(plan.preflight.unwrap().request_headers.as_deref(), Some("x-a,x-b"));
}

#[test]
fn cache_serves_an_opaque_origin_again_except_in_chromium() {
    let request = Request::fetch("PUT", API).header("X-A", "1");
    let sandboxed = Origin::opaque();
    let granted = Response::new(204)
        .header("Access-Control-Allow-Origin", "*")
        .header("Access-Control-Allow-Methods", "PUT")
        .header("Access-Control-Allow-Headers", "x-a")
        .header("Access-Control-Max-Age", "600");
    let answered = Response::new(200).header("Access-Control-Allow-Origin", "*");
    for engine in Engine::ALL {
        let oracle = Oracle::new(engine);
        let first = oracle.judge(
            &sandboxed,
            &request,
            &PreflightCache::new(),
            Duration::ZERO,
            &Exchange::preflighted(granted.clone(), answered.clone()),
        );
        assert!(matches!(first.outcome, Outcome::Allowed(_)), "{engine}");
        let again = oracle.plan(&sandboxed, &request, &first.cache, Duration::from_secs(1));
        // The standard keys the cache by the serialized origin, `null` included.
        let standard = engine.caches_preflights_for_opaque_origins();
        assert_eq!(again.preflight.is_none(), standard, "{engine}");
        assert_eq!(standard, engine != Engine::Chromium, "{engine}");
    }
}

#[test]
fn cache_credentialed_entry_serves_uncredentialed() {
    let oracle = chromium();
    let credentialed = Request::fetch("PUT", API).credentials(CredentialsMode::Include);
    let first = oracle.judge(
        &page(),
        &credentialed,
        &PreflightCache::new(),
        Duration::ZERO,
        &Exchange::preflighted(
            preflight_ok("PUT", "").header("Access-Control-Allow-Credentials", "true"),
            allow_credentials(200),
        ),
    );
    assert!(first.is_allowed());
    let plain = Request::fetch("PUT", API).credentials(CredentialsMode::Omit);
    assert!(oracle.plan(&page(), &plain, &first.cache, Duration::from_secs(1)).preflight.is_none());
}

#[test]
fn cache_uncredentialed_entry_does_not_serve_credentialed() {
    let oracle = chromium();
    let plain = Request::fetch("PUT", API);
    let first = oracle.judge(
        &page(),
        &plain,
        &PreflightCache::new(),
        Duration::ZERO,
        &Exchange::preflighted(preflight_ok("PUT", ""), allow(200)),
    );
    let credentialed = plain.credentials(CredentialsMode::Include);
    assert!(oracle.plan(&page(), &credentialed, &first.cache, Duration::from_secs(1)).preflight.is_some());
}

#[test]
fn cache_wildcard_header_entry_never_matches_authorization() {
    let first_request = Request::get(API).header("X-A", "1");
    let grant = Exchange::preflighted(preflight_ok("GET", "*"), allow(200));
    let with_auth = Request::get(API).header("Authorization", "Bearer t");
    let oracle = chromium();
    let first = oracle.judge(&page(), &first_request, &PreflightCache::new(), Duration::ZERO, &grant);
    assert!(first.cache.entries().iter().any(|e| e.key == CacheKey::Header("*".into())));
    let plan = oracle.plan(&page(), &with_auth, &first.cache, Duration::from_secs(1));
    assert_eq!(plan.preflight.unwrap().request_headers.as_deref(), Some("authorization"));
    // WebKit checks a cached result as it judges a fresh one: the cached `*` covers it.
    let webkit = Oracle::new(Engine::WebKit);
    let first = webkit.judge(&page(), &first_request, &PreflightCache::new(), Duration::ZERO, &grant);
    let plan = webkit.plan(&page(), &with_auth, &first.cache, Duration::from_secs(1));
    assert!(plan.preflight.is_none() && plan.preflight_cached);
}

#[test]
fn cache_cleared_after_failed_cors_check_on_preflighted_request() {
    let oracle = Oracle::new(Engine::Firefox);
    let request = Request::fetch("PUT", API);
    let grant =
        Exchange::preflighted(preflight_ok("PUT", "").header("Access-Control-Max-Age", "600"), allow(200));
    let first = oracle.judge(&page(), &request, &PreflightCache::new(), Duration::ZERO, &grant);
    assert!(!first.cache.is_empty());
    // Cached: the PUT goes straight out, and its response fails the CORS check.
    let second = oracle.judge(
        &page(),
        &request,
        &first.cache,
        Duration::from_secs(1),
        &Exchange::single(Response::new(200)),
    );
    assert_eq!(kinds(&second), [RequestKind::Actual]);
    assert_eq!(reason(&second), Reason::MissingAllowOrigin);
    assert!(second.cache.is_empty());
    // Chromium and WebKit keep the entry: a repeat within Max-Age still goes without a preflight.
    for engine in [Engine::Chromium, Engine::WebKit] {
        let oracle = Oracle::new(engine);
        let first = oracle.judge(&page(), &request, &PreflightCache::new(), Duration::ZERO, &grant);
        let second = oracle.judge(
            &page(),
            &request,
            &first.cache,
            Duration::from_secs(1),
            &Exchange::single(Response::new(200)),
        );
        assert_eq!(reason(&second), Reason::MissingAllowOrigin, "{engine}");
        assert!(!second.cache.is_empty(), "{engine}");
    }
}

#[test]
fn cache_kept_when_a_request_it_does_not_cover_fails_its_preflight_except_in_webkit() {
    let put = Request::fetch("PUT", API);
    let grant =
        Exchange::preflighted(preflight_ok("PUT", "").header("Access-Control-Max-Age", "600"), allow(200));
    let delete = Request::fetch("DELETE", API);
    let refused = Exchange::preflighted(preflight_ok("PUT", ""), allow(200));
    let put_cached_after_refused_delete = |engine: Engine| {
        let oracle = Oracle::new(engine);
        let first = oracle.judge(&page(), &put, &PreflightCache::new(), Duration::ZERO, &grant);
        let second = oracle.judge(&page(), &delete, &first.cache, Duration::from_secs(1), &refused);
        assert_eq!(reason(&second), Reason::MethodNotAllowed { method: "DELETE".into() }, "{engine}");
        oracle.plan(&page(), &put, &second.cache, Duration::from_secs(2)).preflight.is_none()
    };
    // Chromium keeps the PUT entry through the failed DELETE preflight.
    assert!(put_cached_after_refused_delete(Engine::Chromium));
    // WebKit's canSkipPreflight drops the entry that did not cover the DELETE before its
    // preflight went out: the PUT preflights again.
    assert!(!put_cached_after_refused_delete(Engine::WebKit));
}

// ----- CORS-filtered response -----

#[test]
fn cors_response_exposes_safelisted_and_listed_headers_only() {
    let response = allow(200)
        .header("Content-Type", "application/json")
        .header("X-Total", "9")
        .header("X-Hidden", "1")
        .header("Set-Cookie", "s=1")
        .header("Access-Control-Expose-Headers", "X-Total, Set-Cookie");
    let verdict = judge(&Request::get(API), Exchange::single(response));
    let names: Vec<String> = verdict
        .response()
        .unwrap()
        .headers
        .iter()
        .map(|h| String::from_utf8_lossy(&h.name).to_lowercase())
        .collect();
    assert_eq!(names, ["content-type", "x-total"]);
}

#[test]
fn wildcard_expose_headers_ignored_with_credentials() {
    let response = allow_credentials(200).header("X-Total", "9").header("Access-Control-Expose-Headers", "*");
    let request = Request::get(API).credentials(CredentialsMode::Include);
    let verdict = judge(&request, Exchange::single(response.clone()));
    assert!(!verdict.response().unwrap().headers.iter().any(|h| h.is("x-total")));
    let verdict = judge(&Request::get(API), Exchange::single(response));
    assert!(verdict.response().unwrap().headers.iter().any(|h| h.is("x-total")));
}

// ----- Redirects -----

fn redirect(status: u16, location: &str) -> Response {
    allow(status).header("Location", location)
}

#[test]
fn redirect_every_hop_must_pass_the_cors_check() {
    let hop = Response::new(302).header("Location", "https://api.test/b");
    let verdict = judge(&Request::get(API), Exchange::single(hop).response(allow(200)));
    assert_eq!(reason(&verdict), Reason::MissingAllowOrigin);
    assert_eq!(verdict.requests.len(), 1);
}

#[test]
fn redirect_same_origin_hops_keep_the_page_origin() {
    let verdict = judge(&Request::get(API), Exchange::single(redirect(307, "/b")).response(allow(200)));
    assert!(verdict.is_allowed());
    assert_eq!(&*verdict.requests[1].url, "https://api.test/b");
    assert_eq!(verdict.requests[1].origin.as_deref(), Some(APP));
    let response = verdict.response().unwrap();
    assert!(response.redirected);
    assert_eq!(&*response.url, "https://api.test/b");
}

#[test]
fn tainted_redirect_sends_origin_null() {
    let verdict =
        judge(&Request::get(API), Exchange::single(redirect(302, "https://cdn.test/x")).response(allow(200)));
    assert_eq!(verdict.requests[1].origin.as_deref(), Some("null"));
    assert_eq!(reason(&verdict), Reason::AllowOriginMismatch { value: APP.into() });
    let block = verdict.block().unwrap();
    assert!(block.console_message(Engine::Chromium).contains("(redirected from 'https://api.test/items/1')"));
    assert_eq!(block.policy.origin, "null");
}

#[test]
fn tainted_redirect_final_server_must_answer_acao_null_or_wildcard() {
    let exchange = |acao: &str| {
        Exchange::single(redirect(302, "https://cdn.test/x"))
            .response(Response::new(200).header("Access-Control-Allow-Origin", acao))
    };
    assert!(judge(&Request::get(API), exchange("null")).is_allowed());
    assert!(judge(&Request::get(API), exchange("*")).is_allowed());
}

#[test]
fn redirect_from_page_origin_to_cross_origin_is_not_tainted() {
    let verdict = judge(
        &Request::get("https://app.test/go"),
        Exchange::single(Response::new(302).header("Location", API)).response(allow(200)),
    );
    assert!(verdict.is_allowed(), "{:?}", verdict.outcome);
    assert_eq!(verdict.requests[0].origin, None);
    assert_eq!(verdict.requests[1].origin.as_deref(), Some(APP));
}

#[test]
fn redirect_back_to_page_origin_stays_cors_and_tainted() {
    let verdict = judge(
        &Request::get(API),
        Exchange::single(redirect(302, "https://app.test/back")).response(Response::new(200)),
    );
    assert_eq!(verdict.requests[1].origin.as_deref(), Some("null"));
    assert_eq!(reason(&verdict), Reason::MissingAllowOrigin);
}

#[test]
fn redirect_301_302_turn_post_into_get_and_drop_body_headers() {
    for status in [301, 302] {
        let request = Request::fetch("POST", API).body(Body::Text);
        let verdict = judge(&request, Exchange::single(redirect(status, "/b")).response(allow(200)));
        assert_eq!(verdict.requests[1].method, "GET");
        assert!(!verdict.requests[1].headers.iter().any(|h| h.is("content-type")));
    }
}

#[test]
fn redirect_303_turns_put_into_get() {
    let request = Request::fetch("PUT", API);
    let verdict = judge(
        &request,
        Exchange::preflighted(preflight_ok("PUT", ""), redirect(303, "/b")).response(allow(200)),
    );
    assert_eq!(verdict.requests[2].method, "GET");
    assert!(verdict.is_allowed());
}

#[test]
fn redirect_307_keeps_method_and_preflights_the_new_url() {
    let request = Request::fetch("PUT", API);
    let exchange = Exchange::new()
        .preflight(preflight_ok("PUT", ""))
        .preflight(preflight_ok("PUT", ""))
        .response(redirect(307, "https://api.test/other"))
        .response(allow(200));
    let verdict = judge(&request, exchange);
    assert!(verdict.is_allowed(), "{:?}", verdict.outcome);
    assert_eq!(
        kinds(&verdict),
        [RequestKind::Preflight, RequestKind::Actual, RequestKind::Preflight, RequestKind::Actual]
    );
    assert_eq!(verdict.requests[3].method, "PUT");
}

#[test]
fn cross_origin_redirect_drops_authorization() {
    let request = Request::get(API).header("Authorization", "Bearer t");
    let exchange = Exchange::new()
        .preflight(preflight_ok("GET", "authorization"))
        .response(redirect(302, "https://cdn.test/x"))
        .response(Response::new(200).header("Access-Control-Allow-Origin", "*"));
    let verdict = judge(&request, exchange);
    assert!(verdict.is_allowed(), "{:?}", verdict.outcome);
    assert!(verdict.requests[1].headers.iter().any(|h| h.is("authorization")));
    assert!(!verdict.requests[2].headers.iter().any(|h| h.is("authorization")));
}

#[test]
fn redirect_to_userinfo_url_fails_when_cross_origin() {
    let verdict = judge(
        &Request::get(API),
        Exchange::single(redirect(302, "https://user:pw@cdn.test/x")).response(allow(200)),
    );
    assert!(matches!(reason(&verdict), Reason::RedirectContainsCredentials { .. }));
}

#[test]
fn redirect_limit_is_twenty() {
    let mut exchange = Exchange::new();
    for _ in 0..21 {
        exchange = exchange.response(redirect(302, "/loop"));
    }
    let verdict = judge(&Request::get(API), exchange.clone().response(allow(200)));
    assert_eq!(verdict.outcome, Outcome::NetworkError(NetworkError::TooManyRedirects));
    assert_eq!(verdict.requests.len(), 21);
    let mut twenty = Exchange::new();
    for _ in 0..20 {
        twenty = twenty.response(redirect(302, "/loop"));
    }
    assert!(judge(&Request::get(API), twenty.response(allow(200))).is_allowed());
}

#[test]
fn redirect_only_to_http_schemes() {
    let verdict = judge(&Request::get(API), Exchange::single(redirect(302, "data:text/plain,hi")));
    assert!(matches!(verdict.outcome, Outcome::NetworkError(NetworkError::RedirectToNonHttpScheme { .. })));
}

#[test]
fn redirect_mode_error_and_manual() {
    let hop = || Exchange::single(redirect(302, "/b"));
    let error = Request::get(API).redirect(RedirectMode::Error);
    assert_eq!(judge(&error, hop()).outcome, Outcome::NetworkError(NetworkError::RedirectModeError));
    let manual = Request::get(API).redirect(RedirectMode::Manual);
    assert_eq!(judge(&manual, hop()).outcome, Outcome::OpaqueRedirect);
}

#[test]
fn stream_body_cannot_follow_307() {
    let request = Request::fetch("POST", API).body(Body::Stream);
    let verdict = judge(&request, Exchange::preflighted(preflight_ok("POST", ""), redirect(307, "/b")));
    assert_eq!(verdict.outcome, Outcome::NetworkError(NetworkError::StreamBodyRedirect));
}

#[test]
fn same_origin_request_redirected_cross_origin_is_cors_checked() {
    let request = Request::get("https://app.test/go");
    let verdict = judge(
        &request,
        Exchange::single(Response::new(302).header("Location", API)).response(Response::new(200)),
    );
    assert_eq!(reason(&verdict), Reason::MissingAllowOrigin);
}

#[test]
fn same_origin_mode_redirect_to_cross_origin_is_a_network_error() {
    let request = Request::get("https://app.test/go").mode(RequestMode::SameOrigin);
    let verdict = judge(&request, Exchange::single(Response::new(302).header("Location", API)));
    assert_eq!(verdict.outcome, Outcome::NetworkError(NetworkError::SameOriginModeCrossOrigin));
}

// ----- Caches and Vary; misconfigurations -----

#[test]
fn reflected_origin_without_vary_origin_warns() {
    let response = Response::new(200).header("Access-Control-Allow-Origin", APP);
    let verdict = judge(&Request::get(API), Exchange::single(response));
    assert!(verdict.is_allowed());
    assert_eq!(verdict.warnings, [Warning::MissingVaryOrigin { url: API.into() }]);
    let verdict = judge(&Request::get(API), Exchange::single(allow(200)));
    assert!(verdict.warnings.is_empty());
}

#[test]
fn opaque_page_origin_sends_null_and_trusting_null_lets_it_read() {
    let sandboxed = Origin::opaque();
    let response = Response::new(200)
        .header("Access-Control-Allow-Origin", "null")
        .header("Access-Control-Allow-Credentials", "true");
    let request = Request::get(API).credentials(CredentialsMode::Include);
    let verdict = chromium().judge_once(&sandboxed, &request, &Exchange::single(response));
    assert_eq!(verdict.requests[0].origin.as_deref(), Some("null"));
    assert!(verdict.is_allowed());
}

#[test]
fn no_response_is_a_network_error() {
    let verdict = judge(&Request::get(API), Exchange::new());
    assert_eq!(verdict.outcome, Outcome::NetworkError(NetworkError::NoResponse));
}

#[test]
fn state_machine_matches_recorded_judge() {
    let request = Request::fetch("PUT", API).header("X-A", "1");
    let preflight = preflight_ok("PUT", "x-a");
    let actual = allow(200);
    let mut step = chromium().plan(&page(), &request, &PreflightCache::new(), Duration::ZERO).start();
    let stepped = loop {
        match step {
            Step::Send(fetch) => {
                let response = match fetch.request().kind {
                    RequestKind::Preflight => &preflight,
                    RequestKind::Actual => &actual,
                };
                step = fetch.on_response(response);
            }
            Step::Done(verdict) => break verdict,
        }
    };
    let recorded = judge(&request, Exchange::preflighted(preflight.clone(), actual.clone()));
    assert_eq!(stepped, recorded);
}

#[test]
fn every_engine_words_blocks_differently_but_non_empty() {
    let verdict = judge(&Request::get(API), Exchange::single(Response::new(200)));
    let block = verdict.block().unwrap();
    let firefox = block.console_message(Engine::Firefox);
    assert_eq!(
        firefox,
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote \
         resource at https://api.test/items/1. (Reason: CORS header \
         ‘Access-Control-Allow-Origin’ missing). Status code: 200."
    );
    assert!(
        block
            .console_message(Engine::WebKit)
            .ends_with("Fetch API cannot load https://api.test/items/1 due to access control checks.")
    );
}

// ----- Mixed content -----

#[test]
fn mixed_content_https_page_to_http_url_is_a_network_error() {
    let verdict = judge(&Request::get("http://api.test/items/1"), Exchange::single(allow(200)));
    assert_eq!(
        verdict.outcome,
        Outcome::NetworkError(NetworkError::MixedContent { url: "http://api.test/items/1".into() })
    );
    assert!(verdict.requests.is_empty(), "nothing is sent");
}

#[test]
fn mixed_content_spares_loopback_urls() {
    for url in ["http://localhost:8001/x", "http://127.0.0.1:8001/x", "http://a.localhost/x"] {
        let response = Response::new(200).header("Access-Control-Allow-Origin", "*");
        let verdict = judge(&Request::get(url), Exchange::single(response.clone()));
        assert!(verdict.is_allowed(), "{url}: {:?}", verdict.outcome);
        // WebKit counts loopback URLs as trustworthy only over https: blocked, nothing sent.
        let webkit =
            Oracle::new(Engine::WebKit).judge_once(&page(), &Request::get(url), &Exchange::single(response));
        assert!(matches!(webkit.outcome, Outcome::NetworkError(NetworkError::MixedContent { .. })), "{url}");
        assert!(webkit.requests.is_empty(), "{url}");
    }
    let https = Response::new(200).header("Access-Control-Allow-Origin", "*");
    let webkit = Oracle::new(Engine::WebKit).judge_once(
        &page(),
        &Request::get("https://localhost:8443/x"),
        &Exchange::single(https),
    );
    assert!(webkit.is_allowed(), "{:?}", webkit.outcome);
}

#[test]
fn mixed_content_redirect_to_http_is_a_network_error() {
    let redirect = allow(302).header("Location", "http://api.test/next");
    let verdict = judge(&Request::get(API), Exchange::single(redirect));
    assert_eq!(
        verdict.outcome,
        Outcome::NetworkError(NetworkError::MixedContent { url: "http://api.test/next".into() })
    );
}
