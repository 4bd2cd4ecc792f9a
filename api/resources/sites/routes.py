"""Sites: /api/v1/sites and /api/v1/sites/{id}."""

from functools import partial

from flask import url_for
from flask.views import MethodView
from sqlalchemy import ColumnElement, and_, case, func, or_, select, true

from api import search
from api.extensions import db
from api.formats import jsonld
from api.i18n import lazy_gettext
from api.models import Municipality, Site, Spearhead
from api.models.associations import site_spearheads
from api.negotiation import preferred, vary_on_accept
from api.pagination import PAGINATION_HEADERS, PageArgsSchema, SortKey
from api.records import SITE, check_scope, create, delete, update, verify
from api.resources import facets, maps, records, writes
from api.resources.history import AuditEntrySchema, read_history
from api.resources.sites.schemas import SiteFacetsArgsSchema, SiteFacetsSchema, SiteQueryArgsSchema, SiteSchema
from api.smorest import Blueprint

blp = Blueprint("sites", __name__, url_prefix="/api/v1/sites", description="Business premises and plots on offer in the region.")
# Premises are measured by floor area, plots by plot area (the contract's min_area_m2 / max_area_m2).
AREA = case((Site.kind == "premises", Site.floor_area_m2), else_=Site.plot_area_m2)
SORT_COLUMNS = {
    "title": Site.__table__.c.title_fi,
    "municipality": Site.municipality,
    "floor_area_m2": Site.floor_area_m2,
    "plot_area_m2": Site.plot_area_m2,
    "price": Site.price_amount,
    "available_from": Site.available_from,
    "created_at": Site.created_at,
    "updated_at": Site.updated_at,
}
GEOJSON_RESPONSE = maps.geojson_response("Site", "site", {
    "id": "3d2f7c1e-5b4a-4c8e-9f10-2a6b7c8d9e01", "kind": "plot", "title": {"fi": "Teollisuustontti Kiertotie 4"},
    "municipality": "226", "offer": "sale",
})
# The arguments that select by time alone; any other is a content filter.
LIST_ARGUMENTS = {"page", "page_size", "sort", "updated_since", "include_deleted"}


def lookup(site_id: str):
    return records.live(Site, Site.id == site_id), lazy_gettext("No site has the id %(id)s.", id=site_id)


def get_site(site_id: str) -> Site:
    return records.get_or_404(*lookup(site_id))


def _elements(column):
    """The items of a JSON array column as a table of `value`s."""
    function = func.jsonb_array_elements_text if db.engine.dialect.name == "postgresql" else func.json_each
    return function(column).table_valued("value")


def holds_any(column, values: list[str]) -> ColumnElement[bool]:
    each = _elements(column)
    return select(1).select_from(each).where(each.c.value.in_(values)).exists()


def holds_all(column, values: list[str]) -> ColumnElement[bool]:
    return and_(*(holds_any(column, [value]) for value in values))


def in_spearhead(ids_or_slugs: list[str]) -> ColumnElement[bool]:
    linked = (
        select(site_spearheads.c.site_id)
        .join(Spearhead, Spearhead.id == site_spearheads.c.spearhead_id)
        .where(or_(Spearhead.id.in_(ids_or_slugs), Spearhead.slug.in_(ids_or_slugs)))
    )
    return Site.id.in_(linked)


def offered(offers: list[str]) -> ColumnElement[bool]:
    """`sale` and `rent` each also match a site offered for either."""
    return Site.offer.in_(set(offers) | ({"sale_or_rent"} if {"sale", "rent"} & set(offers) else set()))


def filtered(args: dict):
    """The site list's query under the request's filters: the one place they are applied.

    A content filter never selects a tombstone, so a deleted site's text and place cannot be probed.
    """
    sort_columns = dict(SORT_COLUMNS)
    if (distance := maps.distance_column(Site, args)) is not None:
        sort_columns["distance_km"] = distance
    found = search.matches("site", args["q"], db.engine.dialect.name, args.get("municipality")) if "q" in args else None
    if found is not None:
        sort_columns["relevance"] = search.relevance(found)
    default_sort = [SortKey("relevance" if found is not None else "updated_at", found is None)]
    query = records.list_query(Site, args, sort_columns, default_sort)
    if set(args) - LIST_ARGUMENTS:
        query = query.where(Site.deleted_at.is_(None))
    if found is not None:
        query = query.join(found, found.c.record_id == Site.id)
    for name in ("municipality", "kind", "availability", "zoning", "status"):
        if name in args:
            query = query.where(getattr(Site, name).in_(args[name]))
    if "offer" in args:
        query = query.where(offered(args["offer"]))
    if "use" in args:
        query = query.where(holds_any(Site.uses, args["use"]))
    if "connection" in args:
        query = query.where(holds_all(Site.connections, args["connection"]))
    if "spearhead" in args:
        query = query.where(in_spearhead(args["spearhead"]))
    if "min_area_m2" in args:
        query = query.where(AREA >= args["min_area_m2"])
    if "max_area_m2" in args:
        query = query.where(AREA <= args["max_area_m2"])
    if "max_price" in args:
        query = query.where(Site.price_unit == args["price_unit"], Site.price_amount <= args["max_price"])
    return maps.located(query, Site, args)


