//! Caddy 2: the `header` directive for the allowed origin and a `respond` for its preflight,
//! inside the site block.

use std::fmt::Write as _;

use super::render::{Renderer, Style};

/// How the snippet comments, and what it calls its settings.
pub(super) const STYLE: Style = Style {
    comment: "#",
    setting: "header directive",
    gotcha: "# Gotcha: Caddy orders directives itself and basicauth/forward_auth run before respond:\n\
             # exclude OPTIONS from them (`@auth not method OPTIONS`) or the preflight gets 401.\n",
};

pub(super) fn body(render: &Renderer) -> String {
    let origin = &render.required.origin;
    let mut out = String::new();
    let _ = writeln!(out, "@cors_origin header Origin {origin}");
    out.push_str("header @cors_origin {\n");
    for (name, value) in render.header_values(true) {
        let _ = writeln!(out, "\t{name} \"{value}\"");
    }
    out.push_str("\t+Vary \"Origin\"\n}\n");
    out.push_str("@cors_preflight {\n\tmethod OPTIONS\n");
    let _ = writeln!(out, "\theader Origin {origin}");
    out.push_str("\theader Access-Control-Request-Method *\n}\n");
    out.push_str("respond @cors_preflight 204\n");
    out
}
