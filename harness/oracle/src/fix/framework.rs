//! The server frameworks a [`Fix`](super::Fix) is written for, and how to recognise one from
//! the headers it sends by default.

use std::fmt;
use std::str::FromStr;

/// A server-side CORS setup a fix can be written for: the configuration a user of that
/// framework writes, from that project's own documentation.
///
/// # The snippet contract
///
/// [`Fix::snippet`](super::Fix::snippet) returns text that a server of that framework applies
/// unchanged; the servers in `tests/implementations/` prove each one. Such a server is started
/// with the configuration `snippet`, and the environment variable `CORSPROOF_SNIPPET` names a
/// file holding exactly the text `Fix::snippet` returned. What the server does with it:
///
/// - [`Express`](Framework::Express), [`Koa`](Framework::Koa): JavaScript statements, run as
///   `new Function('app', 'require', text)(app, require)` before the routes.
/// - [`Fastify`](Framework::Fastify): the same, as the body of an async function (`await` is
///   allowed), awaited before the routes.
/// - [`FastApi`](Framework::FastApi), [`Flask`](Framework::Flask): Python, run with
///   `exec(text, {"app": app})` (FastAPI before the routes, Flask after creating the app).
/// - [`Django`](Framework::Django): Python run with `exec` into a dict that is then merged into
///   the settings; its `INSTALLED_APPS` and `MIDDLEWARE` lists are merged with the server's own,
///   the snippet's items first and in the snippet's order.
/// - [`Nginx`](Framework::Nginx): a `location / { ... }` block, included in the server's
///   `server {}`; the server replaces its line
///   `# ... your existing proxy_pass / root / try_files stays here` with its own content
///   directives.
/// - [`Apache`](Framework::Apache): directives valid inside `<VirtualHost>`.
/// - [`Caddy`](Framework::Caddy): directives valid inside a site block; the server's own routes
///   come after.
/// - [`TowerHttp`](Framework::TowerHttp): Rust statements ending with
///   `let app = app.layer(cors);`, compiled inside
///   `fn with_cors(app: axum::Router) -> axum::Router { SNIPPET app }`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum Framework {
    /// Express with the `cors` middleware package.
    Express,
    /// nginx, `add_header ... always` and an `if` that answers the preflight.
    Nginx,
    /// Django with `django-cors-headers`.
    Django,
    /// Rust: tower-http's `CorsLayer` (axum, or any tower service).
    TowerHttp,
    /// FastAPI or Starlette with Starlette's `CORSMiddleware`.
    FastApi,
    /// Flask with the `Flask-Cors` extension.
    Flask,
    /// Koa with `@koa/cors`.
    Koa,
    /// Fastify with `@fastify/cors`.
    Fastify,
    /// Apache httpd 2.4: `mod_headers`, with `mod_rewrite` answering the preflight.
    Apache,
    /// Caddy 2: the `header` directive and a `respond` for the preflight.
    Caddy,
}

impl Framework {
    /// Every framework a fix is written for.
    pub const ALL: [Framework; 10] = [
        Framework::Express,
        Framework::Nginx,
        Framework::Django,
        Framework::TowerHttp,
        Framework::FastApi,
        Framework::Flask,
        Framework::Koa,
        Framework::Fastify,
        Framework::Apache,
        Framework::Caddy,
    ];

