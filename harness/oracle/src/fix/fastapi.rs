//! FastAPI and Starlette: Starlette's `CORSMiddleware`, added last so that it runs first.

use std::fmt::Write as _;

use super::render::{Options, Renderer, Style};

/// How the snippet comments, and what it calls its settings.
pub(super) const STYLE: Style = Style {
    comment: "#",
    setting: "CORSMiddleware option",
    gotcha: "# Gotcha: the middleware added last runs first; add this after every other\n\
             # add_middleware (auth included) or preflights reach auth and get its 401.\n",
};

pub(super) fn body(render: &Renderer) -> String {
    let required = render.required;
    let mut out = String::new();
    out.push_str(
        "from starlette.middleware.cors import CORSMiddleware  # fastapi.middleware.cors is the same\n\n",
    );
    out.push_str("app.add_middleware(\n    CORSMiddleware,\n");
    let _ = writeln!(
        out,
        "    allow_origins=[\"{}\"],  # exact origins, never [\"*\"] with credentials",
        required.origin
    );
    // Its default methods are ("GET",): a preflight for anything else fails unless listed.
    out.push_str(
        &render.options(&Options::python(
            ["allow_credentials", "allow_methods", "allow_headers", "max_age"],
            true,
        )),
    );
    out.push_str(")\n");
    out
}
