//! The CORS policy a server is meant to implement, stated by its user, and what a browser should
//! conclude for any request if the server implemented exactly that.

use std::fmt;
use std::time::Duration;

use corsproof_oracle::{
    Engine, Method, Oracle, PreflightCache, Reason, RequestKind, Response, SentRequest, Step,
    is_cors_safelisted_response_header, is_forbidden_request_header, is_forbidden_response_header,
};

use crate::probe::{Probe, ProbeError};

/// Every value: `*` for origins, methods, headers or exposed headers.
///
/// ```
/// use corsproof_check::{Allow, Any};
/// assert_eq!(Allow::from(Any), Allow::Any);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Any;

/// One part of a policy: every value, or only the listed ones.
///
/// ```
/// use corsproof_check::Allow;
/// assert_eq!(Allow::from(["PUT", "DELETE"]), Allow::Only(vec!["PUT".into(), "DELETE".into()]));
/// assert_eq!(Allow::from("x-request-id"), Allow::Only(vec!["x-request-id".into()]));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Allow {
    /// Every value (`*`).
    Any,
    /// Only these values.
    Only(Vec<String>),
}

impl Allow {
    /// Nothing at all: the default for methods, headers and exposed headers.
    pub fn none() -> Self {
        Allow::Only(Vec::new())
    }

    /// The listed values, empty for [`Allow::Any`].
    pub fn listed(&self) -> &[String] {
        match self {
            Allow::Any => &[],
            Allow::Only(values) => values,
        }
    }

    /// Whether `value` is allowed, comparing with `same`.
    fn covers(&self, value: &str, same: impl Fn(&str, &str) -> bool) -> bool {
        match self {
            Allow::Any => true,
            Allow::Only(values) => values.iter().any(|listed| same(listed, value)),
        }
    }
}

impl From<Any> for Allow {
    fn from(_: Any) -> Self {
        Allow::Any
    }
}

impl From<&str> for Allow {
    fn from(value: &str) -> Self {
        Allow::Only(vec![value.to_owned()])
    }
}

impl<S: Into<String>> From<Vec<S>> for Allow {
    fn from(values: Vec<S>) -> Self {
        Allow::Only(values.into_iter().map(Into::into).collect())
    }
}

impl<S: Into<String>, const N: usize> From<[S; N]> for Allow {
    fn from(values: [S; N]) -> Self {
        Allow::Only(values.into_iter().map(Into::into).collect())
    }
}

/// The part of a policy a [`PolicyError`] is about, named as in the TOML format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// `origins`.
    Origins,
    /// `credentials`.
    Credentials,
    /// `methods`.
    Methods,
    /// `headers` (request headers).
    Headers,
    /// `expose` (exposed response headers).
    Expose,
    /// `max_age`.
    MaxAge,
    /// `cookie`: the cookies the credentialed probes carry.
    Cookie,
}

