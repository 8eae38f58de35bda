//! A broken scenario file is reported at the exact spot, with what was expected, and every
//! problem of the file at once.

use std::path::Path;

use corsproof_behaviour::vocabulary;
use corsproof_scenario::{Credentials, Outcome, ReasonClass, ScenarioError, parse_str};

/// Lines 1 to 7: one scenario whose first request goes to `api`.
const HEAD: &str = "[[scenario]]\nname = \"one\"\nabout = \"A scenario\"\npage = \"app\"\n\n[[scenario.request]]\nto = \"api\"\n";
const EXPECT: &str = "\n[scenario.request.expect]\noutcome = \"blocked\"\n";

/// A file whose request has `extra` lines (from line 8) and an `expect` table.
fn request_with(extra: &str) -> String {
    format!("{HEAD}{extra}{EXPECT}")
}

/// A file whose request's `expect` table has `extra` lines (from line 11).
fn expect_with(extra: &str) -> String {
    format!("{HEAD}{EXPECT}{extra}")
}

fn broken(text: &str) -> ScenarioError {
    parse_str(Path::new("s.toml"), text).expect_err("the file is broken")
}

fn valid(text: &str) -> corsproof_scenario::ScenarioFile {
    parse_str(Path::new("s.toml"), text).unwrap_or_else(|error| panic!("{error}"))
}

/// The first problem's (line, column).
fn spot(error: &ScenarioError) -> (usize, usize) {
    (error.line(), error.column())
}

/// Every problem's (line, column).
fn spots(error: &ScenarioError) -> Vec<(usize, usize)> {
    error.diagnostics().iter().map(|d| (d.line, d.column)).collect()
}

#[test]
fn a_valid_file_gives_plain_data_with_defaults() {
    let text = request_with(
        "method = \"patch\"\nheaders = { \"X-B\" = \"2\", \"X-A\" = \"1\" }\ncredentials = \"include\"\n",
    );
    let file = valid(&text);
    assert_eq!(file.path, Path::new("s.toml"));
    let scenario = &file.scenarios[0];
    assert_eq!((scenario.name.as_str(), scenario.page.as_str(), scenario.line), ("one", "app", 1));
    let step = &scenario.requests[0];
    assert_eq!(step.to.as_deref(), Some("api"));
    assert_eq!(step.method, "patch", "the method is kept byte for byte");
    assert_eq!(step.path, "/");
    assert_eq!(step.headers, vec![("X-B".to_owned(), "2".to_owned()), ("X-A".to_owned(), "1".to_owned())]);
    assert_eq!(step.credentials, Credentials::Include);
    assert_eq!(step.mode, corsproof_scenario::Mode::Cors);
    assert_eq!(step.redirect, corsproof_scenario::RedirectMode::Follow);
    assert_eq!(step.api, corsproof_scenario::Api::Fetch);
    assert_eq!((step.body.as_deref(), step.same_url_as, step.server.as_ref()), (None, None, None));
    assert_eq!(step.expect.outcome, Outcome::Blocked);
    assert_eq!(step.expect.preflight, None);
    assert!(!scenario.scripts_the_server());
}

