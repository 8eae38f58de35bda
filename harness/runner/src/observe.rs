//! What happened to each request, from three witnesses: the page (what JavaScript saw), the
//! console (why the browser refused), and the journal (what reached the server).

use std::collections::BTreeMap;

use corsproof_behaviour::NamedOrigin;
use corsproof_browser::{ConsoleEntry, PageResult};
use corsproof_oracle::{ConsoleTable, Engine};
use corsproof_scenario::{Expectation, HOST_SUFFIX, HopMethod, Outcome, ReasonClass, Scenario};
use corsproof_server::{Entry, Journal, TargetAnswer};
use serde::Serialize;

use crate::plan::PlannedScenario;

/// A scenario as the browser and the server lived it, with ports and tokens redacted so that
/// it reads the same on every run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Observation {
    /// The scenario's name.
    pub scenario: String,
    /// What it proves.
    pub about: String,
    /// The page's origin name.
    pub page: String,
    /// The page's origin when the user chose it (`[pages]` in `corsproof.toml`, `--page`), so
    /// that a failure shows which origin the server was asked to allow; absent on a mock origin,
    /// which `page` names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_origin: Option<String>,
    /// Whether the page was sandboxed, its origin opaque.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub sandbox: bool,
    /// One entry per request, in order.
    pub requests: Vec<RequestObservation>,
}

impl Observation {
    /// What a snapshot keeps of the observation, which must read the same on every run: of the
    /// response headers' values only those the scenario's `expect.headers` names, and of the
    /// request headers the server received only those its `expect.server_saw` names (`headers`),
    /// so that a `Date` or a browser's `User-Agent` does not make it differ. The observation
    /// itself keeps them all, for the JSON report.
    pub fn snapshot_view(&self) -> Observation {
        let mut view = self.clone();
        for request in &mut view.requests {
            request.header_values = request.header_values.asked_only();
            for seen in request.server_saw.iter_mut().flatten() {
                seen.received_headers.clear();
            }
        }
        view
    }

    /// Leaves out the bodies the page read. Against `--target` they are the user's data, which
    /// neither a snapshot nor a report keeps; the scenario's `expect.body` is checked first.
    pub fn leave_out_bodies(&mut self) {
        for request in &mut self.requests {
            request.body = None;
        }
    }
}

/// One request's fate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestObservation {
    /// Method and URL as the page asked (`PUT {api}/t/{token1}/data`).
    pub request: String,
    /// Allowed, blocked, a network error, or a timeout.
    pub outcome: Outcome,
    /// The class of the browser's reason, for blocks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason_class: Option<ReasonClass>,
    /// Whether the browser blamed the preflight.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub reason_in_preflight: bool,
    /// The browser's own words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// How the outcome and reason of a request that was not allowed were obtained: from the
    /// engine's console, or inferred from the page and the journal when the engine said nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason_source: Option<ReasonSource>,
    /// What JavaScript saw when it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub js_error: Option<String>,
    /// The status the page read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The response type (`cors`, `basic`, `opaque`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_type: Option<String>,
    /// The response header names the page could read, sorted.
    pub readable_headers: Vec<String>,
    /// Their values as the page read them, every one; a snapshot keeps only those the
    /// scenario's `expect.headers` names (see [`Observation::snapshot_view`]).
    #[serde(skip_serializing_if = "HeaderValues::is_empty")]
    pub header_values: HeaderValues,
    /// The body the page read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Whether a preflight reached the server (unknown against `--target`).
    pub preflight: Option<bool>,
    /// Whether the actual request reached the server (unknown against `--target`).
    pub reached_server: Option<bool>,
    /// Every request the server received for this one, in order (none against `--target`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_saw: Option<Vec<SeenRequest>>,
}

impl RequestObservation {
    /// Whether the actual request reached the server with cookies (unknown against `--target`).
    pub fn cookies_sent(&self) -> Option<bool> {
        let saw = self.server_saw.as_ref()?;
        Some(saw.iter().any(|seen| seen.cookies && !seen.is_preflight()))
    }
}

