//! A checked probe: every exchange as it happened and the browser's verdict, rendered the way a
//! developer reads it (a condensed `curl -v`, then the console's words, then the fix).

use std::fmt::{self, Write as _};

use corsproof_oracle::{
    Block, Cookie, CookieFate, Engine, NotSent, Outcome, RequestKind, SentRequest, Verdict, Warning,
};

use crate::advice::Advice;
use crate::client::{ClientError, Received};
use crate::hygiene::{self, Finding};
use crate::probe::Probe;

/// One request the browser would send, and what the server answered.
#[derive(Clone, Debug)]
pub struct Hop {
    /// The request, as the oracle planned it.
    pub sent: SentRequest,
    /// The headers put on the wire, `Origin` first.
    pub headers: Vec<(Vec<u8>, Vec<u8>)>,
    /// The answer, or why there was none.
    pub received: Result<Received, ClientError>,
    /// When the request went out, in milliseconds since the Unix epoch (a HAR's
    /// `startedDateTime`).
    pub started_unix_ms: u64,
    /// How long until the whole answer (or the failure) came.
    pub took: std::time::Duration,
}

impl Hop {
    /// Whether this was the preflight.
    pub fn is_preflight(&self) -> bool {
        self.sent.kind == RequestKind::Preflight
    }

    /// Every value of a response header (name compared case-insensitively).
    pub fn response_header(&self, name: &str) -> Vec<String> {
        let Ok(received) = &self.received else { return Vec::new() };
        received
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
            .collect()
    }

    /// The status, when an answer came.
    pub fn status(&self) -> Option<u16> {
        self.received.as_ref().ok().map(|r| r.status)
    }
}

/// A cookie the probe's browser holds, and whether the page's request carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeCookie {
    /// The cookie, as [`Probe::cookie`] gave it.
    pub cookie: Cookie,
    /// Whether the page's request (the first actual request) carries it, the cookie having been
    /// set by an answer to one of the page's own requests.
    pub fate: CookieFate,
    /// Why it would stay home had the user got it on its own site instead (Firefox's Total
    /// Cookie Protection), when that differs.
    pub from_its_own_site: Option<NotSent>,
}

impl ProbeCookie {
    /// Whether the page's request carries the cookie.
    pub fn is_sent(&self) -> bool {
        self.fate.is_sent()
    }

    /// The report's line about this cookie: sent, or why not and what to change.
    pub fn report(&self) -> String {
        let name = self.cookie.name();
        match (self.fate, self.from_its_own_site) {
            (CookieFate::NotSent(reason), _) => format!(
                "warning: the page's request carries no cookie `{name}`: {reason}; to send it, {}",
                reason.advice()
            ),
            (CookieFate::Sent, Some(reason)) => format!(
                "cookie `{name}` sent, as it is when an answer to the page's own request set it; one the user got on \
                 the API's own site would stay home: {reason}; to be sure, {}",
                reason.advice()
            ),
            (CookieFate::Sent, None) => format!("cookie `{name}` sent"),
        }
    }
}

/// The result of a check: the exchanges and the verdict.
#[derive(Clone, Debug)]
pub struct Checked {
    pub(crate) probe: Probe,
    pub(crate) engine: Engine,
    pub(crate) hops: Vec<Hop>,
    pub(crate) verdict: Verdict,
    pub(crate) advice: Advice,
    pub(crate) cookies: Vec<ProbeCookie>,
}

impl Checked {
    /// The probe that was checked.
    pub fn probe(&self) -> &Probe {
        &self.probe
    }

    /// Every exchange, in order (preflight, actual request, redirect hops).
    pub fn hops(&self) -> &[Hop] {
        &self.hops
    }

    /// The preflight exchange, if one was needed.
    pub fn preflight(&self) -> Option<&Hop> {
        self.hops.iter().find(|hop| hop.is_preflight())
    }

    /// The last actual (non-preflight) exchange, if the request got that far.
    pub fn actual(&self) -> Option<&Hop> {
        self.hops.iter().rev().find(|hop| !hop.is_preflight())
    }

    /// The cookies the probe's browser holds, each with whether the page's request carries it.
    pub fn cookies(&self) -> &[ProbeCookie] {
        &self.cookies
    }

    /// The oracle's verdict.
    pub fn verdict(&self) -> &Verdict {
        &self.verdict
    }

    /// Whether the page would get the response.
    pub fn is_allowed(&self) -> bool {
        self.verdict.is_allowed()
    }

    /// The CORS block, if the browser would refuse the response.
    pub fn block(&self) -> Option<&Block> {
        self.verdict.block()
    }

    /// Why no exchange got an answer (connection refused, timeout, TLS), if that is how it ended.
    pub fn connection_error(&self) -> Option<&ClientError> {
        self.hops.iter().find_map(|hop| hop.received.as_ref().err())
    }

    /// What the browser's console says, when the page does not get the response.
    pub fn console_message(&self) -> Option<String> {
        match self.connection_error() {
            Some(error) => {
                Some(format!("{} ({error})", self.verdict.explain(self.engine).unwrap_or_default()))
            }
            None => self.verdict.explain(self.engine),
        }
    }

