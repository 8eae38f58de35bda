//! Express with the `cors` package (expressjs/cors 2.8): its options object, registered first.

use std::fmt::Write as _;

use super::render::{Options, Renderer, Style};

/// How the snippet comments, and what it calls its settings.
pub(super) const STYLE: Style = Style {
    comment: "//",
    setting: "`cors` option",
    gotcha: "// Gotcha: cors answers preflights only where it runs; register it before routers, body\n\
             // parsers and auth, or OPTIONS meets a 401/404 without CORS headers.\n",
};

pub(super) fn body(render: &Renderer) -> String {
    let required = render.required;
    let mut out = String::new();
    out.push_str("const cors = require('cors'); // npm install cors\n");
    out.push_str("app.use(cors({\n");
    let _ = writeln!(
        out,
        "  origin: ['{}'], // exact origins: cors echoes the one that matches and sends Vary: Origin",
        required.origin
    );
    out.push_str(
        &render.options(&Options::javascript(["credentials", "methods", "allowedHeaders", "maxAge"], false)),
    );
    out.push_str("}));\n");
    out
}
