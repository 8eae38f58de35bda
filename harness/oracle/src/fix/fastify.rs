//! Fastify 5 with `@fastify/cors` 10/11: the plugin, registered (and awaited) before the routes.

use std::fmt::Write as _;

use super::render::{Options, Renderer, Style};

/// How the snippet comments, and what it calls its settings.
pub(super) const STYLE: Style = Style {
    comment: "//",
    setting: "`@fastify/cors` option",
    gotcha: "// Gotcha: since @fastify/cors 10 the default methods are only GET, HEAD and POST; list\n\
             // the others. Its onRequest hook answers preflights before preHandler auth runs.\n",
};

pub(super) fn body(render: &Renderer) -> String {
    let required = render.required;
    let mut out = String::new();
    out.push_str("await app.register(require('@fastify/cors'), { // npm install @fastify/cors\n");
    let _ = writeln!(out, "  origin: ['{}'], // exact origins: others get no CORS headers", required.origin);
    // Since v10 the default methods are GET, HEAD and POST only.
    out.push_str(
        &render.options(&Options::javascript(["credentials", "methods", "allowedHeaders", "maxAge"], true)),
    );
    out.push_str("});\n");
    out
}
