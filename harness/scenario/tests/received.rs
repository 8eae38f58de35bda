//! The keys for what the server received (`expect.server_saw`), fetch's request options and the
//! host-and-port placeholder: read into plain data, and every mistake reported at its spot.

mod support;

use corsproof_scenario::{CacheMode, ExpectedHeader, ExpectedHop, HopMethod, Priority, ReferrerPolicy};
use support::{broken, problems, valid};

/// A scenario whose one request (to `api`, lines 1 to 7) has `request` lines from line 8, then
/// its `expect` table (`outcome = "allowed"`) with `expect` lines after it.
fn file(request: &str, expect: &str) -> String {
    support::file(request, "allowed", expect)
}

#[test]
fn server_saw_entries_are_read_in_order_with_their_checks() {
    let loaded = valid(&file(
        "",
        "\n[[scenario.request.expect.server_saw]]\nmethod = \"OPTIONS (preflight)\"\n\
         headers = { \"Access-Control-Request-Headers\" = \"x-a,x-b\", cookie = false, authorization = true }\n\
         \n[[scenario.request.expect.server_saw]]\nmethod = \"patch\"\nurl = \"{api}/t/{token}/x\"\norigin = \"null\"\n",
    ));
    let hops = loaded.scenarios[0].requests[0].expect.server_saw.clone().expect("server_saw was given");
    assert_eq!(
        hops,
        [
            ExpectedHop {
                method: HopMethod::Preflight,
                url: None,
                origin: None,
                headers: vec![
                    (
                        "access-control-request-headers".to_owned(),
                        ExpectedHeader::Value("x-a,x-b".to_owned())
                    ),
                    ("cookie".to_owned(), ExpectedHeader::Absent),
                    ("authorization".to_owned(), ExpectedHeader::Present),
                ],
            },
            ExpectedHop {
                method: HopMethod::Actual("patch".to_owned()),
                url: Some("{api}/t/{token}/x".to_owned()),
                origin: Some(ExpectedHeader::Value("null".to_owned())),
                headers: vec![],
            },
        ],
        "names are lower-cased, values and methods kept byte for byte"
    );
    let nothing = valid(&file("", "server_saw = []\n"));
    assert_eq!(nothing.scenarios[0].requests[0].expect.server_saw, Some(vec![]), "`[]`: nothing reached it");
    let unchecked = valid(&file("", ""));
    assert_eq!(unchecked.scenarios[0].requests[0].expect.server_saw, None);
}

#[test]
fn server_saw_mistakes_are_located() {
    let error = broken(&file(
        "",
        "\n[[scenario.request.expect.server_saw]]\nmethod = \"OPTIONS(preflight)\"\norigin = 1\n\
         headers = { \"bad name\" = \"x\", Origin = \"{app}\", referer = \"{nowhere}/\", x = 2 }\nhost = \"x\"\n\
         \n[[scenario.request.expect.server_saw]]\nurl = \"{api}/x\"\n",
    ));
    let found = problems(&error);
    let at: Vec<(usize, usize)> = found.iter().map(|(line, column, _)| (*line, *column)).collect();
    assert_eq!(at, [(13, 10), (14, 10), (15, 13), (15, 31), (15, 59), (15, 77), (16, 1), (18, 1)], "{error}");
    let messages: Vec<&str> = found.iter().map(|(_, _, message)| message.as_str()).collect();
    assert_eq!(messages[0], "this is not a method the server can receive");
    assert_eq!(messages[1], "this is not a received header's value");
    assert_eq!(messages[2], "`bad name` is not a header name");
    assert_eq!(messages[3], "`Origin` has a key of its own in a `server_saw` entry");
    assert_eq!(messages[4], "`{nowhere}` is not a placeholder");
    assert_eq!(messages[5], "this is not a received header's value");
    assert_eq!(messages[6], "unknown key `host` in a `server_saw` entry");
    assert_eq!(messages[7], "a `server_saw` entry has no `method`");
    let error = broken(&file(
        "",
        "\n[[scenario.request.expect.server_saw]]\nmethod = \"GET\"\nheaders = { Cookie = \"a=1\", cookie = false }\n",
    ));
    assert_eq!(
        (error.line(), error.column(), error.message()),
        (14, 29, "`cookie` is named twice in this entry")
    );
    let error = broken(&file("", "server_saw = \"GET\"\n"));
    assert_eq!((error.line(), error.column()), (11, 14));
    assert_eq!(error.message(), "`server_saw` is not a list of tables");
}

#[test]
fn fetch_options_are_read_and_refused_on_xhr() {
    let loaded = valid(&file(
        "referrer_policy = \"no-referrer\"\nkeepalive = true\ncache = \"only-if-cached\"\npriority = \"high\"\n",
        "",
    ));
    let options = loaded.scenarios[0].requests[0].options;
    assert_eq!(options.referrer_policy, Some(ReferrerPolicy::NoReferrer));
    assert!(options.keepalive);
    assert_eq!(options.cache, Some(CacheMode::OnlyIfCached));
    assert_eq!(options.priority, Some(Priority::High));
    assert!(valid(&file("", "")).scenarios[0].requests[0].options.is_default());

    let error = broken(&file("api = \"xhr\"\nkeepalive = true\ncache = \"reload\"\n", ""));
    let found = problems(&error);
    assert_eq!(
        found.iter().map(|(line, column, _)| (*line, *column)).collect::<Vec<_>>(),
        [(9, 1), (10, 1)],
        "{error}"
    );
    assert_eq!(found[0].2, "`keepalive` is an option of fetch(), and this request uses XMLHttpRequest");
    assert_eq!(error.expected(), Some("`api = \"fetch\"`, or no `keepalive`"));

    let error =
        broken(&file("referrer_policy = \"never\"\npriority = \"urgent\"\nkeepalive = \"yes\"\n", ""));
    let found = problems(&error);
    assert_eq!(
        found.iter().map(|(line, column, _)| (*line, *column)).collect::<Vec<_>>(),
        [(8, 19), (9, 12), (10, 13)]
    );
    assert!(error.expected().is_some_and(|expected| expected.contains("`strict-origin-when-cross-origin`")));
}

#[test]
fn the_host_placeholder_is_known_in_server_and_expect_values() {
    valid(&file(
        "\n[scenario.request.server]\nlocation = \"http://u:p@{api-https-host}/t/{token}/x\"\n",
        "\n[[scenario.request.expect.server_saw]]\nmethod = \"GET\"\nheaders = { host = \"{api-host}\" }\n",
    ));
    let error = broken(&file("\n[scenario.request.server]\nlocation = \"http://{apii-host}/x\"\n", ""));
    assert_eq!(error.message(), "`{apii-host}` is not a placeholder");
    assert!(error.expected().is_some_and(|expected| expected.contains("`{api-host}`")), "{error}");
}