impl Field {
    /// The TOML key.
    pub fn key(self) -> &'static str {
        match self {
            Field::Origins => "origins",
            Field::Credentials => "credentials",
            Field::Methods => "methods",
            Field::Headers => "headers",
            Field::Expose => "expose",
            Field::MaxAge => "max_age",
            Field::Cookie => "cookie",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// A policy that cannot work as written: which field, which list item, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{field}`: {reason}")]
pub struct PolicyError {
    /// The field at fault.
    pub field: Field,
    /// The index of the list item at fault, when it is one item.
    pub item: Option<usize>,
    /// What is wrong and what to write instead.
    pub reason: String,
}

impl PolicyError {
    fn new(field: Field, item: Option<usize>, reason: impl Into<String>) -> Self {
        Self { field, item, reason: reason.into() }
    }
}

/// The CORS-safelisted methods. A browser never asks the server whether a page may use them (no
/// preflight is sent for the method alone), so a CORS policy cannot refuse them: a policy allows
/// them to its origins whether `methods` lists them or not, and a request with one of them is
/// judged on its origin, credentials, request headers and exposed headers only. Refuse them with
/// a status (405) where the server must not serve them.
///
/// ```
/// use corsproof_check::{Policy, Probe, SAFELISTED_METHODS};
/// assert_eq!(SAFELISTED_METHODS, ["GET", "HEAD", "POST"]);
/// let policy = Policy::builder().allow_origin(["https://app.example"]).allow_methods(["GET", "PUT"]).build().unwrap();
/// let head = Probe::new("https://api.example/items").origin("https://app.example").method("HEAD");
/// assert!(policy.expects(&head).unwrap().is_allowed(), "HEAD needs no listing");
/// ```
pub const SAFELISTED_METHODS: [&str; 3] = ["GET", "HEAD", "POST"];

/// No browser keeps a preflight result longer than this (Firefox's cap; Chromium's and WebKit's
/// are shorter, see [`Engine::max_age_cap`]), so a longer max-age is a mistake.
pub const LONGEST_MAX_AGE: Duration = Engine::Firefox.max_age_cap();

/// The CORS policy a server should implement: which origins may read its responses, with or
/// without credentials, which methods and request headers they may use, which response headers
/// they may read, and how long a preflight result may be cached.
///
/// Built with [`Policy::builder`] or read with [`Policy::from_toml`]; configurations a browser
/// can never honour (a wildcard origin with credentials, `null`, an origin with a path) are
/// rejected when built.
///
/// ```
/// use std::time::Duration;
/// use corsproof_check::{Policy, Probe};
/// let policy = Policy::builder()
///     .allow_origin(["https://app.example"])
///     .allow_credentials(true)
///     .allow_methods(["GET", "PUT"])
///     .allow_headers(["content-type"])
///     .expose_headers(["x-total-count"])
///     .max_age(Duration::from_secs(600))
///     .build()
///     .unwrap();
/// let put = Probe::new("https://api.example/items/1").method("PUT").credentials(true);
/// assert!(policy.expects(&put.clone().origin("https://app.example")).unwrap().is_allowed());
/// assert!(!policy.expects(&put.origin("https://app.example.evil.com")).unwrap().is_allowed());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    origins: Allow,
    credentials: bool,
    methods: Allow,
    headers: Allow,
    expose: Allow,
    max_age: Option<Duration>,
    cookies: Vec<String>,
}

impl Policy {
    /// A builder; only the origins are required.
    pub fn builder() -> PolicyBuilder {
        PolicyBuilder::default()
    }

    /// The allowed origins, serialized (`https://app.example`), or [`Allow::Any`].
    pub fn origins(&self) -> &Allow {
        &self.origins
    }

    /// Whether credentialed requests (cookies, `credentials: 'include'`) are allowed.
    pub fn credentials(&self) -> bool {
        self.credentials
    }

    /// The allowed methods as listed. The [`SAFELISTED_METHODS`] (GET, HEAD, POST) are allowed to
    /// the policy's origins whether listed or not: CORS cannot refuse them.
    pub fn methods(&self) -> &Allow {
        &self.methods
    }

    /// The [`SAFELISTED_METHODS`] that `methods` does not list, which the policy allows all the
    /// same: what a report says, so that nobody reads `methods = ["GET", "PUT"]` as refusing HEAD.
    /// Empty when `methods` is `*` or lists all three.
    ///
    /// ```
    /// use corsproof_check::Policy;
    /// let policy = Policy::builder().allow_origin(["https://app.example"]).allow_methods(["GET", "PUT"]).build().unwrap();
    /// assert_eq!(policy.safelisted_methods_not_listed(), ["HEAD", "POST"]);
    /// ```
    pub fn safelisted_methods_not_listed(&self) -> Vec<&'static str> {
        match &self.methods {
            Allow::Any => Vec::new(),
            Allow::Only(listed) => {
                SAFELISTED_METHODS.into_iter().filter(|method| !listed.iter().any(|l| l == method)).collect()
            }
        }
    }

    /// The allowed request headers, lower-cased.
    pub fn headers(&self) -> &Allow {
        &self.headers
    }

    /// The response headers pages may read beyond the safelisted ones, lower-cased.
    pub fn exposed_headers(&self) -> &Allow {
        &self.expose
    }

    /// How long a browser may cache a preflight result.
    pub fn max_age(&self) -> Option<Duration> {
        self.max_age
    }

    /// The cookies a logged-in user's browser holds (`Set-Cookie` form), which every probe of
    /// [`verify`](crate::verify) carries where the browser would send them: on credentialed
    /// requests (and same-origin ones), as the cookie rules allow.
    pub fn cookies(&self) -> &[String] {
        &self.cookies
    }