#[test]
fn every_key_is_read() {
    let text = r#"
[[scenario]]
name = "all-keys"
about = "Every key of the format"
page = "app-https"
sandbox = true
public_page = true
local_network_granted = true

[[scenario.request]]
to = "api-https"
path = "/items/1?_x=1"
method = "PUT"
headers = { "Content-Type" = "application/json" }
body = "{}"
credentials = "omit"
mode = "no-cors"
redirect = "manual"
api = "xhr"

[scenario.request.server]
acao = "origin"
max_age = 600

[scenario.request.expect]
outcome = "blocked"
preflight = true
reached_server = false
cookies_sent = false
reason = "method-not-allowed"
status = 204
readable_headers = ["X-Total"]
hidden_headers = ["X-Secret", "set-cookie"]

[[scenario.request]]
to = "api-https"
same_url_as = 1
mode = "same-origin"
redirect = "error"

[scenario.request.expect]
outcome = "network-error"

[[scenario]]
name = "second"
about = "Against the external target"
page = "app"

[[scenario.request]]
path = "/health"

[scenario.request.expect]
outcome = "timeout"
"#;
    let file = valid(text);
    assert_eq!(file.scenarios.len(), 2);
    let [first, second] = &file.scenarios[..] else { unreachable!() };
    assert_eq!(first.line, 2);
    assert_eq!(second.line, 44);
    assert!(first.sandbox && !second.sandbox, "pages are not sandboxed unless asked");
    assert!(first.public_page && !second.public_page, "pages are not declared public unless asked");
    assert!(first.local_network_granted && !second.local_network_granted);
    let put = &first.requests[0];
    assert_eq!(put.path, "/items/1?_x=1");
    assert_eq!(put.body.as_deref(), Some("{}"));
    assert_eq!(put.credentials, Credentials::Omit);
    assert_eq!(put.mode, corsproof_scenario::Mode::NoCors);
    assert_eq!(put.redirect, corsproof_scenario::RedirectMode::Manual);
    assert_eq!(put.api, corsproof_scenario::Api::Xhr);
    assert_eq!(put.server.as_ref().map(vocabulary::to_query).as_deref(), Some("acao=origin&max_age=600"));
    assert_eq!(put.expect.reason, Some(ReasonClass::MethodNotAllowed));
    assert_eq!(put.expect.status, Some(204));
    assert_eq!((put.expect.preflight, put.expect.reached_server), (Some(true), Some(false)));
    assert_eq!(put.expect.cookies_sent, Some(false));
    assert_eq!(put.expect.readable_headers, ["x-total"], "header names are stored lower-cased");
    assert_eq!(put.expect.hidden_headers, ["x-secret", "set-cookie"]);
    let again = &first.requests[1];
    assert_eq!(again.same_url_as, Some(0), "1-based in the file, 0-based in the model");
    assert_eq!(again.expect.outcome, Outcome::NetworkError);
    assert_eq!(second.requests[0].to, None);
    assert_eq!(second.requests[0].expect.outcome, Outcome::Timeout);
}

#[test]
fn invalid_toml_is_located_with_what_was_expected() {
    let error = broken("[[scenario]]\nname = \"one\nabout = 1\n");
    assert_eq!(spot(&error), (2, 12));
    assert!(error.message().starts_with("this is not valid TOML: invalid basic string"), "{error}");
    assert_eq!(error.expected(), Some("`\"`"));
}

#[test]
fn every_syntax_error_of_a_file_is_reported() {
    let error = broken("[[scenario]]\nname = 'x'\nname = 'y'\npage = = 1\n");
    assert_eq!(spots(&error)[..2], [(3, 1), (4, 8)], "{error}");
    assert!(error.message().contains("duplicate key"), "{error}");
}

#[test]
fn unknown_key_is_named_with_its_line_and_column() {
    let error = broken(&request_with("methd = \"PUT\"\n"));
    assert_eq!(spot(&error), (8, 1));
    assert!(error.message().contains("unknown key `methd` in a request"));
    assert!(error.to_string().contains("expected one of `to`, `path`, `method`"), "{error}");
}

#[test]
fn unknown_keys_are_refused_at_every_level() {
    let text = format!("title = \"x\"\n{}", expect_with("outcom = \"blocked\"\n"))
        .replace("page = \"app\"", "page = \"app\"\nabuot = \"typo\"");
    let error = broken(&text);
    assert_eq!(spots(&error), [(1, 1), (6, 1), (13, 1)], "{error}");
    let rendered = error.to_string();
    assert!(rendered.contains("unknown key `title` in the top level"), "{rendered}");
    assert!(rendered.contains("expected one of `scenario`"), "{rendered}");
    assert!(rendered.contains("unknown key `abuot` in a scenario"), "{rendered}");
    assert!(
        rendered.contains("expected one of `name`, `about`, `page`, `sandbox`, `public_page`, `local_network_granted`, `request`"),
        "{rendered}"
    );
    assert!(rendered.contains("unknown key `outcom` in `expect`"), "{rendered}");
    assert!(
        rendered.contains("`outcome`, `preflight`, `reached_server`, `cookies_sent`, `reason`, `status`"),
        "{rendered}"
    );
}

