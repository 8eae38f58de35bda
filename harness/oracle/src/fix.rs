//! Fixes: what the server must send instead, and how to say it in the four configurations
//! most CORS guides teach (Express `cors`, nginx, `django-cors-headers`, tower-http).

use std::fmt::Write as _;

use crate::reason::Reason;

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

/// A fix for one blocked request.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Fix {
    /// One or two sentences: what to change and why.
    pub summary: String,
    /// The headers the server must send, as `(name, value)`, and on which response.
    pub headers: Vec<FixHeader>,
    /// Express with the `cors` middleware package.
    pub express: String,
    /// nginx `add_header` configuration.
    pub nginx: String,
    /// Django settings for `django-cors-headers`.
    pub django: String,
    /// Rust: tower-http's `CorsLayer`.
    pub tower_http: String,
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

/// The max-age the snippets suggest: WebKit's cap, so every engine honours it in full.
const SUGGESTED_MAX_AGE: u32 = 600;

/// django-cors-headers' `default_methods` and `default_headers`: only what is missing from
/// them has to be added.
const DJANGO_DEFAULT_METHODS: [&str; 6] = ["DELETE", "GET", "OPTIONS", "PATCH", "POST", "PUT"];
const DJANGO_DEFAULT_HEADERS: [&str; 6] =
    ["accept", "authorization", "content-type", "user-agent", "x-csrftoken", "x-requested-with"];

impl Fix {
    pub(crate) fn for_reason(reason: &Reason, required: &Requirement) -> Fix {
        let summary = summary(reason, required);
        let render = Renderer { reason, required, note: &summary };
        Fix {
            headers: required_headers(required),
            express: render.express(),
            nginx: render.nginx(),
            django: render.django(),
            tower_http: render.tower_http(),
            summary,
        }
    }
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

fn summary(reason: &Reason, required: &Requirement) -> String {
    let origin = &required.origin;
    let null_warning = if origin == "null" {
        " The request passed through a redirect to another origin, so the browser sent \
         `Origin: null`; allowing `null` also admits sandboxed iframes and file: pages, so \
         prefer having the page request the final URL directly."
    } else {
        ""
    };
    let text = match reason {
        Reason::DisallowedByMode => {
            "No response header can allow this: the page asked for mode 'same-origin' and the \
             server redirected to another origin. Stop redirecting across origins, or have the \
             page use mode 'cors'."
                .to_owned()
        }
        Reason::MissingAllowOrigin => format!(
            "Send `Access-Control-Allow-Origin: {origin}` on every response to this origin, \
             including errors (4xx/5xx) and redirects."
        ),
        Reason::WildcardOriginWithCredentials => format!(
            "With credentials, `*` is refused: send the exact origin \
             `Access-Control-Allow-Origin: {origin}` with `Access-Control-Allow-Credentials: \
             true` and `Vary: Origin`. Check the origin against an allow-list; never reflect \
             any Origin."
        ),
        Reason::MultipleAllowOriginValues { value } => format!(
            "Send exactly one origin, once: the browser saw '{value}'. A list is not allowed, \
             and two layers (app and proxy) each adding the header produce two; let only one \
             of them handle CORS and send `Access-Control-Allow-Origin: {origin}`."
        ),
        Reason::InvalidAllowOriginValue { value } | Reason::AllowOriginMismatch { value } => {
            format!(
                "The server sent '{value}'; it must be the page's origin byte for byte: \
                 `Access-Control-Allow-Origin: {origin}` (scheme, host and port, no path or \
                 trailing slash)."
            )
        }
        Reason::AllowCredentialsNotTrue { .. } => format!(
            "Credentialed requests need `Access-Control-Allow-Credentials: true` (exactly, \
             lower-case) next to `Access-Control-Allow-Origin: {origin}`."
        ),
        Reason::PreflightStatusNotOk { status } => format!(
            "The OPTIONS preflight was answered {status}: answer it with 204 (any 2xx) and the \
             CORS headers, before authentication, routing or method checks run (the preflight \
             never carries cookies or Authorization)."
        ),
        Reason::PreflightRedirect { status } => format!(
            "The OPTIONS preflight was answered with a {status} redirect, which browsers never \
             follow: answer the preflight at the requested URL (watch for trailing-slash, \
             http-to-https and login redirects), or have the page request the final URL."
        ),
        Reason::InvalidAllowMethods { value } => format!(
            "`Access-Control-Allow-Methods: {value}` does not parse: send a comma-separated \
             list of method tokens."
        ),
        Reason::InvalidAllowHeaders { value } => format!(
            "`Access-Control-Allow-Headers: {value}` does not parse: send a comma-separated \
             list of header names."
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
            format!("List `{method}` in the preflight's `Access-Control-Allow-Methods`.{case_note}")
        }
        Reason::HeaderNotAllowed { header } => {
            format!("List `{header}` in the preflight's `Access-Control-Allow-Headers`.")
        }
        Reason::AuthorizationNotCoveredByWildcard => {
            "`Access-Control-Allow-Headers: *` never covers Authorization: list `authorization` \
             by name."
                .to_owned()
        }
        Reason::RedirectContainsCredentials { location } => {
            format!("Redirect to a URL without `user:password@` (the server sent `{location}`).")
        }
    };
    format!("{text}{null_warning}")
}

/// Renders the four snippets for one reason and requirement.
struct Renderer<'a> {
    reason: &'a Reason,
    required: &'a Requirement,
    note: &'a str,
}