    /// Whether a page at `origin` (serialized, as the `Origin` header carries it) is allowed.
    ///
    /// ```
    /// use corsproof_check::Policy;
    /// let policy = Policy::builder().allow_origin(["https://app.example"]).build().unwrap();
    /// assert!(policy.allows_origin("https://app.example"));
    /// assert!(!policy.allows_origin("https://app.example.evil.com"));
    /// assert!(!policy.allows_origin("null"));
    /// ```
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.origins.covers(origin, |listed, origin| listed == origin)
    }

    /// What a browser (Chromium) should conclude for `probe` if the server implemented exactly
    /// this policy. Fails only when the probe's page origin does not parse. A request with a
    /// safelisted method ([`SAFELISTED_METHODS`]) is judged on its origin, credentials and
    /// headers only, whether `methods` lists it or not.
    pub fn expects(&self, probe: &Probe) -> Result<Expected, ProbeError> {
        self.expects_in(probe, Engine::Chromium)
    }

    /// [`expects`](Self::expects), judged as `engine`.
    pub fn expects_in(&self, probe: &Probe, engine: Engine) -> Result<Expected, ProbeError> {
        let (page, request) = probe.to_oracle()?;
        let mut step =
            Oracle::new(engine).plan(&page, &request, &PreflightCache::new(), Duration::ZERO).start();
        let verdict = loop {
            match step {
                Step::Send(fetch) => {
                    let answer = self.answer(fetch.request());
                    step = fetch.on_response(&answer);
                }
                Step::Done(verdict) => break verdict,
            }
        };
        let refusal = match (verdict.block(), verdict.explain(engine)) {
            (_, None) => None,
            (Some(block), _) => Some(self.refusal(&block.reason, probe)),
            (None, Some(error)) => Some(Refusal::Browser(error)),
        };
        Ok(Expected { refusal, exposed: self.expose.clone(), credentials: probe.is_credentialed() })
    }

    /// What a server implementing exactly this policy answers to `request`: the CORS headers
    /// for an allowed origin, none for any other, and 204 to every preflight.
    fn answer(&self, request: &SentRequest) -> Response {
        let preflight = request.kind == RequestKind::Preflight;
        let mut response = Response::new(if preflight { 204 } else { 200 });
        let Some(origin) = request.origin.as_deref().filter(|origin| self.allows_origin(origin)) else {
            return response;
        };
        response = if self.origins == Allow::Any && !self.credentials {
            response.header("access-control-allow-origin", "*")
        } else {
            response.header("access-control-allow-origin", origin).header("vary", "Origin")
        };
        if self.credentials {
            response = response.header("access-control-allow-credentials", "true");
        }
        let requested = |name: &str| {
            request.headers.iter().find(|h| h.is(name)).map(|h| h.value.to_vec()).unwrap_or_default()
        };
        let list = |allow: &Allow, mirrored: Vec<u8>| match allow {
            // "Any" mirrors what was asked: that works with credentials too, where `*` does not.
            Allow::Any => mirrored,
            Allow::Only(values) => values.join(", ").into_bytes(),
        };
        if preflight {
            let methods = list(&self.methods, requested("access-control-request-method"));
            let headers = list(&self.headers, requested("access-control-request-headers"));
            for (name, value) in
                [("access-control-allow-methods", methods), ("access-control-allow-headers", headers)]
            {
                if !value.is_empty() {
                    response = response.header(name, value);
                }
            }
            if let Some(max_age) = self.max_age {
                response = response.header("access-control-max-age", max_age.as_secs().to_string());
            }
        } else {
            let exposed = match &self.expose {
                Allow::Any => "*".to_owned(),
                Allow::Only(names) => names.join(", "),
            };
            if !exposed.is_empty() {
                response = response.header("access-control-expose-headers", exposed);
            }
        }
        response
    }

    /// Why the policy refuses a request, in the policy's terms.
    fn refusal(&self, reason: &Reason, probe: &Probe) -> Refusal {
        match reason {
            Reason::MissingAllowOrigin => Refusal::Origin(probe.page_origin().to_owned()),
            Reason::AllowCredentialsNotTrue { .. } | Reason::WildcardOriginWithCredentials => {
                Refusal::Credentials
            }
            Reason::MethodNotAllowed { method } => Refusal::Method(method.clone()),
            Reason::HeaderNotAllowed { header } => Refusal::Header(header.clone()),
            Reason::AuthorizationNotCoveredByWildcard => Refusal::Header("authorization".to_owned()),
            other => Refusal::Browser(other.to_string()),
        }
    }
}

