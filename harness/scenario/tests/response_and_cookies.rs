//! The keys for the response as the page sees it (`response_type`, status 0, `body`, `headers`)
//! and for cookies held before a scenario (`[[scenario.cookie]]`): read into the model, written
//! back, and every misuse reported at its spot with what was expected.

mod support;

use corsproof_scenario::{CookieBefore, HeaderReading, ResponseType, to_toml};
use support::{broken, file, problems, valid};

/// A scenario with `cookie` lines as its `[[scenario.cookie]]` table (from line 6).
fn with_cookie(cookie: &str) -> String {
    format!(
        "[[scenario]]\nname = \"one\"\nabout = \"A scenario\"\npage = \"app\"\n[[scenario.cookie]]\n{cookie}\n\
         [[scenario.request]]\nto = \"api-https\"\n[scenario.request.expect]\noutcome = \"allowed\"\n"
    )
}

#[test]
fn the_response_keys_are_read_and_written_back() {
    let text = file(
        "mode = \"no-cors\"\n",
        "allowed",
        "status = 0\nresponse_type = \"opaque\"\nbody = \"\"\nheaders = { \"Content-Type\" = false }\n",
    );
    let parsed = valid(&text);
    let expect = &parsed.scenarios[0].requests[0].expect;
    assert_eq!(expect.status, Some(0));
    assert_eq!(expect.response_type, Some(ResponseType::Opaque));
    assert_eq!(expect.body.as_deref(), Some(""));
    assert_eq!(expect.headers, [("content-type".to_owned(), HeaderReading::Unreadable)], "names lower-cased");
    assert_eq!(valid(&to_toml(&parsed.scenarios[0])).scenarios, parsed.scenarios);

    let text = file(
        "",
        "allowed",
        "response_type = \"cors\"\nbody = \"{app} said ok\"\nheaders = { \"X-Total\" = \"1, 2\", \"x-secret\" = false }\n",
    );
    let parsed = valid(&text);
    let expect = &parsed.scenarios[0].requests[0].expect;
    assert_eq!(expect.response_type, Some(ResponseType::Cors));
    assert_eq!(expect.body.as_deref(), Some("{app} said ok"));
    assert_eq!(
        expect.headers,
        [
            ("x-total".to_owned(), HeaderReading::Value("1, 2".to_owned())),
            ("x-secret".to_owned(), HeaderReading::Unreadable),
        ],
        "file order kept"
    );
    assert_eq!(valid(&to_toml(&parsed.scenarios[0])).scenarios, parsed.scenarios);
    let manual =
        file("redirect = \"manual\"\n", "allowed", "status = 0\nresponse_type = \"opaqueredirect\"\n");
    assert_eq!(
        valid(&manual).scenarios[0].requests[0].expect.response_type,
        Some(ResponseType::OpaqueRedirect)
    );
}

#[test]
fn an_unknown_response_type_lists_the_four() {
    let error = broken(&file("", "allowed", "response_type = \"opaque-redirect\"\n"));
    assert_eq!((error.line(), error.column()), (11, 17));
    assert_eq!(error.message(), "`opaque-redirect` is not a value of `response_type`");
    assert_eq!(error.expected(), Some("one of `basic`, `cors`, `opaque`, `opaqueredirect`"));
}

#[test]
fn status_zero_needs_a_request_that_can_get_an_opaque_response() {
    let error = broken(&file("", "allowed", "status = 0\n"));
    assert_eq!((error.line(), error.column()), (11, 10));
    assert_eq!(error.message(), "status 0 is what an opaque response shows, and this request cannot get one");
    assert!(error.expected().is_some_and(|expected| expected.contains("`mode = \"no-cors\"`")), "{error}");
    for request in ["mode = \"no-cors\"\n", "redirect = \"manual\"\n"] {
        valid(&file(request, "allowed", "status = 0\n"));
    }
    // A wrong mode is reported once, at the mode, not again at the status.
    let error = broken(&file("mode = \"no-corz\"\n", "allowed", "status = 0\n"));
    assert_eq!(problems(&error).len(), 1, "{error}");
}

#[test]
fn an_opaque_type_needs_its_mode_and_fetch() {
    let error = broken(&file("", "allowed", "response_type = \"opaque\"\n"));
    assert_eq!((error.line(), error.column()), (11, 17));
    assert_eq!(error.message(), "this request cannot get an `opaque` response");
    assert_eq!(error.expected(), Some("`mode = \"no-cors\"` on the request"));

    let error = broken(&file("mode = \"no-cors\"\n", "allowed", "response_type = \"opaqueredirect\"\n"));
    assert_eq!(error.message(), "this request cannot get an `opaqueredirect` response");
    assert_eq!(error.expected(), Some("`redirect = \"manual\"` on the request"));

    let error = broken(&file("api = \"xhr\"\n", "allowed", "response_type = \"cors\"\n"));
    assert_eq!(error.message(), "XMLHttpRequest has no response type");
    assert_eq!(error.expected(), Some("`response_type` only with `api = \"fetch\"`"));
}

