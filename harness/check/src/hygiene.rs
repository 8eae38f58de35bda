//! Hygiene: what is wrong with a server's CORS answers even when the verdict is right, such as a
//! cache that can mix origins up, errors the page cannot see, preflights that are never cached.

use std::fmt;

use corsproof_oracle::Engine;

use crate::checked::{Checked, Hop};
use crate::policy::Policy;
use crate::severity::Severity;

/// Something wrong with a server's CORS answers, with the URL it was seen on.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Finding {
    /// `Access-Control-Allow-Origin` names one origin and `Vary` does not list `Origin`.
    MissingVaryOrigin {
        /// The URL answered.
        url: String,
        /// The origin allowed.
        allow_origin: String,
    },
    /// A 4xx or 5xx answer to an allowed request without `Access-Control-Allow-Origin`.
    ErrorWithoutCors {
        /// The URL answered.
        url: String,
        /// The status.
        status: u16,
    },
    /// The preflight of an allowed request answered with a status outside 200-299.
    PreflightNotOk {
        /// The URL answered.
        url: String,
        /// The status.
        status: u16,
    },
    /// A successful preflight without a valid `Access-Control-Max-Age`.
    MaxAgeMissing {
        /// The URL answered.
        url: String,
        /// The value sent, when there was one that does not parse.
        sent: Option<String>,
    },
    /// `Access-Control-Max-Age` above what the engine caches.
    MaxAgeAboveCap {
        /// The URL answered.
        url: String,
        /// The seconds sent.
        seconds: u64,
        /// The engine judged as.
        engine: Engine,
        /// Its cap, in seconds.
        cap: u64,
    },
    /// A preflight from an origin the policy does not allow got the allowed methods, headers or
    /// credentials anyway.
    PreflightDetailsToDisallowedOrigin {
        /// The URL answered.
        url: String,
        /// The disallowed origin.
        origin: String,
        /// The headers it got, lower-cased.
        headers: Vec<String>,
    },
}

impl Finding {
    /// How much it matters: [`Severity::Low`] for what breaks pages or their debugging sooner
    /// or later, [`Severity::Info`] for what costs requests or leaks a little. Hygiene ranks below
    /// every disagreement with a policy that lets an outside origin read or breaks allowed traffic.
    pub fn severity(&self) -> Severity {
        match self {
            Finding::MissingVaryOrigin { .. }
            | Finding::ErrorWithoutCors { .. }
            | Finding::PreflightNotOk { .. } => Severity::Low,
            Finding::MaxAgeMissing { .. }
            | Finding::MaxAgeAboveCap { .. }
            | Finding::PreflightDetailsToDisallowedOrigin { .. } => Severity::Info,
        }
    }

    /// A stable name for scripts and reports' rule ids (`missing-vary-origin`, ...).
    ///
    /// ```
    /// use corsproof_check::Finding;
    /// let finding = Finding::ErrorWithoutCors { url: "https://api.example/x".into(), status: 500 };
    /// assert_eq!(finding.name(), "error-without-cors");
    /// ```
    pub fn name(&self) -> &'static str {
        match self {
            Finding::MissingVaryOrigin { .. } => "missing-vary-origin",
            Finding::ErrorWithoutCors { .. } => "error-without-cors",
            Finding::PreflightNotOk { .. } => "preflight-not-ok",
            Finding::MaxAgeMissing { .. } => "max-age-missing",
            Finding::MaxAgeAboveCap { .. } => "max-age-above-cap",
            Finding::PreflightDetailsToDisallowedOrigin { .. } => "preflight-details-to-disallowed-origin",
        }
    }

    /// The URL it was seen on.
    pub fn url(&self) -> &str {
        match self {
            Finding::MissingVaryOrigin { url, .. }
            | Finding::ErrorWithoutCors { url, .. }
            | Finding::PreflightNotOk { url, .. }
            | Finding::MaxAgeMissing { url, .. }
            | Finding::MaxAgeAboveCap { url, .. }
            | Finding::PreflightDetailsToDisallowedOrigin { url, .. } => url,
        }
    }
}

