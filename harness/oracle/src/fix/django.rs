//! Django with `django-cors-headers` 4: settings, the middleware first.

use std::fmt::Write as _;

use super::render::{Renderer, SUGGESTED_MAX_AGE, Style, quoted_list};

/// django-cors-headers' `default_methods` and `default_headers`: only what is missing from
/// them has to be added.
const DEFAULT_METHODS: [&str; 6] = ["DELETE", "GET", "OPTIONS", "PATCH", "POST", "PUT"];
const DEFAULT_HEADERS: [&str; 6] =
    ["accept", "authorization", "content-type", "user-agent", "x-csrftoken", "x-requested-with"];

/// How the snippet comments, and what it calls its settings.
pub(super) const STYLE: Style = Style {
    comment: "#",
    setting: "django-cors-headers setting",
    gotcha: "# Gotcha: CorsMiddleware must come before any middleware that can answer first\n\
             # (CommonMiddleware's redirects, auth), or those answers leave without CORS headers.\n",
};

pub(super) fn body(render: &Renderer) -> String {
    let required = render.required;
    let extra_methods: Vec<&str> =
        required.methods.iter().map(String::as_str).filter(|m| !DEFAULT_METHODS.contains(m)).collect();
    let extra_headers: Vec<&str> =
        required.headers.iter().map(String::as_str).filter(|h| !DEFAULT_HEADERS.contains(h)).collect();
    let mut out = String::new();
    out.push_str("# settings.py (pip install django-cors-headers)\n");
    if !extra_methods.is_empty() || !extra_headers.is_empty() {
        out.push_str("from corsheaders.defaults import default_headers, default_methods\n\n");
    }
    out.push_str(
        "INSTALLED_APPS = [\n    # ...\n    \"corsheaders\",\n]\n\n\
         MIDDLEWARE = [\n    \"corsheaders.middleware.CorsMiddleware\",\n    \
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
        let _ =
            writeln!(out, "CORS_ALLOW_METHODS = (*default_methods, {})", quoted_list(&extra_methods, '"'));
    }
    if !extra_headers.is_empty() {
        let _ =
            writeln!(out, "CORS_ALLOW_HEADERS = (*default_headers, {})", quoted_list(&extra_headers, '"'));
    }
    let _ = writeln!(out, "CORS_PREFLIGHT_MAX_AGE = {SUGGESTED_MAX_AGE}");
    out
}
