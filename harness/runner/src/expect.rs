//! Does what happened match what the author expected?

use corsproof_scenario::{Expectation, ExpectedHeader, ExpectedHop, HeaderReading};
use serde::Serialize;

use crate::observe::{RequestObservation, SeenRequest};

/// One expectation that did not hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mismatch {
    /// The request's position in the scenario, from 1.
    pub request: usize,
    /// What was expected of it (`outcome`, `preflight`, ...).
    pub field: &'static str,
    /// As the file says.
    pub expected: String,
    /// As the browser and server showed.
    pub observed: String,
}

/// The expectations of request `index` (from 0) that the observation contradicts. What cannot
/// be observed (the journal against `--target`) contradicts nothing.
pub fn check(index: usize, expect: &Expectation, seen: &RequestObservation) -> Vec<Mismatch> {
    let mut mismatches = Vec::new();
    let mut differ = |field: &'static str, expected: String, observed: String| {
        if expected != observed {
            mismatches.push(Mismatch { request: index + 1, field, expected, observed });
        }
    };
    differ("outcome", expect.outcome.name().to_owned(), seen.outcome.name().to_owned());
    if let (Some(expected), Some(observed)) = (expect.preflight, seen.preflight) {
        differ("preflight", expected.to_string(), observed.to_string());
    }
    if let (Some(expected), Some(observed)) = (expect.reached_server, seen.reached_server) {
        differ("reached_server", expected.to_string(), observed.to_string());
    }
    if let (Some(expected), Some(observed)) = (expect.cookies_sent, seen.cookies_sent()) {
        differ("cookies_sent", expected.to_string(), observed.to_string());
    }
    if let Some(expected) = expect.reason {
        let observed = seen.reason_class.map_or("none", |class| class.name());
        differ("reason", expected.name().to_owned(), observed.to_owned());
    }
    if let Some(expected) = expect.status {
        differ("status", expected.to_string(), seen.status.map_or("none".to_owned(), |s| s.to_string()));
    }
    for name in &expect.readable_headers {
        if !seen.readable_headers.contains(name) {
            differ("readable_headers", format!("{name} readable"), format!("{name} hidden"));
        }
    }
    for name in &expect.hidden_headers {
        if seen.readable_headers.contains(name) {
            differ("hidden_headers", format!("{name} hidden"), format!("{name} readable"));
        }
    }
    if let (Some(expected), Some(observed)) = (&expect.server_saw, &seen.server_saw) {
        let token = own_token(&seen.request);
        for (expected, observed) in server_saw(expected, observed, token) {
            differ("server_saw", expected, observed);
        }
    }
    if let Some(expected) = expect.response_type {
        let observed = seen.response_type.as_deref().unwrap_or("none");
        differ("response_type", expected.name().to_owned(), observed.to_owned());
    }
    // Checked against `--target` too, before the observation leaves your data out.
    if let (Some(expected), Some(observed)) = (&expect.body, &seen.body) {
        differ("body", quoted(expected), quoted(observed));
    }
    for (name, reading) in &expect.headers {
        let expected = match reading {
            HeaderReading::Value(value) => format!("{name}: {}", quoted(value)),
            HeaderReading::Unreadable => format!("{name} not readable"),
        };
        let observed = match seen.header_values.get(name) {
            Some(value) => format!("{name}: {}", quoted(value)),
            None => format!("{name} not readable"),
        };
        differ("headers", expected, observed);
    }
    mismatches
}

