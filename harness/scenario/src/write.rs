//! A scenario back to its file format: a generated or shrunk case is printed as a scenario,
//! ready to add to the corpus. Only what differs from the defaults is written.

use std::fmt::Write;

use corsproof_behaviour::{Behaviour, vocabulary};

use crate::model::{
    Api, Credentials, ExpectedHeader, ExpectedHop, HeaderReading, Mode, RedirectMode, RequestStep, Scenario,
};

/// `scenario` as a `[[scenario]]` block that [`parse_str`](crate::parse_str) reads back to the
/// same scenario (its `line` aside).
///
/// ```
/// use std::path::Path;
/// let text = "[[scenario]]\nname = \"a\"\nabout = \"A GET\"\npage = \"app\"\n\n\
///             [[scenario.request]]\nto = \"api\"\n\n[scenario.request.expect]\noutcome = \"blocked\"\n";
/// let file = corsproof_scenario::parse_str(Path::new("a.toml"), text).unwrap();
/// let again = corsproof_scenario::to_toml(&file.scenarios[0]);
/// assert_eq!(corsproof_scenario::parse_str(Path::new("a.toml"), &again).unwrap(), file);
/// ```
pub fn to_toml(scenario: &Scenario) -> String {
    let mut out = String::from("[[scenario]]\n");
    line(&mut out, "name", &quote(&scenario.name));
    line(&mut out, "about", &quote(&scenario.about));
    line(&mut out, "page", &quote(&scenario.page));
    if scenario.sandbox {
        line(&mut out, "sandbox", "true");
    }
    if scenario.public_page {
        line(&mut out, "public_page", "true");
    }
    if scenario.local_network_granted {
        line(&mut out, "local_network_granted", "true");
    }
    for cookie in &scenario.cookies {
        out.push_str("\n[[scenario.cookie]]\n");
        line(&mut out, "origin", &quote(&cookie.origin));
        line(&mut out, "set_cookie", &quote(&cookie.set_cookie));
    }
    for step in &scenario.requests {
        out.push_str("\n[[scenario.request]]\n");
        request(&mut out, step);
    }
    out
}

fn request(out: &mut String, step: &RequestStep) {
    if let Some(to) = &step.to {
        line(out, "to", &quote(to));
    }
    if let Some(earlier) = step.same_url_as {
        line(out, "same_url_as", &(earlier + 1).to_string());
    } else if step.path != "/" {
        line(out, "path", &quote(&step.path));
    }
    if step.method != "GET" {
        line(out, "method", &quote(&step.method));
    }
    if !step.headers.is_empty() {
        let pairs: Vec<String> =
            step.headers.iter().map(|(name, value)| format!("{} = {}", quote(name), quote(value))).collect();
        line(out, "headers", &format!("{{ {} }}", pairs.join(", ")));
    }
    if let Some(body) = &step.body {
        line(out, "body", &quote(body));
    }
    if step.credentials != Credentials::default() {
        line(out, "credentials", &quote(step.credentials.name()));
    }
    if step.mode != Mode::default() {
        line(out, "mode", &quote(step.mode.name()));
    }
    if step.redirect != RedirectMode::default() {
        line(out, "redirect", &quote(step.redirect.name()));
    }
    if step.api != Api::default() {
        line(out, "api", &quote(step.api.name()));
    }
    let options = &step.options;
    if let Some(policy) = options.referrer_policy {
        line(out, "referrer_policy", &quote(policy.name()));
    }
    if options.keepalive {
        line(out, "keepalive", "true");
    }
    if let Some(cache) = options.cache {
        line(out, "cache", &quote(cache.name()));
    }
    if let Some(priority) = options.priority {
        line(out, "priority", &quote(priority.name()));
    }
    if let Some(behaviour) = &step.server {
        out.push_str("\n[scenario.request.server]\n");
        server(out, behaviour);
    }
    out.push_str("\n[scenario.request.expect]\n");
    let expect = &step.expect;
    line(out, "outcome", &quote(expect.outcome.name()));
    let flags = [
        ("preflight", expect.preflight),
        ("reached_server", expect.reached_server),
        ("cookies_sent", expect.cookies_sent),
    ];
    for (key, flag) in flags {
        if let Some(flag) = flag {
            line(out, key, &flag.to_string());
        }
    }
    if let Some(reason) = expect.reason {
        line(out, "reason", &quote(reason.name()));
    }
    if let Some(status) = expect.status {
        line(out, "status", &status.to_string());
    }
    for (key, names) in
        [("readable_headers", &expect.readable_headers), ("hidden_headers", &expect.hidden_headers)]
    {
        if !names.is_empty() {
            let names: Vec<String> = names.iter().map(|name| quote(name)).collect();
            line(out, key, &format!("[{}]", names.join(", ")));
        }
    }
    if let Some(response_type) = expect.response_type {
        line(out, "response_type", &quote(response_type.name()));
    }
    if let Some(body) = &expect.body {
        line(out, "body", &quote(body));
    }
    if !expect.headers.is_empty() {
        let pairs: Vec<String> = expect
            .headers
            .iter()
            .map(|(name, reading)| match reading {
                HeaderReading::Value(value) => format!("{} = {}", quote(name), quote(value)),
                HeaderReading::Unreadable => format!("{} = false", quote(name)),
            })
            .collect();
        line(out, "headers", &format!("{{ {} }}", pairs.join(", ")));
    }
    if expect.server_saw.as_ref().is_some_and(Vec::is_empty) {
        line(out, "server_saw", "[]");
    }
    for hop in expect.server_saw.iter().flatten() {
        out.push_str("\n[[scenario.request.expect.server_saw]]\n");
        server_saw_entry(out, hop);
    }
}

/// One `server_saw` entry: its method, and the URL and headers it checks.
fn server_saw_entry(out: &mut String, hop: &ExpectedHop) {
    line(out, "method", &quote(hop.method.name()));
    if let Some(url) = &hop.url {
        line(out, "url", &quote(url));
    }
    if let Some(origin) = &hop.origin {
        line(out, "origin", &received(origin));
    }
    if !hop.headers.is_empty() {
        let pairs: Vec<String> = hop
            .headers
            .iter()
            .map(|(name, value)| format!("{} = {}", quote(name), received(value)))
            .collect();
        line(out, "headers", &format!("{{ {} }}", pairs.join(", ")));
    }
}

/// A received header's expected value as the file writes it: the value, `true` or `false`.
fn received(expected: &ExpectedHeader) -> String {
    match expected {
        ExpectedHeader::Value(value) => quote(value),
        ExpectedHeader::Present => "true".to_owned(),
        ExpectedHeader::Absent => "false".to_owned(),
    }
}

/// The behaviour as a table, in the vocabulary's order: a repeated word becomes a list.
fn server(out: &mut String, behaviour: &Behaviour) {
    for (key, values) in vocabulary::to_words(behaviour) {
        let value = match &values[..] {
            [one] => quote(one),
            many => format!("[{}]", many.iter().map(|value| quote(value)).collect::<Vec<_>>().join(", ")),
        };
        line(out, &key, &value);
    }
}

fn line(out: &mut String, key: &str, value: &str) {
    let _ = writeln!(out, "{key} = {value}");
}

/// A TOML basic string.
fn quote(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}
