from datetime import UTC, datetime, timedelta

import pytest

from tests import payloads


def test_scenario_with_helsinki_times(client, anonymous):
    client.post("/api/v1/municipalities", json=payloads.municipality())
    created = client.post(
        "/api/v1/events",
        json=payloads.event(
            start_time="2020-12-08T09:00:00",
            end_time="2020-12-08T10:00:00Z",
            registration_deadline="2020-12-02T16:00:00+02:00",
            municipalities=["226"],
            participation_url="https://meet.example/room",
            contact={"name": "Jenni Leppilahti", "phone": "+358 50 381 5917", "email": "jenni@karstulanseutu.example"},
        ),
    )
    assert created.status_code == 201, created.get_json()
    event = created.get_json()
    assert event["start_time"] == "2020-12-08T09:00:00+02:00"  # local time without offset is Helsinki time
    assert event["end_time"] == "2020-12-08T12:00:00+02:00"  # shown in Helsinki time
    assert event["contact"]["phone"] == "+358503815917"
    assert event["municipalities"] == ["226"]
    # The meeting link is for registrants: shown to the admin who wrote it, never to an anonymous reader.
    assert event["participation_url"] == "https://meet.example/room"
    assert "participation_url" not in anonymous.get(f"/api/v1/events/{event['id']}").get_json()

    patched = client.patch(
        f"/api/v1/events/{event['id']}",
        json={"event_status": "cancelled"},
        headers={"If-Match": created.headers["ETag"]},
    )
    assert patched.status_code == 200 and patched.get_json()["event_status"] == "cancelled"
    assert client.delete(f"/api/v1/events/{event['id']}", headers={"If-Match": patched.headers["ETag"]}).status_code == 204
    assert client.get(f"/api/v1/events/{event['id']}").status_code == 404


def test_end_must_follow_start(client):
    answer = client.post("/api/v1/events", json=payloads.event(end_time="2020-12-08T09:00:00+02:00"))
    assert answer.status_code == 422 and "end_time" in answer.get_json()["errors"]


def test_local_times_that_do_not_exist_or_repeat_are_refused(client):
    gap = client.post("/api/v1/events", json=payloads.event(start_time="2026-03-29T03:30:00", end_time="2026-03-29T05:00:00"))
    assert gap.status_code == 422 and "start_time" in gap.get_json()["errors"]
    twice = client.post("/api/v1/events", json=payloads.event(start_time="2026-10-25T03:30:00", end_time="2026-10-25T05:00:00"))
    assert twice.status_code == 422 and "offset" in twice.get_json()["errors"]["start_time"][0]
    explicit = client.post(
        "/api/v1/events", json=payloads.event(start_time="2026-10-25T03:30:00+03:00", end_time="2026-10-25T05:00:00")
    )
    assert explicit.status_code == 201


def test_time_filters(client):
    now = datetime.now(UTC)
    past = client.post("/api/v1/events", json=payloads.event(title={"fi": "Mennyt"})).get_json()
    soon = client.post(
        "/api/v1/events",
        json=payloads.event(
            title={"fi": "Tuleva"},
            start_time=(now + timedelta(days=10)).isoformat(),
            end_time=(now + timedelta(days=10, hours=3)).isoformat(),
            registration_deadline=(now + timedelta(days=5)).isoformat(),
        ),
    ).get_json()
    closed = client.post(
        "/api/v1/events",
        json=payloads.event(
            title={"fi": "Suljettu"},
            start_time=(now + timedelta(days=3)).isoformat(),
            end_time=(now + timedelta(days=3, hours=1)).isoformat(),
            registration_deadline=(now - timedelta(days=1)).isoformat(),
        ),
    ).get_json()
    titles = lambda query: [e["title"]["fi"] for e in client.get(f"/api/v1/events?{query}").get_json()]  # noqa: E731
    assert titles("") == ["Mennyt", "Suljettu", "Tuleva"]
    assert titles("upcoming=true") == ["Suljettu", "Tuleva"]
    assert titles("registration_open=true") == ["Tuleva"]
    assert titles("start=2020-12-08T11:00:00%2B02:00&end=2020-12-08T11:30:00%2B02:00") == ["Mennyt"]
    assert titles("sort=-start_time") == ["Tuleva", "Suljettu", "Mennyt"]
    assert {past["id"], soon["id"], closed["id"]} == {e["id"] for e in client.get("/api/v1/events?is_online=true").get_json()}


