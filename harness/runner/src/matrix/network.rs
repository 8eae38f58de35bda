//! The Network-tab view of one engine's run of one scenario: one row per request the server saw
//! (each preflight, the actual request, each redirect hop), or the page's own request when
//! nothing reached the server, with the headers that matter for CORS on both sides, the header
//! the browser's reason blames, and the browser's words. A developer with a CORS error is told to
//! open the Network tab and look for the preflight; the HTML report meets them there.
//!
//! The model is built from the [`Observation`] and the scenario alone, so that the renderer
//! ([`html_report`](super::html_report)) is a function of it and a test can check the rows without a browser.

use std::path::Path;

use corsproof_behaviour::{Behaviour, Reply};
use corsproof_scenario::{Outcome, ReasonClass, RequestStep, Scenario};

use crate::observe::{Observation, ReasonSource, RequestObservation, SeenRequest};

/// Where a scenario comes from: the links and the topic filter of its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The scenario file, as the run was given it.
    pub file: String,
    /// The line of its `[[scenario]]` header.
    pub line: usize,
    /// The file's folder name (`preflight` for `scenarios/preflight/put.toml`), what the report's
    /// topic filter offers; `.` for a file in the current folder.
    pub topic: String,
}

impl Source {
    /// The source of `scenario` in `file`.
    pub fn of(file: &Path, scenario: &Scenario) -> Self {
        let topic = file
            .parent()
            .and_then(Path::file_name)
            .map_or_else(|| ".".to_owned(), |name| name.to_string_lossy().into_owned());
        Self { file: file.display().to_string(), line: scenario.line, topic }
    }
}

/// One engine's requests of one scenario, as a Network tab lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// One entry per request the page made, in order.
    pub requests: Vec<RequestView>,
    /// The engine's snapshot file for the scenario, when its place could be worked out.
    pub snapshot: Option<String>,
}

/// One request the page made and the rows it gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestView {
    /// Its position in the scenario, from 1.
    pub number: usize,
    /// What became of it.
    pub outcome: Outcome,
    /// The browser's own words about it (the console line), when it said something.
    pub console: Option<String>,
    /// Whether those words are the engine's or inferred (see [`ReasonSource`]).
    pub console_source: Option<ReasonSource>,
    /// The rows: what the server saw, or the page's request when nothing reached it.
    pub hops: Vec<Hop>,
}

/// One row: one request on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hop {
    /// Preflight, actual, a redirect hop, or the page's request the server never saw.
    pub kind: HopKind,
    /// `OPTIONS`, `GET`, ...
    pub method: String,
    /// The URL, redacted as the snapshot writes it (`{api}/t/{token1}/data`).
    pub url: String,
    /// The status it was answered with, when known.
    pub status: Option<u16>,
    /// The request headers that matter for CORS, as (lower-case name, value).
    pub request_headers: Vec<(String, String)>,
    /// The response headers that matter for CORS, and where they come from.
    pub response: ResponseHeaders,
    /// What the browser's reason blames on this row, if it is the row at fault.
    pub fault: Option<Fault>,
}

/// What kind of request a row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HopKind {
    /// The browser's CORS preflight (`OPTIONS` with `Access-Control-Request-Method`).
    Preflight,
    /// The page's request itself, its first hop.
    Actual,
    /// A hop after a redirect (the second, third... request of the chain).
    Redirect,
    /// The page's request as the page made it: nothing reached the server (or the server is
    /// `--target`'s and the runner cannot see its journal).
    Unseen,
}

impl HopKind {
    /// The word in the row's kind column.
    pub fn name(self) -> &'static str {
        match self {
            HopKind::Preflight => "preflight",
            HopKind::Actual => "actual",
            HopKind::Redirect => "redirect hop",
            HopKind::Unseen => "not seen by the server",
        }
    }
}

/// A row's response headers, and how corsproof knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseHeaders {
    /// Recorded by the routing proxy as your server (`--target`) sent them.
    Recorded(Vec<(String, String)>),
    /// Sent by a mock origin as the scenario's `server` table scripts them (the mock answers
    /// exactly that, so the script is the answer).
    Scripted(Vec<(String, String)>),
    /// Read by the page (the response headers it could read), for a request the server's
    /// journal did not show.
    ReadByPage(Vec<(String, String)>),
    /// Not known.
    Unknown,
}

