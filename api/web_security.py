"""Browser-facing protections: CORS for the configured origins only, and security headers on every answer."""

from flask import Flask, current_app, request

from api.extensions import cors
from api.smorest import API_PREFIX, SEARCH_CORRECTIONS_HEADER

# What a browser script may send and read beyond the CORS-safelisted headers.
ALLOWED_REQUEST_HEADERS = ["Authorization", "Content-Type", "If-Match", "If-None-Match", "X-Request-Id"]
EXPOSED_RESPONSE_HEADERS = [
    "ETag", "Location", "Link", "X-Pagination", "X-Request-Id", SEARCH_CORRECTIONS_HEADER,
    "Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset",
]


def _security_headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    # JSON answers need no sources at all; the documentation pages run their own scripts and styles.
    policy = "frame-ancestors 'none'" if response.mimetype == "text/html" else "default-src 'none'; frame-ancestors 'none'"
    response.headers.setdefault("Content-Security-Policy", policy)
    if request.path.startswith(API_PREFIX) and current_app.config["CORS_ORIGINS"]:
        # Flask-CORS adds this only for several origins, yet with one the CORS headers still depend on Origin.
        response.vary.add("Origin")
    return response


def register_web_security(app: Flask) -> None:
    cors.init_app(
        app,
        resources={r"/api/*": {"origins": app.config["CORS_ORIGINS"]}},
        allow_headers=ALLOWED_REQUEST_HEADERS,
        expose_headers=EXPOSED_RESPONSE_HEADERS,
        methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        max_age=600,
    )
    app.after_request(_security_headers)
