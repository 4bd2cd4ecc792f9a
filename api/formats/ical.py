"""Events and strategy actions' deadlines as iCalendar (RFC 5545), built with the icalendar library, times in Europe/Helsinki."""

from datetime import timedelta

from icalendar import Calendar, Timezone, Todo, vCalAddress
from icalendar import Event as VEvent

from api.domain.event_time import HELSINKI, to_helsinki
from api.models import Action, Event

MEDIA_TYPE = "text/calendar"
LANGUAGES = ("fi", "sv", "en")
PRODID = "-//Saarijarvi-Viitasaari business directory//Events API//FI"
# Subscribed calendars poll the feed about this often (RFC 7986 REFRESH-INTERVAL).
REFRESH_INTERVAL = timedelta(hours=1)

STATUSES = {"scheduled": "CONFIRMED", "postponed": "TENTATIVE", "cancelled": "CANCELLED"}
# An action's stage as a to-do's STATUS.
TODO_STATUSES = {
    "proposed": "NEEDS-ACTION", "approved": "NEEDS-ACTION", "in_progress": "IN-PROCESS", "done": "COMPLETED", "dropped": "CANCELLED",
}
LABELS = {
    "fi": {"registration": "Ilmoittautuminen", "deadline": "Ilmoittautuminen päättyy", "online": "Verkossa",
           "calendar": "Tapahtumat", "actions": "Strategian toimenpiteet", "progress": "Tilanne"},
    "sv": {"registration": "Anmälan", "deadline": "Anmälan senast", "online": "På nätet", "calendar": "Evenemang",
           "actions": "Strategins åtgärder", "progress": "Läget"},
    "en": {"registration": "Registration", "deadline": "Registration closes", "online": "Online", "calendar": "Events",
           "actions": "Strategy actions", "progress": "Progress"},
}


def _text(localized, lang: str) -> str | None:
    """The text in the asked language, falling back to Finnish (the required language)."""
    texts = localized.to_dict() if localized is not None else None
    if not texts:
        return None
    return texts.get(lang) or texts.get("fi") or next(iter(texts.values()))


def _description(event: Event, lang: str) -> str | None:
    labels = LABELS[lang]
    parts = [_text(event.description, lang)]
    if event.registration_url:
        parts.append(f"{labels['registration']}: {event.registration_url}")
    if event.registration_deadline:
        parts.append(f"{labels['deadline']}: {to_helsinki(event.registration_deadline):%d.%m.%Y %H:%M}")
    text = "\n\n".join(part for part in parts if part)
    return text or None


def _location(event: Event, lang: str) -> str | None:
    places = [event.location_name, event.street_address]
    places += [_text(municipality.name, lang) for municipality in event.municipalities if not event.location_name]
    if event.is_online and not event.location_name:
        places.insert(0, LABELS[lang]["online"])
    text = ", ".join(place for place in places if place)
    return text or None


def vevent(event: Event, lang: str) -> VEvent:
    """One VEVENT that a subscribed calendar can update in place.

    UID is the event's id, so it never changes; SEQUENCE follows the record's version and
    DTSTAMP / LAST-MODIFIED its `updated_at`, so a calendar sees every revision as newer.
    """
    component = VEvent.new(
        uid=event.id,
        summary=_text(event.title, lang),
        description=_description(event, lang),
        start=to_helsinki(event.start_time),
        end=to_helsinki(event.end_time),
        stamp=event.updated_at,
        created=event.created_at,
        last_modified=event.updated_at,
        sequence=event.version - 1,
        status=STATUSES[event.event_status],
        location=_location(event, lang),
        url=event.registration_url,
        categories=[name for group in event.target_groups if (name := group.get(lang) or group.get("fi"))],
    )
    organizer = event.organizer or {}
    contact = event.contact or {}
    if contact.get("email"):
        address = vCalAddress(f"mailto:{contact['email']}")
        address.params["CN"] = organizer.get("name") or contact["name"]
        component.add("organizer", address)
    if contact.get("name"):
        details = [contact["name"], contact.get("title"), contact.get("phone"), contact.get("email")]
        component.add("contact", ", ".join(detail for detail in details if detail))
    return component


def vtodo(action: Action, lang: str) -> Todo:
    """An action's deadline as an all-day to-do (DUE a date), updated in place like an event's VEVENT.

    UID is the action's id; SEQUENCE follows its version and STATUS its stage.
    """
    parts = [_text(action.description, lang)]
    if note := _text(action.progress_note, lang):
        parts.append(f"{LABELS[lang]['progress']}: {note}")
    component = Todo.new(
        uid=action.id,
        summary=_text(action.title, lang),
        description="\n\n".join(part for part in parts if part) or None,
        stamp=action.updated_at,
        created=action.created_at,
        last_modified=action.updated_at,
        sequence=action.version - 1,
        status=TODO_STATUSES[action.stage],
    )
    if action.starts_on:
        component.add("dtstart", action.starts_on)
    component.add("due", action.due_on)
    if action.stage == "done":
        component.add("percent-complete", 100)
    return component


def calendar(events, lang: str, name: str | None = None, component=vevent) -> bytes:
    """A VCALENDAR of the events (or, with `component=vtodo`, actions) and the Europe/Helsinki VTIMEZONE their times refer to."""
    document = Calendar()
    document.add("prodid", PRODID)
    document.add("version", "2.0")
    document.add("calscale", "GREGORIAN")
    document.add("name", name or LABELS[lang]["calendar"])
    document.add("x-wr-calname", name or LABELS[lang]["calendar"])
    document.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    document.add("x-published-ttl", REFRESH_INTERVAL)
    # Always present: RFC 5545 wants at least one component, even in an empty feed.
    document.add_component(Timezone.from_tzid(HELSINKI.key))
    for event in events:
        document.add_component(component(event, lang))
    return document.to_ical()
