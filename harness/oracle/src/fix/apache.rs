//! Apache httpd 2.4: `Header always set` (mod_headers) and a `RewriteRule` (mod_rewrite) that
//! answers the preflight, inside the `<VirtualHost>`.

use std::fmt::Write as _;

use super::render::{Renderer, Style};

/// How the snippet comments, and what it calls its settings.
pub(super) const STYLE: Style = Style {
    comment: "#",
    setting: "Header directive",
    gotcha: "# Gotcha: plain `Header set` skips error answers (4xx/5xx) and the 204 below; only\n\
             # `Header always set` reaches them. (a2enmod headers rewrite)\n",
};

pub(super) fn body(render: &Renderer) -> String {
    let mut out = String::new();
    for (name, value) in render.header_values(true) {
        let _ = writeln!(out, "Header always set {name} \"{value}\"");
    }
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
