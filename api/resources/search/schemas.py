"""Type-ahead's query arguments and answer."""

import marshmallow as ma

from api.fields import Text
from api.i18n import _
from api.search.analysis import label_key
from api.smorest import Schema

SUGGESTION_KINDS = ("company", "event", "spearhead", "site", "municipality", "term")
MIN_PREFIX = 2
MAX_SUGGESTIONS = 20
DEFAULT_SUGGESTIONS = 8


class SuggestArgsSchema(Schema):
    q = Text(
        required=True,
        max_length=100,
        metadata={
            "description": f"What the reader has typed so far: at least {MIN_PREFIX} letters or digits. "
            "ä, ö and å may be typed as a, o and a; case does not matter.",
            "example": "kars",
        },
    )
    limit = ma.fields.Integer(
        load_default=DEFAULT_SUGGESTIONS,
        validate=ma.validate.Range(min=1, max=MAX_SUGGESTIONS),
        metadata={"description": f"Most suggestions to answer, 1 to {MAX_SUGGESTIONS} (more is a 422).", "example": 5},
    )

    @ma.validates("q")
    def has_enough_letters(self, value: str, **kwargs):
        if len(label_key(value).replace(" ", "")) < MIN_PREFIX:
            raise ma.ValidationError(_("Type at least %(count)s letters or digits.", count=MIN_PREFIX))


class SuggestionSchema(Schema):
    text = ma.fields.String(
        required=True, metadata={"description": "What to show, and to put in the search box or `q`.", "example": "Karstula"}
    )
    kind = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(SUGGESTION_KINDS),
        metadata={
            "description": "`term` is an indexed word to search for; the others name a record to open by `id`.",
            "example": "municipality",
        },
    )
    id = ma.fields.String(
        required=True,
        allow_none=True,
        metadata={
            "description": "The record's id (a municipality's code); null for a term.",
            "example": "226",
        },
    )