#[test]
fn bad_enum_value_lists_the_allowed_values() {
    let error = broken(&request_with("credentials = \"includ\"\n"));
    assert_eq!(spot(&error), (8, 15));
    let text = error.to_string();
    assert!(text.starts_with("s.toml:8:15: `includ` is not a value of `credentials`\n"), "{text}");
    assert!(text.contains("8 | credentials = \"includ\"\n"), "the source line is shown:\n{text}");
    assert!(text.contains("  |               ^^^^^^^^\n"), "the value is underlined:\n{text}");
    assert!(text.ends_with("  = expected one of `omit`, `same-origin`, `include`"), "{text}");
}

#[test]
fn every_enum_lists_its_values() {
    let error = broken(&request_with("mode = \"corz\"\nredirect = \"folow\"\napi = \"fech\"\n"));
    let expected: Vec<_> = error.diagnostics().iter().map(|d| d.expected.clone().unwrap()).collect();
    assert_eq!(
        expected,
        [
            "one of `cors`, `no-cors`, `same-origin`",
            "one of `follow`, `error`, `manual`",
            "one of `fetch`, `xhr`"
        ]
    );
    let error = broken(&expect_with("reason = \"no-acao\"\n").replace("\"blocked\"", "\"blokced\""));
    assert_eq!(spots(&error), [(10, 11), (11, 10)], "{error}");
    assert_eq!(error.expected(), Some("one of `allowed`, `blocked`, `network-error`, `timeout`"), "{error}");
    let reasons = error.diagnostics()[1].expected.as_deref().unwrap();
    for class in ReasonClass::ALL {
        assert!(reasons.contains(&format!("`{}`", class.name())), "{reasons}");
    }
}

#[test]
fn three_bad_values_give_three_diagnostics() {
    let error = broken(&request_with("mode = \"corz\"\napi = \"fetchh\"\npath = \"data\"\n"));
    assert_eq!(spots(&error), [(8, 8), (9, 7), (10, 8)], "{error}");
    let rendered = error.to_string();
    assert_eq!(rendered.matches("s.toml:").count(), 3, "{rendered}");
    assert!(rendered.contains("s.toml:10:8: the path does not start with `/`"), "{rendered}");
}

#[test]
fn a_public_page_that_is_not_a_boolean_is_located() {
    let error =
        broken(&expect_with("").replace("page = \"app\"\n", "page = \"app\"\npublic_page = \"yes\"\n"));
    assert_eq!(spots(&error), [(5, 15)], "{error}");
    assert!(error.to_string().contains("`public_page` is not a boolean"), "{error}");
}

#[test]
fn the_local_network_permission_without_a_public_page_is_located() {
    let error = broken(
        &expect_with("").replace("page = \"app\"\n", "page = \"app\"\nlocal_network_granted = true\n"),
    );
    assert_eq!(spots(&error), [(5, 25)], "{error}");
    assert!(error.to_string().contains("only a public page needs the local network permission"), "{error}");
    assert!(error.to_string().contains("`public_page = true` too"), "{error}");
}

