//! nginx: `add_header ... always` in one location, repeated inside the `if` that answers the
//! preflight.

use std::fmt::Write as _;

use super::render::{Renderer, Style};
use crate::reason::Reason;

/// The line the server's own content directives replace (the snippet contract).
const CONTENT_PLACEHOLDER: &str = "    # ... your existing proxy_pass / root / try_files stays here\n";

fn headers(render: &Renderer, preflight: bool, indent: &str) -> String {
    let mut out = String::new();
    for (name, value) in render.header_values(preflight) {
        let _ = writeln!(out, "{indent}add_header {name} \"{value}\" always;");
    }
    let _ = writeln!(out, "{indent}add_header Vary Origin always;");
    out
}

/// How the snippet comments, and what it calls its settings.
pub(super) const STYLE: Style = Style {
    comment: "#",
    setting: "add_header",
    gotcha: "# Gotcha: an add_header inside `if` (or any nested block) replaces every inherited one,\n\
             # so each CORS header is repeated inside it; `always` keeps them on 4xx/5xx answers.\n",
};

pub(super) fn body(render: &Renderer) -> String {
    let mut out = String::new();
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