def _uses(matching) -> dict:
    each = _elements(Site.uses)
    query = matching.order_by(None).join(each, true()).with_only_columns(each.c.value, func.count(Site.id)).group_by(each.c.value)
    return dict(db.session.execute(query).all())


FACETS = {
    "municipality": facets.grouped(Site.municipality, Site.id),
    "kind": facets.grouped(Site.kind, Site.id),
    "use": _uses,
    "availability": facets.grouped(Site.availability, Site.id),
}


@blp.route("")
class SitesViews(MethodView):
    @blp.arguments(SiteQueryArgsSchema, location="query")
    @blp.response(200, SiteSchema(many=True), headers=PAGINATION_HEADERS)
    @blp.alt_response(200, **GEOJSON_RESPONSE)
    @blp.conditional_read
    @blp.errors(406)
    @blp.doc(operationId="listSites")
    def get(self, args):
        """List sites (JSON, or GeoJSON with Accept: application/geo+json)"""
        return maps.list_answer(Site, SiteSchema, args, lambda: filtered(args))

    @blp.requires("editor")
    @blp.arguments(SiteSchema)
    @blp.response(201, SiteSchema)
    @blp.doc(operationId="createSite")
    def post(self, data):
        """Add a site (editors of its municipality, admins)"""
        site = create(SITE, data)
        return writes.created(site, url_for("sites.SitesByIdViews", site_id=site.id))


@blp.route("/facets")
class SiteFacetsViews(MethodView):
    @blp.arguments(SiteFacetsArgsSchema, location="query")
    @blp.response(200, SiteFacetsSchema)
    @blp.conditional_read
    @blp.doc(operationId="getSiteFacets")
    def get(self, args):
        """Count the matching sites per municipality, kind, use and availability"""
        return facets.answer(Site, FACETS, filtered, args)


@blp.route("/<site_id>")
class SitesByIdViews(MethodView):
    @blp.response(200, SiteSchema)
    @blp.alt_response(200, success=True, content_type=jsonld.MEDIA_TYPE, **jsonld.SITE_RESPONSE)
    @blp.conditional_read
    @blp.errors(404, 406)
    @blp.doc(operationId="getSite")
    def get(self, site_id):
        """Get a site (schema.org JSON-LD with Accept: application/ld+json)"""
        if preferred("application/json", jsonld.MEDIA_TYPE) == jsonld.MEDIA_TYPE:
            return vary_on_accept(records.read(partial(lookup, site_id), SiteSchema, render=_jsonld, media_type=jsonld.MEDIA_TYPE))
        return vary_on_accept(records.read(partial(lookup, site_id), SiteSchema))

    @blp.requires("editor")
    @blp.arguments(SiteSchema)
    @blp.response(200, SiteSchema)
    @blp.conditional_write
    @blp.errors(404)
    @blp.doc(operationId="replaceSite")
    def put(self, data, site_id):
        """Replace a site"""
        site = get_site(site_id)
        writes.check_writable(site)
        return writes.updated(update(site, data))

    @blp.requires("editor")
    @blp.arguments(SiteSchema(partial=True), content_type="application/merge-patch+json")
    @blp.response(200, SiteSchema)
    @blp.conditional_write
    @blp.errors(404)
    @blp.doc(operationId="updateSite")
    def patch(self, _patch, site_id):
        """Update a site (JSON merge patch)"""
        site = get_site(site_id)
        writes.check_writable(site)
        return writes.updated(update(site, writes.load_merged(SiteSchema, site)))

    @blp.requires("editor")
    @blp.response(204)
    @blp.conditional_write
    @blp.errors(404)
    @blp.doc(operationId="deleteSite")
    def delete(self, site_id):
        """Delete a site (soft: it leaves reads, a tombstone stays for sync)"""
        site = get_site(site_id)
        writes.check_writable(site)
        delete(site)


@blp.route("/<site_id>/verify")
class SiteVerifyViews(MethodView):
    # A verification takes no body; clients that always send JSON may send one, which is ignored.
    body_media_types = frozenset({"", "application/json"})

    @blp.requires("editor")
    @blp.response(200, SiteSchema)
    @blp.errors(404)
    @blp.doc(operationId="verifySite")
    def post(self, site_id):
        """Mark a site as checked and still true (sets last_verified_at only; no If-Match needed)"""
        site = get_site(site_id)
        check_scope(site)
        return writes.updated(verify(site))


def _jsonld(site: Site) -> bytes:
    url = jsonld.public_url("sites.SitesByIdViews", site_id=site.id)
    return jsonld.dumps(jsonld.site(site, url, db.session.get(Municipality, site.municipality)))


@blp.route("/<site_id>/history")
class SiteHistoryViews(MethodView):
    @blp.requires("editor")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, AuditEntrySchema(many=True), headers=PAGINATION_HEADERS)
    @blp.conditional_read
    @blp.errors(404)
    @blp.doc(operationId="listSiteHistory")
    def get(self, args, site_id):
        """List the changes of a site, newest first"""
        return read_history(Site, Site.id == site_id, lazy_gettext("No site has the id %(id)s.", id=site_id), args)
