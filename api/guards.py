"""Checks every API request passes before it reaches a view: media type, NUL bytes, body limits."""

from flask import Flask, current_app
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge, UnsupportedMediaType

from api.context import current_request
from api.i18n import _

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
JSON_MEDIA_TYPES = frozenset({"application/json", "application/merge-patch+json"})


def _view_class(req):
    view = current_app.view_functions.get(req.endpoint)
    return getattr(view, "view_class", None)


def check_request() -> None:
    req = current_request()
    query = req.query_string
    try:
        text = query.decode()
    except UnicodeDecodeError:  # raw bytes that are not UTF-8: werkzeug's full_path would fail on them too
        raise BadRequest(_("Percent-encode the query string as UTF-8.")) from None
    if "\x00" in req.path or "\x00" in text or b"%00" in query:
        raise BadRequest(_("NUL characters are not allowed in the URL."))
    if req.method not in BODY_METHODS or req.endpoint is None:
        return
    view_class = _view_class(req)
    accepted = getattr(view_class, "body_media_types", JSON_MEDIA_TYPES)
    if req.mimetype not in accepted:
        raise UnsupportedMediaType(
            _("Send the body as %(accepted)s (got %(given)s).", accepted=" or ".join(sorted(accepted)),
              given=req.mimetype or _("no Content-Type"))
        )
    limit = getattr(view_class, "max_body_bytes", None)
    if limit:
        req.max_content_length = limit
    declared = req.content_length
    # Werkzeug hands a view whatever arrived; a body cut short of its Content-Length is refused here.
    # A view that streams its body (the import) is not buffered here; its stream refuses a short body.
    streams = getattr(view_class, "streams_body", False)
    if streams:
        return
    if declared is None and req.environ.get("wsgi.input_terminated"):
        # A chunked body declares no length, and Werkzeug stops reading it at the limit without a word:
        # what comes after the limit would be parsed as a body cut short (a 400, not the 413 it is).
        req.get_data(cache=True)
        if req.environ["wsgi.input"].read(1):
            raise RequestEntityTooLarge(_("The body is larger than %(limit)s bytes.", limit=req.max_content_length))
    elif declared is not None and declared <= (limit or current_app.config["MAX_CONTENT_LENGTH"]):
        if len(req.get_data(cache=True)) < declared:
            raise BadRequest(_("The body is shorter than its Content-Length (%(length)s bytes).", length=declared))


def register_guards(app: Flask) -> None:
    app.before_request(check_request)