/// How a request's outcome and reason were obtained, for a request that was not allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonSource {
    /// The engine's console named the request: the reason is the engine's own words, and a
    /// block is a block because the engine said so.
    Console,
    /// The engine said nothing of the request (its console cannot be read, or held no line
    /// for it): the outcome is read from what the page saw and what the server received.
    Inferred,
}

#[cfg(test)]
impl RequestObservation {
    /// A request that ended in `outcome` with nothing else observed: where a test's observation
    /// starts, so that each test names only the fields it is about.
    pub(crate) fn bare(request: &str, outcome: Outcome) -> Self {
        RequestObservation {
            request: request.to_owned(),
            outcome,
            reason_class: None,
            reason_in_preflight: false,
            reason: None,
            reason_source: None,
            js_error: None,
            status: None,
            response_type: None,
            readable_headers: vec![],
            header_values: HeaderValues::default(),
            body: None,
            preflight: None,
            reached_server: None,
            server_saw: None,
        }
    }
}

/// Every response header the page could read, with the value it read (`headers.get()`'s:
/// several values of one name joined by `, `), and the names the scenario asks about
/// (`expect.headers`). It serializes as a map of every header the page read to its value, the
/// whole response for a report (`run --json`); a snapshot keeps only the asked names'
/// ([`HeaderValues::asked_only`]), since it must read the same on every run, and a `Date` or an
/// `ETag` the page may read does not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderValues {
    /// (lower-case name, value), sorted by name, each name once.
    read: Vec<(String, String)>,
    /// Lower-case names the scenario asks about.
    asked: Vec<String>,
}

impl HeaderValues {
    /// The headers a page read, as `(name, value)` pairs in any case and order; a name read
    /// twice has its values joined by `, `, as `headers.get()` joins them.
    pub fn read(headers: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut read: Vec<(String, String)> = Vec::new();
        for (name, value) in headers {
            let name = name.to_ascii_lowercase();
            match read.iter_mut().find(|(earlier, _)| *earlier == name) {
                Some((_, earlier)) => {
                    earlier.push_str(", ");
                    earlier.push_str(&value);
                }
                None => read.push((name, value)),
            }
        }
        read.sort();
        Self { read, asked: Vec::new() }
    }

    /// Marks `names` (lower-case) as asked about, so that a snapshot keeps their values.
    pub fn ask(&mut self, names: impl IntoIterator<Item = String>) {
        self.asked.extend(names);
    }

    /// The value the page read for `name` (lower-case); `None` when it could not read it.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.read.iter().find(|(read, _)| read == name).map(|(_, value)| value.as_str())
    }

    /// The value the page read for `name` when the scenario asks about it: what a snapshot and a
    /// failure's evidence show.
    pub fn shown(&self, name: &str) -> Option<&str> {
        self.asked.iter().any(|asked| asked == name).then(|| self.get(name)).flatten()
    }

    /// Every header the page read with its value, sorted by name.
    pub fn all(&self) -> &[(String, String)] {
        &self.read
    }

    /// Whether it serializes to nothing: the page read no header.
    pub fn is_empty(&self) -> bool {
        self.read.is_empty()
    }

    /// The values of the headers the scenario asks about and nothing else: what a snapshot
    /// keeps.
    pub fn asked_only(&self) -> Self {
        let read = self.read.iter().filter(|(name, _)| self.asked.contains(name)).cloned().collect();
        Self { read, asked: self.asked.clone() }
    }
}

