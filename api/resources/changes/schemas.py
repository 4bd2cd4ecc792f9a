"""The change feed's items and arguments."""

import marshmallow as ma

from api.fields import MunicipalityCode
from api.i18n import _
from api.records import KINDS
from api.records.feed import CURSOR_DIGITS
from api.smorest import Schema

MAX_LIMIT = 1000
RESOURCES = sorted(kind.name for kind in KINDS.values())
ACTIONS = ("created", "updated", "deleted")


class Cursor(ma.fields.String):
    """A cursor the feed gave out, read back as its position."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) != CURSOR_DIGITS or text.strip("0123456789abcdef"):
            raise ma.ValidationError(_("Not a cursor of this feed: pass the `cursor` of the last change you processed."))
        return int(text, 16)


class ChangeQueryArgsSchema(Schema):
    after = Cursor(
        metadata={
            "description": "The `cursor` of the last change you processed; without it the feed starts at the oldest change kept.",
            "pattern": f"^[0-9a-f]{{{CURSOR_DIGITS}}}$",
            "example": "00000000000004d2",
        }
    )
    limit = ma.fields.Integer(
        load_default=100,
        validate=ma.validate.Range(min=1, max=MAX_LIMIT),
        metadata={"description": f"Changes per answer, 1 to {MAX_LIMIT} (more is a 422)."},
    )
    resource = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(RESOURCES)),
        metadata={"description": "Repeatable; changes of any of these kinds of record.", "example": ["company"]},
    )
    municipality = ma.fields.List(
        MunicipalityCode(),
        metadata={"description": "Repeatable; changes of records in any of these municipalities, before or after the change."},
    )


class ChangeSchema(Schema):
    cursor = ma.fields.String(metadata={"description": "Opaque; sorts in feed order. Pass it as `after` to read on.", "example": "00000000000004d2"})
    resource = ma.fields.String(metadata={"enum": RESOURCES, "example": "company"})
    id = ma.fields.String(metadata={"description": "The record's id (a municipality's code).", "example": "8b0f8a6e-2a53-4a8e-9d7e-3f1c0c6f9a11"})
    action = ma.fields.String(
        metadata={
            "enum": list(ACTIONS),
            "description": "As this key sees it: without draft rights, a first publication is `created` and an "
            "unpublication `deleted`; drafts never appear.",
            "example": "updated",
        }
    )
    version = ma.fields.Integer(metadata={"description": "The record's version after the change.", "example": 3})
    at = ma.fields.AwareDateTime(metadata={"description": "When it changed: the record's `updated_at`.", "example": "2026-11-28T09:41:07.120034+00:00"})
    data = ma.fields.Dict(
        allow_none=True,
        metadata={
            "description": "The record as GET by id showed it to this key at this version (as stored then, never "
            "re-rendered); null for `deleted`.",
            "example": {"id": "8b0f8a6e-2a53-4a8e-9d7e-3f1c0c6f9a11", "business_id": "0112038-9", "name": "Karstulan Puutuote Oy", "status": "published"},
        },
    )
