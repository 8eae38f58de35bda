//! From a scenario to the exact requests the page makes: URLs, tokens, behaviours.
//!
//! The server behaviour travels in the URL's query (the mock server's vocabulary), so a redirect
//! hop that carries the same token keeps its own behaviour, and the page, the journal and the
//! console all name the same URL. Every request gets a token of its own, unless it reuses an
//! earlier request's URL (`same_url_as`), so no scenario's preflight-cache or HTTP-cache entry
//! can serve another's.

use std::collections::HashMap;
use std::time::Duration;

use corsproof_browser::PageRequest;
use corsproof_scenario::{RequestStep, Scenario, fill_placeholders};
use corsproof_server::{Origin, PAGE_PATH, SANDBOX_QUERY, TOKEN_PREFIX, vocabulary};

/// Makes scenarios concrete for one run.
#[derive(Debug, Clone)]
pub struct Planner<'a> {
    /// The mock origins (pages are always loaded from them).
    pub origins: &'a [Origin],
    /// A server of yours that every request goes to instead (`--target`), without trailing `/`.
    pub target: Option<String>,
    /// Keeps tokens unique across runs against the same server.
    pub run_id: String,
    /// How long the page waits for each request.
    pub timeout: Duration,
}

/// A scenario made concrete.
#[derive(Debug, Clone)]
pub struct PlannedScenario {
    /// The URL of the page to load.
    pub page_url: String,
    /// The requests, in order.
    pub steps: Vec<PlannedStep>,
}

/// One request made concrete.
#[derive(Debug, Clone)]
pub struct PlannedStep {
    /// The journal token (shared with the step whose URL this one reuses).
    pub token: String,
    /// What the page is asked to do.
    pub request: PageRequest,
}

/// A scenario that cannot be made concrete.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PlanError(pub String);

impl Planner<'_> {
    /// Gives each request of the scenario its URL and token.
    pub fn plan(&self, scenario: &Scenario, scenario_index: usize) -> Result<PlannedScenario, PlanError> {
        if self.target.is_some() && scenario.scripts_the_server() {
            return Err(PlanError(
                "this scenario scripts the mock server (it has a `server` table), so it cannot run against --target"
                    .to_owned(),
            ));
        }
        let mut page_url = format!("{}{PAGE_PATH}", origin_url(self.origins, &scenario.page)?);
        if scenario.sandbox {
            page_url = format!("{page_url}?{SANDBOX_QUERY}");
        }
        let mut steps: Vec<PlannedStep> = Vec::with_capacity(scenario.requests.len());
        for (index, step) in scenario.requests.iter().enumerate() {
            let (token, url, journal_token) = match step.same_url_as {
                Some(earlier) => {
                    if step.server.is_some() {
                        return Err(PlanError(format!(
                            "request {} reuses the URL of request {} and so its server behaviour; remove its `server` table",
                            index + 1,
                            earlier + 1
                        )));
                    }
                    let earlier = steps.get(earlier).ok_or_else(|| {
                        PlanError(format!("request {} reuses a later request's URL", index + 1))
                    })?;
                    let journal = self.target.is_none().then(|| earlier.token.clone());
                    (earlier.token.clone(), earlier.request.url.clone(), journal)
                }
                None => {
                    let token = format!("{}s{scenario_index}r{index}", self.run_id);
                    let url = self.url_for(step, &token)?;
                    (token, url, None)
                }
            };
            steps.push(PlannedStep {
                request: PageRequest {
                    id: format!("{token}#{index}"),
                    api: step.api.name().to_owned(),
                    url,
                    method: step.method.clone(),
                    headers: step.headers.clone(),
                    body: step.body.clone(),
                    credentials: step.credentials.name().to_owned(),
                    mode: step.mode.name().to_owned(),
                    redirect: step.redirect.name().to_owned(),
                    timeout_ms: u64::try_from(self.timeout.as_millis()).unwrap_or(u64::MAX),
                    journal_token,
                },
                token,
            });
        }
        Ok(PlannedScenario { page_url, steps })
    }

    fn url_for(&self, step: &RequestStep, token: &str) -> Result<String, PlanError> {
        if let Some(target) = &self.target {
            return Ok(format!("{target}{}", step.path));
        }
        let name = step.to.as_deref().ok_or_else(|| {
            PlanError("this request names no origin (`to`), so it needs --target".to_owned())
        })?;
        let mut url = format!("{}{TOKEN_PREFIX}{token}{}", origin_url(self.origins, name)?, step.path);
        if let Some(query) = &step.server {
            let query = expand_placeholders(query, token, self.origins)?;
            vocabulary::parse(&query).map_err(|error| PlanError(format!("server behaviour: {error}")))?;
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(&query);
        }
        Ok(url)
    }
}

/// Replaces `{token}` and `{ORIGIN-NAME}` inside the (URL-encoded) query's values.
pub fn expand_placeholders(query: &str, token: &str, origins: &[Origin]) -> Result<String, PlanError> {
    let urls: HashMap<&str, String> = origins.iter().map(|o| (o.name.as_str(), o.url())).collect();
    let mut expanded = form_urlencoded::Serializer::new(String::new());
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        let text = fill_placeholders(&value, token, |name| urls.get(name).cloned())
            .map_err(|name| PlanError(format!("unknown origin placeholder {{{name}}}")))?;
        expanded.append_pair(&key, &text);
    }
    Ok(expanded.finish())
}

pub(crate) fn origin_url(origins: &[Origin], name: &str) -> Result<String, PlanError> {
    origins
        .iter()
        .find(|origin| origin.name == name)
        .map(Origin::url)
        .ok_or_else(|| PlanError(format!("unknown origin `{name}`")))
}