/// Why a policy refuses a request, in the policy's terms: which part of it says no.
///
/// ```
/// use corsproof_check::{Policy, Probe, Refusal};
/// let policy = Policy::builder().allow_origin(["https://app.example"]).build().unwrap();
/// let probe = Probe::new("https://api.example/items").origin("https://evil.example");
/// let expected = policy.expects(&probe).unwrap();
/// assert_eq!(expected.refusal(), Some(&Refusal::Origin("https://evil.example".into())));
/// assert_eq!(expected.refusal().unwrap().to_string(), "the policy does not allow the origin `https://evil.example`");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// The page's origin (serialized) is not among the policy's.
    Origin(String),
    /// The request is credentialed and the policy allows no credentials.
    Credentials,
    /// The method is neither listed nor safelisted.
    Method(String),
    /// The request header (lower-cased) is not listed.
    Header(String),
    /// A browser refuses the request whatever the server answers: the browser's words.
    Browser(String),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Origin(origin) => write!(f, "the policy does not allow the origin `{origin}`"),
            Refusal::Credentials => f.write_str("the policy does not allow credentials"),
            Refusal::Method(method) => write!(f, "the policy does not allow the method `{method}`"),
            Refusal::Header(header) => write!(f, "the policy does not allow the request header `{header}`"),
            Refusal::Browser(words) => write!(f, "a browser refuses it under this policy: {words}"),
        }
    }
}

/// What a browser should conclude for a probe under a policy: allowed or not, and which
/// response headers the page may read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expected {
    refusal: Option<Refusal>,
    exposed: Allow,
    credentials: bool,
}

impl Expected {
    /// Whether the page should get the response.
    pub fn is_allowed(&self) -> bool {
        self.refusal.is_none()
    }

    /// Why the policy refuses the request (`the policy does not allow the method PUT`), if it does.
    pub fn refusal(&self) -> Option<&Refusal> {
        self.refusal.as_ref()
    }

    /// Whether the page should be able to read the response header `name`, were the server to
    /// send it.
    ///
    /// ```
    /// use corsproof_check::{Policy, Probe};
    /// let policy = Policy::builder().allow_origin(["https://app.example"]).expose_headers(["x-total"]).build().unwrap();
    /// let expected = policy.expects(&Probe::new("https://api.example/").origin("https://app.example")).unwrap();
    /// assert!(expected.reads("X-Total") && expected.reads("content-type"));
    /// assert!(!expected.reads("x-internal") && !expected.reads("set-cookie"));
    /// ```
    pub fn reads(&self, name: &str) -> bool {
        let name = name.to_ascii_lowercase();
        self.is_allowed()
            && !is_forbidden_response_header(name.as_bytes())
            && (is_cors_safelisted_response_header(name.as_bytes())
                || (self.exposed == Allow::Any && !self.credentials)
                || self.exposed.listed().contains(&name))
    }
}

/// Builds a [`Policy`]; [`build`](Self::build) rejects what cannot work.
#[derive(Clone, Debug)]
pub struct PolicyBuilder {
    origins: Allow,
    credentials: bool,
    methods: Allow,
    headers: Allow,
    expose: Allow,
    max_age: Option<Duration>,
    cookies: Vec<String>,
}

impl Default for PolicyBuilder {
    fn default() -> Self {
        Self {
            origins: Allow::none(),
            credentials: false,
            methods: Allow::none(),
            headers: Allow::none(),
            expose: Allow::none(),
            max_age: None,
            cookies: Vec::new(),
        }
    }
}

impl PolicyBuilder {
    /// The origins allowed, as a browser serializes them (`https://app.example:8443`), or
    /// [`Any`].
    ///
    /// ```
    /// use corsproof_check::{Any, Policy};
    /// let public = Policy::builder().allow_origin(Any).build().unwrap();
    /// assert!(public.allows_origin("https://anyone.example"));
    /// let mistake = Policy::builder().allow_origin(["https://app.example/"]).build();
    /// assert!(mistake.unwrap_err().reason.contains("https://app.example"));
    /// ```
    pub fn allow_origin(mut self, origins: impl Into<Allow>) -> Self {
        self.origins = origins.into();
        self
    }