def test_spearhead_and_municipality_filters(client):
    client.post("/api/v1/municipalities", json=payloads.municipality())
    spearhead = client.post("/api/v1/spearheads", json=payloads.spearhead()).get_json()
    linked = client.post("/api/v1/events", json=payloads.event(municipalities=["226"], spearheads=[spearhead["id"]])).get_json()
    client.post("/api/v1/events", json=payloads.event())
    assert [e["id"] for e in client.get("/api/v1/events?municipality=226").get_json()] == [linked["id"]]
    assert [e["id"] for e in client.get(f"/api/v1/events?spearhead={spearhead['slug']}").get_json()] == [linked["id"]]
    assert [e["id"] for e in client.get(f"/api/v1/spearheads/{spearhead['slug']}/events").get_json()] == [linked["id"]]
    other = client.post("/api/v1/spearheads", json=payloads.spearhead("food")).get_json()
    cancelled = client.post("/api/v1/events", json=payloads.event(spearheads=[other["id"]], event_status="cancelled")).get_json()
    both = client.get(f"/api/v1/events?spearhead={other['slug']}&spearhead={spearhead['id']}").get_json()
    assert {e["id"] for e in both} == {linked["id"], cancelled["id"]}
    statuses = client.get("/api/v1/events?event_status=cancelled&event_status=postponed").get_json()
    assert [e["id"] for e in statuses] == [cancelled["id"]]
    assert client.get("/api/v1/events?is_online=true&is_online=false").status_code == 422


def test_event_times_outside_the_supported_years_are_refused(client):
    # Before 1921 Helsinki kept local mean time, an offset RFC 3339 cannot write.
    answer = client.post("/api/v1/events", json=payloads.event(start_time="0067-07-21T11:44:39-06:29"))
    assert answer.status_code == 422 and "start_time" in answer.get_json()["errors"]


def test_query_times_read_as_body_times(client):
    """A date or a time without offset is Helsinki time; a `+` pasted unencoded arrives as a space."""
    workshop = client.post("/api/v1/events", json=payloads.event()).get_json()  # 2020-12-08 09:00–12:00 +02:00

    def found(query: str) -> bool:
        answer = client.get(f"/api/v1/events?{query}")
        assert answer.status_code == 200, (query, answer.get_json())
        return [e["id"] for e in answer.get_json()] == [workshop["id"]]

    assert found("start=2020-12-08") and found("end=2020-12-08") and found("start=2020-12-08&end=2020-12-08")
    assert not found("start=2020-12-09") and not found("end=2020-12-07")
    # 12:00 Helsinki is 10:00 UTC: without an offset the end of the workshop is still ahead at 11:30.
    assert found("start=2020-12-08T11:30:00") and not found("start=2020-12-08T12:30:00")
    assert found("start=2020-12-08T11:30:00 02:00") and not found("start=2020-12-08T12:30:00 02:00")
    updated_at = workshop["updated_at"]
    assert found(f"updated_since={updated_at.replace('+', ' ')}")
    assert found(f"updated_since={updated_at.replace('+', '%2B')}")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("updated_since=0001-01-01T00:00:00%2B14:00", "updated_since"),
        ("start=0001-01-01T00:00:00%2B01:00", "start"),
        ("end=9999-12-31T23:59:59-14:00", "end"),
        ("start=2020-12-10&end=2020-12-08", "end"),
        ("start=2020-12-08T12:00:00Z&end=2020-12-08T11:00:00Z", "end"),
        ("start=2020-02-30", "start"),
        ("start=2021-03-28T03:30:00", "start"),
    ],
)
def test_bad_query_times_are_422(client, query, field):
    answer = client.get(f"/api/v1/events?{query}")
    assert answer.status_code == 422 and field in answer.get_json()["errors"], answer.get_json()
    assert client.get(f"/api/v1/events.ics?{query}").status_code == 422


def test_events_have_no_geojson(client):
    client.post("/api/v1/events", json=payloads.event())
    answer = client.get("/api/v1/events", headers={"Accept": "application/geo+json"})
    assert answer.status_code == 406 and answer.content_type == "application/problem+json"
    assert client.get("/api/v1/events", headers={"Accept": "application/geo+json, application/json;q=0.5"}).status_code == 200
