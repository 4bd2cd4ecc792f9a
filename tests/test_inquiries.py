"""Inquiries: sent anonymously with consent, read and handled only by the editors of the municipalities they concern."""

import itertools
import json
import logging
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from api.extensions import db
from api.models import AuditEntry, Inquiry, WebhookMessage
from api.models.base import utcnow
from api.observability import JsonLineFormatter
from tests import payloads
from tests.test_webhooks_fanout import messages
from tests.webhook_receiver import log, receiving, subscribe

MERGE_PATCH = "application/merge-patch+json"
# Each test address has a count of its own under RATELIMIT_INQUIRY (5 an hour).
ADDRESSES = (f"192.0.2.{number}" for number in itertools.count(1))


def inquiry(**changes) -> dict:
    return {
        "name": "Maria Virtanen",
        "email": "maria.virtanen@example.com",
        "phone": "040 123 4567",
        "organisation": "Nordic Timber Ab",
        "message": "We look for 2,000 m² of production space with a rail siding.",
        "municipality": "226",
        "consent": True,
        **changes,
    }


def send(client, body: dict, address: str | None = None):
    return client.post("/api/v1/inquiries", json=body, environ_overrides={"REMOTE_ADDR": address or next(ADDRESSES)})


def stored(app) -> list[Inquiry]:
    with app.app_context():
        return db.session.scalars(select(Inquiry).order_by(Inquiry.received_at)).all()


@pytest.fixture
def region(client):
    """Karstula (226), Pihtipudas (601) and Viitasaari (931); a plot in Pihtipudas; a spearhead of 601 and 931."""
    for code, name in (("226", "Karstula"), ("601", "Pihtipudas"), ("931", "Viitasaari")):
        assert client.post("/api/v1/municipalities", json=payloads.municipality(code, name={"fi": name})).status_code == 201
    site = client.post("/api/v1/sites", json=payloads.site(municipality="601", postal_code="44800", post_office="PIHTIPUDAS"))
    spearhead = client.post("/api/v1/spearheads", json=payloads.spearhead("energy", municipalities=["601", "931"]))
    assert site.status_code == spearhead.status_code == 201
    return {"site": site.get_json()["id"], "spearhead": spearhead.get_json()["id"]}


def test_an_inquiry_from_sending_to_erasing(app, anonymous, client, region):
    sent = send(anonymous, inquiry())
    assert sent.status_code == 202
    assert set(sent.get_json()) == {"id", "received_at"}
    url = f"/api/v1/inquiries/{sent.get_json()['id']}"
    assert anonymous.get(url).status_code == 401

    listed = client.get("/api/v1/inquiries")
    assert listed.status_code == 200 and listed.headers["ETag"]
    (item,) = listed.get_json()
    assert item["status"] == "new" and item["phone"] == "+358401234567" and item["municipalities"] == ["226"]
    assert item["name"] == "Maria Virtanen" and item["received_at"] == sent.get_json()["received_at"]
    read = client.get(url)
    assert read.get_json() == item
    assert client.get(url, headers={"If-None-Match": read.headers["ETag"]}).status_code == 304

    assert client.patch(url, json={"status": "in_progress"}, content_type=MERGE_PATCH).status_code == 428
    assert client.patch(url, json={"status": "in_progress"}, content_type=MERGE_PATCH, headers={"If-Match": '"stale"'}).status_code == 412
    refused = client.patch(url, json={"name": "X"}, content_type=MERGE_PATCH, headers={"If-Match": read.headers["ETag"]})
    assert refused.status_code == 422 and "name" in refused.get_json()["errors"]
    assert client.patch(url, json={"status": "later"}, content_type=MERGE_PATCH, headers={"If-Match": read.headers["ETag"]}).status_code == 422
    changed = client.patch(url, json={"status": "answered"}, content_type=MERGE_PATCH, headers={"If-Match": read.headers["ETag"]})
    assert changed.status_code == 200 and changed.get_json()["status"] == "answered"
    assert changed.headers["ETag"] != read.headers["ETag"]
    assert client.get("/api/v1/inquiries?status=new").get_json() == []
    assert len(client.get("/api/v1/inquiries?status=answered&status=closed").get_json()) == 1

    assert client.delete(url, headers={"If-Match": read.headers["ETag"]}).status_code == 412
    assert client.delete(url, headers={"If-Match": changed.headers["ETag"]}).status_code == 204
    assert client.get(url).status_code == 404
    assert stored(app) == []
    with app.app_context():
        trail = db.session.execute(select(AuditEntry.action, AuditEntry.changes).where(AuditEntry.record_type == "inquiry")).all()
    assert sorted(trail) == [("create", {}), ("delete", {}), ("update", {"status": ["new", "answered"]})]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"consent": False}, "consent"),
        ({"consent": "yes"}, "consent"),
        ({"consent": None}, "consent"),
        ({"municipality": None}, "site"),
        ({"name": "Maria https://cheap.example"}, "name"),
        ({"name": "Visit WWW.cheap.example"}, "name"),
        ({"message": " ".join(f"https://spam.example/{n}" for n in range(6))}, "message"),
        ({"message": "x" * 5001}, "message"),
        ({"message": ""}, "message"),
        ({"email": "maria@"}, "email"),
        ({"phone": "12"}, "phone"),
        ({"site": "3d2f7c1e-5b4a-4c8e-9f10-2a6b7c8d9e01"}, "site"),
        ({"spearhead": "no-such-spearhead"}, "spearhead"),
        ({"site": "x\u0000y"}, "site"),
        ({"municipality": "999"}, "municipality"),
        ({"status": "closed"}, "status"),
    ],
)
def test_bad_inquiries_are_refused_naming_the_field(app, anonymous, region, changes, field):
    body = inquiry(**changes)
    if "consent" in changes and changes["consent"] is None:
        del body["consent"]
    answer = send(anonymous, body)
    assert answer.status_code == 422, answer.get_json()
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert field in answer.get_json()["errors"]
    assert stored(app) == []