impl fmt::Display for Finding {
    /// What was seen, why it matters, what to do.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Finding::MissingVaryOrigin { url, allow_origin } => write!(
                f,
                "{url} answers `Access-Control-Allow-Origin: {allow_origin}` without `Vary: Origin`: a browser or \
                 CDN cache can serve this answer to a page of another origin, which is then blocked (or serve \
                 another origin's answer to this one). Send `Vary: Origin` wherever the value depends on the \
                 request's Origin."
            ),
            Finding::ErrorWithoutCors { url, status } => write!(
                f,
                "{url} answers {status} without `Access-Control-Allow-Origin`: the page sees a CORS error instead \
                 of the {status}, so the real error is hidden from its code and its developer. The {status} is \
                 the error to look into (the server's log has it); then add the CORS headers to error answers \
                 too (nginx: `add_header ... always`)."
            ),
            Finding::PreflightNotOk { url, status: status @ (401 | 403) } => write!(
                f,
                "{url} answers the preflight (OPTIONS) with {status}: authentication or authorization runs before \
                 CORS, and a browser never sends cookies or an `Authorization` header with a preflight, so every \
                 request that needs one is refused. Answer OPTIONS before authentication: put the CORS \
                 middleware ahead of the auth middleware, or let OPTIONS through unauthenticated."
            ),
            Finding::PreflightNotOk { url, status: status @ (404 | 405 | 501) } => write!(
                f,
                "{url} answers the preflight (OPTIONS) with {status}: OPTIONS is not routed here, so every request \
                 that needs a preflight fails. Route OPTIONS on this path to the CORS handler (or run the CORS \
                 middleware before routing), answering 204 with the CORS headers."
            ),
            Finding::PreflightNotOk { url, status } => write!(
                f,
                "{url} answers the preflight (OPTIONS) with {status}: a browser requires 200-299, so every \
                 request that needs a preflight fails. Answer OPTIONS before routing and authentication, with \
                 204."
            ),
            Finding::MaxAgeMissing { url, sent: None } => write!(
                f,
                "{url} sends no `Access-Control-Max-Age`: browsers cache the preflight for 5 s only, so nearly \
                 every request costs two round trips. Send `Access-Control-Max-Age: 600` (WebKit's cap) or more."
            ),
            Finding::MaxAgeMissing { url, sent: Some(sent) } => write!(
                f,
                "{url} sends `Access-Control-Max-Age: {sent}`, which is not a number of seconds: browsers fall \
                 back to 5 s. Send whole seconds, such as `600`."
            ),
            Finding::MaxAgeAboveCap { url, seconds, engine, cap } => write!(
                f,
                "{url} sends `Access-Control-Max-Age: {seconds}`, but {engine} caches a preflight {cap} s at most \
                 (Chromium 7200, Firefox 86400, WebKit 600): the value promises more than any cache keeps, so a \
                 policy change reaches browsers later than it says."
            ),
            Finding::PreflightDetailsToDisallowedOrigin { url, origin, headers } => write!(
                f,
                "{url} answers a preflight from {origin}, which the policy does not allow, with {}: it tells any \
                 site what the API accepts. Send the CORS headers only to allowed origins.",
                headers.iter().map(|name| format!("`{name}`")).collect::<Vec<_>>().join(", ")
            ),
        }
    }
}

/// What is wrong with the answers of `checked`, judged against `policy` when given. Without a
/// policy the probe's origin counts as allowed (the probe is a request meant to work), and
/// what is sent to disallowed origins cannot be judged.
pub fn findings(checked: &Checked, policy: Option<&Policy>) -> Vec<Finding> {
    let origin = checked.hops().first().and_then(|hop| hop.sent.origin.as_deref()).unwrap_or("null");
    let origin_allowed = policy.is_none_or(|policy| policy.allows_origin(origin));
    let intended = policy.is_none_or(|policy| {
        policy.expects_in(checked.probe(), checked.engine).is_ok_and(|expected| expected.is_allowed())
    });
    let mut found = Vec::new();
    for hop in checked.hops() {
        let (Some(status), url) = (hop.status(), hop.sent.url.to_string()) else { continue };
        let allow_origin = hop.response_header("access-control-allow-origin");
        if hop.is_preflight() {
            if !origin_allowed {
                let headers: Vec<String> = [
                    "access-control-allow-methods",
                    "access-control-allow-headers",
                    "access-control-allow-credentials",
                ]
                .into_iter()
                .filter(|name| !hop.response_header(name).is_empty())
                .map(str::to_owned)
                .collect();
                if !headers.is_empty() {
                    found.push(Finding::PreflightDetailsToDisallowedOrigin {
                        url,
                        origin: origin.to_owned(),
                        headers,
                    });
                }
            } else if intended && !(200..=299).contains(&status) {
                found.push(Finding::PreflightNotOk { url, status });
            } else if intended && !allow_origin.is_empty() {
                found.extend(max_age(hop, url, checked.engine));
            }
            continue;
        }
        if let [single] = allow_origin.as_slice()
            && single.trim() != "*"
            && !varies_by_origin(hop)
        {
            found.push(Finding::MissingVaryOrigin { url: url.clone(), allow_origin: single.clone() });
        }
        if intended && status >= 400 && allow_origin.is_empty() {
            found.push(Finding::ErrorWithoutCors { url, status });
        }
    }
    found
}

/// The finding that explains why the page does not get the response, when the answers show
/// one: a preflight answered outside 2xx (authentication before CORS, OPTIONS not routed) or an
/// error answer without CORS headers that hides the real error. `None` when the page gets the
/// response, or nothing answered.
pub(crate) fn diagnosis(checked: &Checked) -> Option<Finding> {
    if checked.is_allowed() || checked.connection_error().is_some() {
        return None;
    }
    findings(checked, None)
        .into_iter()
        .find(|finding| matches!(finding, Finding::PreflightNotOk { .. } | Finding::ErrorWithoutCors { .. }))
}

/// Whether `Vary` lists `Origin` (or `*`, which varies by everything).
fn varies_by_origin(hop: &Hop) -> bool {
    hop.response_header("vary")
        .iter()
        .flat_map(|value| value.split(','))
        .any(|name| name.trim().eq_ignore_ascii_case("origin") || name.trim() == "*")
}

fn max_age(hop: &Hop, url: String, engine: Engine) -> Option<Finding> {
    let Some(sent) = hop.response_header("access-control-max-age").into_iter().next() else {
        return Some(Finding::MaxAgeMissing { url, sent: None });
    };
    let digits = sent.trim();
    if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return Some(Finding::MaxAgeMissing { url, sent: Some(sent) });
    }
    // Only digits: too many of them is simply "more than any cap".
    let seconds = digits.parse::<u64>().unwrap_or(u64::MAX);
    let cap = engine.max_age_cap().as_secs();
    (seconds > cap).then_some(Finding::MaxAgeAboveCap { url, seconds, engine, cap })
}
