"""Conditional requests: strong ETags from record versions, 304 on If-None-Match, If-Match for writes."""

from hashlib import blake2b

from flask import current_app, request
from werkzeug.exceptions import HTTPException, PreconditionFailed, PreconditionRequired

from api.i18n import _


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


# Ends the version part of a record's ETag (hex digits, so it never holds the separator).
VERSION_END = "-"


def versioned_etag(version: str, *representation) -> str:
    """The ETag of one representation (view, media type, the data it shows) of a record's `version`.

    Every representation of a version shares the version part, so If-Match recognises an ETag from
    any view of the record (anonymous, editor, JSON-LD).
    """
    return f"{version}{VERSION_END}{make_etag(*representation)}"


def answer_304_if_fresh(etag: str) -> None:
    if request.if_none_match.contains_weak(etag):
        raise NotModified(etag)


def require_if_match(version: str) -> None:
    """Writes must name the version they change (by any ETag of it); a stale or missing validator never overwrites."""
    if "If-Match" not in request.headers:
        raise PreconditionRequired(
            _("This write needs an If-Match header holding the ETag from your last GET of the record.")
        )
    named = {tag.partition(VERSION_END)[0] for tag in request.if_match.as_set()}
    if not request.if_match.star_tag and version not in named:
        raise PreconditionFailed(
            _("The record changed after you read it (If-Match does not match its ETag). "
              "GET it again, reapply your change and retry with the new ETag.")
        )
