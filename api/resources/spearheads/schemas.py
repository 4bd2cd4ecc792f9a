"""Spearhead representation and list arguments."""

from collections import Counter

import marshmallow as ma

from api.fields import (
    Localized,
    LocalizedColumns,
    LocalizedNameSchema,
    LocalizedTextSchema,
    LocalizedTitleSchema,
    MunicipalityCode,
    Pattern,
    References,
    Repeatable,
    SearchQuery,
    Text,
    Url,
)
from api.i18n import lazy_gettext
from api.models.base import STATUSES
from api.pagination import ListArgsSchema, Sort
from api.resources.actions.schemas import STAGES
from api.resources.companies.schemas import CompanyQueryArgsSchema
from api.resources.events.schemas import EventQueryArgsSchema
from api.resources.schemas import RecordSchema
from api.smorest import Schema

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


class KeyFigureSchema(Schema):
    label = Localized(LocalizedNameSchema, required=True)
    value = ma.fields.Float(required=True, allow_nan=False, metadata={"example": 17593})
    unit = Text(max_length=50, load_default=None, allow_none=True, metadata={"example": "km²"})


class SpearheadSchema(RecordSchema):
    id = ma.fields.String(dump_only=True)
    slug = ma.fields.String(
        required=True,
        validate=[
            ma.validate.Length(min=1, max=100),
            Pattern(SLUG_PATTERN, error=lazy_gettext("Lowercase letters, digits and single hyphens, such as wood-bioeconomy.")),
        ],
        metadata={"example": "wood-bioeconomy"},
    )
    title = LocalizedColumns(LocalizedTitleSchema, required=True)
    summary = LocalizedColumns(LocalizedTextSchema, load_default=None, allow_none=True)
    description = LocalizedColumns(LocalizedTextSchema, load_default=None, allow_none=True)
    priority = ma.fields.Integer(
        load_default=100, validate=ma.validate.Range(min=0, max=10_000), metadata={"description": "Order on the platform; lowest first."}
    )
    municipalities = References("code", load_default=list, validate=ma.validate.Length(max=100), metadata={"example": ["226", "931"]})
    key_figures = ma.fields.List(ma.fields.Nested(KeyFigureSchema), load_default=list, validate=ma.validate.Length(max=50))
    image_url = Url(load_default=None, allow_none=True)
    actions = ma.fields.Method(
        "_action_counts",
        dump_only=True,
        metadata={
            "type": "object",
            "additionalProperties": {"type": "integer"},
            "description": "Counts of its published actions by stage (see /spearheads/{id-or-slug}/actions); stages with none are left out.",
            "example": {"proposed": 3, "in_progress": 1},
        },
    )

    def _action_counts(self, spearhead) -> dict[str, int]:
        counts = Counter(action.stage for action in spearhead.actions if action.deleted_at is None and action.status == "published")
        return {stage: counts[stage] for stage in STAGES if counts[stage]}


class SpearheadQueryArgsSchema(ListArgsSchema):
    municipality = Repeatable(MunicipalityCode(), "Municipality code.")
    status = Repeatable(ma.fields.String(validate=ma.validate.OneOf(STATUSES)), "Status (readers without drafts see published only).")
    q = SearchQuery("the title, summary and description (every language)")
    sort = Sort(("priority", "slug", "created_at", "updated_at"))


class SpearheadCompaniesArgsSchema(CompanyQueryArgsSchema):
    """The company list's arguments; the spearhead is the path's."""

    class Meta(CompanyQueryArgsSchema.Meta):
        exclude = ("spearhead",)


class SpearheadEventsArgsSchema(EventQueryArgsSchema):
    """The event list's arguments; the spearhead is the path's."""

    class Meta(EventQueryArgsSchema.Meta):
        exclude = ("spearhead",)