impl Serialize for HeaderValues {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        for (name, value) in self.all() {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// One request as the mock server received it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeenRequest {
    /// `OPTIONS (preflight)`, `GET`, ...
    pub method: String,
    /// The URL without its query.
    pub url: String,
    /// The `Origin` header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// `Access-Control-Request-Method`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_method: Option<String>,
    /// `Access-Control-Request-Headers`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_headers: Option<String>,
    /// Whether cookies rode along.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub cookies: bool,
    /// Whether an `Authorization` header rode along.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub authorization: bool,
    /// The request headers the scenario's `expect.server_saw` names for this request, each with
    /// its value as received (`~`: not sent): what a snapshot records of them, so that engine
    /// noise (`User-Agent`) stays out of snapshots unless a scenario asks for it.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, Option<String>>,
    /// Every request header as received, (lower-case name, value) in arrival order, redacted:
    /// what `expect.server_saw` is checked against and what the JSON report carries. Not in
    /// snapshots (see `headers` and [`Observation::snapshot_view`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub received_headers: Vec<(String, String)>,
    /// The status the server answered with, when the journal saw the answer: a request to
    /// `--target` passes through the recording proxy, which sees it; the mock origins' answers
    /// are the scenario's own `server` table.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The CORS headers of that answer (`Access-Control-*` and `Vary`), as `name: value` in the
    /// order sent: the part of the server's answer a browser judges.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cors_headers: Vec<String>,
}

impl SeenRequest {
    /// Whether this was the browser's preflight.
    pub fn is_preflight(&self) -> bool {
        self.method == HopMethod::PREFLIGHT
    }

    /// The value of request header `name` (lower-case) as received; several lines of one name
    /// read as one value, joined as HTTP joins them (`; ` for `cookie`, which HTTP/2 may split).
    pub fn received(&self, name: &str) -> Option<String> {
        let values: Vec<&str> = self
            .received_headers
            .iter()
            .filter(|(received, _)| received == name)
            .map(|(_, value)| value.as_str())
            .collect();
        let separator = if name == "cookie" { "; " } else { ", " };
        (!values.is_empty()).then(|| values.join(separator))
    }
}

/// Replaces run-specific text (origin URLs with ports, tokens) with stable names.
#[derive(Debug, Clone)]
pub struct Redactor {
    /// (text, replacement), longest text first so that no replacement cuts another.
    replacements: Vec<(String, String)>,
}

impl Redactor {
    /// Redacts the origins' URLs to `{name}`, your server's (`--target`, whose port may differ
    /// from run to run) to `{target}`, and the scenario's tokens to `{token1}`, `{token2}`...
    /// A page origin the user chose stays as it is: it is the same on every run.
    pub fn new(origins: &[NamedOrigin], target: Option<&str>, planned: &PlannedScenario) -> Self {
        let mut replacements: Vec<(String, String)> =
            origins.iter().map(|origin| (origin.url(), format!("{{{}}}", origin.name))).collect();
        // An origin's host and port alone (a `Host` header, a URL with userinfo), after its URL:
        // the longer text is replaced first.
        replacements.extend(origins.iter().map(|origin| {
            (format!("{}:{}", origin.host, origin.port), format!("{{{}{HOST_SUFFIX}}}", origin.name))
        }));
        replacements
            .extend(target.map(|target| (target.trim_end_matches('/').to_owned(), "{target}".to_owned())));
        let mut tokens: Vec<&str> = Vec::new();
        for step in planned.steps.iter().filter(|_| !planned.your_server) {
            if !tokens.contains(&step.token.as_str()) {
                tokens.push(&step.token);
            }
        }
        for (index, token) in tokens.iter().enumerate() {
            replacements.push((token.to_string(), format!("{{token{}}}", index + 1)));
        }
        replacements.sort_by_key(|(text, _)| std::cmp::Reverse(text.len()));
        Self { replacements }
    }

