"""Webhook subscriptions over HTTP: who sees what, validation, the secret, SSRF refusals, ping and the delivery log."""

import base64
import socket

import pytest

RECEIVER = "https://93.184.215.14/hooks"  # a public address: accepted without any lookup or connection
MERGE_PATCH = "application/merge-patch+json"


def subscribe(client, **fields):
    return client.post("/api/v1/webhooks", json={"url": RECEIVER, "events": ["*"], **fields})


def test_scenario_subscribe_read_patch_ping_unsubscribe(partner):
    assert partner.get("/api/v1/webhooks").get_json() == []

    created = subscribe(partner, events=["company.created", "site.*"], description="CRM")
    assert created.status_code == 201
    body = created.get_json()
    assert created.headers["Location"].endswith(f"/api/v1/webhooks/{body['id']}")
    assert body["active"] is True and body["events"] == ["company.created", "site.*"] and body["municipality"] == []
    secret = body["secret"]
    assert secret.startswith("whsec_") and len(base64.b64decode(secret.removeprefix("whsec_"))) >= 24

    read = partner.get(f"/api/v1/webhooks/{body['id']}")
    assert read.status_code == 200 and "secret" not in read.get_json()
    assert read.headers["ETag"] == created.headers["ETag"]
    assert partner.get(f"/api/v1/webhooks/{body['id']}", headers={"If-None-Match": read.headers["ETag"]}).status_code == 304
    assert [item["id"] for item in partner.get("/api/v1/webhooks").get_json()] == [body["id"]]

    url = f"/api/v1/webhooks/{body['id']}"
    assert partner.patch(url, json={"events": ["*"]}, content_type=MERGE_PATCH).status_code == 428
    assert partner.patch(url, json={"events": ["*"]}, content_type=MERGE_PATCH, headers={"If-Match": '"stale"'}).status_code == 412
    patched = partner.patch(url, json={"events": ["*"], "description": None}, content_type=MERGE_PATCH, headers={"If-Match": read.headers["ETag"]})
    assert patched.status_code == 200
    assert patched.get_json()["events"] == ["*"] and patched.get_json()["description"] is None
    assert patched.headers["ETag"] != read.headers["ETag"]

    ping = partner.post(f"{url}/ping")
    assert ping.status_code == 202
    deliveries = partner.get(f"{url}/deliveries")
    assert deliveries.status_code == 200 and "X-Pagination" in deliveries.headers
    [message] = deliveries.get_json()
    assert message["id"] == ping.get_json()["id"] and message["type"] == "ping"
    assert message["status"] == "pending" and message["attempts"] == 0 and message["cursor"] is None

    assert partner.delete(url, headers={"If-Match": patched.headers["ETag"]}).status_code == 204
    assert partner.get(url).status_code == 404


def test_anonymous_requests_are_refused(anonymous):
    assert anonymous.get("/api/v1/webhooks").status_code == 401
    assert anonymous.post("/api/v1/webhooks", json={"url": RECEIVER, "events": ["*"]}).status_code == 401


def test_a_key_sees_and_changes_only_its_own_subscriptions_and_an_admin_sees_all(partner, client_with, client):
    mine = subscribe(partner).get_json()
    other = client_with("partner")
    theirs = subscribe(other).get_json()
    assert [item["id"] for item in other.get("/api/v1/webhooks").get_json()] == [theirs["id"]]
    url = f"/api/v1/webhooks/{mine['id']}"
    assert other.get(url).status_code == 404
    assert other.delete(url, headers={"If-Match": "*"}).status_code == 404
    assert other.post(f"{url}/ping").status_code == 404
    assert other.get(f"{url}/deliveries").status_code == 404
    listed = client.get("/api/v1/webhooks").get_json()
    assert {item["id"] for item in listed} == {mine["id"], theirs["id"]}
    assert all(item["key"].startswith("partner-") for item in listed)


@pytest.mark.parametrize(
    "events",
    [[], ["company"], ["company.removed"], ["companies.*"], ["inquiry.created"], ["ping"], [""]],
)
def test_unknown_events_are_refused(partner, events):
    answer = subscribe(partner, events=events)
    assert answer.status_code == 422 and "events" in answer.get_json()["errors"]


def test_editors_may_ask_for_new_inquiries(editor):
    assert subscribe(editor, events=["*", "inquiry.created", "*.deleted"]).status_code == 201


