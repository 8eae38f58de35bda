//! A failure's evidence: what the page, the console and the server saw of each request, as
//! lines a reporter indents under the failure. Written once here, so that the table, the JUnit
//! body and the matrix tell the same story; a diff says *that* a scenario changed, the evidence
//! says what the browser and the server did.

use corsproof_scenario::Outcome;

use crate::observe::{Observation, ReasonSource, RequestObservation, SeenRequest};

/// The labels' column, so that the values line up (`server saw` is the longest).
const LABEL_WIDTH: usize = 11;

/// The evidence of `observation`, one line each, without indentation: the page and its origin,
/// then each request, numbered, with its outcome, what the page read, the console's words or
/// the script's error, and every request the server saw for it with its answer when known.
pub(crate) fn evidence(observation: &Observation) -> Vec<String> {
    let mut lines = vec![page(observation)];
    for (index, request) in observation.requests.iter().enumerate() {
        let number = format!("{}. ", index + 1);
        let indent = " ".repeat(number.chars().count());
        lines.push(format!("{number}{}: {}", request.request, fate(request)));
        let mut labelled = |label: &str, text: &str| {
            let mut text_lines = text.lines();
            let first = text_lines.next().unwrap_or_default();
            lines.push(format!("{indent}{label:<LABEL_WIDTH$} {first}"));
            for line in text_lines {
                lines.push(format!("{indent}{:LABEL_WIDTH$} {line}", ""));
            }
        };
        labelled("page read", &page_read(request));
        if let Some(reason) = &request.reason {
            labelled("console", reason);
        }
        if let Some(error) = &request.js_error {
            labelled("js error", error);
        }
        if let Some(seen) = &request.server_saw {
            let saw = if seen.is_empty() {
                "nothing".to_owned()
            } else {
                seen.iter().map(seen_request).collect::<Vec<_>>().join("\n")
            };
            labelled("server saw", &saw);
        }
    }
    lines
}

/// `page app at https://app.example.com`, or `page app ({app}, a mock origin)`.
fn page(observation: &Observation) -> String {
    let mut line = match &observation.page_origin {
        Some(origin) => format!("page {} at {origin}", observation.page),
        None => format!("page {0} ({{{0}}}, a mock origin)", observation.page),
    };
    if observation.sandbox {
        line.push_str(", sandboxed (its origin is opaque)");
    }
    line
}

/// `blocked (missing-allow-origin, blamed on the preflight)`.
fn fate(request: &RequestObservation) -> String {
    let mut details: Vec<&str> = Vec::new();
    if let Some(class) = request.reason_class {
        details.push(class.name());
    }
    if request.reason_in_preflight {
        details.push("blamed on the preflight");
    }
    if request.outcome == Outcome::Blocked && request.reason_source == Some(ReasonSource::Inferred) {
        details.push("inferred from the journal: the browser's console could not be read");
    }
    let outcome = request.outcome.name();
    if details.is_empty() { outcome.to_owned() } else { format!("{outcome} ({})", details.join(", ")) }
}

/// `status 200 (cors), headers content-type, x-total "3"` (the value of a header the scenario
/// asks about), or `no response`.
fn page_read(request: &RequestObservation) -> String {
    let response = match (request.status, &request.response_type) {
        (Some(status), Some(kind)) => format!("status {status} ({kind})"),
        (Some(status), None) => format!("status {status}"),
        (None, Some(kind)) => format!("a {kind} response"),
        (None, None) if request.readable_headers.is_empty() => return "no response".to_owned(),
        (None, None) => "a response".to_owned(),
    };
    if request.readable_headers.is_empty() {
        return format!("{response}, no header");
    }
    let headers: Vec<String> = request
        .readable_headers
        .iter()
        .map(|name| match request.header_values.shown(name) {
            Some(value) => format!("{name} {}", serde_json::Value::String(value.to_owned())),
            None => name.clone(),
        })
        .collect();
    format!("{response}, headers {}", headers.join(", "))
}

/// `OPTIONS (preflight) {api}/t/{token1}/data, origin {app}, access-control-request-method PUT
/// → 401`, then the answer's CORS headers, one a line, indented under it.
fn seen_request(seen: &SeenRequest) -> String {
    let mut line = format!("{} {}", seen.method, seen.url);
    let sent = [
        ("origin", &seen.origin),
        ("access-control-request-method", &seen.request_method),
        ("access-control-request-headers", &seen.request_headers),
    ];
    for (name, value) in sent {
        if let Some(value) = value {
            line.push_str(&format!(", {name} {value}"));
        }
    }
    for (rode, name) in [(seen.cookies, "cookies"), (seen.authorization, "authorization")] {
        if rode {
            line.push_str(&format!(", {name}"));
        }
    }
    // The headers the scenario's `expect.server_saw` names, with the value received.
    for (name, value) in seen.headers.iter().filter(|(name, _)| !sent.iter().any(|(shown, _)| shown == name))
    {
        match value {
            Some(value) => line.push_str(&format!(", {name} `{value}`")),
            None => line.push_str(&format!(", no {name}")),
        }
    }
    if let Some(status) = seen.status {
        line.push_str(&format!(" → {status}"));
    }
    for header in &seen.cors_headers {
        line.push_str(&format!("\n  {header}"));
    }
    line
}