#[test]
fn wrong_types_say_which_type_was_expected() {
    let error = broken(
        &expect_with("preflight = \"yes\"\nstatus = \"200\"\nreadable_headers = \"x-total\"\n")
            .replace("name = \"one\"", "name = 1")
            .replace("page = \"app\"\n", "page = \"app\"\nsandbox = \"yes\"\n"),
    );
    assert_eq!(spots(&error), [(2, 8), (5, 11), (12, 13), (13, 10), (14, 20)], "{error}");
    let expected: Vec<_> = error.diagnostics().iter().map(|d| d.expected.clone().unwrap()).collect();
    assert_eq!(
        expected,
        [
            "a quoted string",
            "`true` or `false`",
            "`true` or `false`",
            "a number from 100 to 599",
            "a list of header names"
        ]
    );
}

#[test]
fn scenario_names_and_about_lines_are_checked() {
    let error = broken(&request_with("").replace("\"one\"", "\"One_1\"").replace("A scenario", " "));
    assert_eq!(spots(&error), [(2, 8), (3, 9)], "{error}");
    assert_eq!(error.expected(), Some("lower-case letters, digits and `-`, starting with a letter or digit"));
    assert!(error.diagnostics()[1].message.contains("`about` must be one non-empty line"));
    let error = broken(&request_with("").replace("\"one\"", "\"-one\""));
    assert_eq!(spot(&error), (2, 8));
}

#[test]
fn missing_required_keys_are_named() {
    let error = broken("[[scenario]]\nname = \"one\"\n\n[[scenario.request]]\nto = \"api\"\n");
    assert_eq!(spots(&error), [(1, 1), (1, 1), (4, 1)], "{error}");
    let text = error.to_string();
    assert!(text.contains("a scenario has no `about`"), "{text}");
    assert!(text.contains("a scenario has no `page`"), "{text}");
    assert!(text.contains("this request has no `expect` table"), "{text}");
    assert!(text.contains("expected `[scenario.request.expect]` with an `outcome`"), "{text}");

    let error = broken(&request_with("").replace("outcome = \"blocked\"", "preflight = true"));
    assert_eq!(spot(&error), (9, 1));
    assert!(error.message().contains("`expect` has no `outcome`"), "{error}");

    let error = broken("# nothing here\n");
    assert!(error.message().contains("has no `scenario`"), "{error}");
}

#[test]
fn a_scenario_without_requests_is_refused() {
    let text = "[[scenario]]\nname = \"one\"\nabout = \"A scenario\"\npage = \"app\"\nrequest = []\n";
    let error = broken(text);
    assert_eq!(spot(&error), (1, 1));
    assert!(error.message().contains("this scenario makes no request"), "{error}");
    let error = broken("[[scenario]]\nname = \"one\"\nabout = \"A scenario\"\npage = \"app\"\n");
    assert!(error.message().contains("a scenario has no `request`"), "{error}");
}

#[test]
fn tables_given_where_lists_of_tables_belong_are_refused() {
    let error = broken("[scenario]\nname = \"one\"\n");
    assert_eq!(spot(&error), (1, 1));
    assert!(error.message().contains("`scenario` is not a list of tables"), "{error}");
    assert_eq!(error.expected(), Some("`[[scenario]]`"));
}

#[test]
fn unknown_origins_are_listed() {
    let error = broken(&format!("{}{EXPECT}", HEAD.replace("to = \"api\"", "to = \"apii\"")));
    assert_eq!(spot(&error), (7, 6));
    assert!(error.message().contains("`apii` is not an origin"));
    assert!(error.to_string().contains("`api-https`"));

    let error = broken(&request_with("").replace("page = \"app\"", "page = \"localhost:8080\""));
    assert_eq!(spot(&error), (4, 8));
    for name in ["app", "app-port2", "app-https", "app-sub", "api", "api-port1", "cdn", "evil", "loopback-ip"]
    {
        assert!(error.expected().unwrap().contains(&format!("`{name}`")), "{error}");
    }
}

#[test]
fn duplicate_scenario_names_are_refused() {
    let text = request_with("") + "\n" + &request_with("");
    let error = broken(&text);
    assert_eq!(spot(&error), (13, 8), "the second name is pointed at");
    assert!(error.message().contains("a scenario named `one` is already in this file"), "{error}");
}

