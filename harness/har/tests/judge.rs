//! Each fetch judged as its engine, with the engines' quirks: a cached preflight, a blocked
//! response recorded as status 0, a sanitized `Authorization`, the engine read from the file.

mod support;

use corsproof_har::fetches::fetches;
use corsproof_har::judge::{Did, Note, Recorded, judge, recorder};
use corsproof_har::read::read;
use corsproof_oracle::Engine;
use serde_json::json;
use support::{APP, CHROME_UA, SAFARI_UA, entry, har, with};

const ORIGIN: (&str, &str) = ("Origin", APP);
const ALLOW: (&str, &str) = ("Access-Control-Allow-Origin", APP);

fn judged(text: &str, engine: Engine) -> Vec<corsproof_har::judge::Judgement> {
    let har = read(text).expect("a HAR");
    fetches(&har).cross_origin.iter().map(|fetch| judge(&har, fetch, engine)).collect()
}

#[test]
fn the_engine_is_read_from_the_creator_and_the_user_agent() {
    let with_agent = |creator: &str, agent: &str| {
        har(creator, vec![entry("GET", "https://a.example/", &[("User-Agent", agent)], 200, &[])])
    };
    let engine = |text: String| recorder(&read(&text).expect("a HAR")).map(|found| found.engine);
    assert_eq!(engine(with_agent("WebInspector", CHROME_UA)), Some(Engine::Chromium));
    assert_eq!(engine(with_agent("WebInspector", SAFARI_UA)), Some(Engine::WebKit));
    assert_eq!(engine(with_agent("WebKit Web Inspector", SAFARI_UA)), Some(Engine::WebKit));
    assert_eq!(engine(har("WebKit Web Inspector", vec![])), Some(Engine::WebKit));
    assert_eq!(engine(har("WebInspector", vec![])), Some(Engine::Chromium));
    assert_eq!(engine(har("Firefox", vec![])), Some(Engine::Firefox));
    assert_eq!(engine(har("some proxy", vec![])), None);
    let found = recorder(&read(&with_agent("WebInspector", SAFARI_UA)).expect("a HAR")).expect("found");
    assert_eq!(found.evidence, "creator WebInspector 1, User-Agent Version/18.2 Safari/605.1.15");
}

#[test]
fn a_missing_allow_origin_is_blocked_in_each_engines_words() {
    let text = har("Firefox", vec![entry("GET", "https://api.example.com/a", &[ORIGIN], 200, &[])]);
    for engine in Engine::ALL {
        let judgement = &judged(&text, engine)[0];
        assert_eq!(judgement.did(), Did::Blocked);
        assert_eq!(judgement.recorded, Recorded::Response { status: 200 });
        assert!(!judgement.disagrees());
        let console = judgement.verdict.explain(engine).expect("a console line");
        let words = match engine {
            Engine::Chromium => "No 'Access-Control-Allow-Origin' header is present",
            Engine::Firefox => "CORS header ‘Access-Control-Allow-Origin’ missing",
            Engine::WebKit => "due to access control checks",
        };
        assert!(console.contains(words), "{engine:?}: {console}");
    }
}

#[test]
fn a_request_that_needs_a_preflight_and_has_none_was_served_by_the_preflight_cache() {
    let text = har(
        "Firefox",
        vec![entry("DELETE", "https://api.example.com/a", &[ORIGIN, ("X-Token", "1")], 200, &[ALLOW])],
    );
    let judgement = &judged(&text, Engine::Firefox)[0];
    assert_eq!(judgement.notes, [Note::PreflightCached]);
    assert_eq!(judgement.did(), Did::Allowed);
}

#[test]
fn headers_the_browser_adds_do_not_make_a_simple_request_preflighted() {
    let text = har(
        "WebInspector",
        vec![entry(
            "GET",
            "https://api.example.com/a",
            &[
                (":authority", "api.example.com"),
                ORIGIN,
                ("User-Agent", CHROME_UA),
                ("sec-fetch-mode", "cors"),
                ("Accept-Encoding", "gzip"),
                ("Cache-Control", "no-cache"),
                ("Pragma", "no-cache"),
                ("Priority", "u=1, i"),
            ],
            200,
            &[ALLOW],
        )],
    );
    let judgement = &judged(&text, Engine::Chromium)[0];
    assert!(judgement.notes.is_empty(), "{:?}", judgement.notes);
    assert_eq!(judgement.did(), Did::Allowed);
}

#[test]
fn a_chromium_failure_with_no_response_after_a_passing_preflight_is_not_judged_from_nothing() {
    let text = har(
        "WebInspector",
        vec![
            with(
                with(
                    entry(
                        "PUT",
                        "https://api.example.com/a",
                        &[ORIGIN, ("Content-Type", "application/json")],
                        0,
                        &[],
                    ),
                    "response._error",
                    json!("net::ERR_FAILED"),
                ),
                "_resourceType",
                json!("fetch"),
            ),
            with(
                entry(
                    "OPTIONS",
                    "https://api.example.com/a",
                    &[
                        ORIGIN,
                        ("Access-Control-Request-Method", "PUT"),
                        ("Access-Control-Request-Headers", "content-type"),
                    ],
                    204,
                    &[
                        ALLOW,
                        ("Access-Control-Allow-Methods", "PUT"),
                        ("Access-Control-Allow-Headers", "content-type"),
                    ],
                ),
                "_resourceType",
                json!("preflight"),
            ),
        ],
    );
    let judgement = &judged(&text, Engine::Chromium)[0];
    assert_eq!(judgement.recorded, Recorded::Failed { error: "net::ERR_FAILED".into(), status: 0 });
    assert_eq!(judgement.did(), Did::NoResponseRecorded);
    assert!(judgement.failed());
    assert!(!judgement.disagrees());
}

