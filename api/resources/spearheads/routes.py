"""Spearheads: /api/v1/spearheads and /api/v1/spearheads/{id-or-slug}."""

from functools import partial

from flask import url_for
from flask.views import MethodView
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from api import search
from api.extensions import db
from api.i18n import lazy_gettext
from api.models import Company, Event, Site, Spearhead
from api.models.associations import spearhead_municipalities
from api.pagination import PAGINATION_HEADERS, PageArgsSchema, SortKey
from api.records import SPEARHEAD, create, delete, update
from api.resources import maps, records, writes
from api.resources.actions import routes as actions
from api.resources.actions.schemas import ActionSchema, SpearheadActionsArgsSchema
from api.resources.companies import routes as companies
from api.resources.companies.schemas import CompanySchema
from api.resources.events import routes as events
from api.resources.events.schemas import EventSchema
from api.resources.history import AuditEntrySchema, read_history
from api.resources.sites import routes as sites
from api.resources.sites.schemas import SiteSchema, SpearheadSitesArgsSchema
from api.resources.spearheads import identity
from api.resources.spearheads.schemas import (
    SpearheadCompaniesArgsSchema,
    SpearheadEventsArgsSchema,
    SpearheadQueryArgsSchema,
    SpearheadSchema,
)
from api.smorest import Blueprint

blp = Blueprint(
    "spearheads",
    __name__,
    url_prefix="/api/v1/spearheads",
    description="The region's strategy spearheads (keihäänkärjet) promoted on the platform.",
)
SORT_COLUMNS = {
    "priority": Spearhead.priority,
    "slug": Spearhead.slug,
    "created_at": Spearhead.created_at,
    "updated_at": Spearhead.updated_at,
}


def lookup(id_or_slug: str):
    query = identity.seen(id_or_slug).options(selectinload(Spearhead.municipalities), selectinload(Spearhead.actions))
    return query, lazy_gettext("No spearhead has the id or slug %(id)s.", id=id_or_slug)


def get_spearhead(id_or_slug: str) -> Spearhead:
    return records.get_or_404(*lookup(id_or_slug))


def filtered(args: dict):
    sort_columns, default_sort, found = SORT_COLUMNS, [SortKey("priority", False)], None
    if "q" in args:
        found = search.matches("spearhead", args["q"], db.engine.dialect.name)
        sort_columns, default_sort = {**SORT_COLUMNS, "relevance": search.relevance(found)}, [SortKey("relevance", False)]
    query = records.list_query(Spearhead, args, sort_columns, default_sort)
    query = query.options(selectinload(Spearhead.municipalities), selectinload(Spearhead.actions))
    if found is not None:
        query = query.join(found, found.c.record_id == Spearhead.id)
    if "municipality" in args:
        linked = select(spearhead_municipalities.c.spearhead_id).where(
            spearhead_municipalities.c.municipality_code.in_(args["municipality"])
        )
        query = query.where(Spearhead.id.in_(linked))
    if "status" in args:
        query = query.where(Spearhead.status.in_(args["status"]))
    return query


@blp.route("")
class SpearheadsViews(MethodView):
    @blp.arguments(SpearheadQueryArgsSchema, location="query")
    @blp.response(200, SpearheadSchema(many=True), headers=PAGINATION_HEADERS)
    @blp.conditional_read
    @blp.errors(406)
    @blp.doc(operationId="listSpearheads")
    def get(self, args):
        """List spearheads"""
        return records.read_page(Spearhead, args, SpearheadSchema, lambda: filtered(args))

    @blp.requires("admin")
    @blp.arguments(SpearheadSchema)
    @blp.response(201, SpearheadSchema)
    @blp.errors(409)
    @blp.doc(operationId="createSpearhead")
    def post(self, data):
        """Add a spearhead"""
        spearhead = create(SPEARHEAD, data)
        return writes.created(spearhead, url_for("spearheads.SpearheadsByIdViews", id_or_slug=spearhead.id))


