//! Caddy 2: the `header` directive for the allowed origin and a `respond` for its preflight,
//! inside the site block.

use std::fmt::Write as _;

use super::render::{Renderer, SUGGESTED_MAX_AGE};

pub(super) fn render(render: &Renderer) -> String {
    if let Some(nothing) = render.page_side("#", "header directive") {
        return nothing;
    }
    let required = render.required;
    let origin = &required.origin;
    let mut out = render.comment("#");
    out.push_str(
        "# Gotcha: Caddy orders directives itself and basicauth/forward_auth run before respond:\n\
         # exclude OPTIONS from them (`@auth not method OPTIONS`) or the preflight gets 401.\n",
    );
    let _ = writeln!(out, "@cors_origin header Origin {origin}");
    out.push_str("header @cors_origin {\n");
    let _ = writeln!(out, "\tAccess-Control-Allow-Origin \"{origin}\"");
    if required.credentials {
        out.push_str("\tAccess-Control-Allow-Credentials \"true\"\n");
    }
    if render.lists_methods() {
        let _ = writeln!(out, "\tAccess-Control-Allow-Methods \"{}\"", render.all_methods().join(", "));
    }
    if !required.headers.is_empty() {
        let _ = writeln!(out, "\tAccess-Control-Allow-Headers \"{}\"", required.headers.join(", "));
    }
    let _ = writeln!(out, "\tAccess-Control-Max-Age \"{SUGGESTED_MAX_AGE}\"");
    out.push_str("\t+Vary \"Origin\"\n}\n");
    out.push_str("@cors_preflight {\n\tmethod OPTIONS\n");
    let _ = writeln!(out, "\theader Origin {origin}");
    out.push_str("\theader Access-Control-Request-Method *\n}\n");
    out.push_str("respond @cors_preflight 204\n");
    out
}
