"""Company representation and list arguments."""

from datetime import date

import marshmallow as ma

from api.domain.industry import industry, sections
from api.domain.size_class import SIZE_CLASSES
from api.fields import (
    BusinessId,
    Email,
    IndustryCode,
    JsonBoolean,
    LocalizedColumns,
    LocalizedTextSchema,
    MunicipalityCode,
    Name,
    Pattern,
    Phone,
    PostalCode,
    References,
    Repeatable,
    SearchQuery,
    Text,
    Url,
)
from api.formats.csv import TAG_SEPARATORS
from api.i18n import _, lazy_gettext
from api.models.base import STATUSES
from api.pagination import Sort
from api.resources.schemas import LastVerifiedAt, LocatedSchema, MapQueryArgsSchema
from api.smorest import Schema

TAG_LENGTH = 60
MAX_TAGS = 200


class Tag(Text):
    """A keyword: surrounding spaces are dropped, and it cannot hold a separator of tags in spreadsheets."""

    def __init__(self, **kwargs):
        super().__init__(max_length=TAG_LENGTH, min_length=1, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        tag = super()._deserialize(value, attr, data, **kwargs).strip()
        if any(separator in tag for separator in TAG_SEPARATORS):
            raise ma.ValidationError(
                _("A tag cannot contain %(separators)s: they separate tags in spreadsheets. Give each tag on its own.",
                  separators=" ".join(TAG_SEPARATORS))
            )
        return tag


class CompanySchema(LocatedSchema):
    id = ma.fields.String(dump_only=True, metadata={"example": "8b0f8a6e-2a53-4a8e-9d7e-3f1c0c6f9a11"})
    business_id = BusinessId(required=True)
    name = Name(required=True, metadata={"example": "Karstulan Puutuote Oy"})
    description = LocalizedColumns(LocalizedTextSchema, load_default=None, allow_none=True)
    industry_code = IndustryCode(load_default=None, allow_none=True)
    industry = ma.fields.Method(
        "_industry_label",
        dump_only=True,
        metadata={
            "description": "Label of the most specific known TOL level of industry_code; null without one.",
            "type": ["object", "null"],
            "properties": {language: {"type": "string"} for language in ("fi", "sv", "en")},
            "additionalProperties": False,
            "example": {"fi": "Puun sahaus, höyläys ja kyllästys", "en": "Sawmilling and planing of wood"},
        },
    )
    industry_section = ma.fields.Method("_industry_section", dump_only=True, metadata={"type": ["string", "null"], "example": "C"})
    industry_code_set = ma.fields.String(dump_only=True, allow_none=True, metadata={"example": "TOL2008"})
    municipality = MunicipalityCode(load_default=None, allow_none=True)
    street_address = Text(max_length=200, load_default=None, allow_none=True)
    postal_code = PostalCode(load_default=None, allow_none=True)
    post_office = Text(max_length=200, load_default=None, allow_none=True)
    website = Url(load_default=None, allow_none=True)
    email = Email(load_default=None, allow_none=True)
    phone = Phone(load_default=None, allow_none=True)
    size_class = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.OneOf(SIZE_CLASSES))
    founded_year = ma.fields.Integer(
        load_default=None, allow_none=True, validate=ma.validate.Range(min=1800, max=date.today().year + 1)
    )
    tags = ma.fields.List(
        Tag(),
        load_default=list,
        validate=ma.validate.Length(max=MAX_TAGS),
        metadata={"example": ["saha", "vienti"]},
    )
    growth_seeking = JsonBoolean(load_default=False)
    international = JsonBoolean(load_default=False)
    spearheads = References("id", load_default=list, validate=ma.validate.Length(max=100))
    ended_on = ma.fields.Date(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "The day the company ended in the trade register (PRH `endDate`, kept by "
            "`flask import prh`); null while it operates.",
            "example": None,
        },
    )
    last_verified_at = LastVerifiedAt()

    def _industry_label(self, company):
        return industry(company.industry_code).label if company.industry_code else None

    def _industry_section(self, company):
        return industry(company.industry_code).section if company.industry_code else None



class CompanyQueryArgsSchema(MapQueryArgsSchema):
    q = SearchQuery("the name, description (every language), tags, industry label and post office")
    municipality = Repeatable(MunicipalityCode(), "Municipality code.")
    industry = Repeatable(
        ma.fields.String(validate=Pattern(r"^\d{1,5}$", error=lazy_gettext("A TOL code prefix is 1 to 5 digits.")), metadata={"example": "16"}),
        "TOL 2008 code prefix: 16 matches 16100.",
    )
    industry_section = Repeatable(
        ma.fields.String(validate=ma.validate.OneOf(sorted(sections())), metadata={"example": "C"}),
        "TOL 2008 section letter (A–U), as counted by the facets.",
    )
    spearhead = Repeatable(Text(max_length=100, min_length=1, metadata={"example": "wood-bioeconomy"}), "Spearhead id or slug.")
    tag = Repeatable(Tag(metadata={"example": "vienti"}), "Tag, whatever its case and Unicode composition.")
    size_class = Repeatable(ma.fields.String(validate=ma.validate.OneOf(SIZE_CLASSES), metadata={"example": "10-19"}), "Size class.")
    growth_seeking = ma.fields.Boolean(metadata={"example": True})
    international = ma.fields.Boolean(metadata={"description": "Exports or works abroad.", "example": True})
    business_id = Repeatable(BusinessId(), "Business ID.")
    status = Repeatable(ma.fields.String(validate=ma.validate.OneOf(STATUSES)), "Status (readers without drafts see published only).")
    sort = Sort(("name", "business_id", "municipality", "founded_year", "created_at", "updated_at", "distance_km"))


class CompanyFacetsArgsSchema(CompanyQueryArgsSchema):
    """The list's filters without paging and sorting."""

    class Meta(CompanyQueryArgsSchema.Meta):
        exclude = ("page", "page_size", "sort", "include_deleted")


class CompanyFacetsSchema(Schema):
    """Counts of the matching companies per value; values without companies are left out."""

    municipality = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.Integer(), metadata={"description": "Municipality code → count.", "example": {"226": 12, "931": 3}}
    )
    industry_section = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Integer(),
        metadata={"description": "TOL 2008 section letter (A–U) → count; labels at /api/v1/industry-sections.", "example": {"C": 3, "A": 1}},
    )
    spearhead = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.Integer(), metadata={"description": "Spearhead slug → count.", "example": {"wood-bioeconomy": 4}}
    )
    size_class = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.Integer(), metadata={"description": "Size class → count.", "example": {"5-9": 7}}
    )