#[test]
fn same_url_as_must_point_backwards() {
    let error = broken(&request_with("same_url_as = 1\n"));
    assert_eq!(spot(&error), (8, 15));
    assert_eq!(error.expected(), Some("no `same_url_as` on a scenario's first request"));

    let second = "\n[[scenario.request]]\nto = \"api\"\nsame_url_as = 2\n[scenario.request.expect]\noutcome = \"allowed\"\n";
    let error = broken(&(request_with("") + second));
    assert_eq!(spot(&error), (14, 15));
    assert!(error.message().contains("`same_url_as` does not point at an earlier request"), "{error}");
    assert_eq!(error.expected(), Some("the number of an earlier request of this scenario, 1 to 1"));

    for bad in ["0", "-1", "\"1\"", "0x1"] {
        let error = broken(&(request_with("") + &second.replace("= 2", &format!("= {bad}"))));
        assert_eq!(spot(&error), (14, 15), "{bad}: {error}");
    }

    let good = second.replace("= 2", "= 1");
    let file = valid(&(request_with("") + &good));
    assert_eq!(file.scenarios[0].requests[1].same_url_as, Some(0));
}

#[test]
fn same_url_as_must_keep_the_origin_and_the_url() {
    let second = "\n[[scenario.request]]\nto = \"evil\"\nsame_url_as = 1\n[scenario.request.expect]\noutcome = \"allowed\"\n";
    let error = broken(&(request_with("") + second));
    assert_eq!(spot(&error), (14, 15));
    assert!(error.message().contains("request 1 goes to another origin"), "{error}");
    assert_eq!(error.expected(), Some("the same `to` as that request"));

    let with_path =
        second.replace("\"evil\"", "\"api\"").replace("same_url_as", "path = \"/x\"\nsame_url_as");
    let with_server = with_path.replace("path = \"/x\"\n", "") + "[scenario.request.server]\nacao = \"*\"\n";
    let error = broken(&(request_with("") + &with_path));
    assert_eq!(spot(&error), (14, 1));
    assert!(error.message().contains("`path` together with `same_url_as`"), "{error}");
    let error = broken(&(request_with("") + &with_server));
    assert_eq!(spot(&error), (17, 19), "the `server` of its table header");
    assert!(error.message().contains("`server` together with `same_url_as`"), "{error}");
}

#[test]
fn reason_only_goes_with_a_blocked_outcome() {
    let text = expect_with("reason = \"missing-allow-origin\"\n").replace("\"blocked\"", "\"allowed\"");
    let error = broken(&text);
    assert_eq!(spot(&error), (11, 10));
    assert!(error.message().contains("a `reason` with outcome `allowed`"), "{error}");
    assert_eq!(error.expected(), Some("`reason` only with `outcome = \"blocked\"`"));
    let good = text.replace("\"allowed\"", "\"blocked\"");
    let file = valid(&good);
    assert_eq!(file.scenarios[0].requests[0].expect.reason, Some(ReasonClass::MissingAllowOrigin));
}

#[test]
fn expected_status_is_a_status_code() {
    for bad in ["99", "600", "-1", "70000", "0x10"] {
        let error = broken(&expect_with(&format!("status = {bad}\n")));
        assert_eq!(spot(&error), (11, 10), "{bad}: {error}");
        assert_eq!(error.expected(), Some("a number from 100 to 599"));
    }
}

#[test]
fn bad_header_names_and_values_are_refused() {
    let error =
        broken(&request_with("headers = { \"Bad Name\" = \"1\", \"X-Ok\" = 2, \"X-Nl\" = \"a\\nb\" }\n"));
    assert_eq!(spots(&error), [(8, 13), (8, 40), (8, 52)], "{error}");
    let rendered = error.to_string();
    assert!(rendered.contains("`Bad Name` is not a header name"), "{rendered}");
    assert!(rendered.contains("a header value must be a string"), "{rendered}");
    assert!(rendered.contains("this cannot be a header value"), "{rendered}");

    let error = broken(&expect_with("hidden_headers = [\"x-ok\", \"not ok\"]\n"));
    assert_eq!(spot(&error), (11, 27));
    assert!(error.message().contains("this is not a header name"), "{error}");
}

