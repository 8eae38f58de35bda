//! Rust: tower-http's `CorsLayer`, the outermost layer of the app.

use std::fmt::Write as _;

use super::render::{Renderer, SUGGESTED_MAX_AGE, Style};

/// How the snippet comments, and what it calls its settings.
pub(super) const STYLE: Style = Style {
    comment: "//",
    setting: "CorsLayer option",
    gotcha: "// Gotcha: add it with `.layer` last, so it wraps auth and routing and answers the\n\
             // preflight first; axum's `route_layer` never sees an OPTIONS for a route without one.\n",
};

pub(super) fn body(render: &Renderer) -> String {
    let required = render.required;
    let mut out = String::new();
    out.push_str("use std::time::Duration;\n");
    out.push_str("use http::{HeaderName, HeaderValue, Method};\n");
    out.push_str("use tower_http::cors::CorsLayer;\n\n");
    out.push_str("let cors = CorsLayer::new()\n");
    let _ = writeln!(
        out,
        "    // A list: only a matching Origin gets the header, and Vary: Origin is sent.\n    \
         .allow_origin([HeaderValue::from_static(\"{}\")])",
        required.origin
    );
    if required.credentials {
        out.push_str("    .allow_credentials(true)\n");
    }
    if render.lists_methods() {
        let methods: Vec<String> = render
            .all_methods()
            .iter()
            .map(|m| match *m {
                "GET" | "HEAD" | "POST" | "PUT" | "DELETE" | "OPTIONS" | "PATCH" => format!("Method::{m}"),
                other => format!("Method::from_bytes(b\"{other}\").unwrap()"),
            })
            .collect();
        let _ = writeln!(out, "    .allow_methods([{}])", methods.join(", "));
    }
    if !required.headers.is_empty() {
        let headers: Vec<String> =
            required.headers.iter().map(|h| format!("HeaderName::from_static(\"{h}\")")).collect();
        let _ = writeln!(out, "    .allow_headers([{}])", headers.join(", "));
    }
    let _ = writeln!(out, "    .max_age(Duration::from_secs({SUGGESTED_MAX_AGE}));");
    out.push_str("let app = app.layer(cors);\n");
    out
}
