"""The iCalendar feed and single-event calendars, read back with the icalendar parser."""

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from tests import payloads


def _calendar(answer) -> Calendar:
    assert answer.status_code == 200, answer.data
    assert answer.mimetype == "text/calendar"
    assert answer.mimetype_params["charset"] == "utf-8"
    return Calendar.from_ical(answer.data)


def _events(calendar: Calendar) -> dict:
    return {str(component["UID"]): component for component in calendar.walk("VEVENT")}


@pytest.fixture
def workshop(client):
    client.post("/api/v1/municipalities", json=payloads.municipality())
    answer = client.post(
        "/api/v1/events",
        json=payloads.event(
            title={"fi": "Sijoittumisstrategian työpaja", "sv": "Workshop om etableringsstrategin"},
            description={"fi": "Työpaja etäyhteydellä."},
            municipalities=["226"],
            registration_url="https://registration.example/workshop",
            registration_deadline="2020-12-02T16:00:00+02:00",
            participation_url="https://meet.example/secret-room",
            contact={"name": "Jenni Leppilahti", "email": "jenni@karstulanseutu.example"},
            organizer={"name": "Kehittämisyhtiö Karstulanseutu Oy"},
            target_groups=[{"fi": "yrityskehittäjät", "en": "business developers"}],
        ),
    )
    assert answer.status_code == 201
    return answer


def test_feed_holds_past_events_in_helsinki_time(client, workshop):
    event = workshop.get_json()
    calendar = _calendar(client.get("/api/v1/events.ics"))
    assert str(calendar["VERSION"]) == "2.0" and calendar["PRODID"]
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Helsinki"]
    vevent = _events(calendar)[event["id"]]
    start = vevent.decoded("DTSTART")
    assert vevent["DTSTART"].params["TZID"] == "Europe/Helsinki"
    assert (start.hour, start.utcoffset()) == (9, timedelta(hours=2))
    assert vevent.decoded("DTEND").astimezone(UTC) == datetime(2020, 12, 8, 10, tzinfo=UTC)
    assert str(vevent["SUMMARY"]) == "Sijoittumisstrategian työpaja"
    assert str(vevent["STATUS"]) == "CONFIRMED"
    assert str(vevent["URL"]) == "https://registration.example/workshop"
    description = str(vevent["DESCRIPTION"])
    assert "Työpaja etäyhteydellä." in description
    assert "https://registration.example/workshop" in description
    assert "02.12.2020 16:00" in description
    assert "secret-room" not in answer_text(client)
    # iCalendar times have whole seconds.
    assert vevent.decoded("DTSTAMP") == datetime.fromisoformat(event["updated_at"]).replace(microsecond=0)
    assert vevent.decoded("LAST-MODIFIED") == vevent.decoded("DTSTAMP")
    assert "jenni@karstulanseutu.example" in str(vevent["ORGANIZER"])


def answer_text(client) -> str:
    return client.get("/api/v1/events.ics").get_data(as_text=True)


def test_a_subscribed_calendar_stays_in_step(client, workshop):
    event = workshop.get_json()
    first = client.get("/api/v1/events.ics")
    before = _events(_calendar(first))[event["id"]]
    assert client.get("/api/v1/events.ics", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304

    cancelled = client.patch(
        f"/api/v1/events/{event['id']}", json={"event_status": "cancelled"}, headers={"If-Match": workshop.headers["ETag"]}
    )
    assert cancelled.status_code == 200
    second = client.get("/api/v1/events.ics", headers={"If-None-Match": first.headers["ETag"]})
    after = _events(_calendar(second))[event["id"]]
    assert str(after["UID"]) == str(before["UID"]) == event["id"]
    assert str(after["STATUS"]) == "CANCELLED"
    assert after.decoded("SEQUENCE") > before.decoded("SEQUENCE")
    assert after.decoded("DTSTAMP") >= before.decoded("DTSTAMP")
    assert after.decoded("LAST-MODIFIED") == datetime.fromisoformat(cancelled.get_json()["updated_at"]).replace(microsecond=0)

    deleted = client.delete(f"/api/v1/events/{event['id']}", headers={"If-Match": cancelled.headers["ETag"]})
    assert deleted.status_code == 204
    assert _events(_calendar(client.get("/api/v1/events.ics"))) == {}


def test_feed_takes_the_list_filters(client, workshop):
    now = datetime.now(UTC)
    upcoming = client.post(
        "/api/v1/events",
        json=payloads.event(
            title={"fi": "Tuleva"}, is_online=False, location_name="Karstulan kunnantalo", street_address="Keskustie 2",
            start_time=(now + timedelta(days=7)).isoformat(), end_time=(now + timedelta(days=7, hours=2)).isoformat(),
        ),
    ).get_json()
    everything = _events(_calendar(client.get("/api/v1/events.ics")))
    assert set(everything) == {workshop.get_json()["id"], upcoming["id"]}
    assert set(_events(_calendar(client.get("/api/v1/events.ics?upcoming=true")))) == {upcoming["id"]}
    assert set(_events(_calendar(client.get("/api/v1/events.ics?municipality=226")))) == {workshop.get_json()["id"]}
    assert str(everything[upcoming["id"]]["LOCATION"]) == "Karstulan kunnantalo, Keskustie 2"
    assert client.get("/api/v1/events.ics?page=2").status_code == 422
    assert client.get("/api/v1/events.ics?upcoming=perhaps").status_code == 422


def test_languages(client, workshop):
    event_id = workshop.get_json()["id"]
    swedish = _events(_calendar(client.get("/api/v1/events.ics?lang=sv")))[event_id]
    assert str(swedish["SUMMARY"]) == "Workshop om etableringsstrategin"
    assert "Anmälan" in str(swedish["DESCRIPTION"])
    english = _events(_calendar(client.get(f"/api/v1/events/{event_id}.ics?lang=en")))[event_id]
    assert str(english["SUMMARY"]) == "Sijoittumisstrategian työpaja"  # no English title: Finnish
    assert [str(c) for c in english["CATEGORIES"].cats] == ["business developers"]
    assert client.get("/api/v1/events.ics?lang=de").status_code == 422


def test_one_event_as_a_calendar(client, workshop):
    event_id = workshop.get_json()["id"]
    answer = client.get(f"/api/v1/events/{event_id}.ics")
    calendar = _calendar(answer)
    assert list(_events(calendar)) == [event_id]
    assert calendar.walk("VTIMEZONE")
    assert client.get(f"/api/v1/events/{event_id}.ics", headers={"If-None-Match": answer.headers["ETag"]}).status_code == 304
    missing = client.get("/api/v1/events/no-such-event.ics")
    assert missing.status_code == 404 and missing.content_type == "application/problem+json"
    # The JSON representation of the same event is still there.
    assert client.get(f"/api/v1/events/{event_id}").get_json()["id"] == event_id


def test_an_empty_feed_is_still_a_valid_calendar(client):
    calendar = _calendar(client.get("/api/v1/events.ics"))
    assert calendar.walk("VEVENT") == [] and calendar.walk("VTIMEZONE")


def test_accept_must_allow_calendars(client, workshop):
    answer = client.get("/api/v1/events.ics", headers={"Accept": "application/json"})
    assert answer.status_code == 406 and answer.content_type == "application/problem+json"
    assert client.get("/api/v1/events.ics", headers={"Accept": "text/calendar"}).status_code == 200