    /// `text` with every known run-specific part replaced and the query dropped from our URLs.
    pub fn redact(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for (from, to) in &self.replacements {
            if text.contains(from.as_str()) {
                text = text.replace(from.as_str(), to);
            }
        }
        redact_null_principals(&drop_token_queries(&text))
    }
}

/// Firefox names an opaque origin by a fresh UUID (`moz-nullprincipal:{b681af7d-...}`); it
/// becomes `moz-nullprincipal:{uuid}`.
fn redact_null_principals(text: &str) -> String {
    const MARK: &str = "moz-nullprincipal:{";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(MARK) {
        let (before, after) = rest.split_at(start + MARK.len());
        out.push_str(before);
        match after.find('}') {
            Some(end) if after[..end].chars().all(|c| c.is_ascii_hexdigit() || c == '-') => {
                out.push_str("uuid");
                rest = &after[end..];
            }
            _ => rest = after,
        }
    }
    out.push_str(rest);
    out
}

/// Removes the query of every `/t/{tokenN}...` URL in `text`: the behaviour the runner put
/// there is the scenario's server table, not something the browser said.
fn drop_token_queries(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("/t/{token") {
        let (before, url) = rest.split_at(start);
        out.push_str(before);
        // The URL ends at a quote (Firefox's typographic ’ and ” too), a space or a parenthesis, or
        // at a full stop before a space
        // (Firefox's "... at URL. (Reason: ..."); a URL holds no space, so no full stop before one.
        let bytes = url.as_bytes();
        let end = url
            .char_indices()
            .find(|&(i, c)| {
                matches!(c, '\'' | '"' | ')' | '\u{2019}' | '\u{201d}')
                    || c.is_whitespace()
                    || (c == '.' && bytes.get(i + 1).is_none_or(|next| next.is_ascii_whitespace()))
            })
            .map_or(url.len(), |(i, _)| i);
        let (whole, after) = url.split_at(end);
        out.push_str(whole.split('?').next().unwrap_or(whole));
        rest = after;
    }
    out.push_str(rest);
    out
}

/// Whether the runner can read the engine's console, where the reasons for blocks are.
#[derive(Debug, Clone, Copy)]
pub enum Console {
    /// Chromium (`se/log`), Firefox (WebDriver BiDi) and WebKit (its remote Web Inspector): a
    /// block is known by its message, read with the engine's console table.
    Readable(&'static ConsoleTable),
    /// A console no one can read (WebKit behind a `--webdriver` URL, whose console only the
    /// inspector of a browser corsproof starts serves). A failed request the server answered is
    /// read as a block (the network delivered a response and the browser withheld it), one that
    /// never reached the server as a network error; the reason stays unknown, and each such
    /// observation says it was [`ReasonSource::Inferred`].
    Unavailable,
}

impl Console {
    /// How `engine`'s console is read: whether it can be is the browser crate's to say, the
    /// sentences to read it with are the oracle's.
    pub fn of(engine: Engine) -> Self {
        if corsproof_browser::console_readable(engine) {
            Console::Readable(engine.console())
        } else {
            Console::Unavailable
        }
    }

