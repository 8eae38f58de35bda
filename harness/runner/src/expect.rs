//! Does what happened match what the author expected?

use corsproof_scenario::{Expectation, HeaderReading};
use serde::Serialize;

use crate::observe::RequestObservation;

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
    if let Some(expected) = expect.response_type {
        let observed = seen.response_type.as_deref().unwrap_or("none");
        differ("response_type", expected.name().to_owned(), observed.to_owned());
    }
    // The body is unknown against `--target` (the observation leaves your data out).
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
            request: "GET {api}/t/{token1}/items".into(),
            outcome: Outcome::Allowed,
            reason_class: None,
            reason_in_preflight: false,
            reason: None,
            js_error: None,
            status: Some(200),
            response_type: Some("cors".into()),
            readable_headers: vec!["x-total".into()],
            header_values: HeaderValues::read([("x-total".to_owned(), "1, 2".to_owned())]),
            body: Some("ok".into()),
            preflight: Some(false),
            reached_server: Some(true),
            server_saw: None,
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
    fn a_body_left_out_of_the_observation_contradicts_nothing() {
        let mut expect = Expectation::outcome(Outcome::Allowed);
        expect.body = Some("anything".into());
        let against_your_server = RequestObservation { body: None, ..seen() };
        assert_eq!(fields(&expect, &against_your_server), Vec::<String>::new());
    }
}
