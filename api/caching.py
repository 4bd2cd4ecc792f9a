"""Cache-Control and Vary: what a shared cache (a CDN, nginx, Varnish) may keep, and for how long (one place).

Anonymous reads of the API are the same for every anonymous reader, so a shared cache may serve them
for CACHE_MAX_AGE seconds and then, for CACHE_STALE_WHILE_REVALIDATE more, serve the stored answer
while it revalidates it with the ETag (a 304 costs the app one index lookup). Anything asked with a
key, and every route marked `personal`, is `private, no-store`: drafts, private fields and personal
data must never sit in a cache that another client reads. Writes, probes, metrics and failures that
may pass (429, 5xx, a bad request) are `no-store`.
"""

from flask import Flask, current_app

from api.context import current_request
from api.smorest import ACCESS_CONTROLLED_PREFIX

PRIVATE = "private, no-store"
NOT_STORED = "no-store"
READ_METHODS = frozenset({"GET", "HEAD"})
# The answers RFC 9111 lets a cache store without explicit freshness, plus 304 (a revalidation's
# answer, whose Cache-Control renews the stored one): the same for every client and stable for a while.
SHARED_STATUSES = frozenset({200, 203, 204, 300, 301, 304, 308, 404, 405, 410, 414, 501})
# Request headers an API answer depends on besides its URL: the key (drafts, private fields) and the
# media type asked for (JSON, GeoJSON, JSON-LD, CSV). Answers with translated messages add
# Accept-Language themselves (api.i18n), so lists and records stay one copy for every language.
VARY = ("Authorization", "Accept")


def header(headers, lowered_name: str) -> str | None:
    """The first value of a header, None without one: werkzeug's `get` and `in` raise and catch an
    exception for a header that is absent, a microsecond that the hooks of every answer paid several times."""
    return next((value for name, value in headers if name.lower() == lowered_name), None)


def vary_on(response, *names: str) -> None:
    """Add request headers to the answer's Vary, each once.

    werkzeug's `response.vary` parses the header into a set and writes it back on each change, a cost
    every API answer paid several times; this writes the header once, keeping its order.
    """
    present = header(response.headers, "vary")
    if not present:
        response.headers["Vary"] = ", ".join(names)
        return
    have = {name.strip().lower() for name in present.split(",")}
    missing = [name for name in names if name.lower() not in have]
    if missing and "*" not in have:
        response.headers["Vary"] = ", ".join([present, *missing])


def personal(view):
    """Mark a view function or MethodView class whose answers are never shared, even without a key."""
    view.personal_answers = True
    return view


def _is_personal(req) -> bool:
    view = current_app.view_functions.get(req.endpoint) if req.endpoint else None
    return getattr(view, "personal_answers", False) or getattr(getattr(view, "view_class", None), "personal_answers", False)


def shared_policy(config) -> str:
    return f"public, max-age={config['CACHE_MAX_AGE']}, stale-while-revalidate={config['CACHE_STALE_WHILE_REVALIDATE']}"


def cache_headers(response):
    """Set Cache-Control (unless the view set its own) and the Vary of API answers."""
    req, headers = current_request(), response.headers
    if not req.path.startswith(ACCESS_CONTROLLED_PREFIX):
        # Probes must reach this instance, and /metrics is for the operator only.
        if header(headers, "cache-control") is None:
            headers.add("Cache-Control", NOT_STORED)
        return response
    vary_on(response, *VARY)
    if header(headers, "cache-control") is not None:
        return response
    if "HTTP_AUTHORIZATION" in req.environ or _is_personal(req):
        policy = PRIVATE
    elif req.method in READ_METHODS and response.status_code in SHARED_STATUSES:
        policy = current_app.config["CACHE_SHARED_POLICY"]
    else:
        policy = NOT_STORED
    headers.add("Cache-Control", policy)
    return response


def configure_caching(app: Flask) -> None:
    for setting in ("CACHE_MAX_AGE", "CACHE_STALE_WHILE_REVALIDATE"):
        if not isinstance(app.config[setting], int) or app.config[setting] < 0:
            raise ValueError(f"{setting}={app.config[setting]!r} must be a whole number of seconds, 0 or more.")
    # Built once: every anonymous read sends it.
    app.config["CACHE_SHARED_POLICY"] = shared_policy(app.config)
