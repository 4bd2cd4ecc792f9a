"""Industry sections: /api/v1/industry-sections, the labels behind the facets' industry_section letters."""

import marshmallow as ma
from flask.views import MethodView

from api.conditional import answer_304_if_fresh, make_etag
from api.domain.industry import CODE_SET, sections
from api.smorest import Blueprint, Schema

blp = Blueprint(
    "industries",
    __name__,
    url_prefix="/api/v1/industry-sections",
    description="TOL 2008 sections (A–U): the labels of the company facets' `industry_section` letters.",
)


class SectionLabelSchema(Schema):
    fi = ma.fields.String(metadata={"example": "Teollisuus"})
    en = ma.fields.String(metadata={"example": "Manufacturing"})


class SectionsSchema(Schema):
    code_set = ma.fields.String(metadata={"example": CODE_SET})
    sections = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Nested(SectionLabelSchema),
        metadata={"description": "Section letter → label.", "example": {"C": {"fi": "Teollisuus", "en": "Manufacturing"}}},
    )


@blp.route("")
class IndustrySectionsViews(MethodView):
    @blp.response(200, SectionsSchema)
    @blp.conditional_read
    @blp.doc(operationId="listIndustrySections")
    def get(self):
        """List the TOL 2008 sections with their Finnish and English labels"""
        body = {"code_set": CODE_SET, "sections": {code: entry.label for code, entry in sections().items()}}
        etag = make_etag(CODE_SET, sorted(body["sections"].items()))
        answer_304_if_fresh(etag)
        return body, 200, {"ETag": f'"{etag}"'}
