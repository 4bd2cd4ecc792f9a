"""Conditional requests: strong ETags from record versions, 304 on If-None-Match, If-Match for writes."""

from hashlib import blake2b

from flask import current_app, request
from werkzeug.exceptions import HTTPException, PreconditionFailed, PreconditionRequired


class NotModified(HTTPException):
    code = 304

    def __init__(self, etag: str):
        super().__init__()
        self.etag = etag

    def get_response(self, environ=None, scope=None):
        response = current_app.response_class(status=304)
        response.set_etag(self.etag)
        return response


def make_etag(*parts) -> str:
    """An opaque validator of the given facts (unquoted; Werkzeug quotes it on the wire)."""
    return blake2b("|".join(map(str, parts)).encode(), digest_size=12).hexdigest()


def answer_304_if_fresh(etag: str) -> None:
    if request.if_none_match.contains_weak(etag):
        raise NotModified(etag)


def require_if_match(etag: str) -> None:
    """Writes must name the version they change; a stale or missing validator never overwrites."""
    if "If-Match" not in request.headers:
        raise PreconditionRequired(
            "This write needs an If-Match header holding the ETag from your last GET of the record."
        )
    if not request.if_match.contains(etag):
        raise PreconditionFailed(
            "The record changed after you read it (If-Match does not match its ETag). "
            "GET it again, reapply your change and retry with the new ETag."
        )
