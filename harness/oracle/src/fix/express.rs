//! Express with the `cors` package (expressjs/cors 2.8): its options object, registered first.

use std::fmt::Write as _;

use super::render::{Renderer, SUGGESTED_MAX_AGE, quoted_list};

pub(super) fn render(render: &Renderer) -> String {
    if let Some(nothing) = render.page_side("//", "`cors` option") {
        return nothing;
    }
    let required = render.required;
    let mut out = render.comment("//");
    out.push_str(
        "// Gotcha: cors answers preflights only where it runs; register it before routers, body\n\
         // parsers and auth, or OPTIONS meets a 401/404 without CORS headers.\n",
    );
    out.push_str("const cors = require('cors'); // npm install cors\n");
    out.push_str("app.use(cors({\n");
    let _ = writeln!(
        out,
        "  origin: ['{}'], // exact origins: cors echoes the one that matches and sends Vary: Origin",
        required.origin
    );
    if required.credentials {
        out.push_str("  credentials: true,\n");
    }
    if render.lists_methods() {
        let _ = writeln!(out, "  methods: [{}],", quoted_list(&render.all_methods(), '\''));
    }
    if !required.headers.is_empty() {
        let _ = writeln!(out, "  allowedHeaders: [{}],", quoted_list(&render.header_names(), '\''));
    }
    let _ = writeln!(out, "  maxAge: {SUGGESTED_MAX_AGE},");
    out.push_str("}));\n");
    out
}