#[test]
fn the_path_must_start_with_a_slash() {
    let error = broken(&request_with("path = \"data\"\n"));
    assert_eq!(spot(&error), (8, 8));
    assert_eq!(error.message(), "the path does not start with `/`");
}

#[test]
fn the_method_must_be_a_token() {
    let error = broken(&request_with("method = \"GET X\"\n"));
    assert_eq!(spot(&error), (8, 10));
    assert!(error.message().contains("this is not an HTTP method"), "{error}");
}

#[test]
fn server_tables_become_behaviours_with_placeholders_kept() {
    let text = request_with(
        "[scenario.request.server]\nacao = [\"origin\", \"*\"]\nacac = true\nstatus = 307\nlocation = \"{evil}/t/{token}/next\"\npreflight_status = 204\nclose = false\n",
    );
    let file = valid(&text);
    let query = "acao=origin&acao=*&acac=true&status=307&location=%7Bevil%7D%2Ft%2F%7Btoken%7D%2Fnext&preflight_status=204&close=false";
    assert_eq!(file.scenarios[0].requests[0].server, Some(vocabulary::parse(query).unwrap()));
    assert!(file.scenarios[0].scripts_the_server());
}

#[test]
fn server_vocabulary_errors_point_at_the_key() {
    let error = broken(&request_with("[scenario.request.server]\nacao = \"*\"\nstatus = 99\n"));
    assert_eq!(spot(&error), (10, 1));
    assert_eq!(error.message(), "the mock server refuses this value of `status`");
    assert_eq!(error.expected(), Some("a status code from 200 to 599, got `99`"));
    assert!(error.to_string().contains("10 | status = 99\n   | ^^^^^^^^^^^"), "{error}");

    let error = broken(&request_with("[scenario.request.server]\nacoa = \"*\"\n"));
    assert_eq!(spot(&error), (9, 1));
    assert!(error.message().contains("`acoa` is not a word of the server vocabulary"));
    assert!(error.expected().unwrap().contains("`max_age`, `vary`, `status`"), "{error}");

    let error = broken(&request_with("[scenario.request.server]\npreflight_stauts = 204\n"));
    assert_eq!(spot(&error), (9, 1));
    assert!(error.message().contains("`preflight_stauts` is not a word"), "{error}");
}

#[test]
fn every_bad_server_value_is_reported() {
    let error = broken(&request_with(
        "[scenario.request.server]\npreflight_status = 99\ndelay_ms = -1\nheader = [\"X-A: 1\", \"nocolon\"]\nclose = \"yes\"\nacac = 1.5\nbody = []\n",
    ));
    assert_eq!(spots(&error), [(9, 1), (10, 1), (11, 1), (12, 1), (13, 8), (14, 8)], "{error}");
    let expected: Vec<_> =
        error.diagnostics().iter().map(|d| d.expected.clone().unwrap_or_default()).collect();
    assert!(expected[0].contains("200 to 599"), "{error}");
    assert!(expected[1].contains("milliseconds"), "{error}");
    assert!(expected[2].contains("`Name: value`, got `nocolon`"), "{error}");
    assert!(expected[3].contains("`true` or `false`"), "{error}");
    assert_eq!(expected[4], "a string, a decimal integer or a boolean");
    assert!(expected[5].contains("`\"none\"` to send nothing"), "{error}");
}

