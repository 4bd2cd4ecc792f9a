"""Companies: /api/v1/companies and /api/v1/companies/{id}."""

from collections import Counter
from functools import partial

from flask import url_for
from flask.views import MethodView
from sqlalchemy import ColumnElement, Text, cast, func, literal_column, or_, select
from sqlalchemy.dialects.postgresql import JSONB

from api import search
from api.domain.industry import divisions, industry
from api.domain.tags import SQLITE_FUNCTION as FOLD_TAG
from api.domain.tags import fold_tag
from api.extensions import db
from api.formats import geojson, jsonld
from api.i18n import lazy_gettext
from api.models import Company, Municipality, Spearhead
from api.models.associations import company_spearheads
from api.negotiation import preferred, vary_on_accept
from api.pagination import PAGINATION_HEADERS, PageArgsSchema, SortKey
from api.records import COMPANY, check_scope, create, delete, update, verify
from api.resources import facets, maps, records, writes
from api.resources.companies.schemas import (
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
    return records.live(Company, Company.id == company_id), lazy_gettext("No company has the id %(id)s.", id=company_id)


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


def filtered(args: dict):
    """The company list's query under the request's filters: the one place they are applied."""
    sort_columns = dict(SORT_COLUMNS)
    if (distance := maps.distance_column(Company, args)) is not None:
        sort_columns["distance_km"] = distance
    found = search.matches("company", args["q"], db.engine.dialect.name, args.get("municipality")) if "q" in args else None
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
    return maps.located(query, Company, args)


def _sections(matching) -> dict[str, int]:
    sections: Counter = Counter()
    for code, number in facets.grouped(func.substr(Company.industry_code, 1, 2), Company.id)(matching).items():
        sections[industry(code).section] += number
    return dict(sorted(sections.items()))


def _spearheads(matching) -> dict[str, int]:
    # Each (company, spearhead) link appears once, so joining the links counts every company once per slug.
    linked = records.visible(
        matching.join(company_spearheads, company_spearheads.c.company_id == Company.id).join(
            Spearhead, Spearhead.id == company_spearheads.c.spearhead_id
        ),
        Spearhead,
    ).where(Spearhead.deleted_at.is_(None))
    return facets.grouped(Spearhead.slug, Company.id)(linked)


FACETS = {
    "municipality": facets.grouped(Company.municipality, Company.id),
    "industry_section": _sections,
    "spearhead": _spearheads,
    "size_class": facets.grouped(Company.size_class, Company.id),
}
GEOJSON_RESPONSE = maps.geojson_response("Company", "company", geojson.COMPANY_EXAMPLE)


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
        return maps.list_answer(Company, CompanySchema, args, lambda: filtered(args))

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
        return facets.answer(Company, FACETS, filtered, args)


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
            return vary_on_accept(records.read(partial(lookup, company_id), CompanySchema, render=_jsonld, media_type=jsonld.MEDIA_TYPE))
        return vary_on_accept(records.read(partial(lookup, company_id), CompanySchema))

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


@blp.route("/<company_id>/verify")
class CompanyVerifyViews(MethodView):
    # A verification takes no body; clients that always send JSON may send one, which is ignored.
    body_media_types = frozenset({"", "application/json"})

    @blp.requires("editor")
    @blp.response(200, CompanySchema)
    @blp.errors(404)
    @blp.doc(operationId="verifyCompany")
    def post(self, company_id):
        """Mark a company as checked and still true (sets last_verified_at only; no If-Match needed)"""
        company = get_company(company_id)
        check_scope(company)
        return writes.updated(verify(company))


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
        return read_history(Company, Company.id == company_id, lazy_gettext("No company has the id %(id)s.", id=company_id), args)
