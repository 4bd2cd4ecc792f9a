"""Events as iCalendar: /api/v1/events.ics (a feed to subscribe to) and /api/v1/events/{id}.ics."""

from functools import partial

import marshmallow as ma
from flask.views import MethodView

from api.extensions import db
from api.formats import ical
from api.models import Event
from api.negotiation import preferred, vary_on_accept
from api.resources import records
from api.resources.events import routes as events
from api.resources.events.schemas import EventQueryArgsSchema, EventSchema
from api.smorest import Blueprint, Schema

blp = Blueprint(
    "event_calendars",
    __name__,
    url_prefix="/api/v1",
    description="Events as iCalendar (RFC 5545): subscribe a calendar to the feed, or add one event to it.",
)
LANG = ma.fields.String(
    load_default="fi",
    validate=ma.validate.OneOf(ical.LANGUAGES),
    metadata={"description": "Language of titles and descriptions; texts missing in it fall back to Finnish."},
)
CALENDAR = {"type": "string", "description": "An RFC 5545 VCALENDAR with the Europe/Helsinki VTIMEZONE."}
EXAMPLE = (
    "BEGIN:VCALENDAR\r\nPRODID:" + ical.PRODID + "\r\nVERSION:2.0\r\n…\r\nBEGIN:VEVENT\r\n"
    "SUMMARY:Sijoittumisstrategian työpaja\r\nDTSTART;TZID=Europe/Helsinki:20201208T090000\r\n"
    "DTEND;TZID=Europe/Helsinki:20201208T120000\r\nDTSTAMP:20201120T081500Z\r\n"
    "UID:5c1d3a52-7f0e-4b8e-9a51-2020120809a0\r\nSEQUENCE:0\r\nSTATUS:CONFIRMED\r\n…\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


class CalendarArgsSchema(EventQueryArgsSchema):
    class Meta(EventQueryArgsSchema.Meta):
        exclude = ("page", "page_size", "include_deleted", "sort")

    lang = LANG


class EventCalendarArgsSchema(Schema):
    lang = LANG


def named(response, filename: str):
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return vary_on_accept(response)


@blp.route("/events.ics")
class EventsCalendarViews(MethodView):
    @blp.arguments(CalendarArgsSchema, location="query")
    @blp.response(200, CALENDAR, content_type=ical.MEDIA_TYPE, example=EXAMPLE)
    @blp.conditional_read
    @blp.errors(406)
    @blp.doc(operationId="getEventsCalendar")
    def get(self, args):
        """Events as an iCalendar feed (the list's filters; past events too unless a filter narrows it)"""
        preferred(ical.MEDIA_TYPE)
        lang = args.pop("lang")

        def build(_stamps):
            found = db.session.scalars(events.filtered({**args, "include_deleted": False})).all()
            return ical.calendar(found, lang), {}

        return named(records.read_derived(Event, build, ical.MEDIA_TYPE, uses_clock=events.uses_clock(args)), "events.ics")


@blp.route("/events/<event_id>.ics")
class EventCalendarViews(MethodView):
    @blp.arguments(EventCalendarArgsSchema, location="query")
    @blp.response(200, CALENDAR, content_type=ical.MEDIA_TYPE, example=EXAMPLE)
    @blp.conditional_read
    @blp.errors(404, 406)
    @blp.doc(operationId="getEventCalendar")
    def get(self, args, event_id):
        """One event as iCalendar (for "add to calendar")"""
        preferred(ical.MEDIA_TYPE)
        answer = records.read(
            partial(events.lookup, event_id), EventSchema, render=lambda event: ical.calendar([event], args["lang"]), media_type=ical.MEDIA_TYPE
        )
        return named(answer, f"{event_id}.ics")