#[test]
fn only_repeatable_words_take_lists() {
    let error = broken(&request_with("[scenario.request.server]\nstatus = [200, 201]\n"));
    assert_eq!(spot(&error), (9, 10));
    assert!(error.message().contains("`status` takes one value"), "{error}");
    let file = valid(&request_with(
        "[scenario.request.server]\nacao = [\"origin\", \"*\"]\nheader = [\"X-A: 1\"]\ncookie = [\"a=1\", \"b=2\"]\n",
    ));
    assert_eq!(
        file.scenarios[0].requests[0].server.as_ref().map(vocabulary::to_query).as_deref(),
        Some("acao=origin&acao=*&header=X-A%3A+1&cookie=a%3D1&cookie=b%3D2")
    );
}

#[test]
fn placeholders_must_name_known_origins() {
    let error = broken(&request_with("[scenario.request.server]\nlocation = \"{evill}/x\"\n"));
    assert_eq!(spot(&error), (9, 12));
    assert!(error.message().contains("`{evill}` is not a placeholder"), "{error}");
    assert!(error.expected().unwrap().starts_with("`{token}` or an origin: `{app}`,"), "{error}");
    let file = valid(&request_with(
        "[scenario.request.server]\nlocation = \"{api-https}/t/{token}-next/x?acao=*\"\nacao = \"{app}\"\n",
    ));
    let server = file.scenarios[0].requests[0].server.as_ref().unwrap();
    assert!(vocabulary::to_query(server).contains("%7Bapi-https%7D"));
}

#[test]
fn placeholders_stay_out_of_header_names() {
    // The behaviour keeps its placeholders until the runner fills them, and a header name
    // cannot hold `{`.
    let error = broken(&request_with("[scenario.request.server]\nheader = \"X-{token}: 1\"\n"));
    assert_eq!(spot(&error), (9, 1));
    assert_eq!(error.message(), "the mock server refuses this value of `header`");
    assert_eq!(error.expected(), Some("a header name before `:`, got `X-{token}`"));
    valid(&request_with("[scenario.request.server]\nheader = \"Link: <{api}/t/{token}/x>\"\n"));
}

#[test]
fn a_scenario_may_not_mix_mock_origins_and_the_external_target() {
    let second = "\n[[scenario.request]]\npath = \"/x\"\n[scenario.request.expect]\noutcome = \"allowed\"\n";
    let error = broken(&(request_with("") + second));
    assert_eq!(spot(&error), (12, 1));
    assert!(error.message().contains("mixes mock origins and the external target"), "{error}");
}

#[test]
fn columns_count_characters_not_bytes() {
    let text = request_with("").replace("A scenario", "Ünïcödé") + "\n# é\n";
    let text = text.replace("to = \"api\"", "headers = { \"é\" = \"1\" }\nto = \"api\"");
    let error = broken(&text);
    assert_eq!(spot(&error), (7, 13));
    assert!(error.to_string().contains("7 | headers = { \"é\" = \"1\" }\n  |             ^^^"), "{error}");
}

#[test]
fn carets_line_up_under_tabs() {
    let error = broken(&request_with("\tmode = \"x\"\n"));
    assert_eq!(spot(&error), (8, 9));
    assert!(error.to_string().contains("8 | \tmode = \"x\"\n  | \t       ^^^"), "{error}");
}

#[test]
fn plain_rendering_has_no_colours_and_colour_is_on_request() {
    let error = broken(&request_with("mode = \"corz\"\n"));
    assert!(!error.to_string().contains('\x1b'));
    assert!(!error.render(false).contains('\x1b'));
    assert!(error.render(true).contains("\x1b["));
    assert_eq!(error.render(false).trim_end(), error.to_string());
}