    /// Why the server's answers cost the page its response, when they show it: a preflight
    /// answered 401/403 by authentication that runs before CORS, 404/405 because OPTIONS is not
    /// routed, or an error answer (4xx/5xx) without CORS headers that hides the real error. The
    /// finding's text names the cause and the next step; the report prints it as `diagnosis:`.
    ///
    /// ```no_run
    /// # async fn demo() {
    /// use corsproof_check::{Checker, Finding, Probe};
    /// let probe = Probe::new("http://127.0.0.1:3000/api/items/1").origin("https://app.example").method("PUT");
    /// let checked = Checker::new().check(&probe).await.unwrap();
    /// if let Some(Finding::PreflightNotOk { status: 401, .. }) = checked.diagnosis() {
    ///     // authentication answers the preflight before CORS does
    /// }
    /// # }
    /// ```
    pub fn diagnosis(&self) -> Option<Finding> {
        hygiene::diagnosis(self)
    }

    /// Panics, with the whole report, unless the page would get the response.
    #[track_caller]
    pub fn assert_allowed(&self) {
        if !self.is_allowed() {
            panic!("a browser would not let the page read this response\n\n{self}");
        }
    }

    /// Panics, with the whole report, unless the browser would refuse the response for a CORS
    /// reason (not a connection error).
    #[track_caller]
    pub fn assert_blocked(&self) {
        if self.block().is_none() {
            panic!("a browser would not block this request for CORS\n\n{self}");
        }
    }

    /// The exchanges as a condensed `curl -v`: `>` what was sent, `<` what came back.
    pub fn exchange(&self) -> String {
        let mut out = String::new();
        for hop in &self.hops {
            let what = if hop.is_preflight() { "  (preflight)" } else { "" };
            let _ = writeln!(out, "> {} {}{what}", hop.sent.method.as_str(), hop.sent.url);
            for (name, value) in &hop.headers {
                let _ = writeln!(out, "> {}: {}", title_case(name), String::from_utf8_lossy(value));
            }
            match &hop.received {
                Ok(received) => {
                    let _ = writeln!(out, "< {} {}", received.version, received.status);
                    for (name, value) in &received.headers {
                        let _ = writeln!(out, "< {name}: {}", String::from_utf8_lossy(value));
                    }
                }
                Err(error) => {
                    let _ = writeln!(out, "< no answer: {error}");
                }
            }
            out.push('\n');
        }
        out
    }

    /// One line: what the page gets.
    pub fn summary(&self) -> String {
        match &self.verdict.outcome {
            Outcome::Allowed(response) => {
                let names = response.header_names();
                format!(
                    "allowed: the page reads status {} and headers [{}]",
                    response.status,
                    names.join(", ")
                )
            }
            Outcome::Opaque => "allowed, opaque: the page can read nothing of it".to_owned(),
            Outcome::OpaqueRedirect => "an opaque redirect: the page can read nothing of it".to_owned(),
            Outcome::Blocked(block) => {
                let stage = match block.stage {
                    corsproof_oracle::Stage::Preflight => "at the preflight",
                    _ => "on the response",
                };
                format!("blocked {stage}: the page gets a network error")
            }
            Outcome::NetworkError(_) => "a network error: the page gets no response".to_owned(),
        }
    }
}

impl fmt::Display for Checked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let credentials = if self.probe.credentials { ", credentials: include" } else { "" };
        writeln!(
            f,
            "{} {} from a page at {}{credentials}\n",
            self.probe.method, self.probe.url, self.probe.origin
        )?;
        f.write_str(&self.exchange())?;
        writeln!(f, "{} ({})", self.summary(), self.engine)?;
        if let Some(message) = self.console_message() {
            writeln!(f, "  {message}")?;
        }
        for warning in &self.verdict.warnings {
            writeln!(f, "warning: {}", warning_text(warning))?;
        }
        for cookie in &self.cookies {
            writeln!(f, "{}", cookie.report())?;
        }
        if let Some(diagnosis) = self.diagnosis() {
            writeln!(f, "diagnosis: {diagnosis}")?;
        }
        self.write_fix(f)?;
        Ok(())
    }
}

fn warning_text(warning: &Warning) -> String {
    match warning {
        Warning::MissingVaryOrigin { url } => format!(
            "{url} allows one origin without `Vary: Origin`: a cache can serve it to a page of another origin"
        ),
        Warning::AuthorizationCoveredByWildcard { url } => format!(
            "{url}: `Access-Control-Allow-Headers: *` covers Authorization in today's browsers, not by the standard (Chromium and Firefox have deprecated it); name Authorization"
        ),
        // A warning newer than these words: its name, as words.
        other => crate::tls::words(other),
    }
}

/// `access-control-request-method` as `Access-Control-Request-Method`, for reading.
fn title_case(name: &[u8]) -> String {
    let text = String::from_utf8_lossy(name);
    text.split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map_or(String::new(), |first| first.to_ascii_uppercase().to_string() + chars.as_str())
        })
        .collect::<Vec<_>>()
        .join("-")
}