def test_five_links_in_a_message_are_fine(anonymous, region):
    message = "See " + " ".join(f"https://www.example.fi/{n}" for n in range(5))
    assert send(anonymous, inquiry(message=message)).status_code == 202


def test_a_filled_honeypot_is_answered_alike_and_stores_nothing(app, anonymous, region):
    real = send(anonymous, inquiry())
    robot = send(anonymous, inquiry(website="https://cheap.example"))
    assert robot.status_code == real.status_code == 202
    assert set(robot.get_json()) == set(real.get_json()) and robot.get_json()["id"] != real.get_json()["id"]
    assert [item.id for item in stored(app)] == [real.get_json()["id"]]
    # An empty field is how a person's browser sends it.
    assert send(anonymous, inquiry(website="")).status_code == 202
    assert len(stored(app)) == 2


def test_each_address_may_send_five_an_hour_whatever_its_key(app, anonymous, client, region):
    for _ in range(5):
        assert send(anonymous, inquiry(), "198.51.100.7").status_code == 202
    limited = send(anonymous, inquiry(), "198.51.100.7")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    assert limited.headers["Content-Type"] == "application/problem+json"
    assert send(client, inquiry(), "198.51.100.7").status_code == 429
    # Another address has its own count; reading is not limited by it.
    assert send(anonymous, inquiry(), "198.51.100.8").status_code == 202
    assert client.get("/api/v1/inquiries", environ_overrides={"REMOTE_ADDR": "198.51.100.7"}).status_code == 200
    assert len(stored(app)) == 6


def test_only_editors_and_admins_read_them(anonymous, partner, editor, region):
    assert send(anonymous, inquiry()).status_code == 202
    assert anonymous.get("/api/v1/inquiries").status_code == 401
    assert partner.get("/api/v1/inquiries").status_code == 403
    (item,) = editor.get("/api/v1/inquiries").get_json()
    assert partner.get(f"/api/v1/inquiries/{item['id']}").status_code == 403
    assert partner.delete(f"/api/v1/inquiries/{item['id']}", headers={"If-Match": "*"}).status_code == 403


def test_an_editor_of_601_sees_exactly_the_inquiries_about_pihtipudas(app, anonymous, client, client_with, region):
    about = {
        "municipality 601": {"municipality": "601"},
        "site in 601": {"municipality": None, "site": region["site"]},
        "spearhead of 601 and 931": {"municipality": None, "spearhead": "energy"},
        "226 and a site in 601": {"municipality": "226", "site": region["site"]},
        "municipality 226": {"municipality": "226"},
        "municipality 931": {"municipality": "931"},
    }
    ids = {}
    for label, changes in about.items():
        answer = send(anonymous, inquiry(message=label, **changes))
        assert answer.status_code == 202, answer.get_json()
        ids[label] = answer.get_json()["id"]
    pihtipudas = client_with("editor", "601")
    seen = {item["message"] for item in pihtipudas.get("/api/v1/inquiries?page_size=100").get_json()}
    assert seen == {"municipality 601", "site in 601", "spearhead of 601 and 931", "226 and a site in 601"}
    assert {item["message"] for item in client.get("/api/v1/inquiries?municipality=601").get_json()} == seen
    assert len(client.get("/api/v1/inquiries").get_json()) == len(about)
    via_spearhead = pihtipudas.get(f"/api/v1/inquiries/{ids['spearhead of 601 and 931']}").get_json()
    assert via_spearhead["municipalities"] == ["601", "931"] and via_spearhead["spearhead"] == region["spearhead"]

    outside = f"/api/v1/inquiries/{ids['municipality 226']}"
    assert pihtipudas.get(outside).status_code == 404
    assert pihtipudas.patch(outside, json={"status": "closed"}, content_type=MERGE_PATCH, headers={"If-Match": "*"}).status_code == 404
    assert pihtipudas.delete(outside, headers={"If-Match": "*"}).status_code == 404
    assert pihtipudas.get("/api/v1/inquiries?municipality=226").get_json() == [
        item for item in pihtipudas.get("/api/v1/inquiries").get_json() if "226" in item["municipalities"]
    ]


