"""The HTTP side of writes: If-Match, the request's merge patch, and the answers to a write."""

from functools import cache
from typing import Any

import marshmallow as ma
from flask import request
from flask_smorest import abort as abort_with

from api import records
from api.conditional import require_if_match
from api.resources.records import record_etag, version_tag


def check_writable(record) -> None:
    """A limited editor's scope first (403), then the ETag the client read (428, 412)."""
    records.check_scope(record)
    require_if_match(version_tag(record))


@cache
def _loader(schema: type[ma.Schema]) -> ma.Schema:
    # One instance per schema: making one copies every field (a third of a millisecond per write), and
    # loading keeps no state in it.
    return schema()


def load_merged(schema: type[ma.Schema], record) -> dict:
    """Apply the request's JSON merge patch to the record's writable fields and validate the result."""
    try:
        return records.merged(_loader(schema), record, request.get_json())
    except ma.ValidationError as error:
        abort_with(422, messages={"json": error.normalized_messages()})


def created(record, location: str) -> tuple[Any, int, dict]:
    """Answer a POST: 201 with the new record, its Location and its ETag."""
    return record, 201, {"Location": location, "ETag": f'"{record_etag(record)}"'}


def updated(record) -> tuple[Any, int, dict]:
    """Answer a PUT or PATCH with the record and its ETag (unchanged when the write changed nothing)."""
    return record, 200, {"ETag": f'"{record_etag(record)}"'}
