"""Django with django-cors-headers, in one correct and several broken configurations, or the
settings of a snippet corsproof wrote (`snippet`, the file CORSPROOF_SNIPPET names).

Usage: .venv/bin/python server.py CONFIG PORT
ALLOWED_ORIGINS (comma-separated) is the allow-list; default https://app.example.com.

A single-file project: settings by settings.configure, served by Django's own runserver server
(threaded, HTTP/1.1) without its system checks and autoreloader, which cost a second at start.
"""

import os
import sys

import django
from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.urls import path

ALLOWED_ORIGINS = [
    origin.strip()
    for origin in os.environ.get("ALLOWED_ORIGINS", "https://app.example.com").split(",")
    if origin.strip()
]

CORS_MIDDLEWARE = "corsheaders.middleware.CorsMiddleware"
REQUIRE_TOKEN_MIDDLEWARE = f"{__name__}.require_token"

COMMON = {
    "CORS_ALLOW_CREDENTIALS": True,
    "CORS_ALLOW_METHODS": ["GET", "PUT", "DELETE"],
    "CORS_ALLOW_HEADERS": ["content-type", "authorization", "x-request-id"],
    "CORS_EXPOSE_HEADERS": ["X-Request-Id"],
    "CORS_PREFLIGHT_MAX_AGE": 600,
}

def snippet_settings(base):
    """A fix corsproof wrote (`Fix::snippet(Framework::Django)`), from the file CORSPROOF_SNIPPET
    names: its settings over `base`, its INSTALLED_APPS and MIDDLEWARE merged with the server's
    own (the snippet's items first, in its order)."""
    namespace = {}
    with open(os.environ["CORSPROOF_SNIPPET"], encoding="utf-8") as snippet:
        exec(snippet.read(), namespace)
    merged = dict(base)
    for name, value in namespace.items():
        if not name.isupper():
            continue
        if name in ("INSTALLED_APPS", "MIDDLEWARE"):
            own = base.get(name, [])
            value = list(value) + [item for item in own if item not in value]
        merged[name] = value
    return merged


CONFIGURATIONS = {
    # An allow-list; CorsMiddleware first, so it answers preflights and decorates every response.
    "correct": {
        **COMMON,
        "CORS_ALLOWED_ORIGINS": ALLOWED_ORIGINS,
        "MIDDLEWARE": [CORS_MIDDLEWARE, REQUIRE_TOKEN_MIDDLEWARE],
    },
    # Allow all with credentials: django-cors-headers then echoes the request's Origin, any origin.
    "allow-all-credentials": {
        **COMMON,
        "CORS_ALLOW_ALL_ORIGINS": True,
        "MIDDLEWARE": [CORS_MIDDLEWARE, REQUIRE_TOKEN_MIDDLEWARE],
    },
    # The auth middleware runs before CorsMiddleware: its 401 (to every preflight too, which never
    # carries a token) leaves without CORS headers.
    "middleware-order": {
        **COMMON,
        "CORS_ALLOWED_ORIGINS": ALLOWED_ORIGINS,
        "MIDDLEWARE": [REQUIRE_TOKEN_MIDDLEWARE, CORS_MIDDLEWARE],
    },
    # The allow-list as regexes with the dots unescaped: `.` matches any character.
    "regex-unescaped-dot": {
        **COMMON,
        "CORS_ALLOWED_ORIGIN_REGEXES": [f"^{origin}$" for origin in ALLOWED_ORIGINS],
        "MIDDLEWARE": [CORS_MIDDLEWARE, REQUIRE_TOKEN_MIDDLEWARE],
    },
}


def require_token(get_response):
    """Auth: anything but a read needs a bearer token (and a preflight never carries one)."""

    def middleware(request):
        is_read = request.method in ("GET", "HEAD")
        if not is_read and not request.headers.get("authorization", "").startswith("Bearer "):
            return JsonResponse({"error": "unauthorized"}, status=401)
        return get_response(request)

    return middleware


def items(request):
    response = JsonResponse({"items": []})
    response["X-Request-Id"] = "django-1"
    response.set_cookie("session", "abc", httponly=True)
    return response


def item(request, item_id):
    if request.method != "PUT":
        return HttpResponse(status=405, headers={"Allow": "PUT"})
    response = JsonResponse({"id": item_id})
    response["X-Request-Id"] = "django-2"
    return response


def error(request):
    raise RuntimeError("boom")


urlpatterns = [
    path("api/items", items),
    path("api/items/<int:item_id>", item),
    path("api/error", error),
]


def main():
    configs = [*CONFIGURATIONS, "snippet"]
    if len(sys.argv) != 3 or sys.argv[1] not in configs or not sys.argv[2].isdigit():
        sys.exit(f"usage: server.py CONFIG PORT (CONFIG: {', '.join(configs)})")
    config, port = sys.argv[1], int(sys.argv[2])
    own = {"INSTALLED_APPS": ["corsheaders"]}
    if config == "snippet":
        # The snippet brings the CORS settings; the server brings its auth middleware.
        chosen = snippet_settings({**own, "MIDDLEWARE": [REQUIRE_TOKEN_MIDDLEWARE]})
    else:
        chosen = {**own, **CONFIGURATIONS[config]}
    settings.configure(
        DEBUG=False,
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF=__name__,
        **chosen,
    )
    django.setup()

    from django.core.servers.basehttp import run
    from django.core.wsgi import get_wsgi_application

    print(f"django {config} listening on http://127.0.0.1:{port}", file=sys.stderr, flush=True)
    run("127.0.0.1", port, get_wsgi_application(), threading=True)


if __name__ == "__main__":
    main()