    /// Whether credentialed requests are allowed (`Access-Control-Allow-Credentials: true`).
    ///
    /// ```
    /// use corsproof_check::{Any, Policy};
    /// assert!(Policy::builder().allow_origin(["https://app.example"]).allow_credentials(true).build().is_ok());
    /// // A browser never honours `*` with credentials.
    /// assert!(Policy::builder().allow_origin(Any).allow_credentials(true).build().is_err());
    /// ```
    pub fn allow_credentials(mut self, credentials: bool) -> Self {
        self.credentials = credentials;
        self
    }

    /// The methods allowed, or [`Any`]. GET, HEAD and POST ([`SAFELISTED_METHODS`]) need no
    /// permission: they are allowed whether listed or not, and listing them is accepted.
    ///
    /// ```
    /// use corsproof_check::Policy;
    /// let policy = Policy::builder().allow_origin(["https://app.example"]).allow_methods(["put", "PATCH"]).build().unwrap();
    /// // Browsers upper-case the standard methods, so `put` is `PUT`; `PATCH` stays as written.
    /// assert_eq!(policy.methods().listed(), ["PUT", "PATCH"]);
    /// ```
    pub fn allow_methods(mut self, methods: impl Into<Allow>) -> Self {
        self.methods = methods.into();
        self
    }

    /// The request headers allowed beyond the safelisted ones, or [`Any`].
    ///
    /// ```
    /// use corsproof_check::Policy;
    /// let policy = Policy::builder().allow_origin(["https://app.example"]).allow_headers(["Content-Type", "X-Request-Id"]).build().unwrap();
    /// assert_eq!(policy.headers().listed(), ["content-type", "x-request-id"]);
    /// ```
    pub fn allow_headers(mut self, headers: impl Into<Allow>) -> Self {
        self.headers = headers.into();
        self
    }

    /// The response headers pages may read beyond the safelisted ones, or [`Any`] (not with
    /// credentials, where a browser reads `*` as a header literally named `*`).
    ///
    /// ```
    /// use corsproof_check::Policy;
    /// let policy = Policy::builder().allow_origin(["https://app.example"]).expose_headers(["X-Total-Count"]).build().unwrap();
    /// assert_eq!(policy.exposed_headers().listed(), ["x-total-count"]);
    /// ```
    pub fn expose_headers(mut self, headers: impl Into<Allow>) -> Self {
        self.expose = headers.into();
        self
    }

    /// How long a browser may cache a preflight result (`Access-Control-Max-Age`), at most
    /// [`LONGEST_MAX_AGE`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use corsproof_check::Policy;
    /// let policy = Policy::builder().allow_origin(["https://app.example"]).max_age(Duration::from_secs(600)).build().unwrap();
    /// assert_eq!(policy.max_age(), Some(Duration::from_secs(600)));
    /// ```
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = Some(max_age);
        self
    }

    /// A cookie a logged-in user's browser holds, as its `Set-Cookie` line gave it; repeat for
    /// several. Servers whose CORS answer depends on a session (auth middleware before CORS, a
    /// session-guarded API) answer a probe without it differently: the probes carry it wherever
    /// the browser would send it.
    ///
    /// ```
    /// use corsproof_check::{Field, Policy};
    /// let policy = Policy::builder()
    ///     .allow_origin(["https://app.example"])
    ///     .allow_credentials(true)
    ///     .cookie("session=1; SameSite=None; Secure")
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(policy.cookies(), ["session=1; SameSite=None; Secure"]);
    /// let error = Policy::builder().allow_origin(["https://app.example"]).cookie("session").build().unwrap_err();
    /// assert_eq!((error.field, error.item), (Field::Cookie, Some(0)));
    /// ```
    pub fn cookie(mut self, cookie: impl Into<String>) -> Self {
        self.cookies.push(cookie.into());
        self
    }

    /// The policy, or the first thing in it a browser could never honour.
    ///
    /// ```
    /// use corsproof_check::{Field, Policy};
    /// let error = Policy::builder().allow_origin(["https://app.example", "null"]).build().unwrap_err();
    /// assert_eq!((error.field, error.item), (Field::Origins, Some(1)));
    /// ```
    pub fn build(self) -> Result<Policy, PolicyError> {
        let origins = validate(Field::Origins, self.origins, origin)?;
        if origins == Allow::Only(Vec::new()) {
            return Err(PolicyError::new(Field::Origins, None, "allow at least one origin, or \"*\""));
        }
        if origins == Allow::Any && self.credentials {
            return Err(PolicyError::new(
                Field::Credentials,
                None,
                "a browser never sends credentials to `Access-Control-Allow-Origin: *`; list the origins \
                 (reflecting every origin instead would let any site read your users' data)",
            ));
        }
        let expose = validate(Field::Expose, self.expose, header_name)?;
        if expose == Allow::Any && self.credentials {
            return Err(PolicyError::new(
                Field::Expose,
                None,
                "with credentials a browser reads `Access-Control-Expose-Headers: *` as a header named `*`; \
                 list the header names",
            ));
        }
        if let Some(max_age) = self.max_age.filter(|max_age| *max_age > LONGEST_MAX_AGE) {
            return Err(PolicyError::new(
                Field::MaxAge,
                None,
                format!(
                    "{} s is longer than any browser caches a preflight (Firefox 86400 s, Chromium 7200 s, \
                     WebKit 600 s)",
                    max_age.as_secs()
                ),
            ));
        }
        for (index, cookie) in self.cookies.iter().enumerate() {
            if let Err(error) = cookie.parse::<corsproof_oracle::Cookie>() {
                return Err(PolicyError::new(Field::Cookie, Some(index), error.to_string()));
            }
        }
        Ok(Policy {
            origins,
            credentials: self.credentials,
            methods: validate(Field::Methods, self.methods, method)?,
            headers: validate(Field::Headers, self.headers, request_header)?,
            expose,
            max_age: self.max_age,
            cookies: self.cookies,
        })
    }
}

