//! Flask with `Flask-Cors` 5/6: the extension on the app, with the origins named.

use std::fmt::Write as _;

use super::render::{Renderer, SUGGESTED_MAX_AGE, quoted_list};

pub(super) fn render(render: &Renderer) -> String {
    if let Some(nothing) = render.page_side("#", "Flask-Cors option") {
        return nothing;
    }
    let required = render.required;
    let mut out = render.comment("#");
    out.push_str(
        "# Gotcha: Flask-Cors only decorates responses: a before_request auth hook must let\n\
         # OPTIONS through (`if request.method == \"OPTIONS\": return`), or preflights get its 401.\n",
    );
    out.push_str("from flask_cors import CORS  # pip install flask-cors\n\n");
    out.push_str("CORS(\n    app,\n");
    let _ = writeln!(out, "    origins=[\"{}\"],  # the default is every origin", required.origin);
    if required.credentials {
        out.push_str("    supports_credentials=True,\n");
    }
    if render.lists_methods() {
        let _ = writeln!(out, "    methods=[{}],", quoted_list(&render.all_methods(), '"'));
    }
    if !required.headers.is_empty() {
        let _ = writeln!(
            out,
            "    allow_headers=[{}],  # the default is every header",
            quoted_list(&render.header_names(), '"')
        );
    }
    let _ = writeln!(out, "    max_age={SUGGESTED_MAX_AGE},");
    out.push_str(")\n");
    out
}
