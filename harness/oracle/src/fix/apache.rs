//! Apache httpd 2.4: `Header always set` (mod_headers) and a `RewriteRule` (mod_rewrite) that
//! answers the preflight, inside the `<VirtualHost>`.

use std::fmt::Write as _;

use super::render::{Renderer, SUGGESTED_MAX_AGE};

pub(super) fn render(render: &Renderer) -> String {
    if let Some(nothing) = render.page_side("#", "Header directive") {
        return nothing;
    }
    let required = render.required;
    let mut out = render.comment("#");
    out.push_str(
        "# Gotcha: plain `Header set` skips error answers (4xx/5xx) and the 204 below; only\n\
         # `Header always set` reaches them. (a2enmod headers rewrite)\n",
    );
    let _ = writeln!(out, "Header always set Access-Control-Allow-Origin \"{}\"", required.origin);
    if required.credentials {
        out.push_str("Header always set Access-Control-Allow-Credentials \"true\"\n");
    }
    if render.lists_methods() {
        let _ = writeln!(
            out,
            "Header always set Access-Control-Allow-Methods \"{}\"",
            render.all_methods().join(", ")
        );
    }
    if !required.headers.is_empty() {
        let _ = writeln!(
            out,
            "Header always set Access-Control-Allow-Headers \"{}\"",
            required.headers.join(", ")
        );
    }
    let _ = writeln!(out, "Header always set Access-Control-Max-Age \"{SUGGESTED_MAX_AGE}\"");
    out.push_str("Header always merge Vary \"Origin\"\n");
    out.push_str(
        "# The preflight, answered 204 while the URL is translated: before any Require or auth.\n\
         RewriteEngine On\n\
         RewriteCond \"%{REQUEST_METHOD}\" \"=OPTIONS\"\n\
         RewriteCond \"%{HTTP:Access-Control-Request-Method}\" \"!=\"\n\
         RewriteRule \"^\" \"-\" [R=204,L]\n",
    );
    out
}
