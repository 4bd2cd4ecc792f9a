"""Spearhead representation and list arguments."""

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
