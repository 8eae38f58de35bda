//! Fastify 5 with `@fastify/cors` 10/11: the plugin, registered (and awaited) before the routes.

use std::fmt::Write as _;

use super::render::{Renderer, SUGGESTED_MAX_AGE, quoted_list};

pub(super) fn render(render: &Renderer) -> String {
    if let Some(nothing) = render.page_side("//", "`@fastify/cors` option") {
        return nothing;
    }
    let required = render.required;
    let mut out = render.comment("//");
    out.push_str(
        "// Gotcha: since @fastify/cors 10 the default methods are only GET, HEAD and POST; list\n\
         // the others. Its onRequest hook answers preflights before preHandler auth runs.\n",
    );
    out.push_str("await app.register(require('@fastify/cors'), { // npm install @fastify/cors\n");
    let _ = writeln!(out, "  origin: ['{}'], // exact origins: others get no CORS headers", required.origin);
    if required.credentials {
        out.push_str("  credentials: true,\n");
    }
    let _ = writeln!(out, "  methods: [{}],", quoted_list(&render.all_methods(), '\''));
    if !required.headers.is_empty() {
        let _ = writeln!(out, "  allowedHeaders: [{}],", quoted_list(&render.header_names(), '\''));
    }
    let _ = writeln!(out, "  maxAge: {SUGGESTED_MAX_AGE},");
    out.push_str("});\n");
    out
}