impl ResponseHeaders {
    /// The headers, when known.
    pub fn headers(&self) -> &[(String, String)] {
        match self {
            ResponseHeaders::Recorded(headers)
            | ResponseHeaders::Scripted(headers)
            | ResponseHeaders::ReadByPage(headers) => headers,
            ResponseHeaders::Unknown => &[],
        }
    }

    /// Where they come from, in words for the row.
    pub fn provenance(&self) -> &'static str {
        match self {
            ResponseHeaders::Recorded(_) => "as your server sent them",
            ResponseHeaders::Scripted(_) => "as the mock origin sent them (the scenario's server table)",
            ResponseHeaders::ReadByPage(_) => "as the page could read them",
            ResponseHeaders::Unknown => "not recorded",
        }
    }
}

/// What a browser's reason blames, on the row it blames it on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fault {
    /// The response header at fault (lower-case), shown `absent` when the response lacks it.
    pub response_header: Option<&'static str>,
    /// The request header whose value the response failed to allow (lower-case).
    pub request_header: Option<&'static str>,
    /// The status itself is at fault (a preflight that was not 2xx).
    pub status: bool,
}

/// Which row of a request a reason blames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Blamed {
    /// The last preflight the server saw.
    Preflight,
    /// The last hop of the chain the browser judged: the preflight when the browser blamed it,
    /// the last non-preflight hop otherwise.
    FailingHop,
}

/// The one place a reason class becomes the header a reader should look at, and on which row.
/// Each class names what the Fetch standard's CORS check read and refused:
///
/// - `missing-allow-origin`, `allow-origin-mismatch`, `multiple-allow-origin`,
///   `invalid-allow-origin`, `wildcard-with-credentials`: `Access-Control-Allow-Origin` on the
///   hop that failed (the preflight when the browser blamed it);
/// - `credentials-not-true`: `Access-Control-Allow-Credentials` on the hop that failed;
/// - `preflight-status`: the preflight's status;
/// - `preflight-redirect`: the preflight's status and its `Location`;
/// - `method-not-allowed`: `Access-Control-Allow-Methods` on the preflight, beside the
///   `Access-Control-Request-Method` it did not allow;
/// - `header-not-allowed`: `Access-Control-Allow-Headers` on the preflight, beside the
///   `Access-Control-Request-Headers` it did not allow;
/// - `redirect-not-allowed`: the `Location` of the redirect the browser refused to follow;
/// - `local-network-access` and `other`: no header (Local Network Access is about addresses,
///   and an unclassified message names nothing corsproof can point at).
fn blame(class: ReasonClass) -> Option<(Blamed, Fault)> {
    let response = |header| Fault { response_header: Some(header), request_header: None, status: false };
    Some(match class {
        ReasonClass::MissingAllowOrigin
        | ReasonClass::AllowOriginMismatch
        | ReasonClass::MultipleAllowOrigin
        | ReasonClass::InvalidAllowOrigin
        | ReasonClass::WildcardWithCredentials => {
            (Blamed::FailingHop, response("access-control-allow-origin"))
        }
        ReasonClass::CredentialsNotTrue => (Blamed::FailingHop, response("access-control-allow-credentials")),
        ReasonClass::PreflightStatus => {
            (Blamed::Preflight, Fault { response_header: None, request_header: None, status: true })
        }
        ReasonClass::PreflightRedirect => (
            Blamed::Preflight,
            Fault { response_header: Some("location"), request_header: None, status: true },
        ),
        ReasonClass::MethodNotAllowed => (
            Blamed::Preflight,
            Fault {
                response_header: Some("access-control-allow-methods"),
                request_header: Some("access-control-request-method"),
                status: false,
            },
        ),
        ReasonClass::HeaderNotAllowed => (
            Blamed::Preflight,
            Fault {
                response_header: Some("access-control-allow-headers"),
                request_header: Some("access-control-request-headers"),
                status: false,
            },
        ),
        ReasonClass::RedirectNotAllowed => (Blamed::FailingHop, response("location")),
        ReasonClass::LocalNetworkAccess | ReasonClass::Other => return None,
    })
}

