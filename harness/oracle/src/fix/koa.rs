//! Koa with `@koa/cors` 5: an origin function over an allow-list, registered first.

use std::fmt::Write as _;

use super::render::{Renderer, SUGGESTED_MAX_AGE, quoted_list};

pub(super) fn render(render: &Renderer) -> String {
    if let Some(nothing) = render.page_side("//", "`@koa/cors` option") {
        return nothing;
    }
    let required = render.required;
    let mut out = render.comment("//");
    out.push_str(
        "// Gotcha: @koa/cors 5 defaults `origin` to `*`, and with `credentials: true` it echoes\n\
         // any Origin; give it a function that checks an exact list, and use it before auth.\n",
    );
    out.push_str("const cors = require('@koa/cors'); // npm install @koa/cors\n");
    let _ = writeln!(out, "const corsOrigins = ['{}'];", required.origin);
    out.push_str("app.use(cors({\n");
    out.push_str(
        "  // An empty answer sends no CORS headers at all.\n\
         \x20 origin: (ctx) => (corsOrigins.includes(ctx.get('Origin')) ? ctx.get('Origin') : ''),\n",
    );
    if required.credentials {
        out.push_str("  credentials: true,\n");
    }
    if render.lists_methods() {
        let _ = writeln!(out, "  allowMethods: [{}],", quoted_list(&render.all_methods(), '\''));
    }
    if !required.headers.is_empty() {
        let _ = writeln!(out, "  allowHeaders: [{}],", quoted_list(&render.header_names(), '\''));
    }
    let _ = writeln!(out, "  maxAge: {SUGGESTED_MAX_AGE},");
    out.push_str("}));\n");
    out
}
