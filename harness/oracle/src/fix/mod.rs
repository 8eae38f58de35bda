//! Fixes: what the server must send instead, and how to say it in the user's own framework
//! ([`Framework`]: Express, nginx, Django, tower-http, FastAPI, Flask, Koa, Fastify, Apache
//! httpd, Caddy).
//!
//! A fix never tells a user to allow an origin they have not said is theirs: unless the origin
//! is [`OriginTrust::Confirmed`], the summary and every snippet say "if this is your page's
//! origin".

mod apache;
mod caddy;
mod django;
mod express;
mod fastapi;
mod fastify;
mod flask;
mod framework;
mod koa;
mod nginx;
mod render;
mod tower_http;

pub use framework::{Framework, UnknownFramework};

use crate::reason::Reason;
use render::Renderer;

/// What the server must allow for one request to pass: the origin, credentials, methods and
/// headers this request needs, derived from the request, not from what the server sent.
///
/// Not the server's whole CORS policy (that is the user's, in `corsproof-check`): the part of it
/// one blocked request needs, from which its [`Fix`] is written.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Requirement {
    /// The exact origin to allow (the serialized origin the request carried; `null` after a
    /// tainted redirect).
    pub origin: String,
    /// Whether the request is credentialed (`credentials: 'include'`).
    pub credentials: bool,
    /// Whether the request is preflighted.
    pub preflight: bool,
    /// The methods to list in `Access-Control-Allow-Methods` (empty when the method is
    /// safelisted).
    pub methods: Vec<String>,
    /// The lower-cased header names to list in `Access-Control-Allow-Headers`.
    pub headers: Vec<String>,
}

/// Whether the user has said the request's origin is theirs. A blocked request from an origin
/// nobody vouched for may be an attacker's, and "allow it" would be the wrong advice.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub enum OriginTrust {
    /// Nobody said whose origin it is (`corsproof check --origin X`): every piece of advice
    /// that allows it is conditional ("if X is your page's origin").
    #[default]
    Unconfirmed,
    /// The user declared it theirs (a policy lists it): the advice says plainly to allow it.
    Confirmed,
}

/// A fix for one blocked request: a summary, the headers, and a configuration snippet for each
/// [`Framework`].
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Fix {
    /// One or two sentences: what to change and why (conditional on the origin being the
    /// user's unless it is [`OriginTrust::Confirmed`]).
    pub summary: String,
    /// The headers the server must send, as `(name, value)`, and on which response.
    pub headers: Vec<FixHeader>,
    /// Whether the origin to allow is confirmed as the user's.
    pub origin_trust: OriginTrust,
    reason: Reason,
    required: Requirement,
}

/// A header the server must send.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct FixHeader {
    /// Header name.
    pub name: String,
    /// Header value.
    pub value: String,
    /// Whether it belongs on the preflight (`OPTIONS`) response only.
    pub preflight_only: bool,
}

impl Fix {
    pub(crate) fn for_reason(reason: &Reason, required: &Requirement, origin_trust: OriginTrust) -> Fix {
        Fix {
            summary: summary(reason, required, origin_trust),
            headers: required_headers(required),
            origin_trust,
            reason: reason.clone(),
            required: required.clone(),
        }
    }

    /// What the request needs the server to allow.
    pub fn requirement(&self) -> &Requirement {
        &self.required
    }

    /// Whether the fix is a change to the server's CORS configuration at all (not for a page
    /// that asked for `same-origin`, a redirect with credentials in its URL, or a redirected
    /// preflight).
    pub fn is_server_side(&self) -> bool {
        !page_side_only(&self.reason)
    }