@blp.route("/<id_or_slug>")
class SpearheadsByIdViews(MethodView):
    @blp.response(200, SpearheadSchema)
    @blp.conditional_read
    @blp.errors(404)
    @blp.doc(operationId="getSpearhead")
    def get(self, id_or_slug):
        """Get a spearhead by id or slug"""
        return records.read(partial(lookup, id_or_slug), SpearheadSchema)

    @blp.requires("admin")
    @blp.arguments(SpearheadSchema)
    @blp.response(200, SpearheadSchema)
    @blp.conditional_write
    @blp.errors(404, 409)
    @blp.doc(operationId="replaceSpearhead")
    def put(self, data, id_or_slug):
        """Replace a spearhead"""
        spearhead = get_spearhead(id_or_slug)
        writes.check_writable(spearhead)
        return writes.updated(update(spearhead, data))

    @blp.requires("admin")
    @blp.arguments(SpearheadSchema(partial=True), content_type="application/merge-patch+json")
    @blp.response(200, SpearheadSchema)
    @blp.conditional_write
    @blp.errors(404, 409)
    @blp.doc(operationId="updateSpearhead")
    def patch(self, _patch, id_or_slug):
        """Update a spearhead (JSON merge patch)"""
        spearhead = get_spearhead(id_or_slug)
        writes.check_writable(spearhead)
        return writes.updated(update(spearhead, writes.load_merged(SpearheadSchema, spearhead)))

    @blp.requires("admin")
    @blp.response(204)
    @blp.conditional_write
    @blp.errors(404)
    @blp.doc(operationId="deleteSpearhead")
    def delete(self, id_or_slug):
        """Delete a spearhead (soft: it leaves reads, a tombstone stays for sync)

        Companies and events that name it lose the link in the same transaction, each as a write of
        its own (a new updated_at, version and ETag, and a history entry), so sync clients see them change.
        Its strategy actions, which exist only under it, are deleted with it, each as a write of its own.
        """
        spearhead = get_spearhead(id_or_slug)
        writes.check_writable(spearhead)
        delete(spearhead)


@blp.route("/<id_or_slug>/companies")
class SpearheadCompaniesViews(MethodView):
    @blp.arguments(SpearheadCompaniesArgsSchema, location="query")
    @blp.response(200, CompanySchema(many=True), headers=PAGINATION_HEADERS)
    @blp.alt_response(200, **companies.GEOJSON_RESPONSE)
    @blp.conditional_read
    @blp.errors(404, 406)
    @blp.doc(operationId="listSpearheadCompanies")
    def get(self, args, id_or_slug):
        """List the companies of a spearhead (the company list's filters apply)"""
        spearhead = get_spearhead(id_or_slug)
        return maps.list_answer(Company, CompanySchema, args, lambda: companies.filtered({**args, "spearhead": [spearhead.id]}))


@blp.route("/<id_or_slug>/events")
class SpearheadEventsViews(MethodView):
    @blp.arguments(SpearheadEventsArgsSchema, location="query")
    @blp.response(200, EventSchema(many=True), headers=PAGINATION_HEADERS)
    @blp.conditional_read
    @blp.errors(404, 406)
    @blp.doc(operationId="listSpearheadEvents")
    def get(self, args, id_or_slug):
        """List the events of a spearhead (the event list's filters apply)"""
        spearhead = get_spearhead(id_or_slug)
        return records.read_page(
            Event, args, EventSchema, lambda: events.filtered({**args, "spearhead": [spearhead.id]}), uses_clock=events.uses_clock(args)
        )


@blp.route("/<id_or_slug>/sites")
class SpearheadSitesViews(MethodView):
    @blp.arguments(SpearheadSitesArgsSchema, location="query")
    @blp.response(200, SiteSchema(many=True), headers=PAGINATION_HEADERS)
    @blp.alt_response(200, **sites.GEOJSON_RESPONSE)
    @blp.conditional_read
    @blp.errors(404, 406)
    @blp.doc(operationId="listSpearheadSites")
    def get(self, args, id_or_slug):
        """List the sites of a spearhead (the site list's filters apply)"""
        spearhead = get_spearhead(id_or_slug)
        return maps.list_answer(Site, SiteSchema, args, lambda: sites.filtered({**args, "spearhead": [spearhead.id]}))


@blp.route("/<id_or_slug>/actions")
class SpearheadActionsViews(MethodView):
    @blp.arguments(SpearheadActionsArgsSchema, location="query")
    @blp.response(200, ActionSchema(many=True), headers=PAGINATION_HEADERS)
    @blp.conditional_read
    @blp.errors(404, 406)
    @blp.doc(operationId="listSpearheadActions")
    def get(self, args, id_or_slug):
        """List the strategy actions of a spearhead (the action list's filters and order apply)"""
        spearhead = get_spearhead(id_or_slug)
        return actions.list_answer(args, lambda: actions.filtered({**args, "spearhead": [spearhead.id]}))


@blp.route("/<id_or_slug>/history")
class SpearheadHistoryViews(MethodView):
    @blp.requires("editor")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, AuditEntrySchema(many=True), headers=PAGINATION_HEADERS)
    @blp.conditional_read
    @blp.errors(404)
    @blp.doc(operationId="listSpearheadHistory")
    def get(self, args, id_or_slug):
        """List the changes of a spearhead, newest first"""
        return read_history(Spearhead, identity.named(id_or_slug), lazy_gettext("No spearhead has the id or slug %(id)s.", id=id_or_slug), args)
