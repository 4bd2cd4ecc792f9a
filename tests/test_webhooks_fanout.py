"""Changes of the feed become messages: what each subscriber's key may see, matching its events and municipalities."""

import pytest
from sqlalchemy import delete, func, select

from api.extensions import db
from api.models import Change
from tests import payloads
from tests.test_webhooks_rules import run_worker_until
from tests.webhook_receiver import log, receiving, subscribe

MERGE_PATCH = "application/merge-patch+json"


@pytest.fixture
def karstula(client):
    for code, name in (("226", "Karstula"), ("931", "Viitasaari")):
        assert client.post("/api/v1/municipalities", json=payloads.municipality(code, name={"fi": name})).status_code == 201


def write(client, method: str, url: str, body=None):
    headers = {}
    if method != "post":
        headers["If-Match"] = client.get(url).headers["ETag"]
    kwargs = {"json": body} if body is not None else {}
    if method == "patch":
        kwargs["content_type"] = MERGE_PATCH
    answer = getattr(client, method)(url, headers=headers, **kwargs)
    assert answer.status_code in (200, 201, 204), answer.get_json()
    return answer


def messages(app, receiver, client, hooks: list[str], expected: int) -> dict[str, list[dict]]:
    """Run a worker until the subscriptions have `expected` messages, all delivered; each receiver path's, in order."""

    def done():
        queued = [message for hook in hooks for message in log(client, hook)]
        return len(queued) == expected and all(message["status"] == "delivered" for message in queued)

    run_worker_until(app, done)
    assert all(item.verified for item in receiver.received)
    by_path: dict[str, list[dict]] = {}
    for item in receiver.received:
        by_path.setdefault(item.path, []).append(item.message)
    return by_path


def test_each_key_gets_the_changes_as_the_feed_shows_them_to_it(app, client, partner, editor, karstula):
    with receiving() as receiver:
        hooks = [subscribe(partner, receiver, "/partner"), subscribe(editor, receiver, "/editor")]
        company = write(client, "post", "/api/v1/companies", payloads.company(municipality="226", status="draft")).headers["Location"]
        write(client, "patch", company, {"status": "published"})
        write(client, "patch", company, {"name": "Karstulan Puu Oy"})
        event = write(
            client, "post", "/api/v1/events", payloads.event(municipalities=["226"], participation_url="https://meet.example/x")
        ).headers["Location"]
        write(client, "patch", company, {"status": "draft"})
        write(client, "delete", company)
        received = messages(app, receiver, client, hooks, 10)

    partner_types = [message["type"] for message in received["/partner"]]
    assert partner_types == ["company.created", "company.updated", "event.created", "company.deleted"]
    editor_types = [message["type"] for message in received["/editor"]]
    assert editor_types == ["company.created", "company.updated", "company.updated", "event.created", "company.updated", "company.deleted"]

    partner_event = received["/partner"][2]["data"]
    assert "participation_url" not in partner_event["data"]
    assert received["/editor"][3]["data"]["data"]["participation_url"] == "https://meet.example/x"
    assert received["/partner"][3]["data"]["data"] is None

    # Each message's data is the change exactly as GET /api/v1/changes shows it to the same key.
    for reader, path in ((partner, "/partner"), (editor, "/editor")):
        feed = reader.get("/api/v1/changes?limit=1000").get_json()
        assert [message["data"] for message in received[path]] == feed[-len(received[path]):]
        assert all(message["timestamp"] == message["data"]["at"] for message in received[path])
    assert event.rsplit("/", 1)[1] == partner_event["id"]


def test_events_and_municipality_choose_the_changes(app, client, partner, karstula):
    with receiving() as receiver:
        hooks = [
            subscribe(partner, receiver, "/karstula", municipality=["226"]),
            subscribe(partner, receiver, "/deletions", events=["*.deleted"]),
            subscribe(partner, receiver, "/events", events=["event.*"]),
        ]
        in_karstula = write(client, "post", "/api/v1/companies", payloads.company(municipality="226")).headers["Location"]
        write(client, "post", "/api/v1/companies", payloads.company("0737546-2", municipality="931"))
        write(client, "patch", in_karstula, {"municipality": "931"})
        write(client, "delete", in_karstula)
        received = messages(app, receiver, client, hooks, 3)

    # Moving out of Karstula is a change of a Karstula record (its municipalities before and after count);
    # its later deletion in Viitasaari is not.
    assert [message["type"] for message in received["/karstula"]] == ["company.created", "company.updated"]
    assert received["/karstula"][1]["data"]["data"]["municipality"] == "931"
    assert [message["type"] for message in received["/deletions"]] == ["company.deleted"]
    assert "/events" not in received


def test_a_new_subscription_starts_at_the_newest_change(app, client, partner, karstula):
    write(client, "post", "/api/v1/companies", payloads.company(municipality="226"))
    with receiving() as receiver:
        hook = subscribe(partner, receiver)
        write(client, "post", "/api/v1/companies", payloads.company("0737546-2", municipality="931"))
        received = messages(app, receiver, client, [hook], 1)
    assert [message["data"]["data"]["business_id"] for message in received["/hooks"]] == ["0737546-2"]
    [delivery] = log(partner, hook)
    assert delivery["cursor"] == received["/hooks"][0]["data"]["cursor"] and delivery["type"] == "company.created"


def test_a_revoked_keys_subscriptions_stop_with_the_reason(app, client, runner, karstula, create_key):
    key = create_key("partner", name="crm-sync")
    partner = app.test_client()
    partner.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    with receiving() as receiver:
        hook = subscribe(partner, receiver)
        assert runner.invoke(args=["keys", "revoke", "crm-sync"]).exit_code == 0
        write(client, "post", "/api/v1/companies", payloads.company(municipality="226"))
        run_worker_until(app, lambda: client.get(hook).get_json()["active"] is False)
    assert client.get(hook).get_json()["disabled_reason"] == "The subscribing API key was revoked."
    assert receiver.received == []


def test_a_subscription_behind_the_feeds_retention_stops_and_resumes_from_now(app, client, partner, karstula):
    with receiving() as receiver:
        hook = subscribe(partner, receiver)
        for business_id in ("0112038-9", "0737546-2"):
            write(client, "post", "/api/v1/companies", payloads.company(business_id, municipality="226"))
        with app.app_context():  # as `flask changes prune` would, before the subscription read them
            newest = db.session.scalar(select(func.max(Change.position)))
            db.session.execute(delete(Change).where(Change.position < newest))
            db.session.commit()
        run_worker_until(app, lambda: client.get(hook).get_json()["active"] is False)
        assert "mirror the records again" in client.get(hook).get_json()["disabled_reason"]
        assert receiver.received == []

        etag = partner.get(hook).headers["ETag"]
        assert partner.patch(hook, json={"active": True}, content_type=MERGE_PATCH, headers={"If-Match": etag}).status_code == 200
        write(client, "post", "/api/v1/companies", payloads.company("0201256-6", municipality="226"))
        received = messages(app, receiver, client, [hook], 1)
    assert received["/hooks"][0]["data"]["data"]["business_id"] == "0201256-6"
