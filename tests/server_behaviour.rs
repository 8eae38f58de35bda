//! Every behaviour the mock origins promise, over real sockets, on HTTP/1.1 and HTTP/2, plain and
//! TLS.

mod support;

use std::time::{Duration, Instant};

use corsproof_behaviour::{AllowOrigin, Behaviour, Reply};
use corsproof_server::MockServer;
use support::{Received, Transport, request, send, start};

const PAGE: &str = "http://app.test:1234";

/// `GET path` with an Origin, on every transport; calls `check` with each answer.
async fn on_every_transport(server: &MockServer, path: &str, check: impl Fn(Transport, &Received)) {
    for transport in Transport::ALL {
        let req = request(server, transport, "GET", path).header("origin", PAGE).body(String::new()).unwrap();
        let received =
            send(server, transport, req).await.unwrap_or_else(|e| panic!("{transport:?} {path}: {e:#}"));
        check(transport, &received);
    }
}

#[tokio::test]
async fn answers_on_http1_and_http2_plain_and_tls() {
    let server = start().await;
    on_every_transport(&server, "/t/versions/x", |transport, received| {
        let expected = if transport.is_h2() { http::Version::HTTP_2 } else { http::Version::HTTP_11 };
        assert_eq!(received.version, expected, "{transport:?}");
        assert_eq!(received.status, 200);
        assert_eq!(received.body, "ok");
    })
    .await;
    let versions: Vec<(&str, &str)> =
        server.journal().entries("versions").into_iter().map(|e| (e.scheme, e.version)).collect();
    assert_eq!(
        versions,
        [("http", "HTTP/1.1"), ("http", "HTTP/2"), ("https", "HTTP/1.1"), ("https", "HTTP/2")]
    );
}

#[tokio::test]
async fn allow_origin_is_absent_unless_asked_for() {
    let server = start().await;
    on_every_transport(&server, "/t/a/x", |t, r| {
        assert_eq!(r.one("access-control-allow-origin"), None, "{t:?}")
    })
    .await;
}

#[tokio::test]
async fn allow_origin_takes_every_form() {
    let server = start().await;
    let cases: [(&str, &[&str]); 6] = [
        ("acao=*", &["*"]),
        ("acao=origin", &[PAGE]),
        ("acao=null", &["null"]),
        ("acao=http%3A%2F%2Fother.test", &["http://other.test"]),
        ("acao=http%3A%2F%2Fa.test%2C+http%3A%2F%2Fb.test", &["http://a.test, http://b.test"]),
        ("acao=origin&acao=*", &[PAGE, "*"]),
    ];
    for (query, expected) in cases {
        on_every_transport(&server, &format!("/t/acao/x?{query}"), |t, r| {
            assert_eq!(r.all("access-control-allow-origin"), expected, "{t:?} {query}");
        })
        .await;
    }
}

#[tokio::test]
async fn echoing_the_origin_sends_nothing_when_there_is_none() {
    let server = start().await;
    for transport in Transport::ALL {
        let req =
            request(&server, transport, "GET", "/t/no-origin/x?acao=origin").body(String::new()).unwrap();
        let received = send(&server, transport, req).await.unwrap();
        assert_eq!(received.one("access-control-allow-origin"), None, "{transport:?}");
    }
}

#[tokio::test]
async fn cors_headers_are_sent_exactly_as_written() {
    let server = start().await;
    let path = "/t/h/x?acac=TRUE&acam=PUT%2C+patch&acah=x-a%2Cx-b&aceh=*&max_age=abc&vary=Origin";
    on_every_transport(&server, path, |t, r| {
        assert_eq!(r.one("access-control-allow-credentials"), Some("TRUE"), "{t:?}");
        assert_eq!(r.one("access-control-allow-methods"), Some("PUT, patch"), "{t:?}");
        assert_eq!(r.one("access-control-allow-headers"), Some("x-a,x-b"), "{t:?}");
        assert_eq!(r.one("access-control-expose-headers"), Some("*"), "{t:?}");
        assert_eq!(r.one("access-control-max-age"), Some("abc"), "{t:?}");
        assert_eq!(r.one("vary"), Some("Origin"), "{t:?}");
    })
    .await;
}

