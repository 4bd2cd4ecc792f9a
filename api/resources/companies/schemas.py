"""Company representation and list arguments."""

from datetime import date

import marshmallow as ma

from api.domain.industry import industry
from api.domain.size_class import SIZE_CLASSES
from api.fields import (
    BusinessId,
    Email,
    IndustryCode,
    LocalizedColumns,
    LocalizedTextSchema,
    MunicipalityCode,
    Name,
    Phone,
    PostalCode,
    References,
    Text,
    Url,
)
from api.pagination import ListArgsSchema, Sort
from api.resources.schemas import RecordSchema

TAG_LENGTH = 60
MAX_TAGS = 200


class CompanySchema(RecordSchema):
    id = ma.fields.String(dump_only=True, metadata={"example": "8b0f8a6e-2a53-4a8e-9d7e-3f1c0c6f9a11"})
    business_id = BusinessId(required=True)
    name = Name(required=True, metadata={"example": "Karstulan Puutuote Oy"})
    description = LocalizedColumns(LocalizedTextSchema, load_default=None, allow_none=True)
    industry_code = IndustryCode(load_default=None, allow_none=True)
    industry = ma.fields.Method(
        "_industry_label",
        dump_only=True,
        metadata={"description": "Label of the most specific known TOL level of industry_code.", "type": "object"},
    )
    industry_section = ma.fields.Method("_industry_section", dump_only=True, metadata={"type": "string", "example": "C"})
    industry_code_set = ma.fields.String(dump_only=True, metadata={"example": "TOL2008"})
    municipality = MunicipalityCode(load_default=None, allow_none=True)
    street_address = Text(max_length=200, load_default=None, allow_none=True)
    postal_code = PostalCode(load_default=None, allow_none=True)
    post_office = Text(max_length=200, load_default=None, allow_none=True)
    latitude = ma.fields.Float(load_default=None, allow_none=True, validate=ma.validate.Range(min=-90, max=90))
    longitude = ma.fields.Float(load_default=None, allow_none=True, validate=ma.validate.Range(min=-180, max=180))
    website = Url(load_default=None, allow_none=True)
    email = Email(load_default=None, allow_none=True)
    phone = Phone(load_default=None, allow_none=True)
    size_class = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.OneOf(SIZE_CLASSES))
    founded_year = ma.fields.Integer(
        load_default=None, allow_none=True, validate=ma.validate.Range(min=1800, max=date.today().year + 1)
    )
    tags = ma.fields.List(
        Text(max_length=TAG_LENGTH, min_length=1),
        load_default=list,
        validate=ma.validate.Length(max=MAX_TAGS),
        metadata={"example": ["saha", "vienti"]},
    )
    growth_seeking = ma.fields.Boolean(load_default=False)
    international = ma.fields.Boolean(load_default=False)
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

    def _industry_label(self, company):
        return industry(company.industry_code).label if company.industry_code else None

    def _industry_section(self, company):
        return industry(company.industry_code).section if company.industry_code else None

    @ma.validates_schema
    def coordinates_come_in_pairs(self, data, **kwargs):
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            raise ma.ValidationError("Give both latitude and longitude, or neither.", "longitude")


class CompanyQueryArgsSchema(ListArgsSchema):
    municipality = ma.fields.List(MunicipalityCode(), metadata={"description": "Repeatable; any of these codes."})
    industry = ma.fields.String(
        validate=ma.validate.Regexp(r"^\d{1,5}\Z", error="A TOL code prefix is 1 to 5 digits."),
        metadata={"description": "TOL 2008 code prefix: 16 matches 16100."},
    )
    spearhead = Text(max_length=100, metadata={"description": "Spearhead id or slug."})
    tag = Text(max_length=TAG_LENGTH)
    size_class = ma.fields.String(validate=ma.validate.OneOf(SIZE_CLASSES))
    growth_seeking = ma.fields.Boolean()
    international = ma.fields.Boolean()
    business_id = BusinessId(metadata={"description": "Exact Business ID."})
    status = ma.fields.String(validate=ma.validate.OneOf(("draft", "published")))
    sort = Sort(("name", "business_id", "municipality", "founded_year", "created_at", "updated_at"))