#[test]
fn an_opaque_response_has_status_zero_no_body_and_no_header() {
    let error = broken(&file(
        "mode = \"no-cors\"\n",
        "allowed",
        "status = 200\nresponse_type = \"opaque\"\nbody = \"ok\"\nheaders = { \"content-type\" = \"text/plain\", \"x-a\" = false }\n",
    ));
    assert_eq!(
        problems(&error),
        [
            (12, 10, "an `opaque` response shows status 0, not 200".to_owned()),
            (14, 8, "an `opaque` response has an empty body".to_owned()),
            (15, 13, "the page reads no header of an `opaque` response, `content-type` neither".to_owned()),
        ],
        "{error}"
    );
}

#[test]
fn response_keys_need_a_response() {
    let error = broken(&file(
        "",
        "blocked",
        "response_type = \"cors\"\nbody = \"\"\nheaders = { \"x-a\" = false }\n",
    ));
    let found = problems(&error);
    assert_eq!(
        found.iter().map(|(line, column, _)| (*line, *column)).collect::<Vec<_>>(),
        [(11, 1), (12, 1), (13, 1)],
        "{error}"
    );
    assert_eq!(found[1].2, "`body` with outcome `blocked`: the page got no response");
    assert_eq!(error.expected(), Some("`response_type` only with `outcome = \"allowed\"`"));
}

#[test]
fn header_readings_are_a_string_or_false() {
    let error = broken(&file(
        "",
        "allowed",
        "headers = { \"x-a\" = true, \"x b\" = \"1\", \"x-c\" = 3, \"X-D\" = \"1\", \"x-d\" = \"2\" }\n",
    ));
    let found: Vec<String> = problems(&error).into_iter().map(|(_, _, message)| message).collect();
    assert_eq!(
        found,
        [
            "a header's reading is its value or `false`",
            "`x b` is not a header name",
            "a header's reading is its value or `false`",
            "`x-d` is named twice (header names are compared lower-cased)",
        ],
        "{error}"
    );
    let error = broken(&file("", "allowed", "headers = [\"x-a\"]\n"));
    assert_eq!(error.message(), "`headers` is not a table");
}

#[test]
fn held_cookies_are_read_and_written_back() {
    let text = with_cookie(
        "origin = \"api-https\"\nset_cookie = \"sid=1; SameSite=None; Secure; Path=/t/{token}/private\"\n",
    );
    let parsed = valid(&text);
    assert_eq!(
        parsed.scenarios[0].cookies,
        [CookieBefore {
            origin: "api-https".to_owned(),
            set_cookie: "sid=1; SameSite=None; Secure; Path=/t/{token}/private".to_owned(),
        }]
    );
    assert_eq!(valid(&to_toml(&parsed.scenarios[0])).scenarios, parsed.scenarios);
}

#[test]
fn a_held_cookie_must_be_scoped_to_the_scenario() {
    for line in ["sid=1; Secure", "sid=1; Path=/", "sid=1; Path=/t/{token}x", "sid=1; Path=/t/other"] {
        let error = broken(&with_cookie(&format!("origin = \"api\"\nset_cookie = \"{line}\"\n")));
        assert_eq!((error.line(), error.column()), (7, 14), "{line}: {error}");
        assert_eq!(error.message(), "this cookie is not scoped to the scenario's requests", "{line}");
        assert!(error.expected().is_some_and(|expected| expected.contains("`Path=/t/{token}`")), "{error}");
    }
    let error = broken(&with_cookie("origin = \"api\"\nset_cookie = \"; Path=/t/{token}\"\n"));
    assert_eq!(error.message(), "this is not a Set-Cookie line");
    let error = broken(&with_cookie("origin = \"api\"\nset_cookie = \"sid={app}; Path=/t/{token}\"\n"));
    assert_eq!(error.message(), "`{app}` is not a placeholder of a cookie");
}

#[test]
fn a_held_cookie_names_a_mock_origin_and_its_line() {
    let error = broken(&with_cookie("origin = \"apii\"\nsetcookie = \"sid=1; Path=/t/{token}\"\n"));
    let found: Vec<String> = problems(&error).into_iter().map(|(_, _, message)| message).collect();
    assert_eq!(
        found,
        ["a cookie has no `set_cookie`", "`apii` is not an origin", "unknown key `setcookie` in a cookie"],
        "in the file's order: {error}"
    );
    let error = broken(&with_cookie("origin = \"api\"\nset_cookie = \"sid=1; Path=/t/{token}\"\n").replace(
        "[[scenario.cookie]]\norigin = \"api\"\nset_cookie = \"sid=1; Path=/t/{token}\"\n",
        "cookie = \"sid=1\"\n",
    ));
    assert_eq!(error.message(), "`cookie` is not a list of tables");
    assert_eq!(error.expected(), Some("`[[scenario.cookie]]`"));
}

#[test]
fn held_cookies_need_the_mock_origins() {
    let text = with_cookie("origin = \"api\"\nset_cookie = \"sid=1; Path=/t/{token}\"\n")
        .replace("to = \"api-https\"\n", "path = \"/me\"\n");
    let error = broken(&text);
    assert_eq!((error.line(), error.column()), (5, 12), "at the table's key: {error}");
    assert_eq!(
        error.message(),
        "cookies are set through the mock origins, and this scenario's requests go to --target"
    );
}