#[test]
fn one_broken_file_does_not_stop_the_others() {
    let dir = std::env::temp_dir().join(format!("corsproof-scenario-load-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("nested")).unwrap();
    std::fs::write(dir.join("b.toml"), request_with("")).unwrap();
    std::fs::write(dir.join("nested/a.toml"), request_with("mode = 1\n")).unwrap();
    std::fs::write(dir.join("corsproof.toml"), "snapshots = \"x\"\n").unwrap();
    std::fs::write(dir.join("notes.txt"), "not a scenario").unwrap();
    let given = dir.join("notes.txt");
    let files = corsproof_scenario::discover(&[dir.clone(), given.clone()]);
    assert_eq!(files, vec![dir.join("b.toml"), dir.join("nested/a.toml"), given]);
    let loaded = corsproof_scenario::load_all(&files[..2]);
    assert_eq!(loaded[0].as_ref().unwrap().scenarios[0].name, "one");
    let error = loaded[1].as_ref().unwrap_err();
    assert_eq!(error.path(), dir.join("nested/a.toml"));
    assert_eq!(spot(error), (8, 8));
    assert!(error.message().contains("`mode` is not a string"));

    let missing = corsproof_scenario::load(&dir.join("missing.toml")).unwrap_err();
    assert_eq!(missing.message(), "cannot read the file: there is no such file or folder");
    assert!(missing.to_string().starts_with(&format!("{}: cannot read", dir.join("missing.toml").display())));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_file_that_is_not_utf8_is_located_at_its_first_bad_byte() {
    let dir = std::env::temp_dir().join(format!("corsproof-scenario-utf8-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // Line 3 in Latin-1: `é` is the one byte 0xE9; the `ü` before it is UTF-8, one column.
    let mut latin1 = request_with("").into_bytes();
    let about = b"about = \"A scenario\"";
    let at = latin1.windows(about.len()).position(|window| window == about).unwrap();
    latin1.splice(at..at + about.len(), b"about = \"\xC3\xBCber caf\xE9\"".iter().copied());
    let file = dir.join("latin1.toml");
    std::fs::write(&file, &latin1).unwrap();

    for error in [
        corsproof_scenario::load(&file).unwrap_err(),
        corsproof_scenario::load_all(std::slice::from_ref(&file)).remove(0).unwrap_err(),
    ] {
        assert_eq!(error.path(), file);
        assert_eq!(spot(&error), (3, 18), "{error}");
        assert_eq!(error.message(), "the byte 0xE9 is not UTF-8");
        assert!(error.expected().unwrap().contains("UTF-8 text"));
        let rendered = error.to_string();
        assert!(rendered.starts_with(&format!("{}:3:18: the byte 0xE9", file.display())), "{rendered}");
        assert!(
            rendered.contains(&format!("3 | about = \"über caf\u{FFFD}\"\n  | {}^\n", " ".repeat(17))),
            "{rendered}"
        );
    }

    // A file cut inside a character ends in the middle of `€` (0xE2 0x82 0xAC).
    let cut = dir.join("cut.toml");
    std::fs::write(&cut, b"# \xE2\x82").unwrap();
    let error = corsproof_scenario::load(&cut).unwrap_err();
    assert_eq!(spot(&error), (1, 3));
    assert_eq!(error.message(), "the file ends inside a UTF-8 character (0xE2 0x82)");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn control_characters_in_the_file_cannot_reach_the_terminal() {
    // Raw: TOML refuses it, and the source line shows it escaped, the carets still in place.
    let error = broken(&request_with("mode = \"\u{1b}[2J\"\n"));
    assert_eq!(spot(&error), (8, 9));
    let rendered = error.to_string();
    assert!(!rendered.contains('\u{1b}'), "{rendered}");
    assert!(rendered.contains("8 | mode = \"\\u{1b}[2J\"\n  |         ^"), "{rendered}");

    // Escaped in TOML: the value reaches the message, escaped again.
    let error = broken(&request_with("mode = \"\\u001b[2J\"\n"));
    assert_eq!(spot(&error), (8, 8));
    let rendered = error.to_string();
    assert!(!rendered.contains('\u{1b}'), "{rendered}");
    assert!(rendered.contains("`\\u{1b}[2J` is not a value of `mode`"), "{rendered}");
}
