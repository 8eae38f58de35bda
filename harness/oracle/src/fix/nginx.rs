//! nginx: `add_header ... always` in one location, repeated inside the `if` that answers the
//! preflight.

use std::fmt::Write as _;

use super::render::{Renderer, SUGGESTED_MAX_AGE};
use crate::reason::Reason;

/// The line the server's own content directives replace (the snippet contract).
const CONTENT_PLACEHOLDER: &str = "    # ... your existing proxy_pass / root / try_files stays here\n";

fn headers(render: &Renderer, preflight: bool, indent: &str) -> String {
    let required = render.required;
    let mut out = String::new();
    let _ = writeln!(out, "{indent}add_header Access-Control-Allow-Origin \"{}\" always;", required.origin);
    if required.credentials {
        let _ = writeln!(out, "{indent}add_header Access-Control-Allow-Credentials \"true\" always;");
    }
    if preflight {
        if render.lists_methods() {
            let _ = writeln!(
                out,
                "{indent}add_header Access-Control-Allow-Methods \"{}\" always;",
                render.all_methods().join(", ")
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

pub(super) fn render(render: &Renderer) -> String {
    if let Some(nothing) = render.page_side("#", "add_header") {
        return nothing;
    }
    let mut out = render.comment("#");
    out.push_str(
        "# Gotcha: an add_header inside `if` (or any nested block) replaces every inherited one,\n\
         # so each CORS header is repeated inside it; `always` keeps them on 4xx/5xx answers.\n",
    );
    out.push_str("location / {\n");
    if matches!(render.reason, Reason::MultipleAllowOriginValues { .. }) {
        out.push_str(
            "    # The upstream adds its own CORS headers: drop them so only one copy is sent.\n\
             \x20   proxy_hide_header Access-Control-Allow-Origin;\n\
             \x20   proxy_hide_header Access-Control-Allow-Credentials;\n",
        );
    }
    // Every OPTIONS: `return` runs in the rewrite phase, before auth_basic or auth_request.
    out.push_str("    if ($request_method = OPTIONS) {\n");
    out.push_str(&headers(render, true, "        "));
    out.push_str("        return 204;\n    }\n");
    out.push_str(&headers(render, false, "    "));
    out.push_str(CONTENT_PLACEHOLDER);
    out.push_str("}\n");
    out
}
