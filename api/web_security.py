"""Browser-facing protections: CORS for the configured origins only, and security headers on every answer."""

from flask import Flask, current_app

from api.caching import vary_on
from api.context import current_request
from api.extensions import cors
from api.smorest import ACCESS_CONTROLLED_PREFIX, API_PREFIX, SEARCH_CORRECTIONS_HEADER

# What a browser script may send and read beyond the CORS-safelisted headers.
ALLOWED_REQUEST_HEADERS = ["Authorization", "Content-Type", "If-Match", "If-None-Match", "X-Request-Id"]
EXPOSED_RESPONSE_HEADERS = [
    "ETag", "Location", "Link", "X-Pagination", "X-Request-Id", SEARCH_CORRECTIONS_HEADER,
    "Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset",
]


SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    # JSON answers need no sources at all; the documentation pages (text/html) run their own scripts and styles.
    ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
)
HTML_POLICY = "frame-ancestors 'none'"
# Lowered once, to compare with the answer's own headers.
_SECURITY_HEADERS = tuple((name.lower(), name, value) for name, value in SECURITY_HEADERS)


def security_headers(response):
    """The headers above, unless the view set its own (one pass over the answer's headers)."""
    headers = response.headers
    present = {name.lower() for name, _value in headers}
    for lowered, name, value in _SECURITY_HEADERS:
        if lowered not in present:
            if name == "Content-Security-Policy" and response.mimetype == "text/html":
                value = HTML_POLICY
            headers.add(name, value)
    if current_request().path.startswith(API_PREFIX) and current_app.config["CORS_ORIGINS"]:
        # Flask-CORS adds this only for several origins, yet with one the CORS headers still depend on Origin.
        vary_on(response, "Origin")
    return response


def register_web_security(app: Flask) -> None:
    after_request = app.after_request_funcs[None]
    others = len(after_request)
    cors.init_app(
        app,
        resources={rf"{ACCESS_CONTROLLED_PREFIX}*": {"origins": app.config["CORS_ORIGINS"]}},
        allow_headers=ALLOWED_REQUEST_HEADERS,
        expose_headers=EXPOSED_RESPONSE_HEADERS,
        methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        max_age=600,
    )
    (cors_after_request,) = after_request[others:]
    after_request[others] = _within_the_api(cors_after_request)


def _within_the_api(cors_after_request):
    """Flask-CORS's after_request, run for the paths its resource names only.

    It matches every answer's path against its resources by regular expression and looks for its header
    first (a raised and caught KeyError when absent); outside /api/ (probes, metrics) nothing can match.
    """

    def cors_headers(response):
        return cors_after_request(response) if current_request().path.startswith(ACCESS_CONTROLLED_PREFIX) else response

    return cors_headers
