//! Koa with `@koa/cors` 5: an origin function over an allow-list, registered first.

use std::fmt::Write as _;

use super::render::{Options, Renderer, Style};

/// How the snippet comments, and what it calls its settings.
pub(super) const STYLE: Style = Style {
    comment: "//",
    setting: "`@koa/cors` option",
    gotcha: "// Gotcha: @koa/cors 5 defaults `origin` to `*`, and with `credentials: true` it echoes\n\
             // any Origin; give it a function that checks an exact list, and use it before auth.\n",
};

pub(super) fn body(render: &Renderer) -> String {
    let required = render.required;
    let mut out = String::new();
    out.push_str("const cors = require('@koa/cors'); // npm install @koa/cors\n");
    let _ = writeln!(out, "const corsOrigins = ['{}'];", required.origin);
    out.push_str("app.use(cors({\n");
    out.push_str(
        "  // An empty answer sends no CORS headers at all.\n\
         \x20 origin: (ctx) => (corsOrigins.includes(ctx.get('Origin')) ? ctx.get('Origin') : ''),\n",
    );
    out.push_str(
        &render
            .options(&Options::javascript(["credentials", "allowMethods", "allowHeaders", "maxAge"], false)),
    );
    out.push_str("}));\n");
    out
}
