"""Companies: /api/v1/companies and /api/v1/companies/{id}."""

from flask import g, url_for
from flask.views import MethodView
from sqlalchemy import ColumnElement, Text, cast, func, literal_column, or_, select
from sqlalchemy.dialects.postgresql import JSONB

from api import geo, search
from api.domain.industry import divisions
from api.domain.tags import SQLITE_FUNCTION as FOLD_TAG
from api.domain.tags import fold_tag
from api.extensions import db
from api.formats import geojson, jsonld
from api.models import Company, Municipality
from api.models.associations import company_spearheads
from api.negotiation import preferred, vary_on_accept
from api.pagination import PAGINATION_HEADERS, PageArgsSchema, SortKey
from api.records import COMPANY, create, delete, update
from api.resources import records, writes
from api.resources.companies import facets
from api.resources.companies.schemas import (
    DEFAULT_RADIUS_KM,
    CompanyFacetsArgsSchema,
    CompanyFacetsSchema,
    CompanyQueryArgsSchema,
    CompanySchema,
)
from api.resources.history import AuditEntrySchema, read_history
from api.resources.spearheads import identity as spearheads
from api.smorest import Blueprint

blp = Blueprint("companies", __name__, url_prefix="/api/v1/companies", description="Companies of the region.")
SORT_COLUMNS = {
    "name": Company.name,
    "business_id": Company.business_id,
    "municipality": Company.municipality,
    "founded_year": Company.founded_year,
    "created_at": Company.created_at,
    "updated_at": Company.updated_at,
}


def lookup(company_id: str):
    return records.live(Company, Company.id == company_id), f"No company has the id {company_id}."


def get_company(company_id: str) -> Company:
    return records.get_or_404(*lookup(company_id))


def has_tag(tag: str) -> ColumnElement[bool]:
    """The company has the tag, whatever its case and Unicode composition (see api.domain.tags)."""
    folded = fold_tag(tag)
    if db.engine.dialect.name == "postgresql":
        # The expression of the ix_companies_tags_folded index (migration folded_tags).
        folded_tags = cast(func.lower(func.normalize(cast(Company.tags, Text), literal_column("NFC"))), JSONB)
        return folded_tags.op("?")(folded)
    each = func.json_each(Company.tags).table_valued("value")
    return select(1).select_from(each).where(getattr(func, FOLD_TAG)(each.c.value) == folded).exists()


def in_spearhead(ids_or_slugs: list[str]) -> ColumnElement[bool]:
    linked = select(company_spearheads.c.company_id).where(company_spearheads.c.spearhead_id.in_(spearheads.seen_ids(*ids_or_slugs)))
    return Company.id.in_(linked)


def industry_prefix(prefix: str) -> ColumnElement[bool]:
    """`16` matches 16, 161, 16100…: a range over the digit-only codes, so the index serves it."""
    return Company.industry_code.between(prefix, prefix + "9" * (5 - len(prefix)))


def in_industry_section(letters: list[str]) -> ColumnElement[bool]:
    return or_(*(industry_prefix(division) for letter in letters for division in divisions(letter)))


def origin_and_radius(args: dict) -> tuple[geo.Point, float] | None:
    return (args["near"], args.get("radius_km", DEFAULT_RADIUS_KM)) if "near" in args else None


def filtered(args: dict):
    """The company list's query under the request's filters: the one place they are applied."""
    dialect = db.engine.dialect.name
    sort_columns = dict(SORT_COLUMNS)
    near = origin_and_radius(args)
    if near:
        distance = geo.distance_sql(Company.latitude, Company.longitude, near[0], dialect)
        sort_columns["distance_km"] = distance
    found = search.matches("company", args["q"], dialect, args.get("municipality")) if "q" in args else None
    if found is not None:
        sort_columns["relevance"] = search.relevance(found)
    default_sort = [SortKey("relevance" if found is not None else "name", False)]
    query = records.list_query(Company, args, sort_columns, default_sort)
    if found is not None:
        query = query.join(found, found.c.record_id == Company.id)
    if "municipality" in args:
        query = query.where(Company.municipality.in_(args["municipality"]))
    if "industry" in args:
        query = query.where(or_(*(industry_prefix(prefix) for prefix in args["industry"])))
    if "industry_section" in args:
        query = query.where(in_industry_section(args["industry_section"]))
    if "spearhead" in args:
        query = query.where(in_spearhead(args["spearhead"]))
    if "tag" in args:
        query = query.where(or_(*(has_tag(tag) for tag in args["tag"])))
    for name in ("size_class", "business_id", "status"):
        if name in args:
            query = query.where(getattr(Company, name).in_(args[name]))
    for name in ("growth_seeking", "international"):
        if name in args:
            query = query.where(getattr(Company, name) == args[name])
    if "bbox" in args:
        query = query.where(geo.in_box(Company.latitude, Company.longitude, args["bbox"]))
    if near:
        origin, radius_km = near
        g.distance_origin = origin  # each answer's distance_km (see CompanySchema)
        query = query.where(geo.in_box(Company.latitude, Company.longitude, geo.around(origin, radius_km)), distance <= radius_km)
    return query