    /// The fix as `framework`'s configuration: the summary as a comment, the framework's
    /// gotcha in one comment line, and the configuration, in the shape the [`Framework`]
    /// contract describes.
    ///
    /// ```
    /// use corsproof_oracle::{Framework, OriginTrust, Reason, Requirement};
    /// let needs = Requirement {
    ///     origin: "https://app.example.com".into(),
    ///     credentials: true,
    ///     preflight: false,
    ///     methods: vec![],
    ///     headers: vec![],
    /// };
    /// let fix = Reason::MissingAllowOrigin.fix_with(&needs, OriginTrust::Confirmed);
    /// let express = fix.snippet(Framework::Express);
    /// assert!(express.contains("origin: ['https://app.example.com']"));
    /// assert!(express.contains("credentials: true"));
    /// ```
    pub fn snippet(&self, framework: Framework) -> String {
        let render = Renderer { reason: &self.reason, required: &self.required, note: &self.summary };
        let (style, body): (&render::Style, fn(&Renderer) -> String) = match framework {
            Framework::Express => (&express::STYLE, express::body),
            Framework::Nginx => (&nginx::STYLE, nginx::body),
            Framework::Django => (&django::STYLE, django::body),
            Framework::TowerHttp => (&tower_http::STYLE, tower_http::body),
            Framework::FastApi => (&fastapi::STYLE, fastapi::body),
            Framework::Flask => (&flask::STYLE, flask::body),
            Framework::Koa => (&koa::STYLE, koa::body),
            Framework::Fastify => (&fastify::STYLE, fastify::body),
            Framework::Apache => (&apache::STYLE, apache::body),
            Framework::Caddy => (&caddy::STYLE, caddy::body),
        };
        render.snippet(style, body)
    }
}

fn page_side_only(reason: &Reason) -> bool {
    matches!(
        reason,
        Reason::DisallowedByMode
            | Reason::RedirectContainsCredentials { .. }
            | Reason::PreflightRedirect { .. }
    )
}

fn required_headers(required: &Requirement) -> Vec<FixHeader> {
    let mut headers = vec![
        FixHeader {
            name: "Access-Control-Allow-Origin".into(),
            value: required.origin.clone(),
            preflight_only: false,
        },
        FixHeader { name: "Vary".into(), value: "Origin".into(), preflight_only: false },
    ];
    if required.credentials {
        headers.push(FixHeader {
            name: "Access-Control-Allow-Credentials".into(),
            value: "true".into(),
            preflight_only: false,
        });
    }
    if !required.methods.is_empty() {
        headers.push(FixHeader {
            name: "Access-Control-Allow-Methods".into(),
            value: required.methods.join(", "),
            preflight_only: true,
        });
    }
    if !required.headers.is_empty() {
        headers.push(FixHeader {
            name: "Access-Control-Allow-Headers".into(),
            value: required.headers.join(", "),
            preflight_only: true,
        });
    }
    headers
}

/// The summary: the change, said plainly when the origin is confirmed, and otherwise under the
/// condition that the origin is the user's, with the way to confirm it.
fn summary(reason: &Reason, required: &Requirement, trust: OriginTrust) -> String {
    let origin = &required.origin;
    let null_warning = if origin == "null" {
        " The request passed through a redirect to another origin, so the browser sent \
         `Origin: null`; allowing `null` also admits sandboxed iframes and file: pages, so \
         prefer having the page request the final URL directly."
    } else {
        ""
    };
    let change = change(reason, origin);
    if page_side_only(reason) {
        return format!("{}{null_warning}", capitalized(&change));
    }
    match trust {
        OriginTrust::Confirmed => format!("{}{null_warning}", capitalized(&change)),
        OriginTrust::Unconfirmed => format!(
            "If {origin} is your page's origin, {change}{null_warning} If it is not, leave it \
             blocked (corsproof was not told whose origin it is: list yours in a policy, \
             `check --policy`)."
        ),
    }
}

