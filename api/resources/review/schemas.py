"""The review list's and the duplicates list's representations and arguments."""

import marshmallow as ma

from api.fields import MunicipalityCode, Repeatable
from api.i18n import _
from api.pagination import PageArgsSchema
from api.resources.companies.schemas import CompanySchema
from api.review.duplicates import WEIGHTS
from api.review.queue import REASONS
from api.smorest import Schema

COMPANY_ID = ma.fields.String(metadata={"example": "8b0f8a6e-2a53-4a8e-9d7e-3f1c0c6f9a11"})


class ReviewArgsSchema(PageArgsSchema):
    municipality = Repeatable(
        MunicipalityCode(),
        "Municipality code; by default a limited editor's own municipalities (everywhere for others). "
        "A code outside a limited editor's municipalities is a 403.",
    )


class ReviewedCompanySchema(CompanySchema):
    reasons = ma.fields.List(
        ma.fields.String(),
        dump_only=True,
        metadata={
            "description": "Why the company needs a look: `not_verified` (no check for REVIEW_AFTER_DAYS, default 365), "
            "`ended` (ended in the trade register, still published), `no_location`, `no_description`, `no_industry`, "
            "`no_contact` (no website, e-mail nor phone).",
            "items": {"type": "string", "enum": list(REASONS)},
            "example": ["not_verified", "no_contact"],
        },
    )


class DuplicatePairSchema(Schema):
    companies = ma.fields.List(COMPANY_ID, metadata={"description": "The two companies' ids, the smaller first.", "minItems": 2, "maxItems": 2})
    score = ma.fields.Float(
        metadata={"description": "0–1: 1 − Π(1 − weight) over the reasons' weights (see docs/business-developers.md).", "example": 0.88}
    )
    reasons = ma.fields.List(
        ma.fields.String(),
        metadata={
            "description": "`same_name` (equal once company forms, case, ä/ö/å and punctuation are set aside), `same_phone`, "
            "`same_email`, `same_domain` (website, www. set aside), `nearby_similar_name` (within 200 m, similar names).",
            "items": {"type": "string", "enum": list(WEIGHTS)},
            "example": ["same_name", "same_phone"],
        },
    )


class DismissalSchema(Schema):
    companies = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(min=1, max=36), metadata={"example": "8b0f8a6e-2a53-4a8e-9d7e-3f1c0c6f9a11"}),
        required=True,
        validate=ma.validate.Length(equal=2),
        metadata={"description": "The two companies' ids, in either order.", "example": [
            "8b0f8a6e-2a53-4a8e-9d7e-3f1c0c6f9a11", "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
        ]},
    )
    dismissed_at = ma.fields.AwareDateTime(dump_only=True)
    dismissed_by = ma.fields.String(dump_only=True, metadata={"description": "The API key's name.", "example": "karstula-editor"})

    @ma.validates_schema
    def two_companies(self, data, **kwargs):
        if len(set(data.get("companies") or ())) == 1:
            raise ma.ValidationError(_("Name two different companies."), "companies")