#[test]
fn an_error_on_a_response_the_oracle_allows_is_a_disagreement() {
    let text = har(
        "WebInspector",
        vec![with(
            entry("GET", "https://api.example.com/a", &[ORIGIN], 200, &[ALLOW]),
            "response._error",
            json!("net::ERR_FAILED"),
        )],
    );
    let judgement = &judged(&text, Engine::Chromium)[0];
    assert_eq!(judgement.did(), Did::Allowed);
    assert!(judgement.disagrees());
}

#[test]
fn a_sanitized_authorization_is_taken_from_the_preflight() {
    let text = har(
        "WebInspector",
        vec![
            entry(
                "OPTIONS",
                "https://api.example.com/a",
                &[
                    ORIGIN,
                    ("Access-Control-Request-Method", "GET"),
                    ("Access-Control-Request-Headers", "authorization"),
                ],
                204,
                &[ALLOW, ("Access-Control-Allow-Headers", "*")],
            ),
            entry("GET", "https://api.example.com/a", &[ORIGIN], 200, &[ALLOW]),
        ],
    );
    let judgement = &judged(&text, Engine::Chromium)[0];
    assert_eq!(judgement.notes, [Note::HeaderOnlyInPreflight("authorization".into())]);
    // Chromium lets `*` cover Authorization on a fresh preflight, with a deprecation warning.
    assert_eq!(judgement.did(), Did::Allowed);
    assert!(!judgement.verdict.warnings.is_empty());
}

#[test]
fn cookies_make_the_request_credentialed() {
    let text = har(
        "Firefox",
        vec![entry(
            "GET",
            "https://api.example.com/a",
            &[ORIGIN, ("Cookie", "session=1")],
            200,
            &[("Access-Control-Allow-Origin", "*")],
        )],
    );
    let judgement = &judged(&text, Engine::Firefox)[0];
    assert!(judgement.credentials);
    assert_eq!(judgement.did(), Did::Blocked);
    let block = judgement.verdict.block().expect("a block");
    assert!(
        block.console_message(Engine::Firefox).contains("‘*’"),
        "{}",
        block.console_message(Engine::Firefox)
    );
}

#[test]
fn a_refused_preflight_alone_is_blocked_at_the_preflight_and_not_sent() {
    let text = har(
        "Firefox",
        vec![entry(
            "OPTIONS",
            "https://api.example.com/a",
            &[ORIGIN, ("Access-Control-Request-Method", "PATCH")],
            204,
            &[ALLOW],
        )],
    );
    let judgement = &judged(&text, Engine::Firefox)[0];
    assert_eq!(judgement.method, "PATCH");
    assert_eq!(judgement.recorded, Recorded::NotSent);
    assert_eq!(judgement.did(), Did::BlockedAtPreflight, "{:?}", judgement.verdict);
}

#[test]
fn chromiums_refused_response_with_headers_but_status_0_is_judged_on_its_headers() {
    let text = har(
        "WebInspector",
        vec![with(
            entry("GET", "https://api.example.com/a", &[ORIGIN], 0, &[("Content-Type", "text/plain")]),
            "response._error",
            json!("net::ERR_FAILED"),
        )],
    );
    let judgement = &judged(&text, Engine::Chromium)[0];
    assert_eq!(judgement.notes, [Note::StatusNotRecorded(0)]);
    assert_eq!(judgement.did(), Did::Blocked);
    let class = Engine::Chromium.console().class_of(&judgement.verdict.block().expect("a block").reason);
    assert_eq!(class.name(), "missing-allow-origin");
}

#[test]
fn a_wildcard_failure_without_cookies_is_judged_credentialed() {
    let wildcard = [("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Credentials", "true")];
    let failed = har(
        "WebInspector",
        vec![with(
            entry("GET", "https://api.example.com/a", &[ORIGIN], 0, &wildcard),
            "response._error",
            json!("net::ERR_FAILED"),
        )],
    );
    let judgement = &judged(&failed, Engine::Chromium)[0];
    assert!(judgement.notes.contains(&Note::CredentialsInferred), "{:?}", judgement.notes);
    assert!(judgement.credentials);
    assert_eq!(judgement.did(), Did::Blocked);

    // Recorded as received (Firefox keeps the response): allowed, with what credentials would do.
    let received = har("Firefox", vec![entry("GET", "https://api.example.com/a", &[ORIGIN], 200, &wildcard)]);
    let judgement = &judged(&received, Engine::Firefox)[0];
    assert_eq!(judgement.did(), Did::Allowed);
    assert!(
        matches!(&judgement.notes[..], [Note::BlockedIfCredentialed(console)] if console.contains("Credential is not supported")),
        "{:?}",
        judgement.notes
    );
}

#[test]
fn webkit_lists_no_preflights_so_a_missing_one_is_not_a_cache_hit() {
    let text = har(
        "WebKit Web Inspector",
        vec![with(
            entry(
                "GET",
                "https://api.example.com/a",
                &[ORIGIN, ("X-Custom", "1"), ("User-Agent", SAFARI_UA)],
                0,
                &[],
            ),
            "response._error",
            json!("Request header field X-Custom is not allowed by Access-Control-Allow-Headers."),
        )],
    );
    let judgement = &judged(&text, Engine::WebKit)[0];
    assert_eq!(judgement.notes, [Note::PreflightNotRecorded]);
    assert_eq!(judgement.did(), Did::NoResponseRecorded);
}