def test_municipality_codes_must_exist(partner, seeded):
    assert subscribe(partner, municipality=["226", "931"]).status_code == 201
    answer = subscribe(partner, municipality=["226", "999"])
    assert answer.status_code == 422 and "999" in answer.get_json()["errors"]["municipality"][0]
    assert subscribe(partner, municipality=["22"]).status_code == 422


def test_unknown_and_read_only_fields_are_refused(partner):
    assert subscribe(partner, secret="whsec_AAAA").status_code == 422
    assert subscribe(partner, colour="red").status_code == 422


def test_lists_answer_304_until_they_change(partner):
    subscribe(partner)
    first = partner.get("/api/v1/webhooks")
    assert partner.get("/api/v1/webhooks", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    hook = subscribe(partner).headers["Location"]
    assert partner.get("/api/v1/webhooks", headers={"If-None-Match": first.headers["ETag"]}).status_code == 200
    deliveries = partner.get(f"{hook}/deliveries")
    assert partner.get(f"{hook}/deliveries", headers={"If-None-Match": deliveries.headers["ETag"]}).status_code == 304
    partner.post(f"{hook}/ping")
    assert partner.get(f"{hook}/deliveries", headers={"If-None-Match": deliveries.headers["ETag"]}).status_code == 200


def test_a_key_holds_at_most_20_subscriptions(partner, client_with):
    for _ in range(20):
        assert subscribe(partner).status_code == 201
    assert subscribe(partner).status_code == 409
    assert subscribe(client_with("partner")).status_code == 201


def test_a_ping_to_an_inactive_subscription_is_a_conflict(partner):
    created = subscribe(partner, active=False)
    assert created.get_json()["active"] is False and created.get_json()["disabled_reason"]
    assert partner.post(f"/api/v1/webhooks/{created.get_json()['id']}/ping").status_code == 409


def test_deliveries_filter_by_status_and_refuse_unknown_ones(partner):
    url = f"/api/v1/webhooks/{subscribe(partner).get_json()['id']}"
    partner.post(f"{url}/ping")
    assert len(partner.get(f"{url}/deliveries?status=pending").get_json()) == 1
    assert partner.get(f"{url}/deliveries?status=delivered").get_json() == []
    assert partner.get(f"{url}/deliveries?status=lost").status_code == 422


@pytest.fixture
def production_rules(app, monkeypatch):
    """Private receivers refused, as in production."""
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_PRIVATE_URLS", False)


@pytest.fixture
def listener():
    """A socket on loopback that counts as attacked if anything connects to it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        sock.setblocking(False)
        yield sock


def assert_nothing_connected(sock: socket.socket) -> None:
    with pytest.raises(BlockingIOError):
        sock.accept()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/hook",
        "https://127.0.0.1:{port}/hook",
        "https://[::1]:{port}/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://10.0.0.1/hook",
        "https://[::ffff:127.0.0.1]:{port}/hook",
        "https://localhost:{port}/hook",
        "https://0.0.0.0:{port}/hook",
        "https://[fd00::1]/hook",
        "https://224.0.0.1/hook",
        "http://93.184.215.14/hook",
    ],
)
def test_subscribing_a_non_public_or_plain_http_url_is_refused_before_connecting(partner, production_rules, listener, url):
    answer = subscribe(partner, url=url.format(port=listener.getsockname()[1]))
    assert answer.status_code == 422, answer.get_json()
    assert "url" in answer.get_json()["errors"]
    assert_nothing_connected(listener)


def test_changing_the_url_to_a_private_one_is_refused(partner, production_rules):
    created = subscribe(partner)
    answer = partner.patch(
        created.headers["Location"], json={"url": "https://10.1.2.3/"}, content_type=MERGE_PATCH, headers={"If-Match": created.headers["ETag"]}
    )
    assert answer.status_code == 422 and "url" in answer.get_json()["errors"]


def test_urls_with_credentials_or_without_a_host_are_refused(partner):
    assert subscribe(partner, url="https://user:pw@93.184.215.14/").status_code == 422
    assert subscribe(partner, url="https:///path").status_code == 422
    assert subscribe(partner, url="ftp://93.184.215.14/").status_code == 422


def test_the_openapi_document_describes_the_messages(anonymous):
    document = anonymous.get("/api/openapi.json").get_json()
    change = document["webhooks"]["change"]["post"]
    assert change["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/WebhookMessage"}
    assert {parameter["name"] for parameter in change["parameters"]} == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert "secret" in document["components"]["schemas"]["WebhookCreated"]["properties"]