/// Where the requests the server received differ from `expect.server_saw`, as (expected,
/// observed) pairs: the list of methods when the server saw other requests, else each hop's
/// URL, `Origin` and named headers, prefixed by the hop's number (from 1).
fn server_saw(
    expected: &[ExpectedHop],
    observed: &[SeenRequest],
    token: Option<&str>,
) -> Vec<(String, String)> {
    let methods_expected: Vec<&str> = expected.iter().map(|hop| hop.method.name()).collect();
    let methods_observed: Vec<&str> = observed.iter().map(|seen| seen.method.as_str()).collect();
    if methods_expected != methods_observed {
        return vec![(list(&methods_expected), list(&methods_observed))];
    }
    // `{token}` in the file is this request's token, which the observation names `{tokenN}`.
    let fill = |text: &str| token.map_or_else(|| text.to_owned(), |token| text.replace("{token}", token));
    let mut differences = Vec::new();
    for (number, (hop, seen)) in expected.iter().zip(observed).enumerate().map(|(i, pair)| (i + 1, pair)) {
        if let Some(url) = &hop.url
            && fill(url) != seen.url
        {
            differences.push((
                format!("request {number} to {}", fill(url)),
                format!("request {number} to {}", seen.url),
            ));
        }
        let mut header = |name: &str, expected: &ExpectedHeader, received: Option<String>| {
            let holds = match expected {
                ExpectedHeader::Value(value) => received.as_deref() == Some(fill(value).as_str()),
                ExpectedHeader::Present => received.is_some(),
                ExpectedHeader::Absent => received.is_none(),
            };
            if !holds {
                let wanted = match expected {
                    ExpectedHeader::Value(value) => format!("`{}`", fill(value)),
                    ExpectedHeader::Present => "sent".to_owned(),
                    ExpectedHeader::Absent => "not sent".to_owned(),
                };
                let got = received.map_or_else(|| "not sent".to_owned(), |value| format!("`{value}`"));
                differences.push((
                    format!("request {number} {name} {wanted}"),
                    format!("request {number} {name} {got}"),
                ));
            }
        };
        if let Some(origin) = &hop.origin {
            header("origin", origin, seen.received("origin"));
        }
        for (name, expected) in &hop.headers {
            header(name, expected, seen.received(name));
        }
    }
    differences
}

/// `[a, b]`, or `nothing` for an empty list.
fn list(methods: &[&str]) -> String {
    if methods.is_empty() { "nothing".to_owned() } else { format!("[{}]", methods.join(", ")) }
}

/// The redacted name of the token in a request's own URL (`{token1}` in `GET {api}/t/{token1}/x`).
fn own_token(request: &str) -> Option<&str> {
    let start = request.find("/t/{token")? + "/t/".len();
    let length = request[start..].find('}')? + 1;
    Some(&request[start..start + length])
}

#[cfg(test)]
mod server_saw_tests {
    use corsproof_scenario::{HopMethod, Outcome};

    use super::*;

    fn seen(method: &str, url: &str, headers: &[(&str, &str)]) -> SeenRequest {
        SeenRequest {
            method: method.to_owned(),
            url: url.to_owned(),
            origin: None,
            request_method: None,
            request_headers: None,
            cookies: false,
            authorization: false,
            headers: Default::default(),
            received_headers: headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
            status: None,
            cors_headers: vec![],
        }
    }

    fn observation(server_saw: Vec<SeenRequest>) -> RequestObservation {
        RequestObservation {
            server_saw: Some(server_saw),
            ..RequestObservation::bare("PUT {api}/t/{token2}/x", Outcome::Allowed)
        }
    }

    fn hop(
        method: HopMethod,
        origin: Option<ExpectedHeader>,
        headers: &[(&str, ExpectedHeader)],
    ) -> ExpectedHop {
        ExpectedHop {
            method,
            url: Some("{api}/t/{token}/x".to_owned()),
            origin,
            headers: headers.iter().map(|(name, value)| (name.to_string(), value.clone())).collect(),
        }
    }

    #[test]
    fn each_hop_is_checked_against_what_the_server_received() {
        let seen = observation(vec![
            seen(
                "OPTIONS (preflight)",
                "{api}/t/{token2}/x",
                &[("origin", "{app}"), ("access-control-request-headers", "x-a,x-b")],
            ),
            seen("PUT", "{api}/t/{token2}/x", &[("origin", "{app}"), ("cookie", "a=1"), ("cookie", "b=2")]),
        ]);
        let holds = Expectation {
            server_saw: Some(vec![
                hop(
                    HopMethod::Preflight,
                    Some(ExpectedHeader::Value("{app}".into())),
                    &[("access-control-request-headers", ExpectedHeader::Value("x-a,x-b".into()))],
                ),
                hop(
                    HopMethod::Actual("PUT".into()),
                    Some(ExpectedHeader::Present),
                    &[
                        ("cookie", ExpectedHeader::Value("a=1; b=2".into())),
                        ("referer", ExpectedHeader::Absent),
                    ],
                ),
            ]),
            ..Expectation::outcome(Outcome::Allowed)
        };
        assert_eq!(check(0, &holds, &seen), []);

        let wrong = Expectation {
            server_saw: Some(vec![
                hop(
                    HopMethod::Preflight,
                    Some(ExpectedHeader::Absent),
                    &[("access-control-request-headers", ExpectedHeader::Value("x-a, x-b".into()))],
                ),
                hop(HopMethod::Actual("PUT".into()), None, &[("cookie", ExpectedHeader::Absent)]),
            ]),
            ..Expectation::outcome(Outcome::Allowed)
        };
        let observed: Vec<(String, String)> =
            check(0, &wrong, &seen).into_iter().map(|m| (m.expected, m.observed)).collect();
        assert_eq!(
            observed,
            [
                ("request 1 origin not sent".to_owned(), "request 1 origin `{app}`".to_owned()),
                (
                    "request 1 access-control-request-headers `x-a, x-b`".to_owned(),
                    "request 1 access-control-request-headers `x-a,x-b`".to_owned()
                ),
                ("request 2 cookie not sent".to_owned(), "request 2 cookie `a=1; b=2`".to_owned()),
            ]
        );
    }

