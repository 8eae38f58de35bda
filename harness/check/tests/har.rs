//! A check as a HAR file ([`Checked::to_har`]), against the mock origins: valid HAR 1.2, each
//! exchange an entry in order, the verdict on each.

mod mock;

use corsproof_check::{Checked, Probe};
use mock::start;

const PAGE: &str = "http://app.test:8000";

fn valid(checked: &Checked) -> corsproof_har::model::Har {
    let har = checked.to_har();
    let json = serde_json::to_value(&har).expect("serializes");
    assert_eq!(corsproof_har::spec::violations(&json), [], "{json:#}");
    har
}

#[tokio::test]
async fn a_redirected_request_is_each_hop_in_order_with_the_verdict() {
    let (server, checker) = start().await;
    let moved = mock::url(&server, "api", "/t/h2/moved?acao=origin");
    let escaped = moved.replace('&', "%26").replace('?', "%3F").replace('=', "%3D");
    let start_url = mock::url(&server, "api", &format!("/t/h1/start?acao=origin&location={escaped}"));
    let checked = checker.check(&Probe::new(start_url).origin(PAGE)).await.expect("checked");
    checked.assert_allowed();
    let har = valid(&checked);
    let hops: Vec<(u16, &str)> =
        har.log.entries.iter().map(|entry| (entry.response.status, entry.request.url.as_str())).collect();
    assert_eq!(hops.len(), 2, "{hops:?}");
    assert_eq!(hops[0].0 / 100, 3);
    assert_eq!(har.log.entries[0].response.redirect_url, moved);
    assert_eq!(hops[1], (200, moved.as_str()));
    for entry in &har.log.entries {
        assert_eq!(entry.request.header("origin"), Some(PAGE));
        let note = entry.corsproof.as_ref().expect("the verdict");
        assert_eq!((note.verdict.as_str(), note.reason.as_deref()), ("allowed", None));
    }
}

#[tokio::test]
async fn a_blocked_request_carries_the_reason_class_and_the_console_line() {
    let (server, checker) = start().await;
    let url = mock::url(&server, "api", "/t/h3/items");
    let checked = checker.check(&Probe::new(url).origin(PAGE)).await.expect("checked");
    let har = valid(&checked);
    let note = har.log.entries[0].corsproof.as_ref().expect("the verdict");
    assert_eq!(note.verdict, "blocked");
    assert_eq!(note.reason.as_deref(), Some("missing-allow-origin"));
    assert_eq!(note.message, checked.console_message());
    assert_eq!(har.log.entries[0].response.header("access-control-allow-origin"), None);
}

#[tokio::test]
async fn no_answer_is_status_0_with_why() {
    let (_server, checker) = start().await;
    let closed =
        std::net::TcpListener::bind("127.0.0.1:0").expect("a port").local_addr().expect("its address");
    let checked =
        checker.check(&Probe::new(format!("http://{closed}/x")).origin(PAGE)).await.expect("checked");
    let har = valid(&checked);
    let entry = &har.log.entries[0];
    assert_eq!(entry.response.status, 0);
    assert!(entry.response.error.as_deref().is_some_and(|why| why.contains("cannot connect")), "{entry:?}");
    assert_eq!(entry.corsproof.as_ref().map(|note| note.verdict.as_str()), Some("network-error"));
}