impl Exchange {
    /// The rows of `observation`, one engine's run of `scenario`; `snapshot` is the engine's
    /// snapshot file for it.
    pub fn of(observation: &Observation, scenario: &Scenario, snapshot: Option<String>) -> Self {
        let requests = observation
            .requests
            .iter()
            .enumerate()
            .map(|(index, request)| RequestView::of(index + 1, request, scenario.requests.get(index)))
            .collect();
        Self { requests, snapshot }
    }
}

impl RequestView {
    fn of(number: usize, request: &RequestObservation, step: Option<&RequestStep>) -> Self {
        let seen = request.server_saw.as_deref().unwrap_or_default();
        let mut hops = if seen.is_empty() { vec![unseen(request)] } else { seen_hops(seen, step) };
        if let Some((blamed, fault)) = request.reason_class.and_then(blame) {
            let preflight = |hop: &&mut Hop| hop.kind == HopKind::Preflight;
            let at_fault = match (blamed, request.reason_in_preflight) {
                (Blamed::Preflight, _) | (Blamed::FailingHop, true) => hops.iter_mut().rev().find(preflight),
                (Blamed::FailingHop, false) => hops.iter_mut().rev().find(|hop| !preflight(hop)),
            };
            // A blamed preflight the server never saw (the journal's view is partial against
            // `--target`): the page's own row carries the blame.
            match at_fault {
                Some(hop) => hop.fault = Some(fault),
                None => {
                    if let Some(hop) = hops.last_mut() {
                        hop.fault = Some(fault);
                    }
                }
            }
        }
        Self {
            number,
            outcome: request.outcome,
            console: request.reason.clone(),
            console_source: request.reason_source,
            hops,
        }
    }
}

/// The page's request as one row, for a request the server did not see.
fn unseen(request: &RequestObservation) -> Hop {
    let (method, url) = request.request.split_once(' ').unwrap_or(("", &request.request));
    Hop {
        kind: HopKind::Unseen,
        method: method.to_owned(),
        url: url.to_owned(),
        status: request.status,
        request_headers: vec![],
        response: if request.header_values.is_empty() {
            ResponseHeaders::Unknown
        } else {
            ResponseHeaders::ReadByPage(request.header_values.all().to_vec())
        },
        fault: None,
    }
}

/// The rows of what the server saw, each answered as recorded or as the scenario scripted it.
fn seen_hops(seen: &[SeenRequest], step: Option<&RequestStep>) -> Vec<Hop> {
    // The mock's behaviour for the URL being requested: the step's, then each redirect's
    // (a mock redirect's `Location` carries its target's behaviour in its query).
    let mut behaviour = step.and_then(scripted_behaviour);
    let mut first_actual = true;
    seen.iter()
        .map(|hop| {
            let kind = match (hop.is_preflight(), first_actual) {
                (true, _) => HopKind::Preflight,
                (false, true) => HopKind::Actual,
                (false, false) => HopKind::Redirect,
            };
            let reply = behaviour.as_ref().map(|behaviour| behaviour.reply_for(hop.is_preflight()).clone());
            if !hop.is_preflight() {
                first_actual = false;
                behaviour =
                    reply.as_ref().and_then(|reply| reply.location.as_deref()).map(redirect_behaviour);
            }
            let recorded = hop.status.is_some() || !hop.cors_headers.is_empty();
            let (status, response) = match (recorded, &reply) {
                (true, _) => (
                    hop.status,
                    ResponseHeaders::Recorded(hop.cors_headers.iter().map(|h| split_header(h)).collect()),
                ),
                (false, Some(reply)) => {
                    (Some(reply.effective_status()), ResponseHeaders::Scripted(scripted_headers(reply, hop)))
                }
                (false, None) => (None, ResponseHeaders::Unknown),
            };
            Hop {
                kind,
                method: if hop.is_preflight() { "OPTIONS".to_owned() } else { hop.method.clone() },
                url: hop.url.clone(),
                status,
                request_headers: cors_request_headers(hop),
                response,
                fault: None,
            }
        })
        .collect()
}

