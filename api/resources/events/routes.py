"""Events: /api/v1/events and /api/v1/events/{id}."""

from functools import partial

from flask import url_for
from flask.views import MethodView
from sqlalchemy import func, select

from api import search
from api.extensions import db
from api.formats import jsonld
from api.i18n import lazy_gettext
from api.models import Event
from api.models.associations import event_municipalities, event_spearheads
from api.negotiation import preferred, vary_on_accept
from api.pagination import PAGINATION_HEADERS, PageArgsSchema, SortKey
from api.records import EVENT, create, delete, update
from api.resources import records, writes
from api.resources.events.schemas import EventQueryArgsSchema, EventSchema
from api.resources.history import AuditEntrySchema, read_history
from api.resources.spearheads import identity as spearheads
from api.smorest import Blueprint

blp = Blueprint("events", __name__, url_prefix="/api/v1/events", description="Events such as strategy workshops; times in Europe/Helsinki.")
SORT_COLUMNS = {
    "start_time": Event.start_time,
    "end_time": Event.end_time,
    "registration_deadline": Event.registration_deadline,
    "created_at": Event.created_at,
    "updated_at": Event.updated_at,
}


def lookup(event_id: str):
    return records.live(Event, Event.id == event_id), lazy_gettext("No event has the id %(id)s.", id=event_id)


def get_event(event_id: str) -> Event:
    return records.get_or_404(*lookup(event_id))


def in_spearhead(ids_or_slugs: list[str]):
    linked = select(event_spearheads.c.event_id).where(event_spearheads.c.spearhead_id.in_(spearheads.seen_ids(*ids_or_slugs)))
    return Event.id.in_(linked)


def uses_clock(args: dict) -> bool:
    """`upcoming` and `registration_open` compare with the current time."""
    return args.get("upcoming") is not None or args.get("registration_open") is not None


def filtered(args: dict):
    # Soonest first even with q: an event list is read as a calendar.
    query = records.list_query(Event, args, SORT_COLUMNS, [SortKey("start_time", False)])
    if "q" in args:
        found = search.matches("event", args["q"], db.engine.dialect.name)
        query = query.join(found, found.c.record_id == Event.id)
    now = records.clock()
    if "start" in args:
        query = query.where(Event.end_time >= args["start"])
    if "end" in args:
        query = query.where(Event.start_time <= args["end"])
    if args.get("upcoming") is not None:
        query = query.where((Event.end_time > now) if args["upcoming"] else (Event.end_time <= now))
    if args.get("registration_open") is not None:
        closes = func.coalesce(Event.registration_deadline, Event.start_time)
        query = query.where((closes > now) if args["registration_open"] else (closes <= now))
    if "municipality" in args:
        query = query.where(
            Event.id.in_(
                select(event_municipalities.c.event_id).where(event_municipalities.c.municipality_code.in_(args["municipality"]))
            )
        )
    if "spearhead" in args:
        query = query.where(in_spearhead(args["spearhead"]))
    for name in ("event_status", "status"):
        if name in args:
            query = query.where(getattr(Event, name).in_(args[name]))
    if "is_online" in args:
        query = query.where(Event.is_online == args["is_online"])
    return query


@blp.route("")
class EventsViews(MethodView):
    @blp.arguments(EventQueryArgsSchema, location="query")
    @blp.response(200, EventSchema(many=True), headers=PAGINATION_HEADERS)
    @blp.conditional_read
    @blp.errors(406)
    @blp.doc(operationId="listEvents")
    def get(self, args):
        """List events (soonest first)"""
        return records.read_page(Event, args, EventSchema, lambda: filtered(args), uses_clock=uses_clock(args))

    @blp.requires("editor")
    @blp.arguments(EventSchema)
    @blp.response(201, EventSchema)
    @blp.doc(operationId="createEvent")
    def post(self, data):
        """Add an event"""
        event = create(EVENT, data)
        return writes.created(event, url_for("events.EventsByIdViews", event_id=event.id))


@blp.route("/<event_id>")
class EventsByIdViews(MethodView):
    @blp.response(200, EventSchema)
    @blp.alt_response(200, success=True, content_type=jsonld.MEDIA_TYPE, **jsonld.EVENT_RESPONSE)
    @blp.conditional_read
    @blp.errors(404, 406)
    @blp.doc(operationId="getEvent")
    def get(self, event_id):
        """Get an event (schema.org JSON-LD with Accept: application/ld+json)"""
        if preferred("application/json", jsonld.MEDIA_TYPE) == jsonld.MEDIA_TYPE:
            return vary_on_accept(records.read(partial(lookup, event_id), EventSchema, render=_jsonld, media_type=jsonld.MEDIA_TYPE))
        return vary_on_accept(records.read(partial(lookup, event_id), EventSchema))

    @blp.requires("editor")
    @blp.arguments(EventSchema)
    @blp.response(200, EventSchema)
    @blp.conditional_write
    @blp.errors(404)
    @blp.doc(operationId="replaceEvent")
    def put(self, data, event_id):
        """Replace an event"""
        event = get_event(event_id)
        writes.check_writable(event)
        return writes.updated(update(event, data))

    @blp.requires("editor")
    @blp.arguments(EventSchema(partial=True), content_type="application/merge-patch+json")
    @blp.response(200, EventSchema)
    @blp.conditional_write
    @blp.errors(404)
    @blp.doc(operationId="updateEvent")
    def patch(self, _patch, event_id):
        """Update an event (JSON merge patch)"""
        event = get_event(event_id)
        writes.check_writable(event)
        return writes.updated(update(event, writes.load_merged(EventSchema, event)))

    @blp.requires("editor")
    @blp.response(204)
    @blp.conditional_write
    @blp.errors(404)
    @blp.doc(operationId="deleteEvent")
    def delete(self, event_id):
        """Delete an event (soft: it leaves reads, a tombstone stays for sync)"""
        event = get_event(event_id)
        writes.check_writable(event)
        delete(event)


def _jsonld(event: Event) -> bytes:
    url = jsonld.public_url("events.EventsByIdViews", event_id=event.id)
    company_id = (event.organizer or {}).get("company_id")
    organizer = jsonld.public_url("companies.CompaniesByIdViews", company_id=company_id) if company_id else None
    return jsonld.dumps(jsonld.event(event, url, organizer))


@blp.route("/<event_id>/history")
class EventHistoryViews(MethodView):
    @blp.requires("editor")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, AuditEntrySchema(many=True), headers=PAGINATION_HEADERS)
    @blp.conditional_read
    @blp.errors(404)
    @blp.doc(operationId="listEventHistory")
    def get(self, args, event_id):
        """List the changes of an event, newest first"""
        return read_history(Event, Event.id == event_id, lazy_gettext("No event has the id %(id)s.", id=event_id), args)