/// Normalizes each listed value with `check`, or says which item is wrong; `["*"]` is [`Allow::Any`].
fn validate(
    field: Field,
    allow: Allow,
    check: fn(&str) -> Result<String, String>,
) -> Result<Allow, PolicyError> {
    let Allow::Only(values) = allow else { return Ok(Allow::Any) };
    if values.len() == 1 && values[0] == "*" {
        return Ok(Allow::Any);
    }
    let mut checked: Vec<String> = Vec::with_capacity(values.len());
    for (index, value) in values.iter().enumerate() {
        if value == "*" {
            return Err(PolicyError::new(
                field,
                Some(index),
                "`*` allows everything: write it alone, not in a list",
            ));
        }
        let value = check(value).map_err(|reason| PolicyError::new(field, Some(index), reason))?;
        if !checked.contains(&value) {
            checked.push(value);
        }
    }
    Ok(Allow::Only(checked))
}

fn origin(text: &str) -> Result<String, String> {
    if text == "null" {
        return Err("`null` is the origin of every sandboxed iframe, `data:` and `file:` page: allowing it \
                    allows any site (and Chromium refuses `Access-Control-Allow-Origin: null` anyway)"
            .to_owned());
    }
    let parsed: corsproof_oracle::Origin =
        text.parse().map_err(|_| format!("`{text}` is not an origin (expected scheme://host[:port])"))?;
    if parsed.is_opaque() {
        return Err(format!("`{text}` has no origin a browser would send"));
    }
    if parsed.as_str() != text {
        return Err(format!(
            "a browser sends this origin as `{parsed}`, and the comparison is byte for byte: write `{parsed}`"
        ));
    }
    Ok(text.to_owned())
}

fn method(text: &str) -> Result<String, String> {
    match Method::normalize(text.as_bytes()) {
        Ok(method) => Ok(method.as_str().to_owned()),
        Err(error) => Err(format!("`{text}` is {error}: a page can never send it")),
    }
}

fn header_name(text: &str) -> Result<String, String> {
    http::HeaderName::from_bytes(text.as_bytes())
        .map(|name| name.as_str().to_owned())
        .map_err(|_| format!("`{text}` is not a header name"))
}

