//! Grouping a HAR's entries into cross-origin fetches: preflights, redirects, page origins.

mod support;

use corsproof_har::fetches::{OriginSource, Skipped, fetches};
use corsproof_har::read::read;
use serde_json::json;
use support::{APP, entry, har, with};

const ORIGIN: (&str, &str) = ("Origin", APP);

fn preflight(url: &str, method: &str) -> serde_json::Value {
    entry("OPTIONS", url, &[ORIGIN, ("Access-Control-Request-Method", method)], 204, &[])
}

#[test]
fn a_chromium_preflight_listed_after_its_request_is_paired_with_it() {
    let text = har(
        "WebInspector",
        vec![
            entry("PUT", "https://api.example.com/a", &[ORIGIN], 0, &[]),
            with(
                entry("OPTIONS", "https://api.example.com/a", &[ORIGIN], 204, &[]),
                "_resourceType",
                json!("preflight"),
            ),
        ],
    );
    let grouped = fetches(&read(&text).expect("a HAR"));
    assert_eq!(grouped.cross_origin.len(), 1);
    assert_eq!(grouped.cross_origin[0].preflights, [1]);
    assert_eq!(grouped.cross_origin[0].hops, [0]);
    assert_eq!(grouped.cross_origin[0].entries(), [0, 1]);
}

#[test]
fn each_request_takes_the_preflight_for_its_own_method() {
    let url = "https://api.example.com/a";
    let text = har(
        "Firefox",
        vec![
            preflight(url, "PUT"),
            preflight(url, "DELETE"),
            entry("DELETE", url, &[ORIGIN], 200, &[]),
            entry("PUT", url, &[ORIGIN], 200, &[]),
        ],
    );
    let grouped = fetches(&read(&text).expect("a HAR"));
    let pairs: Vec<(Vec<usize>, Vec<usize>)> =
        grouped.cross_origin.iter().map(|fetch| (fetch.preflights.clone(), fetch.hops.clone())).collect();
    // In the order they started: the PUT's preflight was first.
    assert_eq!(pairs, [(vec![0], vec![3]), (vec![1], vec![2])]);
}

#[test]
fn redirect_hops_are_chained_by_redirect_url_or_location() {
    let text = har(
        "Firefox",
        vec![
            with(
                entry("GET", "https://api.example.com/old", &[ORIGIN], 301, &[]),
                "response.redirectURL",
                json!("https://cdn.example.net/new"),
            ),
            entry(
                "GET",
                "https://cdn.example.net/new",
                &[("Origin", "null")],
                307,
                &[("Location", "/final")],
            ),
            entry("GET", "https://cdn.example.net/final", &[("Origin", "null")], 200, &[]),
        ],
    );
    let grouped = fetches(&read(&text).expect("a HAR"));
    assert_eq!(grouped.cross_origin.len(), 1, "{grouped:?}");
    assert_eq!(grouped.cross_origin[0].hops, [0, 1, 2]);
}

#[test]
fn a_same_origin_request_redirected_to_another_origin_is_cross_origin() {
    let text = har(
        "Firefox",
        vec![
            entry(
                "GET",
                "https://app.example.com/go",
                &[("Referer", "https://app.example.com/page")],
                302,
                &[("Location", "https://api.example.com/x")],
            ),
            entry("GET", "https://api.example.com/x", &[("Origin", "null")], 200, &[]),
            entry(
                "GET",
                "https://app.example.com/style.css",
                &[("Referer", "https://app.example.com/page")],
                200,
                &[],
            ),
        ],
    );
    let grouped = fetches(&read(&text).expect("a HAR"));
    assert_eq!(grouped.cross_origin.len(), 1);
    assert_eq!(grouped.cross_origin[0].origin_source, OriginSource::Referer);
    assert_eq!(grouped.cross_origin[0].hops, [0, 1]);
    assert_eq!(grouped.skipped, [(2, Skipped::SameOrigin)]);
}

#[test]
fn a_preflight_with_no_request_is_a_fetch_the_browser_never_sent() {
    let text = har("Firefox", vec![preflight("https://api.example.com/a", "PATCH")]);
    let grouped = fetches(&read(&text).expect("a HAR"));
    assert_eq!(grouped.cross_origin.len(), 1);
    assert!(grouped.cross_origin[0].hops.is_empty());
    assert_eq!(grouped.cross_origin[0].page_origin.serialize(), APP);
}

#[test]
fn the_page_origin_comes_from_the_page_when_nothing_else_says() {
    let xhr = with(entry("GET", "https://api.example.com/a", &[], 200, &[]), "_resourceType", json!("xhr"));
    let mut value: serde_json::Value =
        serde_json::from_str(&har("WebInspector", vec![with(xhr, "pageref", json!("p1"))])).expect("JSON");
    value["log"]["pages"] =
        json!([{"id": "p1", "title": "https://app.example.com/shop", "startedDateTime": ""}]);
    let grouped = fetches(&read(&value.to_string()).expect("a HAR"));
    assert_eq!(grouped.cross_origin[0].origin_source, OriginSource::Page);
    assert_eq!(grouped.cross_origin[0].page_origin.serialize(), APP);
}

#[test]
fn entries_that_are_not_cors_requests_or_have_no_page_are_skipped_and_said() {
    let text = har(
        "WebInspector",
        vec![
            with(entry("GET", "https://api.example.com/a", &[], 200, &[]), "_resourceType", json!("fetch")),
            entry("GET", "data:text/plain,hi", &[], 200, &[]),
            entry(
                "GET",
                "https://cdn.example.net/logo.png",
                &[("Referer", "https://app.example.com/")],
                200,
                &[],
            ),
            with(
                entry("POST", "https://pay.example.net/form", &[ORIGIN], 303, &[]),
                "_resourceType",
                json!("document"),
            ),
        ],
    );
    let grouped = fetches(&read(&text).expect("a HAR"));
    assert!(grouped.cross_origin.is_empty(), "{grouped:?}");
    assert_eq!(
        grouped.skipped,
        [(0, Skipped::NoPageOrigin), (1, Skipped::NotHttp), (2, Skipped::NotCors), (3, Skipped::NotCors)]
    );
}

#[test]
fn urls_are_compared_once_parsed() {
    let text = har(
        "Firefox",
        vec![
            preflight("https://API.example.com:443", "PUT"),
            entry("PUT", "https://api.example.com/", &[ORIGIN], 200, &[]),
        ],
    );
    let grouped = fetches(&read(&text).expect("a HAR"));
    assert_eq!(grouped.cross_origin.len(), 1, "{grouped:?}");
    assert_eq!(grouped.cross_origin[0].preflights, [0]);
}

#[test]
fn chromiums_preflight_initiator_marks_a_preflight() {
    let text = har(
        "WebInspector",
        vec![
            with(
                entry("OPTIONS", "https://api.example.com/a", &[ORIGIN], 204, &[]),
                "_initiator",
                json!({"type": "preflight", "url": "https://api.example.com/a"}),
            ),
            entry("DELETE", "https://api.example.com/a", &[ORIGIN], 204, &[]),
        ],
    );
    let grouped = fetches(&read(&text).expect("a HAR"));
    assert_eq!(grouped.cross_origin.len(), 1, "{grouped:?}");
    assert_eq!(
        (grouped.cross_origin[0].preflights.clone(), grouped.cross_origin[0].hops.clone()),
        (vec![0], vec![1])
    );
}