    /// The one word that names it on the command line (`--fix-for express`) and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Framework::Express => "express",
            Framework::Nginx => "nginx",
            Framework::Django => "django",
            Framework::TowerHttp => "tower-http",
            Framework::FastApi => "fastapi",
            Framework::Flask => "flask",
            Framework::Koa => "koa",
            Framework::Fastify => "fastify",
            Framework::Apache => "apache",
            Framework::Caddy => "caddy",
        }
    }

    /// Every name, comma-separated, for help texts and errors.
    pub fn names() -> String {
        Framework::ALL.map(Framework::name).join(", ")
    }

    /// The framework whose default response headers these are, if they show one.
    ///
    /// Only what each server sends unless told not to; each fingerprint below was read from
    /// the real server (`tests/fix_snippets.rs` checks it for every server it starts). An
    /// application's own fingerprint wins over a proxy's (`X-Powered-By: Express` behind
    /// `Server: nginx` is Express). Koa (3.3), Fastify (5.12) and axum with tower-http send
    /// neither header, and `Server: gunicorn` (or hypercorn, daphne) says Python but not which
    /// framework: those give `None` rather than a guess.
    ///
    /// ```
    /// use corsproof_oracle::Framework;
    /// let headers = [("Server", &b"nginx/1.22.1"[..])];
    /// assert_eq!(Framework::detect(headers), Some(Framework::Nginx));
    /// assert_eq!(Framework::detect([("Server", &b"gunicorn"[..])]), None);
    /// ```
    pub fn detect<'a>(headers: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Option<Framework> {
        let mut application = None;
        let mut front = None;
        for (name, value) in headers {
            let value = String::from_utf8_lossy(value).to_ascii_lowercase();
            if name.eq_ignore_ascii_case("x-powered-by") {
                // Express sets `X-Powered-By: Express` on every response unless
                // `app.disable('x-powered-by')` (express 5.3.0 here).
                if value.trim() == "express" {
                    application = Some(Framework::Express);
                }
            } else if name.eq_ignore_ascii_case("server") {
                let product = value.split(['/', ' ']).next().unwrap_or_default();
                match product {
                    // uvicorn's default `server: uvicorn` (its `server_header` setting,
                    // uvicorn 0.55): FastAPI's and Starlette's usual server.
                    "uvicorn" => application = application.or(Some(Framework::FastApi)),
                    // Werkzeug's development server, which `flask run` uses:
                    // `Server: Werkzeug/3.1.9 Python/3.11.7`.
                    "werkzeug" => application = application.or(Some(Framework::Flask)),
                    // Django's `runserver` is the standard library's wsgiref server:
                    // `Server: WSGIServer/0.2 CPython/3.11.7` (Django 5.2 here).
                    "wsgiserver" => application = application.or(Some(Framework::Django)),
                    // `Server: nginx/1.22.1` (Debian 12's nginx-light, server_tokens on).
                    "nginx" => front = Some(Framework::Nginx),
                    // `Server: Apache/2.4.71 (Debian)` (ServerTokens Full, the default).
                    "apache" => front = Some(Framework::Apache),
                    // Caddy 2 (2.6.2) sets `Server: Caddy` on everything it serves.
                    "caddy" => front = Some(Framework::Caddy),
                    _ => {}
                }
            }
        }
        application.or(front)
    }
}

impl fmt::Display for Framework {
    /// The human name, with the package or module the snippet uses.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Framework::Express => "Express (cors)",
            Framework::Nginx => "nginx",
            Framework::Django => "Django (django-cors-headers)",
            Framework::TowerHttp => "tower-http (CorsLayer)",
            Framework::FastApi => "FastAPI / Starlette (CORSMiddleware)",
            Framework::Flask => "Flask (Flask-Cors)",
            Framework::Koa => "Koa (@koa/cors)",
            Framework::Fastify => "Fastify (@fastify/cors)",
            Framework::Apache => "Apache httpd (mod_headers)",
            Framework::Caddy => "Caddy",
        })
    }
}

/// A name that is not one of [`Framework::ALL`]'s.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct UnknownFramework {
    /// The name as given.
    pub name: String,
}

impl fmt::Display for UnknownFramework {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no framework is called `{}`: use one of {}", self.name, Framework::names())
    }
}

impl std::error::Error for UnknownFramework {}

impl FromStr for Framework {
    type Err = UnknownFramework;

    /// A [`Framework::name`], in any case; `starlette` names FastAPI's middleware too.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        let wanted = name.trim().to_ascii_lowercase();
        if wanted == "starlette" {
            return Ok(Framework::FastApi);
        }
        Framework::ALL
            .into_iter()
            .find(|framework| framework.name() == wanted)
            .ok_or_else(|| UnknownFramework { name: name.to_owned() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(pairs: &[(&'static str, &'static str)]) -> Option<Framework> {
        Framework::detect(pairs.iter().map(|(name, value)| (*name, value.as_bytes())))
    }

    #[test]
    fn every_name_parses_back() {
        for framework in Framework::ALL {
            assert_eq!(framework.name().parse(), Ok(framework));
        }
        let error = "rails".parse::<Framework>().unwrap_err().to_string();
        assert!(error.contains("`rails`") && error.contains("tower-http, fastapi"), "{error}");
    }

    #[test]
    fn the_application_wins_over_its_proxy_and_python_servers_are_not_guessed() {
        assert_eq!(
            detect(&[("Server", "nginx/1.22.1"), ("X-Powered-By", "Express")]),
            Some(Framework::Express)
        );
        assert_eq!(detect(&[("server", "uvicorn")]), Some(Framework::FastApi));
        assert_eq!(detect(&[("Server", "Werkzeug/3.1.3 Python/3.11.2")]), Some(Framework::Flask));
        assert_eq!(detect(&[("Server", "WSGIServer/0.2 CPython/3.11.7")]), Some(Framework::Django));
        assert_eq!(detect(&[("Server", "Apache/2.4.62 (Debian)")]), Some(Framework::Apache));
        assert_eq!(detect(&[("Server", "Caddy")]), Some(Framework::Caddy));
        assert_eq!(detect(&[("Server", "gunicorn")]), None);
        assert_eq!(detect(&[("content-type", "application/json")]), None);
    }
}