    /// How one session's console is read: as [`Console::of`] its engine says, unless the
    /// session cannot read it (`reads_console`, [`Browser::reads_console`](corsproof_browser::Browser::reads_console)).
    pub fn of_session(engine: Engine, reads_console: bool) -> Self {
        if reads_console { Self::of(engine) } else { Console::Unavailable }
    }
}

/// Builds the observation of one scenario from its planned requests and the three witnesses.
/// `journal` is `None` when there is no server-side witness. Against your server the bodies the
/// page read are left out: they are your application's data, which may change from run to run,
/// and a snapshot holds what CORS decided.
pub fn observe(
    scenario: &Scenario,
    planned: &PlannedScenario,
    results: &[PageResult],
    console_access: Console,
    console: &[ConsoleEntry],
    journal: Option<&Journal>,
    redactor: &Redactor,
) -> Observation {
    let mut consumed = vec![false; console.len()];
    let requests = planned
        .steps
        .iter()
        .zip(results)
        .enumerate()
        .map(|(index, (step, result))| {
            let seen = journal.map(|journal| journal_of(planned, results, index, journal));
            let mut observation = from_page(&step.request.method, &step.request.url, result, redactor);
            if let Some(written) = scenario.requests.get(index) {
                observation.header_values.ask(written.expect.headers.iter().map(|(name, _)| name.clone()));
            }
            let mut blame_unknown = false;
            if observation.outcome != Outcome::Allowed
                && observation.outcome != Outcome::Timeout
                && let Console::Readable(table) = console_access
            {
                blame_unknown = explain(
                    &mut observation,
                    &step.token,
                    &step.request.url,
                    table,
                    console,
                    &mut consumed,
                    redactor,
                );
            }
            if let Some(seen) = seen {
                observation.preflight = Some(seen.iter().any(|entry| entry.preflight));
                observation.reached_server = Some(seen.iter().any(|entry| !entry.preflight));
                if matches!(console_access, Console::Unavailable)
                    && observation.outcome == Outcome::NetworkError
                    && !seen.is_empty()
                {
                    observation.outcome = Outcome::Blocked;
                    blame_unknown = true;
                }
                if blame_unknown {
                    // The message does not say which response failed (Firefox's origin and
                    // credentials reasons, WebKit's; or no message was read): the preflight did
                    // when it was the last request the server saw, on any hop of a redirect
                    // chain.
                    observation.reason_in_preflight = seen.last().is_some_and(|entry| entry.preflight);
                }
                let named = named_headers(&scenario.requests[index].expect);
                observation.server_saw =
                    Some(seen.iter().map(|entry| seen_request(entry, &named, redactor)).collect());
            }
            if observation.outcome != Outcome::Allowed && observation.reason_source.is_none() {
                observation.reason_source = Some(ReasonSource::Inferred);
            }
            observation
        })
        .collect();
    Observation {
        scenario: scenario.name.clone(),
        about: scenario.about.clone(),
        page: scenario.page.clone(),
        page_origin: planned.page_origin.clone(),
        sandbox: scenario.sandbox,
        requests,
    }
}

/// The journal entries request `index` of a scenario made, in arrival order: those after the
/// count the page read before it, up to the count the next request on the same journal read.
pub(crate) fn journal_of(
    planned: &PlannedScenario,
    results: &[PageResult],
    index: usize,
    journal: &Journal,
) -> Vec<Entry> {
    let step = &planned.steps[index];
    let entries = journal.entries(&step.journal);
    let until = planned.steps[index + 1..]
        .iter()
        .zip(&results[index + 1..])
        .find(|(later, _)| later.journal == step.journal)
        .and_then(|(_, later)| later.journal_before)
        .unwrap_or(entries.len());
    let from = results.get(index).and_then(|result| result.journal_before).unwrap_or(0).min(until);
    entries[from..until.min(entries.len())].to_vec()
}

fn from_page(method: &str, url: &str, result: &PageResult, redactor: &Redactor) -> RequestObservation {
    let outcome = match result.outcome.as_str() {
        "response" => Outcome::Allowed,
        "timeout" => Outcome::Timeout,
        _ => Outcome::NetworkError,
    };
    let mut readable_headers: Vec<String> =
        result.headers.iter().map(|(name, _)| name.to_ascii_lowercase()).collect();
    readable_headers.sort();
    readable_headers.dedup();
    let allowed = outcome == Outcome::Allowed;
    RequestObservation {
        request: format!("{method} {}", redactor.redact(url)),
        outcome,
        reason_class: None,
        reason_in_preflight: false,
        reason: None,
        reason_source: None,
        js_error: result.error.as_deref().map(|error| redactor.redact(error)),
        status: result.status.filter(|_| allowed),
        response_type: result.response_type.clone().filter(|_| allowed),
        readable_headers,
        header_values: HeaderValues::read(
            result.headers.iter().map(|(name, value)| (name.clone(), redactor.redact(value))),
        ),
        body: result.body.as_deref().filter(|_| allowed).map(|body| redactor.redact(body)),
        preflight: None,
        reached_server: None,
        server_saw: None,
    }
}

/// Finds the console's reason for a failed request: a CORS block (read with the engine's
/// `table`), else a network error. A message belongs to the request when it names the request's
/// token (mock origins) or, for a URL without one (`--target`), the request's exact URL. A block
/// line that holds none of the engine's sentences (it reads as [`ReasonClass::Other`]) is
/// completed by the line the engine prints
/// after it for the same URL ([`ConsoleTable::block_echo`]): WebKit prints its sentence, then
/// `Fetch API cannot load <url> due to access control checks.`, then, of the same URL, `Failed
/// to load resource: <sentence>`; the reason is the sentence (taken from that last line, the one
/// that names the request) and the block line, in the order printed. Returns whether the block's message left
/// open which response failed (for the journal to tell).
fn explain(
    observation: &mut RequestObservation,
    token: &str,
    url: &str,
    table: &ConsoleTable,
    console: &[ConsoleEntry],
    consumed: &mut [bool],
    redactor: &Redactor,
) -> bool {
    let tokened = url.contains(&format!("/t/{token}"));
    let mentions = |entry: &ConsoleEntry| {
        if tokened {
            ["/", "?", "-", "'", "#", ". "]
                .iter()
                .any(|end| entry.message.contains(&format!("/t/{token}{end}")))
        } else {
            // Chromium quotes the URL; Firefox ends it with ". (Reason: ...".
            ["'", " ", "\"", ". ("].iter().any(|end| entry.message.contains(&format!("{url}{end}")))
        }
    };
    let pick = |wanted: &dyn Fn(&str) -> bool, consumed: &mut [bool]| {
        let index = console
            .iter()
            .enumerate()
            .position(|(i, entry)| !consumed[i] && mentions(entry) && wanted(&entry.message))?;
        consumed[index] = true;
        Some(message_text(&console[index].message))
    };
    if let Some(mut message) = pick(&|text| table.is_block(text), consumed) {
        // The line the engine may print after a block for the same URL belongs to the block.
        let echo = table.block_echo.and_then(|words| {
            let echo = pick(&|text| text.contains(words), consumed)?;
            Some(echo.split_once(words).map_or_else(|| echo.clone(), |(_, sentence)| sentence.to_owned()))
        });
        if let Some(sentence) = echo.filter(|_| table.read_class(&message) == ReasonClass::Other) {
            message = format!("{sentence}\n{message}");
        }
        let Some(reading) = table.read(&message) else { unreachable!("picked as a block") };
        observation.outcome = Outcome::Blocked;
        observation.reason_class = Some(reading.class);
        observation.reason_in_preflight = reading.in_preflight.unwrap_or(false);
        observation.reason = Some(redactor.redact(&message));
        observation.reason_source = Some(ReasonSource::Console);
        reading.in_preflight.is_none()
    } else {
        if let Some(message) = pick(&|_| true, consumed) {
            observation.reason = Some(redactor.redact(&message));
            observation.reason_source = Some(ReasonSource::Console);
        }
        false
    }
}

/// A console message without the "URL line:column" or "URL - " prefix Chromium puts first.
fn message_text(message: &str) -> String {
    let text = match message.split_once(" - ") {
        Some((source, text)) if source.starts_with("http") && !source.contains(' ') => text,
        _ => message,
    };
    text.trim().trim_matches('"').to_owned()
}

/// The request headers `expect.server_saw` names on any hop of one request (lower-case), which
/// the snapshot records on every hop of it.
fn named_headers(expect: &Expectation) -> Vec<&str> {
    let mut names: Vec<&str> = expect
        .server_saw
        .iter()
        .flatten()
        .flat_map(|hop| hop.headers.iter().map(|(name, _)| name.as_str()))
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

fn seen_request(entry: &Entry, named: &[&str], redactor: &Redactor) -> SeenRequest {
    let authority = entry.authority.as_deref().unwrap_or("?");
    let received_headers: Vec<(String, String)> = entry
        .headers
        .iter()
        .map(|(name, value)| (name.to_ascii_lowercase(), redactor.redact(value)))
        .collect();
    let mut seen = SeenRequest {
        // A preflight is an OPTIONS by definition; scenario files name it the same way.
        method: if entry.preflight { HopMethod::PREFLIGHT.to_owned() } else { entry.method.clone() },
        url: redactor.redact(&format!("{}://{authority}{}", entry.scheme, entry.path)),
        origin: entry.origin().map(|origin| redactor.redact(origin)),
        request_method: entry.header("access-control-request-method").map(str::to_owned),
        request_headers: entry.header("access-control-request-headers").map(str::to_owned),
        cookies: entry.header("cookie").is_some(),
        authorization: entry.header("authorization").is_some(),
        headers: BTreeMap::new(),
        received_headers,
        status: match &entry.answer {
            Some(TargetAnswer::Response { status, .. }) => Some(*status),
            _ => None,
        },
        cors_headers: match &entry.answer {
            Some(TargetAnswer::Response { headers, .. }) => headers
                .iter()
                .filter(|(name, _)| is_cors_header(name))
                .map(|(name, value)| format!("{name}: {}", redactor.redact(value)))
                .collect(),
            _ => Vec::new(),
        },
    };
    seen.headers = named.iter().map(|name| (name.to_string(), seen.received(name))).collect();
    seen
}

/// Whether a response header is part of what a browser's CORS check reads: the
/// `Access-Control-*` headers and `Vary` (which keeps a cached answer for one origin from
/// another's).
fn is_cors_header(name: &str) -> bool {
    name.starts_with("access-control-") || name == "vary"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_of_token_urls_are_dropped_and_other_text_kept() {
        let text =
            "Access to fetch at '{api}/t/{token1}/data?acao=origin&x=1' from origin '{app}' (see ?help)";
        assert_eq!(
            drop_token_queries(text),
            "Access to fetch at '{api}/t/{token1}/data' from origin '{app}' (see ?help)"
        );
    }

    #[test]
    fn firefox_urls_end_before_the_full_stop() {
        let text = "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at {api}/t/{token1}/data?acao=none. (Reason: CORS header 'Access-Control-Allow-Origin' missing). Status code: 200.";
        assert_eq!(
            drop_token_queries(text),
            "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at {api}/t/{token1}/data. (Reason: CORS header 'Access-Control-Allow-Origin' missing). Status code: 200."
        );
        assert_eq!(drop_token_queries("at {api}/t/{token1}/a.json?x=1."), "at {api}/t/{token1}/a.json.");
        assert_eq!(
            drop_token_queries("at \u{2018}{api}/t/{token1}/me?acao=*\u{2019}. (R"),
            "at \u{2018}{api}/t/{token1}/me\u{2019}. (R"
        );
    }

    #[test]
    fn an_origins_host_and_port_alone_is_redacted_after_its_url() {
        let origins = NamedOrigin::table(|listener| match listener {
            corsproof_behaviour::Listener::HttpA => 8001,
            corsproof_behaviour::Listener::HttpB => 8002,
            corsproof_behaviour::Listener::Https => 8443,
        });
        let planned = PlannedScenario {
            page_url: String::new(),
            page_origin: None,
            your_server: false,
            local_network_granted: None,
            steps: vec![],
            cookie_urls: vec![],
        };
        let redactor = Redactor::new(&origins, None, &planned);
        assert_eq!(
            redactor
                .redact("http://user:pass@api.test:8002/x from http://app.test:8001, Host: site2.test:8443"),
            "http://user:pass@{api-host}/x from {app}, Host: {site2-https-host}"
        );
    }

    #[test]
    fn firefox_null_principals_lose_their_uuid() {
        assert_eq!(
            redact_null_principals(
                "Content at moz-nullprincipal:{b681af7d-9cfb-4c5c-a818-2f84e298c489}?{app} may not load data"
            ),
            "Content at moz-nullprincipal:{uuid}?{app} may not load data"
        );
        assert_eq!(
            redact_null_principals("moz-nullprincipal:{not a uuid}"),
            "moz-nullprincipal:{not a uuid}"
        );
    }

    /// What the page saw of a request that failed.
    fn failed() -> PageResult {
        serde_json::from_value(serde_json::json!({
            "id": "1", "outcome": "error", "status": null, "status_text": null, "type": null,
            "redirected": null, "url": null, "headers": [], "body": null,
            "error": "TypeError: Load failed", "elapsed_ms": 1, "journal_before": null,
        }))
        .expect("a page result")
    }

    fn entry(source: &str, message: &str) -> ConsoleEntry {
        ConsoleEntry { level: "SEVERE".into(), message: message.into(), source: Some(source.into()) }
    }

    #[test]
    fn webkit_block_takes_its_sentence_from_the_line_that_names_the_request() {
        // As WebKit's inspector delivered them, two requests' worth: the sentence without a URL,
        // the block line, and the sentence again with the request's URL.
        let console = [
            entry(
                "security",
                "Origin http://app.test:1 is not allowed by Access-Control-Allow-Origin. Status code: 200",
            ),
            entry(
                "javascript",
                "Fetch API cannot load http://api.test:2/t/abc/data?x=1 due to access control checks.",
            ),
            entry(
                "network",
                "http://api.test:2/t/abc/data?x=1 - Failed to load resource: Origin http://app.test:1 is not allowed by Access-Control-Allow-Origin. Status code: 200",
            ),
            entry("security", "Preflight response is not successful. Status code: 404"),
            entry(
                "javascript",
                "Fetch API cannot load http://api.test:2/t/def/data due to access control checks.",
            ),
            entry(
                "network",
                "http://api.test:2/t/def/data - Failed to load resource: Preflight response is not successful. Status code: 404",
            ),
        ];
        let mut consumed = vec![false; console.len()];
        let redactor = Redactor { replacements: vec![] };
        let table = Engine::WebKit.console();
        let mut first = from_page("GET", "http://api.test:2/t/abc/data?x=1", &failed(), &redactor);
        let open = explain(
            &mut first,
            "abc",
            "http://api.test:2/t/abc/data?x=1",
            table,
            &console,
            &mut consumed,
            &redactor,
        );
        assert_eq!(
            first.reason.as_deref(),
            Some(
                "Origin http://app.test:1 is not allowed by Access-Control-Allow-Origin. Status code: 200\nFetch API cannot load http://api.test:2/t/abc/data?x=1 due to access control checks."
            )
        );
        assert_eq!(
            (first.outcome, first.reason_class, open),
            (Outcome::Blocked, Some(ReasonClass::AllowOriginMismatch), true)
        );
        assert_eq!(first.reason_source, Some(ReasonSource::Console));
        let mut second = from_page("PUT", "http://api.test:2/t/def/data", &failed(), &redactor);
        explain(
            &mut second,
            "def",
            "http://api.test:2/t/def/data",
            table,
            &console,
            &mut consumed,
            &redactor,
        );
        assert_eq!(
            (second.reason_class, second.reason_in_preflight),
            (Some(ReasonClass::PreflightStatus), true)
        );
        assert_eq!(
            consumed,
            [false, true, true, false, true, true],
            "the sentences without a URL stay unread"
        );
    }

    #[test]
    fn header_values_join_repeats_and_show_only_what_is_asked() {
        let mut values = HeaderValues::read([
            ("X-Total".to_owned(), "3".to_owned()),
            ("date".to_owned(), "Thu, 03 Dec 2026 19:00:00 GMT".to_owned()),
            ("x-total".to_owned(), "4".to_owned()),
        ]);
        assert_eq!(values.get("x-total"), Some("3, 4"));
        assert_eq!(values.all().len(), 2);
        assert!(values.asked_only().is_empty(), "nothing asked, nothing in a snapshot");
        let every = serde_json::json!({ "date": "Thu, 03 Dec 2026 19:00:00 GMT", "x-total": "3, 4" });
        assert_eq!(serde_json::to_value(&values).ok(), Some(every), "a report has every value");
        values.ask(["x-total".to_owned(), "x-hidden".to_owned()]);
        let asked = serde_json::to_value(values.asked_only()).ok();
        assert_eq!(asked, Some(serde_json::json!({ "x-total": "3, 4" })), "a snapshot, the asked ones");
        assert_eq!(values.asked_only().shown("x-total"), Some("3, 4"), "still asked about");
    }

    #[test]
    fn console_prefixes_are_removed() {
        assert_eq!(
            message_text("http://app.test:1/_page - Access to fetch at 'x'"),
            "Access to fetch at 'x'"
        );
        assert_eq!(
            message_text("http://api.test:2/t/a/x - Failed to load resource: net::ERR_FAILED"),
            "Failed to load resource: net::ERR_FAILED"
        );
        assert_eq!(message_text("plain text - with a dash"), "plain text - with a dash");
    }
}
