"""Municipalities: /api/v1/municipalities and /api/v1/municipalities/{code}."""

from functools import partial

from flask import url_for
from flask.views import MethodView
from sqlalchemy import or_

from api.i18n import lazy_gettext
from api.models import Municipality
from api.pagination import PAGINATION_HEADERS, SortKey
from api.records import MUNICIPALITY, create, update
from api.resources import records, writes
from api.resources.municipalities.schemas import MunicipalityQueryArgsSchema, MunicipalitySchema
from api.smorest import Blueprint

blp = Blueprint(
    "municipalities",
    __name__,
    url_prefix="/api/v1/municipalities",
    description="The region's municipalities, keyed by their Statistics Finland code.",
)
columns = Municipality.__table__.c
SORT_COLUMNS = {
    "code": columns.code,
    "name": columns.name_fi,
    "population": columns.population,
    "area_km2": columns.area_km2,
    "created_at": columns.created_at,
    "updated_at": columns.updated_at,
}


def lookup(code: str):
    return records.live(Municipality, Municipality.code == code), lazy_gettext("No municipality has the code %(code)s.", code=code)


def filtered(args: dict):
    query = records.list_query(Municipality, args, SORT_COLUMNS, [SortKey("code", False)])
    if "q" in args:
        pattern = f"%{args['q']}%"
        query = query.where(or_(columns.name_fi.ilike(pattern), columns.name_sv.ilike(pattern), columns.name_en.ilike(pattern)))
    return query


def _get(code: str) -> Municipality:
    return records.get_or_404(*lookup(code))


@blp.route("")
class MunicipalitiesViews(MethodView):
    @blp.arguments(MunicipalityQueryArgsSchema, location="query")
    @blp.response(200, MunicipalitySchema(many=True), headers=PAGINATION_HEADERS)
    @blp.conditional_read
    @blp.errors(406)
    @blp.doc(operationId="listMunicipalities")
    def get(self, args):
        """List municipalities"""
        return records.read_page(Municipality, args, MunicipalitySchema, lambda: filtered(args))

    @blp.requires("admin")
    @blp.arguments(MunicipalitySchema)
    @blp.response(201, MunicipalitySchema)
    @blp.errors(409)
    @blp.doc(operationId="createMunicipality")
    def post(self, data):
        """Add a municipality"""
        municipality = create(MUNICIPALITY, data)
        return writes.created(municipality, url_for("municipalities.MunicipalitiesByCodeViews", code=municipality.code))


@blp.route("/<code>")
class MunicipalitiesByCodeViews(MethodView):
    @blp.response(200, MunicipalitySchema)
    @blp.conditional_read
    @blp.errors(404)
    @blp.doc(operationId="getMunicipality")
    def get(self, code):
        """Get a municipality"""
        return records.read(partial(lookup, code), MunicipalitySchema)

    @blp.requires("admin")
    @blp.arguments(MunicipalitySchema)
    @blp.response(200, MunicipalitySchema)
    @blp.conditional_write
    @blp.errors(404)
    @blp.doc(operationId="replaceMunicipality")
    def put(self, data, code):
        """Replace a municipality"""
        municipality = _get(code)
        writes.check_writable(municipality)
        return writes.updated(update(municipality, data))

    @blp.requires("admin")
    @blp.arguments(MunicipalitySchema(partial=True), content_type="application/merge-patch+json")
    @blp.response(200, MunicipalitySchema)
    @blp.conditional_write
    @blp.errors(404)
    @blp.doc(operationId="updateMunicipality")
    def patch(self, _patch, code):
        """Update a municipality (JSON merge patch)"""
        municipality = _get(code)
        writes.check_writable(municipality)
        return writes.updated(update(municipality, writes.load_merged(MunicipalitySchema, municipality)))
