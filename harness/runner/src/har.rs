//! One scenario in one engine as a HAR file (`corsproof run --har DIR`): every request the mock
//! server's journal received for it, in order (each preflight, actual request and redirect hop),
//! with the headers as received, what the server answered (the scenario's `server` table as
//! played, or your server's answer the proxy journaled), and on each the page's outcome, the
//! reason class and the console's words in `_corsproof`, as the run's report has them.

use corsproof_browser::{Engine, PageRequest, PageResult};
use corsproof_har::model::{CorsproofNote, Creator, Har, Header};
use corsproof_har::write::{Answer, Exchange};
use corsproof_scenario::Outcome;
use corsproof_server::{Entry, TargetAnswer};
use serde_json::Value;

use crate::observe::{Observation, RequestObservation};
use crate::plan::{PlannedScenario, PlannedStep};
use crate::predict::reply_at;

/// What the HAR of one scenario is made from: the observation the report shows, the plan (what
/// the mock server answered), and per request what the page gave and the journal entries it
/// made.
#[derive(Debug, Clone, Copy)]
pub struct Witnesses<'a> {
    /// The engine that ran it, and its browser's version.
    pub engine: Engine,
    /// The browser's version (`131.0.6778.85`).
    pub browser_version: &'a str,
    /// The observation (outcomes, reasons, console lines), as reported.
    pub observation: &'a Observation,
    /// The plan: each request's URL and what the mock server plays at each URL it visits.
    pub planned: &'a PlannedScenario,
    /// What the page gave for each request.
    pub results: &'a [PageResult],
    /// Per request, the journal entries it made, in arrival order.
    pub journal: &'a [Vec<Entry>],
    /// When the scenario's page started its requests, in milliseconds since the Unix epoch: the
    /// time of a request that reached no server.
    pub started_unix_ms: u64,
}

impl Witnesses<'_> {
    /// The HAR: one page titled with the scenario, one entry per request the server received
    /// and, for a request of the page whose actual request never reached it (refused at the
    /// preflight, a network error, the browser's HTTP cache), one entry for the page's request
    /// as the page saw it.
    pub fn har(&self) -> Har {
        let mut entries = Vec::new();
        let mut cursor = self.started_unix_ms;
        let requests = self.planned.steps.iter().zip(self.results).zip(&self.observation.requests);
        for (index, ((step, result), observed)) in requests.enumerate() {
            let seen = self.journal.get(index).map_or(&[][..], Vec::as_slice);
            let started = seen.first().map_or(cursor, |entry| entry.received_unix_ms);
            let ends = started + result.elapsed_ms;
            cursor = cursor.max(ends);
            let note = self.note(observed);
            let reached = seen.iter().any(|entry| !entry.preflight);
            for (position, entry) in seen.iter().enumerate() {
                let until = seen.get(position + 1).map_or(ends, |next| next.received_unix_ms);
                let last = position + 1 == seen.len() && reached;
                let body = result.body.clone().filter(|_| last && observed.outcome == Outcome::Allowed);
                let mut har_entry = self.received(step, entry, until, body).into_entry();
                har_entry.corsproof = Some(note.clone());
                entries.push(har_entry);
            }
            if !reached {
                // The page's request spans what the page measured, its preflight within it.
                let mut har_entry = unsent(&step.request, result, observed, started, ends).into_entry();
                har_entry.extra.insert("comment".to_owned(), Value::from(unsent_comment(observed)));
                har_entry.corsproof = Some(note);
                entries.push(har_entry);
            }
        }
        Har::by_corsproof(
            env!("CARGO_PKG_VERSION"),
            Creator::new(self.engine.name(), self.browser_version),
            &self.observation.scenario,
            self.started_unix_ms,
            entries,
        )
    }

    /// The page's outcome of one request, as every entry of it carries it.
    fn note(&self, observed: &RequestObservation) -> CorsproofNote {
        CorsproofNote {
            verdict: observed.outcome.name().to_owned(),
            reason: observed.reason_class.map(|class| class.name().to_owned()),
            message: observed.reason.clone(),
            engine: Some(self.engine.name().to_owned()),
        }
    }

    /// A request the journal received, and what it was answered.
    fn received(
        &self,
        step: &PlannedStep,
        entry: &Entry,
        until_unix_ms: u64,
        body: Option<String>,
    ) -> Exchange {
        let authority = entry.authority.as_deref().unwrap_or_default();
        let query = entry.query.as_deref().map(|query| format!("?{query}")).unwrap_or_default();
        let url = format!("{}://{authority}{}{query}", entry.scheme, entry.path);
        let (answer, error) = match &entry.answer {
            Some(TargetAnswer::Response { status, headers }) => (Some(answer(*status, headers, None)), None),
            Some(TargetAnswer::Failed(why)) => (None, Some(why.clone())),
            None if self.planned.your_server => {
                (None, Some("relayed over TLS unseen: the proxy did not see the answer".to_owned()))
            }
            None => match reply_at(step, &url, entry.preflight) {
                Some(reply) => {
                    let played = corsproof_server::answer(&reply, entry.origin());
                    if played.closes {
                        (None, Some("the mock server closed the connection without answering".to_owned()))
                    } else {
                        // The answer's `date` is a placeholder; the real one is the arrival time.
                        let headers: Vec<(String, String)> =
                            played.headers.into_iter().filter(|(name, _)| name != "date").collect();
                        (Some(answer(played.status, &headers, body)), None)
                    }
                }
                None => (None, Some("no behaviour was planned at this URL".to_owned())),
            },
        };
        Exchange {
            started_unix_ms: entry.received_unix_ms,
            time_ms: until_unix_ms.saturating_sub(entry.received_unix_ms) as f64,
            method: entry.method.clone(),
            url,
            http_version: entry.version.to_owned(),
            request_headers: entry.headers.iter().map(|(name, value)| Header::new(name, value)).collect(),
            request_body_size: i64::try_from(entry.body_size).unwrap_or(-1),
            answer,
            error,
            resource_type: if entry.preflight { "preflight" } else { "fetch" },
        }
    }
}