    #[test]
    fn other_requests_than_expected_are_one_mismatch() {
        let seen = observation(vec![seen("PUT", "{api}/t/{token2}/x", &[])]);
        let expect = Expectation {
            server_saw: Some(vec![
                hop(HopMethod::Preflight, None, &[]),
                hop(HopMethod::Actual("PUT".into()), None, &[]),
            ]),
            ..Expectation::outcome(Outcome::Allowed)
        };
        let mismatches = check(0, &expect, &seen);
        assert_eq!(mismatches.len(), 1);
        assert_eq!(
            (mismatches[0].expected.as_str(), mismatches[0].observed.as_str()),
            ("[OPTIONS (preflight), PUT]", "[PUT]")
        );
        let nothing = Expectation { server_saw: Some(vec![]), ..Expectation::outcome(Outcome::Allowed) };
        assert_eq!(check(0, &nothing, &seen)[0].expected, "nothing");
    }

    #[test]
    fn the_url_names_this_requests_token() {
        let seen = observation(vec![seen("PUT", "{api}/t/{token1}/x", &[])]);
        let expect = Expectation {
            server_saw: Some(vec![hop(HopMethod::Actual("PUT".into()), None, &[])]),
            ..Expectation::outcome(Outcome::Allowed)
        };
        let mismatches = check(0, &expect, &seen);
        assert_eq!(
            mismatches[0].expected, "request 1 to {api}/t/{token2}/x",
            "`{{token}}` is the request's own"
        );
        assert_eq!(own_token("GET {target}/x"), None);
    }
}

/// Text in double quotes, escaped as JSON escapes it, so that an empty body or a trailing
/// space shows.
fn quoted(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}

#[cfg(test)]
mod tests {
    use corsproof_scenario::{Outcome, ResponseType};

    use super::*;
    use crate::observe::HeaderValues;

    /// An allowed cors response with body `ok` and one readable header, `x-total: 1, 2`.
    fn seen() -> RequestObservation {
        RequestObservation {
            status: Some(200),
            response_type: Some("cors".into()),
            readable_headers: vec!["x-total".into()],
            header_values: HeaderValues::read([("x-total".to_owned(), "1, 2".to_owned())]),
            body: Some("ok".into()),
            preflight: Some(false),
            reached_server: Some(true),
            ..RequestObservation::bare("GET {api}/t/{token1}/items", Outcome::Allowed)
        }
    }

    fn fields(expect: &Expectation, seen: &RequestObservation) -> Vec<String> {
        check(0, expect, seen)
            .into_iter()
            .map(|m| format!("{}: expected {}, observed {}", m.field, m.expected, m.observed))
            .collect()
    }

    #[test]
    fn the_response_keys_are_checked_against_what_the_page_read() {
        let mut expect = Expectation::outcome(Outcome::Allowed);
        expect.response_type = Some(ResponseType::Cors);
        expect.body = Some("ok".into());
        expect.headers = vec![
            ("x-total".into(), HeaderReading::Value("1, 2".into())),
            ("x-secret".into(), HeaderReading::Unreadable),
        ];
        assert_eq!(fields(&expect, &seen()), Vec::<String>::new());

        expect.response_type = Some(ResponseType::Opaque);
        expect.body = Some(String::new());
        expect.headers = vec![
            ("x-total".into(), HeaderReading::Value("1".into())),
            ("x-secret".into(), HeaderReading::Value("s".into())),
        ];
        assert_eq!(
            fields(&expect, &seen()),
            [
                "response_type: expected opaque, observed cors",
                "body: expected \"\", observed \"ok\"",
                "headers: expected x-total: \"1\", observed x-total: \"1, 2\"",
                "headers: expected x-secret: \"s\", observed x-secret not readable",
            ]
        );
    }

    #[test]
    fn a_body_the_page_did_not_read_contradicts_nothing() {
        let mut expect = Expectation::outcome(Outcome::Allowed);
        expect.body = Some("anything".into());
        let unread = RequestObservation { body: None, ..seen() };
        assert_eq!(fields(&expect, &unread), Vec::<String>::new());
    }
}