fn quoted_list(items: &[&str], quote: char) -> String {
    items.iter().map(|item| format!("{quote}{item}{quote}")).collect::<Vec<_>>().join(", ")
}

impl Renderer<'_> {
    /// Whether the fix is server configuration at all.
    fn page_side_only(&self) -> bool {
        matches!(
            self.reason,
            Reason::DisallowedByMode
                | Reason::RedirectContainsCredentials { .. }
                | Reason::PreflightRedirect { .. }
        )
    }

    /// The methods a preflight response should list: the safelisted ones plus what this
    /// request needs.
    fn all_methods(&self) -> Vec<&str> {
        let mut methods = vec!["GET", "HEAD", "POST"];
        for method in &self.required.methods {
            if !methods.contains(&method.as_str()) {
                methods.push(method);
            }
        }
        methods
    }

    fn comment(&self, prefix: &str) -> String {
        let mut out = String::new();
        let mut line = String::new();
        for word in self.note.split_whitespace() {
            if !line.is_empty() && line.len() + word.len() > 88 {
                let _ = writeln!(out, "{prefix} {line}");
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        if !line.is_empty() {
            let _ = writeln!(out, "{prefix} {line}");
        }
        out
    }

    fn express(&self) -> String {
        let mut out = self.comment("//");
        if self.page_side_only() {
            out.push_str("// Nothing to add to the `cors` options for this one; see above.\n");
            return out;
        }
        let required = self.required;
        out.push_str("const cors = require('cors'); // npm install cors\n\n");
        out.push_str("const corsOptions = {\n");
        let _ = writeln!(
            out,
            "  origin: ['{}'], // exact origins; the middleware echoes the match and adds Vary: Origin",
            required.origin
        );
        if required.credentials {
            out.push_str("  credentials: true,\n");
        }
        if !required.methods.is_empty() {
            let _ = writeln!(out, "  methods: [{}],", quoted_list(&self.all_methods(), '\''));
        }
        if !required.headers.is_empty() {
            let headers: Vec<&str> = required.headers.iter().map(String::as_str).collect();
            let _ = writeln!(out, "  allowedHeaders: [{}],", quoted_list(&headers, '\''));
        }
        if required.preflight {
            let _ = writeln!(out, "  maxAge: {SUGGESTED_MAX_AGE},");
        }
        out.push_str("};\n\n");
        out.push_str(
            "// Register it first, before routers, body parsers and auth middleware, so that\n\
             // OPTIONS preflights and error responses get the headers too.\n\
             app.use(cors(corsOptions));\n",
        );
        out
    }

    fn nginx_headers(&self, preflight: bool, indent: &str) -> String {
        let required = self.required;
        let mut out = String::new();
        let _ =
            writeln!(out, "{indent}add_header Access-Control-Allow-Origin \"{}\" always;", required.origin);
        if required.credentials {
            let _ = writeln!(out, "{indent}add_header Access-Control-Allow-Credentials \"true\" always;");
        }
        if preflight {
            if !required.methods.is_empty() {
                let _ = writeln!(
                    out,
                    "{indent}add_header Access-Control-Allow-Methods \"{}\" always;",
                    self.all_methods().join(", ")
                );
            }
            if !required.headers.is_empty() {
                let _ = writeln!(
                    out,
                    "{indent}add_header Access-Control-Allow-Headers \"{}\" always;",
                    required.headers.join(", ")
                );
            }
            let _ = writeln!(out, "{indent}add_header Access-Control-Max-Age {SUGGESTED_MAX_AGE} always;");
        }
        let _ = writeln!(out, "{indent}add_header Vary Origin always;");
        out
    }

    fn nginx(&self) -> String {
        let mut out = self.comment("#");
        if self.page_side_only() {
            out.push_str("# No add_header changes this; see above.\n");
            return out;
        }
        out.push_str(
            "# add_header is inherited from the enclosing block only when a block has no\n\
             # add_header of its own, and an add_header inside `if` replaces all of them: keep\n\
             # every CORS header in this one location, repeated inside the `if`. `always` also\n\
             # adds them to 4xx/5xx responses.\n",
        );
        out.push_str("location / {\n");
        if matches!(self.reason, Reason::MultipleAllowOriginValues { .. }) {
            out.push_str(
                "    # The upstream adds its own CORS headers: drop them so only one copy is sent.\n\
                 \x20   proxy_hide_header Access-Control-Allow-Origin;\n\
                 \x20   proxy_hide_header Access-Control-Allow-Credentials;\n",
            );
        }
        if self.required.preflight {
            out.push_str("    if ($request_method = OPTIONS) {\n");
            out.push_str(&self.nginx_headers(true, "        "));
            out.push_str("        return 204;\n    }\n");
        }
        out.push_str(&self.nginx_headers(false, "    "));
        out.push_str("    # ... your existing proxy_pass / root / try_files stays here\n}\n");
        out
    }

    fn django(&self) -> String {
        let mut out = self.comment("#");
        if self.page_side_only() {
            out.push_str("# No django-cors-headers setting changes this; see above.\n");
            return out;
        }
        let required = self.required;
        let extra_methods: Vec<&str> = required
            .methods
            .iter()
            .map(String::as_str)
            .filter(|m| !DJANGO_DEFAULT_METHODS.contains(m))
            .collect();
        let extra_headers: Vec<&str> = required
            .headers
            .iter()
            .map(String::as_str)
            .filter(|h| !DJANGO_DEFAULT_HEADERS.contains(h))
            .collect();
        out.push_str("# settings.py (pip install django-cors-headers)\n");
        if !extra_methods.is_empty() || !extra_headers.is_empty() {
            out.push_str("from corsheaders.defaults import default_headers, default_methods\n\n");
        }
        out.push_str(
            "INSTALLED_APPS = [\n    # ...\n    \"corsheaders\",\n]\n\n\
             MIDDLEWARE = [\n    \"corsheaders.middleware.CorsMiddleware\",  # first: above CommonMiddleware and auth\n    \
             \"django.middleware.common.CommonMiddleware\",\n    # ...\n]\n\n",
        );
        let _ = writeln!(
            out,
            "CORS_ALLOWED_ORIGINS = [\"{}\"]  # scheme://host[:port], no trailing slash",
            required.origin
        );
        if required.credentials {
            out.push_str("CORS_ALLOW_CREDENTIALS = True\n");
        }
        if !extra_methods.is_empty() {
            let _ = writeln!(
                out,
                "CORS_ALLOW_METHODS = (*default_methods, {})",
                quoted_list(&extra_methods, '"')
            );
        }
        if !extra_headers.is_empty() {
            let _ = writeln!(
                out,
                "CORS_ALLOW_HEADERS = (*default_headers, {})",
                quoted_list(&extra_headers, '"')
            );
        }
        if required.preflight {
            let _ = writeln!(out, "CORS_PREFLIGHT_MAX_AGE = {SUGGESTED_MAX_AGE}");
        }
        out
    }

    fn tower_http(&self) -> String {
        let mut out = self.comment("//");
        if self.page_side_only() {
            out.push_str("// No CorsLayer option changes this; see above.\n");
            return out;
        }
        let required = self.required;
        out.push_str("use std::time::Duration;\n\n");
        out.push_str("use http::{HeaderName, HeaderValue, Method};\n");
        out.push_str("use tower_http::cors::CorsLayer;\n\n");
        out.push_str("let cors = CorsLayer::new()\n");
        let _ = writeln!(out, "    .allow_origin(HeaderValue::from_static(\"{}\"))", required.origin);
        if required.credentials {
            out.push_str("    .allow_credentials(true)\n");
        }
        if !required.methods.is_empty() {
            let methods: Vec<String> = self
                .all_methods()
                .iter()
                .map(|m| match *m {
                    "GET" | "HEAD" | "POST" | "PUT" | "DELETE" | "OPTIONS" | "PATCH" => {
                        format!("Method::{m}")
                    }
                    other => format!("Method::from_bytes(b\"{other}\").unwrap()"),
                })
                .collect();
            let _ = writeln!(out, "    .allow_methods([{}])", methods.join(", "));
        }
        if !required.headers.is_empty() {
            let headers: Vec<String> =
                required.headers.iter().map(|h| format!("HeaderName::from_static(\"{h}\")")).collect();
            let _ = writeln!(out, "    .allow_headers([{}])", headers.join(", "));
        }
        let _ = writeln!(out, "    .max_age(Duration::from_secs({SUGGESTED_MAX_AGE}));");
        out.push_str(
            "// Outermost layer, so preflights are answered before routing and auth:\n\
             let app = app.layer(cors);\n",
        );
        out
    }
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

    #[test]
    fn fix_lists_exact_origin_credentials_and_preflight_headers() {
        let fix = Reason::MethodNotAllowed { method: "patch".into() }.fix(&required());
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
    fn nginx_fix_repeats_headers_inside_if_with_always() {
        let fix = Reason::MissingAllowOrigin.fix(&required());
        let inside_if = fix.nginx.split("if ($request_method = OPTIONS)").nth(1).unwrap();
        assert!(inside_if.contains("add_header Access-Control-Allow-Origin \"https://app.test\" always;"));
        assert!(inside_if.contains("return 204;"));
        assert_eq!(fix.nginx.matches("Access-Control-Allow-Origin \"https://app.test\" always").count(), 2);
    }

    #[test]
    fn django_fix_adds_only_what_defaults_lack() {
        let fix = Reason::HeaderNotAllowed { header: "x-custom".into() }.fix(&required());
        assert!(fix.django.contains("CORS_ALLOW_HEADERS = (*default_headers, \"x-custom\")"));
        assert!(fix.django.contains("CORS_ALLOW_METHODS = (*default_methods, \"patch\")"));
        assert!(fix.django.contains("CORS_ALLOW_CREDENTIALS = True"));
    }

    #[test]
    fn tower_fix_uses_from_bytes_for_lowercase_methods() {
        let fix = Reason::MethodNotAllowed { method: "patch".into() }.fix(&required());
        assert!(fix.tower_http.contains("Method::from_bytes(b\"patch\").unwrap()"));
        assert!(fix.tower_http.contains(".allow_credentials(true)"));
    }

    #[test]
    fn multiple_acao_fix_hides_upstream_headers_in_nginx() {
        let fix = Reason::MultipleAllowOriginValues { value: "a, b".into() }.fix(&required());
        assert!(fix.nginx.contains("proxy_hide_header Access-Control-Allow-Origin;"));
    }
}
