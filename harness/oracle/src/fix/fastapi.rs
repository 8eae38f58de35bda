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
        "from fastapi import Request\n\
         from fastapi.responses import JSONResponse\n\
         from starlette.middleware.cors import CORSMiddleware  # fastapi.middleware.cors is the same\n\n",
    );
    // Seen on FastAPI 0.165 / Starlette 1.10 (tests/fix_snippets.rs): without it the 500 of an
    // unhandled exception leaves without CORS headers, whatever CORSMiddleware's options.
    out.push_str(
        "# An unhandled exception's 500 is made by ServerErrorMiddleware, outside every middleware\n\
         # you add, so it would leave without CORS headers: answer it here, inside CORSMiddleware.\n\
         @app.middleware(\"http\")\n\
         async def errors_inside_cors(request: Request, call_next):\n\
         \x20   try:\n\
         \x20       return await call_next(request)\n\
         \x20   except Exception:\n\
         \x20       return JSONResponse({\"error\": \"internal server error\"}, status_code=500)\n\n",
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
