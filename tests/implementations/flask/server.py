"""Flask with Flask-Cors, served by waitress, in one correct and several broken configurations.

Usage: .venv/bin/python server.py CONFIG PORT
ALLOWED_ORIGINS (comma-separated) is the allow-list; default https://app.example.com.

CONFIG `snippet` applies a CORS setup written elsewhere (corsproof's fix, for one): the
environment variable CORSPROOF_SNIPPET names a file of Python, run as `exec(text, {"app": app})`
right after the Flask app is created, in place of this file's own CORS configuration (so it
usually calls `flask_cors.CORS(app, ...)`).

Served by waitress (a production WSGI server, threaded, HTTP/1.1), not Werkzeug's development
server, so that what is checked is what a deployment serves.
"""

import os
import re
import sys

from flask import Flask, jsonify
from flask_cors import CORS
from waitress import serve

ALLOWED_ORIGINS = [
    origin.strip()
    for origin in os.environ.get("ALLOWED_ORIGINS", "https://app.example.com").split(",")
    if origin.strip()
]

COMMON = {
    "supports_credentials": True,
    # The safelisted HEAD and POST too: a browser needs no Allow-Methods entry for them, but
    # Flask-Cors answers a preflight for a method it does not list without Allow-Headers, so a
    # JSON POST, which every CORS policy allows by its method, would fail at the preflight.
    "methods": ["GET", "HEAD", "POST", "PUT", "DELETE"],
    "allow_headers": ["Content-Type", "Authorization", "X-Request-Id"],
    "expose_headers": ["X-Request-Id"],
    "max_age": 600,
}


def correct(app):
    """An allow-list of exact origins, credentials; Flask-Cors's after_request hook decorates the
    500 of an unhandled exception too.

    Flask-Cors adds `Vary: Origin` only when more than one origin is listed (or a regex), yet the
    answer differs by Origin with one as well (the allowed origin gets Allow-Origin, the others
    nothing): a shared cache could hand one origin's answer to another. So the app adds it.
    """
    CORS(app, origins=ALLOWED_ORIGINS, **COMMON)

    @app.after_request
    def vary_on_origin(response):
        response.vary.add("Origin")
        return response


def credentials_default_origins(app):
    """`supports_credentials=True` with the default `origins="*"`: Flask-Cors cannot send `*`
    with credentials, so it echoes the request's Origin, any origin (corydolphin/flask-cors#202,
    fixed that way by corydolphin/flask-cors#203)."""
    CORS(app, **COMMON)


def regex_prefix_match(app):
    """The allow-list as regexes, dots escaped, as Flask-Cors's maintainer advises writing
    origins (`".*\\.domain\\.com"`, corydolphin/flask-cors#208): Flask-Cors matches them with
    `re.match`, anchored at the start only, so `https://app.example.com.evil.net` matches
    `https://app\\.example\\.com` (GoogleChrome/chromium-dashboard#6590 added the missing `$`)."""
    CORS(app, origins=[re.escape(origin) for origin in ALLOWED_ORIGINS], **COMMON)


def snippet(app):
    """The fix under test, from the file named by CORSPROOF_SNIPPET."""
    path = os.environ.get("CORSPROOF_SNIPPET")
    if not path:
        sys.exit("snippet: set CORSPROOF_SNIPPET to the file holding the CORS setup")
    with open(path, encoding="utf-8") as file:
        exec(file.read(), {"app": app})  # noqa: S102 - running the fix under test is the point


CONFIGURATIONS = {
    "correct": correct,
    "credentials-default-origins": credentials_default_origins,
    "regex-prefix-match": regex_prefix_match,
    "snippet": snippet,
}


def add_routes(app):
    @app.get("/api/items")
    def items():
        response = jsonify(items=[])
        response.headers["X-Request-Id"] = "items-1"
        response.set_cookie("session", "abc", httponly=True)
        return response

    @app.put("/api/items/1")
    def item():
        response = jsonify(id=1)
        response.headers["X-Request-Id"] = "items-2"
        return response

    @app.get("/api/error")
    def error():
        raise RuntimeError("boom")


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in CONFIGURATIONS or not sys.argv[2].isdigit():
        sys.exit(f"usage: server.py CONFIG PORT (CONFIG: {', '.join(CONFIGURATIONS)})")
    config, port = sys.argv[1], int(sys.argv[2])
    app = Flask(__name__)
    CONFIGURATIONS[config](app)
    add_routes(app)
    print(f"flask {config} listening on http://127.0.0.1:{port}", file=sys.stderr, flush=True)
    serve(app, host="127.0.0.1", port=port, threads=8, _quiet=True)


if __name__ == "__main__":
    main()