#[tokio::test]
async fn status_headers_cookies_and_body() {
    let server = start().await;
    let path = "/t/s/x?status=503&header=X-Total%3A+42&header=Content-Type%3A+application%2Fjson\
                &cookie=sid%3D1%3B+SameSite%3DNone%3B+Secure&cookie=b%3D2&body=%7B%7D";
    on_every_transport(&server, path, |t, r| {
        assert_eq!(r.status, 503, "{t:?}");
        assert_eq!(r.one("x-total"), Some("42"), "{t:?}");
        assert_eq!(r.one("content-type"), Some("application/json"), "{t:?}");
        assert_eq!(r.all("set-cookie"), ["sid=1; SameSite=None; Secure", "b=2"], "{t:?}");
        assert_eq!(r.body, "{}", "{t:?}");
    })
    .await;
}

#[tokio::test]
async fn a_redirect_goes_anywhere_with_302_by_default() {
    let server = start().await;
    let target = server.origin("evil").unwrap().join("/t/hop2/y?acao=*");
    let encoded: String = form_urlencoded::byte_serialize(target.as_bytes()).collect();
    on_every_transport(&server, &format!("/t/hop1/x?location={encoded}"), |t, r| {
        assert_eq!(r.status, 302, "{t:?}");
        assert_eq!(r.one("location"), Some(target.as_str()), "{t:?}");
    })
    .await;
    on_every_transport(&server, &format!("/t/hop1/x?location={encoded}&status=307"), |t, r| {
        assert_eq!(r.status, 307, "{t:?}");
    })
    .await;
}

#[tokio::test]
async fn a_delay_holds_the_answer_back() {
    let server = start().await;
    for transport in Transport::ALL {
        let started = Instant::now();
        let req = request(&server, transport, "GET", "/t/d/x?delay_ms=300").body(String::new()).unwrap();
        let received = send(&server, transport, req).await.unwrap();
        assert_eq!(received.status, 200);
        assert!(started.elapsed() >= Duration::from_millis(300), "{transport:?} answered early");
    }
}

#[tokio::test]
async fn close_drops_the_connection_without_an_answer_but_journals_the_request() {
    let server = start().await;
    for transport in Transport::ALL {
        let req = request(&server, transport, "GET", "/t/closed/x?close=true").body(String::new()).unwrap();
        let outcome = send(&server, transport, req).await;
        assert!(outcome.is_err(), "{transport:?} got an answer: {outcome:?}");
    }
    assert_eq!(server.journal().entries("closed").len(), Transport::ALL.len());
}

#[tokio::test]
async fn the_preflight_and_the_actual_request_get_their_own_replies() {
    let server = start().await;
    let path = "/t/pf/x?acao=origin&status=500&preflight_status=204&preflight_acam=PUT";
    for transport in Transport::ALL {
        let preflight = request(&server, transport, "OPTIONS", path)
            .header("origin", PAGE)
            .header("access-control-request-method", "PUT")
            .body(String::new())
            .unwrap();
        let answer = send(&server, transport, preflight).await.unwrap();
        assert_eq!(answer.status, 204, "{transport:?}");
        assert_eq!(answer.one("access-control-allow-methods"), Some("PUT"));
        assert_eq!(answer.one("access-control-allow-origin"), Some(PAGE));

        // An OPTIONS the page sends itself is not a preflight.
        let options =
            request(&server, transport, "OPTIONS", path).header("origin", PAGE).body(String::new()).unwrap();
        let answer = send(&server, transport, options).await.unwrap();
        assert_eq!(answer.status, 500, "{transport:?}");
        assert_eq!(answer.one("access-control-allow-methods"), None);
    }
    let preflights: Vec<bool> = server.journal().entries("pf").iter().map(|e| e.preflight).collect();
    assert_eq!(preflights, [true, false].repeat(Transport::ALL.len()));
}

