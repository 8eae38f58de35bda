"""FastAPI with Starlette's CORSMiddleware, served by uvicorn, in one correct and several broken
configurations.

Usage: .venv/bin/python server.py CONFIG PORT
ALLOWED_ORIGINS (comma-separated) is the allow-list; default https://app.example.com.

CONFIG `snippet` applies a CORS setup written elsewhere (corsproof's fix, for one): the
environment variable CORSPROOF_SNIPPET names a file of Python, run as `exec(text, {"app": app})`
on the new FastAPI app before the routes are added, in place of this file's own CORS
configuration (so it usually calls `app.add_middleware(CORSMiddleware, ...)`).
"""

import os
import sys

import uvicorn
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

ALLOWED_ORIGINS = [
    origin.strip()
    for origin in os.environ.get("ALLOWED_ORIGINS", "https://app.example.com").split(",")
    if origin.strip()
]

COMMON = {
    "allow_credentials": True,
    # The safelisted HEAD and POST too: a browser needs no Allow-Methods entry for them, but
    # Starlette refuses (400) any preflight whose method it does not list, so a JSON POST, which
    # every CORS policy allows by its method, would fail at the preflight.
    "allow_methods": ["GET", "HEAD", "POST", "PUT", "DELETE"],
    "allow_headers": ["Content-Type", "Authorization", "X-Request-Id"],
    "expose_headers": ["X-Request-Id"],
    "max_age": 600,
}


async def errors_as_json(request: Request, call_next):
    """Turns an unhandled exception into a JSON 500 inside CORSMiddleware, which decorates it.

    Without it, the exception reaches Starlette's ServerErrorMiddleware, which sits outside every
    user middleware, and its 500 leaves without CORS headers.
    """
    try:
        return await call_next(request)
    except Exception:
        return JSONResponse({"error": "boom"}, status_code=500)


def correct(app):
    """An allow-list, credentials; errors caught inside CORSMiddleware so the 500 keeps them."""
    # Middleware added last runs first: CORSMiddleware wraps errors_as_json.
    app.middleware("http")(errors_as_json)
    app.add_middleware(CORSMiddleware, allow_origins=ALLOWED_ORIGINS, **COMMON)


def wildcard_credentials(app):
    """`allow_origins=["*"]` with `allow_credentials=True`: Starlette answers with the request's
    own Origin, any origin, and Allow-Credentials (Kludex/starlette#3137 made the simple path
    echo it too; StarRocks/mcp-server-starrocks#50 and open-webui/open-webui#28961 are the bug
    in the wild)."""
    app.middleware("http")(errors_as_json)
    app.add_middleware(CORSMiddleware, allow_origins=["*"], **COMMON)


def unhandled_error(app):
    """The setup from FastAPI's CORS tutorial and nothing else: an unhandled exception's 500 is
    made by ServerErrorMiddleware, outside CORSMiddleware, so it has no CORS headers and the page
    sees a CORS error instead of the 500 (fastapi/fastapi#775, Kludex/starlette#1116)."""
    app.add_middleware(CORSMiddleware, allow_origins=ALLOWED_ORIGINS, **COMMON)


def snippet(app):
    """The fix under test, from the file named by CORSPROOF_SNIPPET."""
    path = os.environ.get("CORSPROOF_SNIPPET")
    if not path:
        sys.exit("snippet: set CORSPROOF_SNIPPET to the file holding the CORS setup")
    with open(path, encoding="utf-8") as file:
        exec(file.read(), {"app": app})  # noqa: S102 - running the fix under test is the point


CONFIGURATIONS = {
    "correct": correct,
    "wildcard-credentials": wildcard_credentials,
    "unhandled-error": unhandled_error,
    "snippet": snippet,
}


def add_routes(app):
    @app.get("/api/items")
    def items():
        response = JSONResponse({"items": []}, headers={"X-Request-Id": "items-1"})
        response.set_cookie("session", "abc", httponly=True)
        return response

    @app.put("/api/items/1")
    def item():
        return JSONResponse({"id": 1}, headers={"X-Request-Id": "items-2"})

    @app.get("/api/error")
    def error():
        raise RuntimeError("boom")


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in CONFIGURATIONS or not sys.argv[2].isdigit():
        sys.exit(f"usage: server.py CONFIG PORT (CONFIG: {', '.join(CONFIGURATIONS)})")
    config, port = sys.argv[1], int(sys.argv[2])
    app = FastAPI()
    CONFIGURATIONS[config](app)
    add_routes(app)
    print(f"fastapi {config} listening on http://127.0.0.1:{port}", file=sys.stderr, flush=True)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