/// The behaviour a mock origin answers a step's URL with: its `server` table, or the query of
/// its path; none for a request to `--target`, which the runner does not script.
fn scripted_behaviour(step: &RequestStep) -> Option<Behaviour> {
    if let Some(server) = &step.server {
        return Some(server.clone());
    }
    step.to.as_ref()?;
    let query = step.path.split_once('?').map_or("", |(_, query)| query);
    corsproof_behaviour::vocabulary::parse(query).ok()
}

/// The behaviour a mock origin answers a redirect's target with: the one its query names.
fn redirect_behaviour(location: &str) -> Behaviour {
    let query = location.split_once('?').map_or("", |(_, query)| query);
    corsproof_behaviour::vocabulary::parse(query).unwrap_or_default()
}

/// `name: value` as (lower-case name, value).
fn split_header(line: &str) -> (String, String) {
    let (name, value) = line.split_once(':').unwrap_or((line, ""));
    (name.trim().to_ascii_lowercase(), value.trim().to_owned())
}

/// The CORS-relevant headers of a scripted reply as the mock sends them to `hop`: the server's
/// own encoding of the reply ([`corsproof_server::answer`], an echoed
/// `Access-Control-Allow-Origin` being the request's `Origin`), less the headers CORS does not
/// read.
fn scripted_headers(reply: &Reply, hop: &SeenRequest) -> Vec<(String, String)> {
    corsproof_server::answer(reply, hop.origin.as_deref())
        .headers
        .into_iter()
        .filter(|(name, _)| name.starts_with("access-control-") || name == "vary" || name == "location")
        .collect()
}

/// The request headers a CORS check turns on: `Origin`, a preflight's
/// `Access-Control-Request-*`, whether credentials rode along, and the `Content-Type` that
/// decides whether a request is simple.
fn cors_request_headers(hop: &SeenRequest) -> Vec<(String, String)> {
    let mut headers = Vec::new();
    let mut add = |name: &str, value: Option<String>| {
        if let Some(value) = value {
            headers.push((name.to_owned(), value));
        }
    };
    add("origin", hop.origin.clone());
    add("access-control-request-method", hop.request_method.clone());
    add("access-control-request-headers", hop.request_headers.clone());
    add("content-type", hop.received("content-type"));
    add("cookie", hop.cookies.then(|| "(sent)".to_owned()));
    add("authorization", hop.authorization.then(|| "(sent)".to_owned()));
    headers
}

#[cfg(test)]
mod tests {
    use corsproof_behaviour::AllowOrigin;
    use corsproof_scenario::HopMethod;

    use super::*;

    fn seen(method: &str, origin: &str) -> SeenRequest {
        SeenRequest {
            method: method.to_owned(),
            url: "{api}/t/{token1}/items/1".to_owned(),
            origin: Some(origin.to_owned()),
            request_method: (method == HopMethod::PREFLIGHT).then(|| "PUT".to_owned()),
            request_headers: None,
            cookies: false,
            authorization: false,
            headers: Default::default(),
            received_headers: vec![],
            status: None,
            cors_headers: vec![],
        }
    }

    fn step(server: Option<Behaviour>) -> RequestStep {
        let mut step = step_scenario().requests.remove(0);
        step.server = server;
        step
    }

    fn blocked(class: ReasonClass, in_preflight: bool, saw: Vec<SeenRequest>) -> RequestObservation {
        let mut request = RequestObservation::bare("PUT {api}/t/{token1}/items/1", Outcome::Blocked);
        request.reason_class = Some(class);
        request.reason_in_preflight = in_preflight;
        request.reason = Some("Access to fetch ... has been blocked by CORS policy".to_owned());
        request.server_saw = Some(saw);
        request
    }