fn answer(status: u16, headers: &[(String, String)], body: Option<String>) -> Answer {
    Answer { status, headers: headers.iter().map(|(name, value)| Header::new(name, value)).collect(), body }
}

/// The page's request that no server received, as the page asked it and saw its end: the
/// headers it set, and the status and headers it read when the browser answered it itself.
fn unsent(
    request: &PageRequest,
    result: &PageResult,
    observed: &RequestObservation,
    from: u64,
    ends: u64,
) -> Exchange {
    let answer = (observed.outcome == Outcome::Allowed).then(|| Answer {
        status: result.status.unwrap_or_default(),
        headers: result.headers.iter().map(|(name, value)| Header::new(name, value)).collect(),
        body: result.body.clone(),
    });
    Exchange {
        started_unix_ms: from,
        time_ms: ends.saturating_sub(from) as f64,
        method: request.method.clone(),
        url: request.url.clone(),
        http_version: String::new(),
        request_headers: request.headers.iter().map(|(name, value)| Header::new(name, value)).collect(),
        request_body_size: request.body.as_ref().map_or(0, |body| body.len() as i64),
        answer,
        error: result.error.clone().filter(|_| observed.outcome != Outcome::Allowed),
        resource_type: "fetch",
    }
}

/// Why an entry holds no server's side: what the page saw instead.
fn unsent_comment(observed: &RequestObservation) -> String {
    match observed.outcome {
        Outcome::Allowed => {
            "the page's request; no server received it (the browser answered it from its HTTP cache): \
             the response is what the page read"
                .to_owned()
        }
        _ => "the page's request; no server received it: the request headers are the ones the page set"
            .to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use corsproof_behaviour::{AllowOrigin, Behaviour, Reply};

    use super::*;
    use crate::observe::RequestObservation;
    use crate::plan::Visit;

    const URL: &str = "http://api.test:8002/t/tok/items?acao=origin";

    fn step() -> PlannedStep {
        let behaviour = Behaviour {
            actual: Reply::new().allow_origin(AllowOrigin::Echo),
            preflight: Reply::new().allow_origin(AllowOrigin::Echo),
        };
        PlannedStep {
            token: "tok".into(),
            journal: "tok".into(),
            request: PageRequest {
                id: "1".into(),
                api: "fetch".into(),
                url: URL.into(),
                method: "PUT".into(),
                headers: vec![("X-Token".into(), "1".into())],
                body: None,
                credentials: "same-origin".into(),
                mode: "cors".into(),
                redirect: "follow".into(),
                referrer_policy: None,
                keepalive: false,
                cache: None,
                priority: None,
                timeout_ms: 5000,
                journal_token: None,
            },
            visits: vec![Visit { url: URL.into(), behaviour: Ok(behaviour) }],
        }
    }

    fn preflight(received_unix_ms: u64) -> Entry {
        Entry {
            seq: 1,
            token: Some("tok".into()),
            listener: Some(corsproof_behaviour::Listener::HttpB),
            scheme: "http",
            version: "HTTP/1.1",
            method: "OPTIONS".into(),
            authority: Some("api.test:8002".into()),
            path: "/t/tok/items".into(),
            query: Some("acao=origin".into()),
            headers: vec![
                ("origin".into(), "http://app.test:8001".into()),
                ("access-control-request-method".into(), "PUT".into()),
                ("access-control-request-headers".into(), "x-token".into()),
            ],
            body_size: 0,
            received_unix_ms,
            preflight: true,
            answer: None,
        }
    }

    fn failed() -> PageResult {
        serde_json::from_value(serde_json::json!({
            "id": "1", "outcome": "error", "status": null, "status_text": null, "type": null,
            "redirected": null, "url": null, "headers": [], "body": null,
            "error": "TypeError: Failed to fetch", "elapsed_ms": 40, "journal_before": 0,
        }))
        .expect("a page result")
    }

    #[test]
    fn a_request_refused_at_its_preflight_is_the_preflight_as_answered_then_the_page_request_unsent() {
        let planned = PlannedScenario {
            page_url: "http://app.test:8001/_page".into(),
            page_origin: None,
            your_server: false,
            local_network_granted: None,
            steps: vec![step()],
            cookie_urls: vec![],
        };
        let mut blocked = RequestObservation::bare("PUT {api}/t/{token1}/items", Outcome::Blocked);
        blocked.reason_class = Some(corsproof_scenario::ReasonClass::HeaderNotAllowed);
        blocked.reason = Some("Request header field x-token is not allowed".into());
        let observation = Observation {
            scenario: "put-refused".into(),
            about: String::new(),
            page: "app".into(),
            page_origin: None,
            sandbox: false,
            requests: vec![blocked],
        };
        let results = [failed()];
        let har = Witnesses {
            engine: Engine::Chromium,
            browser_version: "156",
            observation: &observation,
            planned: &planned,
            results: &results,
            journal: &[vec![preflight(1_000_005)]],
            started_unix_ms: 1_000_000,
        }
        .har();
        let json = serde_json::to_value(&har).expect("serializes");
        assert_eq!(corsproof_har::spec::violations(&json), []);
        let [answered, unsent] = har.log.entries.as_slice() else { panic!("two entries: {har:#?}") };
        assert_eq!(answered.response.status, 200, "the status the behaviour answers with");
        assert_eq!(answered.response.header("access-control-allow-origin"), Some("http://app.test:8001"));
        assert_eq!(answered.response.header("date"), None, "the answer's placeholder date is left out");
        assert_eq!(answered.request.header("access-control-request-headers"), Some("x-token"));
        assert_eq!((answered.time, unsent.time), (40.0, 40.0), "each until the page's end");
        assert_eq!(unsent.response.status, 0);
        assert_eq!(unsent.response.error.as_deref(), Some("TypeError: Failed to fetch"));
        assert_eq!(unsent.request.header("x-token"), Some("1"));
        let note = unsent.corsproof.as_ref().expect("the verdict");
        assert_eq!((note.verdict.as_str(), note.reason.as_deref()), ("blocked", Some("header-not-allowed")));
        assert_eq!(answered.corsproof, unsent.corsproof);
        assert_eq!(har.log.pages[0].title, "put-refused");
    }
}