#[tokio::test]
async fn a_scripted_token_answers_as_scripted_whatever_the_query() {
    let server = start().await;
    let behaviour = Behaviour::same(
        Reply::new()
            .allow_origin(AllowOrigin::Echo)
            .allow_origin("*")
            .allow_credentials("true")
            .cookie("sid=7")
            .status(201),
    )
    .with_preflight(|reply| reply.status(404));
    server.script("scripted", behaviour);
    on_every_transport(&server, "/t/scripted/x?status=500", |t, r| {
        assert_eq!(r.status, 201, "{t:?}");
        assert_eq!(r.all("access-control-allow-origin"), [PAGE, "*"]);
        assert_eq!(r.one("set-cookie"), Some("sid=7"));
    })
    .await;
    server.unscript("scripted");
    on_every_transport(&server, "/t/scripted/x?status=500", |t, r| assert_eq!(r.status, 500, "{t:?}")).await;
}

#[tokio::test]
async fn an_unknown_word_is_a_400_that_lists_the_vocabulary() {
    let server = start().await;
    on_every_transport(&server, "/echo?acao=origin&acoa=*", |t, r| {
        assert_eq!(r.status, 400, "{t:?}");
        assert!(r.body.contains("`acoa`: not a word of the vocabulary"), "{}", r.body);
        for word in
            ["acao", "acac", "acam", "acah", "aceh", "max_age", "vary", "status", "location", "delay_ms"]
        {
            assert!(r.body.contains(word), "the 400 lists {word}");
        }
    })
    .await;
}

#[tokio::test]
async fn a_path_without_a_token_answers_from_its_query_too() {
    let server = start().await;
    on_every_transport(&server, "/echo?acao=origin&acac=true&status=500", |t, r| {
        assert_eq!(r.status, 500, "{t:?}");
        assert_eq!(r.one("access-control-allow-origin"), Some(PAGE));
        assert_eq!(r.one("access-control-allow-credentials"), Some("true"));
    })
    .await;
    assert_eq!(server.journal().untokened().len(), Transport::ALL.len());
}

#[tokio::test]
async fn every_origin_serves_the_blank_page_and_the_script() {
    let server = start().await;
    on_every_transport(&server, corsproof_server::PAGE_PATH, |t, r| {
        assert_eq!(r.one("content-type"), Some("text/html; charset=utf-8"), "{t:?}");
        assert!(r.body.contains(corsproof_server::SCRIPT_PATH));
    })
    .await;
    let sandboxed = format!("{}?{}", corsproof_server::PAGE_PATH, corsproof_server::SANDBOX_QUERY);
    on_every_transport(&server, &sandboxed, |t, r| {
        assert_eq!(r.one("content-security-policy"), Some("sandbox allow-scripts"), "{t:?}");
        assert!(r.body.contains(corsproof_server::SCRIPT_PATH));
    })
    .await;
    on_every_transport(&server, corsproof_server::SCRIPT_PATH, |t, r| {
        assert_eq!(r.one("content-type"), Some("text/javascript; charset=utf-8"), "{t:?}");
        assert!(r.body.contains("window.corsproof"));
    })
    .await;
    assert!(server.journal().is_empty(), "corsproof's own paths are not journaled");
}

#[tokio::test]
async fn origins_differ_by_host_port_and_scheme() {
    let server = start().await;
    let url = |name: &str| server.origin(name).unwrap_or_else(|| panic!("origin {name}")).clone();
    let (app, app_port2, app_https, api, api_https) =
        (url("app"), url("app-port2"), url("app-https"), url("api"), url("api-https"));
    assert_eq!((app.host.as_str(), app.scheme.as_str()), ("app.test", "http"));
    assert_eq!(app.host, app_port2.host);
    assert_ne!(app.port, app_port2.port, "same host on two ports");
    assert_eq!(app_https.scheme, "https");
    assert_eq!(api.host, api_https.host);
    assert_ne!(api.scheme, api_https.scheme, "same host under two schemes");
    let mut urls: Vec<String> = server.origins().iter().map(|o| o.url()).collect();
    let count = urls.len();
    urls.sort();
    urls.dedup();
    assert_eq!(urls.len(), count, "every origin is distinct");
    let hosts = corsproof_runner::host_map(&server);
    assert_eq!(corsproof_browser::host_resolver_rules(&hosts).as_deref(), Some("MAP *.test 127.0.0.1"));
}