fn request_header(text: &str) -> Result<String, String> {
    let name = header_name(text)?;
    if is_forbidden_request_header(name.as_bytes(), b"") {
        return Err(format!("`{name}` is a header only the browser sets: a page can never send it"));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_max_age_is_the_longest_any_engine_keeps() {
        assert_eq!(Some(LONGEST_MAX_AGE), Engine::ALL.into_iter().map(Engine::max_age_cap).max());
    }

    fn policy() -> Policy {
        Policy::builder()
            .allow_origin(["https://app.example"])
            .allow_credentials(true)
            .allow_methods(["PUT"])
            .allow_headers(["x-request-id"])
            .expose_headers(["x-total"])
            .build()
            .unwrap()
    }

    fn from(origin: &str) -> Probe {
        Probe::new("https://api.example/items").origin(origin)
    }

    #[test]
    fn an_allowed_origin_may_use_what_the_policy_lists() {
        let probe = from("https://app.example").method("PUT").header("X-Request-Id", "1").credentials(true);
        assert!(policy().expects(&probe).unwrap().is_allowed());
    }

    #[test]
    fn each_refusal_names_the_part_of_the_policy_that_refuses() {
        let cases = [
            (from("https://evil.example"), "origin `https://evil.example`"),
            (from("https://app.example").method("DELETE"), "method `DELETE`"),
            (from("https://app.example").header("X-Other", "1"), "request header `x-other`"),
        ];
        for (probe, words) in cases {
            let expected = policy().expects(&probe).unwrap();
            assert!(expected.refusal().unwrap().to_string().contains(words), "{expected:?}");
        }
    }

    #[test]
    fn a_public_policy_refuses_credentials_but_allows_null() {
        let public =
            Policy::builder().allow_origin(Any).allow_methods(Any).allow_headers(Any).build().unwrap();
        assert!(
            public.expects(&from("null").method("PATCH").header("Authorization", "x")).unwrap().is_allowed()
        );
        let credentialed = public.expects(&from("https://a.example").credentials(true)).unwrap();
        assert_eq!(credentialed.refusal(), Some(&Refusal::Credentials));
    }

    #[test]
    fn a_safelisted_method_is_judged_on_origin_credentials_and_headers_only() {
        // `PUT` listed, `HEAD` not: a HEAD is allowed all the same, even when a header makes it
        // preflighted (a browser never checks a safelisted method against the allowed methods).
        let head = from("https://app.example").method("HEAD").credentials(true);
        assert!(policy().expects(&head).unwrap().is_allowed());
        assert!(policy().expects(&head.clone().header("X-Request-Id", "1")).unwrap().is_allowed());
        let refusals = [
            (head.clone().origin("https://evil.example"), Refusal::Origin("https://evil.example".into())),
            (head.header("X-Other", "1"), Refusal::Header("x-other".into())),
        ];
        for (probe, refusal) in refusals {
            assert_eq!(policy().expects(&probe).unwrap().refusal(), Some(&refusal), "{probe:?}");
        }
        assert_eq!(policy().safelisted_methods_not_listed(), SAFELISTED_METHODS);
        // Listing a safelisted method is accepted and changes nothing but the note.
        let listed = Policy::builder().allow_origin(["https://app.example"]).allow_methods(["head", "PUT"]);
        let listed = listed.build().unwrap();
        assert_eq!(listed.methods().listed(), ["HEAD", "PUT"]);
        assert_eq!(listed.safelisted_methods_not_listed(), ["GET", "POST"]);
    }

    #[test]
    fn any_header_includes_authorization_even_with_credentials() {
        let policy = Policy::builder()
            .allow_origin(["https://app.example"])
            .allow_credentials(true)
            .allow_headers(Any);
        let probe = from("https://app.example").header("Authorization", "Bearer x").credentials(true);
        assert!(policy.build().unwrap().expects_in(&probe, Engine::Firefox).unwrap().is_allowed());
    }

    #[test]
    fn what_cannot_work_is_rejected_with_the_item_at_fault() {
        let base = || Policy::builder().allow_origin(["https://app.example"]);
        let cases = [
            (Policy::builder().build(), Field::Origins, None),
            (Policy::builder().allow_origin(["HTTPS://App.example"]).build(), Field::Origins, Some(0)),
            (Policy::builder().allow_origin(["https://a.example", "*"]).build(), Field::Origins, Some(1)),
            (base().allow_methods(["GET", "TRACE"]).build(), Field::Methods, Some(1)),
            (base().allow_headers(["cookie"]).build(), Field::Headers, Some(0)),
            (base().expose_headers(["no spaces"]).build(), Field::Expose, Some(0)),
            (base().allow_credentials(true).expose_headers(Any).build(), Field::Expose, None),
            (base().max_age(Duration::from_secs(86_401)).build(), Field::MaxAge, None),
        ];
        for (built, field, item) in cases {
            let error = built.unwrap_err();
            assert_eq!((error.field, error.item), (field, item), "{error}");
        }
    }
}
