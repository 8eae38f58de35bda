//! Flask with `Flask-Cors` 5/6: the extension on the app, with the origins named.

use std::fmt::Write as _;

use super::render::{Options, Renderer, Style};

/// How the snippet comments, and what it calls its settings.
pub(super) const STYLE: Style = Style {
    comment: "#",
    setting: "Flask-Cors option",
    gotcha: "# Gotcha: Flask-Cors only decorates responses: a before_request auth hook must let\n\
             # OPTIONS through (`if request.method == \"OPTIONS\": return`), or preflights get its 401.\n",
};

pub(super) fn body(render: &Renderer) -> String {
    let required = render.required;
    let mut out = String::new();
    out.push_str("from flask_cors import CORS  # pip install flask-cors\n\n");
    out.push_str("CORS(\n    app,\n");
    let _ = writeln!(
        out,
        "    origins=[\"{}\"],  # the default is every origin, and every header",
        required.origin
    );
    out.push_str(
        &render.options(&Options::python(
            ["supports_credentials", "methods", "allow_headers", "max_age"],
            false,
        )),
    );
    out.push_str(")\n");
    out
}
