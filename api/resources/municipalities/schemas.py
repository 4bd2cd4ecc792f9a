"""Municipality representation and list arguments."""

import marshmallow as ma

from api.fields import (
    LocalizedColumns,
    LocalizedNameSchema,
    LocalizedTextSchema,
    LocalizedTitleSchema,
    MunicipalityCode,
    PostalCode,
    Text,
    Url,
)
from api.pagination import ListArgsSchema, Sort
from api.resources.schemas import ContactSchema, RecordSchema


class MunicipalitySchema(RecordSchema):
    TOMBSTONE_KEY = "code"

    code = MunicipalityCode(required=True, metadata={"description": "Statistics Finland code; the key."})
    name = LocalizedColumns(LocalizedTitleSchema, required=True)
    region = LocalizedColumns(LocalizedNameSchema, load_default=None, allow_none=True)
    sub_region = LocalizedColumns(LocalizedNameSchema, load_default=None, allow_none=True)
    population = ma.fields.Integer(load_default=None, allow_none=True, validate=ma.validate.Range(min=0, max=10_000_000))
    population_date = ma.fields.Date(load_default=None, allow_none=True)
    area_km2 = ma.fields.Float(load_default=None, allow_none=True, validate=ma.validate.Range(min=0, max=1_000_000))
    postal_code = PostalCode(load_default=None, allow_none=True)
    website = Url(load_default=None, allow_none=True)
    description = LocalizedColumns(LocalizedTextSchema, load_default=None, allow_none=True)
    latitude = ma.fields.Float(load_default=None, allow_none=True, validate=ma.validate.Range(min=-90, max=90))
    longitude = ma.fields.Float(load_default=None, allow_none=True, validate=ma.validate.Range(min=-180, max=180))
    business_contact = ma.fields.Nested(ContactSchema, load_default=None, allow_none=True)


class MunicipalityQueryArgsSchema(ListArgsSchema):
    q = Text(max_length=200, metadata={"description": "Part of the name in any language."})
    sort = Sort(("code", "name", "population", "area_km2", "created_at", "updated_at"))