    #[test]
    fn a_failed_preflight_is_blamed_for_its_status_and_shows_the_scripted_answer() {
        let behaviour =
            Behaviour::same(Reply::new().allow_origin(AllowOrigin::Echo)).with_preflight(|r| r.status(404));
        let request = blocked(ReasonClass::PreflightStatus, true, vec![seen(HopMethod::PREFLIGHT, "{app}")]);
        let view = RequestView::of(1, &request, Some(&step(Some(behaviour))));
        let preflight = &view.hops[0];
        assert_eq!(
            (preflight.kind, preflight.method.as_str(), preflight.status),
            (HopKind::Preflight, "OPTIONS", Some(404))
        );
        assert_eq!(preflight.fault.map(|fault| fault.status), Some(true));
        assert_eq!(
            preflight.response,
            ResponseHeaders::Scripted(vec![("access-control-allow-origin".into(), "{app}".into())])
        );
        assert!(preflight.request_headers.contains(&("access-control-request-method".into(), "PUT".into())));
    }

    #[test]
    fn a_missing_allow_origin_is_blamed_on_the_last_actual_hop_and_a_redirect_is_followed() {
        let first = Reply::new().allow_origin(AllowOrigin::Echo).location("{api}/t/{token}/next?acao=none");
        let request =
            blocked(ReasonClass::MissingAllowOrigin, false, vec![seen("GET", "{app}"), seen("GET", "null")]);
        let view = RequestView::of(1, &request, Some(&step(Some(Behaviour::same(first)))));
        let kinds: Vec<HopKind> = view.hops.iter().map(|hop| hop.kind).collect();
        assert_eq!(kinds, [HopKind::Actual, HopKind::Redirect]);
        assert_eq!(view.hops[0].fault, None);
        assert_eq!(
            view.hops[1].fault.and_then(|fault| fault.response_header),
            Some("access-control-allow-origin")
        );
        assert_eq!(view.hops[0].status, Some(302));
        assert_eq!(
            view.hops[1].response,
            ResponseHeaders::Scripted(vec![]),
            "the redirect's query scripts no ACAO"
        );
    }

    #[test]
    fn a_request_nothing_reached_is_the_pages_row_and_an_unclassified_reason_blames_no_header() {
        let request = blocked(ReasonClass::Other, false, vec![]);
        let view = RequestView::of(2, &request, None);
        assert_eq!(view.hops.len(), 1);
        assert_eq!((view.hops[0].kind, view.hops[0].method.as_str()), (HopKind::Unseen, "PUT"));
        assert_eq!(view.hops[0].url, "{api}/t/{token1}/items/1");
        assert_eq!(view.hops[0].fault, None);
        assert_eq!(view.console.as_deref(), request.reason.as_deref());
    }

    #[test]
    fn recorded_headers_win_over_the_script() {
        let mut hop = seen("GET", "{app}");
        hop.status = Some(401);
        hop.cors_headers = vec!["Vary: Origin".into()];
        let request = blocked(ReasonClass::MissingAllowOrigin, false, vec![hop]);
        let view = RequestView::of(1, &request, None);
        assert_eq!(view.hops[0].response, ResponseHeaders::Recorded(vec![("vary".into(), "Origin".into())]));
        assert_eq!(view.hops[0].status, Some(401));
    }

    #[test]
    fn the_topic_is_the_files_folder() {
        let scenario = corsproof_scenario::Scenario { line: 7, ..step_scenario() };
        let source = Source::of(Path::new("scenarios/preflight/put.toml"), &scenario);
        assert_eq!((source.topic.as_str(), source.line), ("preflight", 7));
        assert_eq!(Source::of(Path::new("put.toml"), &scenario).topic, ".");
    }

    fn step_scenario() -> Scenario {
        corsproof_scenario::parse_str(
            Path::new("x.toml"),
            "[[scenario]]\nname = \"a\"\nabout = \"b\"\npage = \"app\"\n[[scenario.request]]\nto = \"api\"\npath = \"/x\"\n[scenario.request.expect]\noutcome = \"allowed\"\n",
        )
        .unwrap_or_else(|error| panic!("{}", error.render(false)))
        .scenarios
        .remove(0)
    }
}