def test_inquiries_stay_out_of_the_feed_search_and_logs(app, anonymous, client, region, caplog):
    with caplog.at_level(logging.DEBUG):
        assert send(anonymous, inquiry(name="Salainen Lähettäjä", email="secret.sender@example.com", message="Luottamuksellinen viesti")).status_code == 202
        assert client.get("/api/v1/inquiries?status=new").status_code == 200
    lines = "\n".join(JsonLineFormatter().format(record) for record in caplog.records)
    assert "/api/v1/inquiries" in {json.loads(line).get("route") for line in lines.splitlines()}
    for secret in ("Salainen", "secret.sender", "Luottamuksellinen", "Nordic Timber", "358401234567"):
        assert secret not in lines
    changes = client.get("/api/v1/changes?limit=1000").get_json()
    assert {change["resource"] for change in changes} <= {"municipality", "site", "spearhead"}
    assert "Salainen" not in client.get("/api/v1/sites?q=Salainen").get_data(as_text=True)


def test_purge_erases_those_past_the_retention(app, anonymous, client, runner, region):
    old, recent = (send(anonymous, inquiry(message=label)).get_json()["id"] for label in ("old", "recent"))
    with app.app_context():
        db.session.execute(update(Inquiry).where(Inquiry.id == old).values(received_at=utcnow() - timedelta(days=366)))
        db.session.commit()
    result = runner.invoke(args=["inquiries", "purge"])
    assert result.exit_code == 0 and "Erased 1 inquiries received more than 365 days ago." in result.output
    assert [item.id for item in stored(app)] == [recent]
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(AuditEntry.record_id == old, AuditEntry.action == "delete")) == 1


def test_editors_webhooks_get_inquiry_created_for_their_municipalities_only(app, anonymous, client, partner, client_with, region):
    assert partner.post("/api/v1/webhooks", json={"url": "https://hooks.example/x", "events": ["inquiry.created"]}).status_code == 422
    pihtipudas, karstula = client_with("editor", "601"), client_with("editor", "226")
    with receiving() as receiver:
        hooks = [
            subscribe(pihtipudas, receiver, "/601", events=["inquiry.created"]),
            subscribe(karstula, receiver, "/226", events=["inquiry.*"]),
            subscribe(client, receiver, "/admin-everything", events=["*", "*.created"]),
            subscribe(client, receiver, "/admin-931", events=["inquiry.created"], municipality=["931"]),
            subscribe(partner, receiver, "/partner"),
        ]
        about_601 = send(anonymous, inquiry(municipality=None, site=region["site"])).get_json()["id"]
        about_931 = send(anonymous, inquiry(municipality=None, spearhead=region["spearhead"])).get_json()["id"]
        received = messages(app, receiver, client, hooks, 3)
    assert set(received) == {"/601", "/admin-931"}
    assert [message["data"]["id"] for message in received["/601"]] == [about_601, about_931]
    assert [message["data"]["id"] for message in received["/admin-931"]] == [about_931]
    message = received["/601"][0]
    assert message["type"] == "inquiry.created" and message["data"]["municipalities"] == ["601"]
    assert message["data"]["email"] == "maria.virtanen@example.com"
    assert log(client, hooks[2]) == [] and log(partner, hooks[4]) == []
    # Erasing an inquiry erases the copies in the delivery log too.
    url = f"/api/v1/inquiries/{about_601}"
    assert client.delete(url, headers={"If-Match": client.get(url).headers["ETag"]}).status_code == 204
    assert len(log(pihtipudas, hooks[0])) == 1 and len(log(client, hooks[3])) == 1
    with app.app_context():
        assert "maria.virtanen" not in "".join(db.session.scalars(select(WebhookMessage.body).where(WebhookMessage.body.contains(about_601))))
