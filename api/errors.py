"""Every error answer is application/problem+json (RFC 9457)."""

import logging

from flask import Flask, current_app
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from api.i18n import _, describe, status_title
from api.jsonio import dumps
from api.routing import allowed_methods

PROBLEM_MIMETYPE = "application/problem+json"
log = logging.getLogger(__name__)

# Problem types beyond the plain meaning of the status code; documented in the OpenAPI description.
PROBLEM_TYPES = {
    400: "/problems/bad-request",
    409: "/problems/conflict",
    412: "/problems/precondition-failed",
    415: "/problems/unsupported-media-type",
    422: "/problems/validation-error",
    428: "/problems/precondition-required",
    503: "/problems/service-unavailable",
}


def _plain(value):
    """Messages as plain strings, in the nested lists and objects of `errors`."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return str(value) if isinstance(value, str) else value


def problem(status: int, detail: str, *, errors=None, headers=None, title: str | None = None):
    # str(): messages made at import time are lazy strings, translated as they leave (api.i18n).
    body = {
        "type": PROBLEM_TYPES.get(status, "about:blank"),
        "title": str(title or status_title(status)),
        "status": status,
        "detail": str(detail),
    }
    if errors is not None:
        body["errors"] = _plain(errors)
    response = current_app.response_class(dumps(body), status=status, mimetype=PROBLEM_MIMETYPE)
    response.headers.extend(headers or {})
    return response


def flatten_errors(messages, prefix: str = "") -> dict[str, list[str]]:
    """Turn marshmallow's nested messages into `{"dotted.field": [messages]}`."""
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return {prefix or "_body": [str(message) for message in messages]}  # lazy strings translated (api.i18n)
    if isinstance(messages, dict):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            name = prefix if key == "_schema" and prefix else (f"{prefix}.{key}" if prefix else str(key))
            flat.update(flatten_errors(value, name))
        return flat
    return {prefix or "_body": [str(messages)]}


def http_exception_as_problem(error: HTTPException):
    if error.code < 400:
        return error.get_response()
    data = getattr(error, "data", None) or {}
    headers = dict(data.get("headers") or {})
    if error.code == 405:
        headers["Allow"] = ", ".join(sorted(allowed_methods() or error.valid_methods or ()))
    if error.code == 422 and "messages" in data:
        # webargs keys messages by location ("json", "query"); clients need only the field.
        messages = {}
        for location_messages in data["messages"].values():
            messages.update(location_messages)
        errors = flatten_errors(messages)
        fields = ", ".join(sorted(errors))
        return problem(422, _("The request has invalid fields: %(fields)s.", fields=fields), errors=errors, headers=headers)
    detail = data.get("message") or describe(error)
    return problem(error.code, detail, errors=data.get("errors"), headers=headers)


def _stale(_error: StaleDataError):
    return problem(
        412,
        _("The record changed after you read it. GET it again and retry with its new ETag in If-Match."),
    )


def _integrity(error: IntegrityError):
    log.warning("integrity error: %s", error.orig)
    return problem(409, _("The change conflicts with another record (a unique value is already taken)."))


def _database_unavailable(error: OperationalError):
    log.error("database unavailable: %s", error.orig)
    return problem(503, _("The database is not reachable right now; try again shortly."), headers={"Retry-After": "5"})


def _unexpected(error: Exception):
    if isinstance(error, HTTPException):
        return http_exception_as_problem(error)
    log.exception("unhandled error")
    return problem(500, _("Something went wrong on our side; the error has been logged."))


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, http_exception_as_problem)
    app.register_error_handler(StaleDataError, _stale)
    app.register_error_handler(IntegrityError, _integrity)
    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(Exception, _unexpected)
