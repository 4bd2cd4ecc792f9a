"""Strategy actions' deadlines as iCalendar: /api/v1/actions.ics, so a municipality's calendar shows them."""

from flask.views import MethodView

from api.extensions import db
from api.formats import ical
from api.models import Action
from api.negotiation import preferred
from api.resources import records
from api.resources.actions import routes as actions
from api.resources.actions.schemas import ActionCalendarArgsSchema
from api.resources.events.calendar import CALENDAR, LANG, named
from api.smorest import Blueprint

blp = Blueprint(
    "action_calendars",
    __name__,
    url_prefix="/api/v1",
    description="Strategy actions' deadlines as iCalendar (RFC 5545) to subscribe to.",
)
EXAMPLE = (
    "BEGIN:VCALENDAR\r\nPRODID:" + ical.PRODID + "\r\nVERSION:2.0\r\n…\r\nBEGIN:VTODO\r\n"
    "SUMMARY:Esimerkki: puurakentamisen hankintarengas\r\nDTSTART;VALUE=DATE:20260901\r\nDUE;VALUE=DATE:20270430\r\n"
    "DTSTAMP:20261128T101500Z\r\nUID:00000000-0000-4000-8000-a07100000005\r\nSEQUENCE:0\r\nSTATUS:IN-PROCESS\r\n…\r\n"
    "END:VTODO\r\nEND:VCALENDAR\r\n"
)


class CalendarArgsSchema(ActionCalendarArgsSchema):
    lang = LANG


@blp.route("/actions.ics")
class ActionsCalendarViews(MethodView):
    @blp.arguments(CalendarArgsSchema, location="query")
    @blp.response(200, CALENDAR, content_type=ical.MEDIA_TYPE, example=EXAMPLE)
    @blp.conditional_read
    @blp.errors(406)
    @blp.doc(operationId="getActionsCalendar")
    def get(self, args):
        """The deadlines of published actions as all-day to-dos (VTODO with DUE; the list's filters apply)

        Each item keeps its UID (the action's id); SEQUENCE follows the action's version and STATUS its stage.
        """
        preferred(ical.MEDIA_TYPE)
        lang = args.pop("lang")

        def build(_stamps):
            query = actions.filtered({**args, "include_deleted": False}).where(Action.status == "published", Action.due_on.is_not(None))
            found = db.session.scalars(query).all()
            return ical.calendar(found, lang, ical.LABELS[lang]["actions"], component=ical.vtodo), {}

        answer = records.read_derived(Action, build, ical.MEDIA_TYPE, uses_clock=actions.uses_clock(args))
        return named(answer, "actions.ics")