/// What to change for `reason`, starting lower-case so that it reads after a condition.
fn change(reason: &Reason, origin: &str) -> String {
    match reason {
        Reason::DisallowedByMode => "no response header can allow this: the page asked for mode \
             'same-origin' and the server redirected to another origin. Stop redirecting across \
             origins, or have the page use mode 'cors'."
            .to_owned(),
        Reason::MissingAllowOrigin => format!(
            "send `Access-Control-Allow-Origin: {origin}` on every response to this origin, \
             including errors (4xx/5xx) and redirects."
        ),
        Reason::WildcardOriginWithCredentials => format!(
            "send the exact origin instead of `*`, which is refused with credentials: \
             `Access-Control-Allow-Origin: {origin}` with `Access-Control-Allow-Credentials: \
             true` and `Vary: Origin`. Check the origin against an allow-list; never reflect \
             any Origin."
        ),
        Reason::MultipleAllowOriginValues { value } => format!(
            "send exactly one origin, once: the browser saw '{value}'. A list is not allowed, \
             and two layers (app and proxy) each adding the header produce two; let only one \
             of them handle CORS and send `Access-Control-Allow-Origin: {origin}`."
        ),
        Reason::InvalidAllowOriginValue { value } | Reason::AllowOriginMismatch { value } => format!(
            "send the page's origin byte for byte instead of '{value}': \
             `Access-Control-Allow-Origin: {origin}` (scheme, host and port, no path or \
             trailing slash)."
        ),
        Reason::AllowCredentialsNotTrue { .. } => format!(
            "send `Access-Control-Allow-Credentials: true` (exactly, lower-case) next to \
             `Access-Control-Allow-Origin: {origin}`, as credentialed requests need."
        ),
        Reason::PreflightStatusNotOk { status } => format!(
            "answer the OPTIONS preflight with 204 (any 2xx, it was {status}) and the CORS \
             headers, before authentication, routing or method checks run (the preflight \
             never carries cookies or Authorization)."
        ),
        Reason::PreflightRedirect { status } => format!(
            "answer the OPTIONS preflight at the requested URL instead of with a {status} \
             redirect, which browsers never follow (watch for trailing-slash, http-to-https and \
             login redirects), or have the page request the final URL."
        ),
        Reason::InvalidAllowMethods { value } => format!(
            "send a comma-separated list of method tokens: `Access-Control-Allow-Methods: \
             {value}` does not parse."
        ),
        Reason::InvalidAllowHeaders { value } => format!(
            "send a comma-separated list of header names: `Access-Control-Allow-Headers: \
             {value}` does not parse."
        ),
        Reason::MethodNotAllowed { method } => {
            let case_note = if method.bytes().any(|b| b.is_ascii_lowercase()) {
                format!(
                    " Methods other than DELETE, GET, HEAD, OPTIONS, POST and PUT keep the \
                     case the page wrote and are compared byte for byte, so list `{method}` \
                     exactly (or have the page send it upper-case)."
                )
            } else {
                String::new()
            };
            format!("list `{method}` in the preflight's `Access-Control-Allow-Methods`.{case_note}")
        }
        Reason::HeaderNotAllowed { header } => {
            format!("list `{header}` in the preflight's `Access-Control-Allow-Headers`.")
        }
        Reason::AuthorizationNotCoveredByWildcard => "list `authorization` by name: \
             `Access-Control-Allow-Headers: *` never covers Authorization."
            .to_owned(),
        Reason::RedirectContainsCredentials { location } => {
            format!("redirect to a URL without `user:password@` (the server sent `{location}`).")
        }
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| first.to_uppercase().chain(chars).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn required() -> Requirement {
        Requirement {
            origin: "https://app.test".into(),
            credentials: true,
            preflight: true,
            methods: vec!["patch".into()],
            headers: vec!["authorization".into(), "x-custom".into()],
        }
    }

    fn confirmed(reason: Reason) -> Fix {
        reason.fix_with(&required(), OriginTrust::Confirmed)
    }

    #[test]
    fn fix_lists_exact_origin_credentials_and_preflight_headers() {
        let fix = confirmed(Reason::MethodNotAllowed { method: "patch".into() });
        let names: Vec<&str> = fix.headers.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Access-Control-Allow-Origin",
                "Vary",
                "Access-Control-Allow-Credentials",
                "Access-Control-Allow-Methods",
                "Access-Control-Allow-Headers"
            ]
        );
        assert!(fix.summary.contains("byte for byte"));
    }

    #[test]
    fn an_unconfirmed_origin_is_only_ever_allowed_under_a_condition() {
        let needs = Requirement { origin: "https://app.example.com.evil.com".into(), ..required() };
        let fix = Reason::MissingAllowOrigin.fix(&needs);
        assert_eq!(fix.origin_trust, OriginTrust::Unconfirmed);
        assert!(fix.summary.starts_with("If https://app.example.com.evil.com is your page's origin, send"));
        assert!(!fix.summary.contains("Send `Access-Control-Allow-Origin"), "{}", fix.summary);
        assert!(fix.summary.contains("--policy"), "{}", fix.summary);
        for framework in Framework::ALL {
            let snippet = fix.snippet(framework);
            let head = snippet.lines().next().unwrap_or_default();
            assert!(
                head.contains("If https://app.example.com.evil.com is your page's origin"),
                "{framework}: {head}"
            );
        }
        let plain = Reason::MissingAllowOrigin.fix_with(&needs, OriginTrust::Confirmed);
        assert!(
            plain.summary.starts_with("Send `Access-Control-Allow-Origin: https://app.example.com.evil.com`")
        );
    }

    #[test]
    fn nginx_fix_repeats_headers_inside_if_with_always() {
        let fix = confirmed(Reason::MissingAllowOrigin).snippet(Framework::Nginx);
        let inside_if = fix.split("if ($request_method = OPTIONS)").nth(1).unwrap();
        assert!(inside_if.contains("add_header Access-Control-Allow-Origin \"https://app.test\" always;"));
        assert!(inside_if.contains("return 204;"));
        assert_eq!(fix.matches("Access-Control-Allow-Origin \"https://app.test\" always").count(), 2);
    }

    #[test]
    fn django_fix_adds_only_what_defaults_lack() {
        let fix =
            confirmed(Reason::HeaderNotAllowed { header: "x-custom".into() }).snippet(Framework::Django);
        assert!(fix.contains("CORS_ALLOW_HEADERS = (*default_headers, \"x-custom\")"));
        assert!(fix.contains("CORS_ALLOW_METHODS = (*default_methods, \"patch\")"));
        assert!(fix.contains("CORS_ALLOW_CREDENTIALS = True"));
    }

    #[test]
    fn tower_fix_uses_from_bytes_for_lowercase_methods() {
        let fix =
            confirmed(Reason::MethodNotAllowed { method: "patch".into() }).snippet(Framework::TowerHttp);
        assert!(fix.contains("Method::from_bytes(b\"patch\").unwrap()"));
        assert!(fix.contains(".allow_credentials(true)"));
        assert!(fix.trim_end().ends_with("let app = app.layer(cors);"), "{fix}");
    }

    #[test]
    fn multiple_acao_fix_hides_upstream_headers_in_nginx() {
        let fix =
            confirmed(Reason::MultipleAllowOriginValues { value: "a, b".into() }).snippet(Framework::Nginx);
        assert!(fix.contains("proxy_hide_header Access-Control-Allow-Origin;"));
    }

    #[test]
    fn every_snippet_names_the_origin_credentials_and_max_age() {
        let fix = confirmed(Reason::MissingAllowOrigin);
        for framework in Framework::ALL {
            let snippet = fix.snippet(framework);
            assert!(snippet.contains("https://app.test"), "{framework}:\n{snippet}");
            assert!(snippet.contains("600"), "{framework} has no max-age:\n{snippet}");
            assert!(snippet.contains("x-custom"), "{framework} misses the header:\n{snippet}");
            assert!(snippet.to_lowercase().contains("credentials"), "{framework}:\n{snippet}");
        }
    }

    #[test]
    fn a_page_side_fix_changes_no_configuration() {
        let fix = Reason::DisallowedByMode.fix(&required());
        assert!(!fix.is_server_side());
        assert!(fix.summary.starts_with("No response header can allow this"));
        for framework in Framework::ALL {
            assert!(!fix.snippet(framework).contains("https://app.test\""), "{framework}");
        }
    }
}
