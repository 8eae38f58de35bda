//! FastAPI and Starlette: Starlette's `CORSMiddleware`, added last so that it runs first.

use std::fmt::Write as _;

use super::render::{Renderer, SUGGESTED_MAX_AGE, quoted_list};

pub(super) fn render(render: &Renderer) -> String {
    if let Some(nothing) = render.page_side("#", "CORSMiddleware option") {
        return nothing;
    }
    let required = render.required;
    let mut out = render.comment("#");
    out.push_str(
        "# Gotcha: the middleware added last runs first; add this after every other\n\
         # add_middleware (auth included) or preflights reach auth and get its 401.\n",
    );
    out.push_str(
        "from starlette.middleware.cors import CORSMiddleware  # fastapi.middleware.cors is the same\n\n",
    );
    out.push_str("app.add_middleware(\n    CORSMiddleware,\n");
    let _ = writeln!(
        out,
        "    allow_origins=[\"{}\"],  # exact origins, never [\"*\"] with credentials",
        required.origin
    );
    if required.credentials {
        out.push_str("    allow_credentials=True,\n");
    }
    // Its default is ("GET",): a preflight for anything else fails unless listed.
    let _ = writeln!(out, "    allow_methods=[{}],", quoted_list(&render.all_methods(), '"'));
    if !required.headers.is_empty() {
        let _ = writeln!(out, "    allow_headers=[{}],", quoted_list(&render.header_names(), '"'));
    }
    let _ = writeln!(out, "    max_age={SUGGESTED_MAX_AGE},");
    out.push_str(")\n");
    out
}