def list_answer(args: dict, query):
    """One page of `query()` as JSON, or as a GeoJSON FeatureCollection when the client asks for it."""
    if preferred("application/json", geojson.MEDIA_TYPE) == geojson.MEDIA_TYPE:
        return vary_on_accept(
            records.read_page(Company, args, CompanySchema, query, render=geojson.writer(CompanySchema), media_type=geojson.MEDIA_TYPE)
        )
    return vary_on_accept(records.read_page(Company, args, CompanySchema, query))


# The same page as GeoJSON, documented beside the JSON answer of status 200.
GEOJSON_RESPONSE = {
    "schema": geojson.feature_collection_schema("#/components/schemas/Company"),
    "content_type": geojson.MEDIA_TYPE,
    "description": "The page as a JSON array, or with `Accept: application/geo+json` as an RFC 7946 "
    "FeatureCollection (coordinates [lon, lat], Feature id = company id, the company's fields in properties; "
    "its own strong ETag).",
    "success": True,
}


@blp.route("")
class CompaniesViews(MethodView):
    @blp.arguments(CompanyQueryArgsSchema, location="query")
    @blp.response(200, CompanySchema(many=True), headers=PAGINATION_HEADERS)
    @blp.alt_response(200, **GEOJSON_RESPONSE)
    @blp.conditional_read
    @blp.errors(406)
    @blp.doc(operationId="listCompanies")
    def get(self, args):
        """List companies (JSON, or GeoJSON with Accept: application/geo+json)"""
        return list_answer(args, lambda: filtered(args))

    @blp.requires("editor")
    @blp.arguments(CompanySchema)
    @blp.response(201, CompanySchema)
    @blp.errors(409)
    @blp.doc(operationId="createCompany")
    def post(self, data):
        """Add a company"""
        company = create(COMPANY, data)
        return writes.created(company, url_for("companies.CompaniesByIdViews", company_id=company.id))


@blp.route("/facets")
class CompanyFacetsViews(MethodView):
    @blp.arguments(CompanyFacetsArgsSchema, location="query")
    @blp.response(200, CompanyFacetsSchema)
    @blp.conditional_read
    @blp.doc(operationId="getCompanyFacets")
    def get(self, args):
        """Count the matching companies per municipality, industry section, spearhead and size class"""
        return facets.answer(lambda facet_args: filtered({**facet_args, "include_deleted": False}), args)


@blp.route("/<company_id>")
class CompaniesByIdViews(MethodView):
    @blp.response(200, CompanySchema)
    @blp.alt_response(200, success=True, content_type=jsonld.MEDIA_TYPE, **jsonld.COMPANY_RESPONSE)
    @blp.conditional_read
    @blp.errors(404, 406)
    @blp.doc(operationId="getCompany")
    def get(self, company_id):
        """Get a company (schema.org JSON-LD with Accept: application/ld+json)"""
        if preferred("application/json", jsonld.MEDIA_TYPE) == jsonld.MEDIA_TYPE:
            return vary_on_accept(records.read(*lookup(company_id), CompanySchema, render=_jsonld, media_type=jsonld.MEDIA_TYPE))
        return vary_on_accept(records.read(*lookup(company_id), CompanySchema))

    @blp.requires("editor")
    @blp.arguments(CompanySchema)
    @blp.response(200, CompanySchema)
    @blp.conditional_write
    @blp.errors(404, 409)
    @blp.doc(operationId="replaceCompany")
    def put(self, data, company_id):
        """Replace a company"""
        company = get_company(company_id)
        writes.check_writable(company)
        return writes.updated(update(company, data))

    @blp.requires("editor")
    @blp.arguments(CompanySchema(partial=True), content_type="application/merge-patch+json")
    @blp.response(200, CompanySchema)
    @blp.conditional_write
    @blp.errors(404, 409)
    @blp.doc(operationId="updateCompany")
    def patch(self, _patch, company_id):
        """Update a company (JSON merge patch)"""
        company = get_company(company_id)
        writes.check_writable(company)
        return writes.updated(update(company, writes.load_merged(CompanySchema, company)))

    @blp.requires("editor")
    @blp.response(204)
    @blp.conditional_write
    @blp.errors(404)
    @blp.doc(operationId="deleteCompany")
    def delete(self, company_id):
        """Delete a company (soft: it leaves reads, a tombstone stays for sync)"""
        company = get_company(company_id)
        writes.check_writable(company)
        delete(company)


def _jsonld(company: Company) -> bytes:
    municipality = db.session.get(Municipality, company.municipality) if company.municipality else None
    url = jsonld.public_url("companies.CompaniesByIdViews", company_id=company.id)
    return jsonld.dumps(jsonld.company(company, url, municipality))


@blp.route("/<company_id>/history")
class CompanyHistoryViews(MethodView):
    @blp.requires("editor")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, AuditEntrySchema(many=True), headers=PAGINATION_HEADERS)
    @blp.conditional_read
    @blp.errors(404)
    @blp.doc(operationId="listCompanyHistory")
    def get(self, args, company_id):
        """List the changes of a company, newest first"""
        return read_history(Company, Company.id == company_id, f"No company has the id {company_id}.", args)