#[cfg(test)]
mod tests {
    use crate::observe::HeaderValues;
    use corsproof_scenario::{Outcome, ReasonClass};

    use super::*;

    fn request(outcome: Outcome) -> RequestObservation {
        RequestObservation::bare("GET {api}/t/{token1}/data", outcome)
    }

    fn observation(requests: Vec<RequestObservation>) -> Observation {
        Observation {
            scenario: "one".into(),
            about: "About it".into(),
            page: "app".into(),
            page_origin: None,
            sandbox: false,
            requests,
        }
    }

    #[test]
    fn a_blocked_preflight_shows_what_each_witness_saw_aligned() {
        let mut blocked = request(Outcome::Blocked);
        blocked.request = "POST {target}/api/items".into();
        blocked.reason_class = Some(ReasonClass::PreflightStatus);
        blocked.reason_in_preflight = true;
        blocked.reason = Some("Access to fetch at '{target}/api/items' was blocked".into());
        blocked.js_error = Some("TypeError: Failed to fetch".into());
        blocked.server_saw = Some(vec![SeenRequest {
            method: "OPTIONS (preflight)".into(),
            url: "{target}/api/items".into(),
            origin: Some("https://app.example.com".into()),
            request_method: Some("POST".into()),
            request_headers: Some("content-type".into()),
            cookies: false,
            authorization: true,
            headers: [
                ("access-control-request-headers", Some("content-type")),
                ("cookie", None),
                ("referer", Some("{app}/")),
            ]
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value.map(str::to_owned)))
            .collect(),
            received_headers: Vec::new(),
            status: Some(401),
            cors_headers: vec!["access-control-allow-origin: https://app.example.com".into()],
        }]);
        let mut allowed = request(Outcome::Allowed);
        allowed.status = Some(200);
        allowed.response_type = Some("cors".into());
        allowed.readable_headers = vec!["content-type".into(), "x-total".into()];
        allowed.header_values = HeaderValues::read(
            [("content-type", "text/plain"), ("x-total", "3")].map(|(n, v)| (n.into(), v.into())),
        );
        allowed.header_values.ask(["x-total".to_owned()]);
        allowed.server_saw = Some(vec![]);
        let mut observation = observation(vec![blocked, allowed, request(Outcome::Timeout)]);
        observation.page_origin = Some("https://app.example.com".into());
        assert_eq!(
            evidence(&observation),
            [
                "page app at https://app.example.com",
                "1. POST {target}/api/items: blocked (preflight-status, blamed on the preflight)",
                "   page read   no response",
                "   console     Access to fetch at '{target}/api/items' was blocked",
                "   js error    TypeError: Failed to fetch",
                "   server saw  OPTIONS (preflight) {target}/api/items, origin https://app.example.com, \
                 access-control-request-method POST, access-control-request-headers content-type, \
                 authorization, no cookie, referer `{app}/` → 401",
                "                 access-control-allow-origin: https://app.example.com",
                "2. GET {api}/t/{token1}/data: allowed",
                "   page read   status 200 (cors), headers content-type, x-total \"3\"",
                "   server saw  nothing",
                "3. GET {api}/t/{token1}/data: timeout",
                "   page read   no response",
            ]
        );
    }

    #[test]
    fn a_mock_origin_is_named_by_its_placeholder_and_a_sandbox_said() {
        let mut observation = observation(vec![]);
        assert_eq!(evidence(&observation), ["page app ({app}, a mock origin)"]);
        observation.sandbox = true;
        assert_eq!(
            evidence(&observation),
            ["page app ({app}, a mock origin), sandboxed (its origin is opaque)"]
        );
    }

    #[test]
    fn numbers_of_two_digits_keep_their_requests_aligned() {
        let observation = observation(vec![request(Outcome::NetworkError); 10]);
        let lines = evidence(&observation);
        assert_eq!(lines[lines.len() - 2], "10. GET {api}/t/{token1}/data: network-error");
        assert_eq!(lines[lines.len() - 1], "    page read   no response");
    }
}
