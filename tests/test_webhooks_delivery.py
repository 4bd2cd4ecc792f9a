"""Webhook delivery by `flask webhooks worker` processes to a real receiver, verified with the standardwebhooks library."""

import os
import re
import subprocess
import sys

import pytest

from tests import payloads
from tests.webhook_receiver import ROOT, WORKER_ENV, WorkerProcess, log, ping, receiving, settled, subscribe, wait_until

MERGE_PATCH = "application/merge-patch+json"


@pytest.fixture(scope="module")
def worker(database_url, tmp_path_factory):
    """One worker process for the module's tests (starting one costs seconds on a busy machine)."""
    logs = tmp_path_factory.mktemp("worker")
    process = WorkerProcess(database_url, logs / "worker-1.log")
    wait_until(lambda: any(line.get("message") == "webhook worker started" for line in process.log_lines()), timeout=120)
    holder = {"process": process, "logs": logs}
    yield holder
    assert holder["process"].stop() == 0


def assert_in_order(receiver, ids: list[str]) -> None:
    """Every message delivered, signed, and none sent before an earlier one was delivered."""
    assert receiver.delivered_ids() == ids
    assert all(item.verified for item in receiver.received)
    arrivals = [ids.index(item.id) for item in receiver.received]
    assert arrivals == sorted(arrivals), arrivals


def metric(client, name: str, **labels) -> float:
    text = client.get("/metrics").get_data(as_text=True)
    selector = ",".join(f'{key}="{value}"' for key, value in labels.items())
    pattern = re.escape(f"{name}{{{selector}}}" if selector else name) + r" ([0-9.e+]+)"
    return float(re.search(pattern, text, re.MULTILINE).group(1))


def test_every_message_arrives_signed_and_in_order_through_failures(partner, anonymous, worker):
    with receiving() as receiver:
        receiver.plan = [500, "timeout", "close"]
        hook = subscribe(partner, receiver)
        ids = [ping(partner, hook) for _ in range(4)]
        wait_until(lambda: settled(partner, hook))
        assert_in_order(receiver, ids)
        message = receiver.delivered()[0].message
        assert message["type"] == "ping" and message["data"] == {"webhook": hook.rsplit("/", 1)[1]}
        assert re.fullmatch(r"\d+", receiver.received[0].headers["webhook-timestamp"])

        first, *later = reversed(log(partner, hook))
        assert first["id"] == ids[0] and first["status"] == "delivered" and first["attempts"] == 4
        assert first["last_status_code"] == 204 and first["last_error"] is None and first["delivered_at"]
        assert all(message["attempts"] == 1 for message in later)

    attempts = [line for line in worker["process"].log_lines() if line.get("webhook_id") == ids[0]]
    assert [line["outcome"] for line in attempts] == ["retrying", "retrying", "retrying", "delivered"]
    assert [line["status_code"] for line in attempts] == [500, None, None, 204]
    assert "within 2 s" in attempts[1]["error"]
    assert metric(anonymous, "directory_webhook_deliveries_total", outcome="delivered") == 4
    assert metric(anonymous, "directory_webhook_deliveries_total", outcome="retrying") == 3


def test_a_410_disables_the_subscription_until_it_is_turned_on_again(client, partner, worker):
    assert client.post("/api/v1/municipalities", json=payloads.municipality()).status_code == 201
    with receiving() as receiver:
        receiver.plan = [410]
        hook = subscribe(partner, receiver)
        # Two changes in one transaction (an import), so both are queued before the first is answered.
        rows = [payloads.company(business_id, municipality="226") for business_id in ("0112038-9", "0737546-2")]
        assert client.post("/api/v1/companies/import", json=rows).status_code == 200
        disabled = wait_until(lambda: (body := partner.get(hook).get_json())["active"] is False and body)
        assert "410" in disabled["disabled_reason"] and disabled["disabled_at"]
        newest, oldest = log(partner, hook)
        assert oldest["status"] == "pending" and oldest["last_status_code"] == 410 and newest["attempts"] == 0
        assert len(receiver.received) == 1

        etag = partner.get(hook).headers["ETag"]
        resumed = partner.patch(hook, json={"active": True}, content_type=MERGE_PATCH, headers={"If-Match": etag})
        assert resumed.status_code == 200 and resumed.get_json()["disabled_reason"] is None
        wait_until(lambda: settled(partner, hook))
        assert receiver.delivered_ids() == [oldest["id"], newest["id"]]
        assert [item.id for item in receiver.received] == [oldest["id"], oldest["id"], newest["id"]]


def test_a_message_that_fails_every_retry_is_failed_and_the_next_one_follows(partner, anonymous, worker):
    with receiving() as receiver:
        receiver.plan = [503] * 6
        hook = subscribe(partner, receiver)
        ids = [ping(partner, hook) for _ in range(2)]
        wait_until(lambda: settled(partner, hook))
        newest, oldest = log(partner, hook)
        assert oldest["status"] == "failed" and oldest["attempts"] == 6 and oldest["last_status_code"] == 503
        assert oldest["next_attempt_at"] is None
        assert newest["status"] == "delivered"
        assert receiver.delivered_ids() == ids[1:]
        assert partner.get(hook).get_json()["active"] is True
    assert metric(anonymous, "directory_webhook_deliveries_total", outcome="failed") == 1


def test_a_worker_killed_mid_delivery_loses_nothing(partner, worker, database_url):
    with receiving() as receiver:
        receiver.plan = ["hold"]
        hook = subscribe(partner, receiver)
        ids = [ping(partner, hook) for _ in range(3)]
        wait_until(receiver.holding.is_set)
        worker["process"].kill()
        receiver.release.set()
        first = log(partner, hook)[-1]
        assert first["status"] == "pending" and first["attempts"] == 0

        worker["process"] = WorkerProcess(database_url, worker["logs"] / "worker-2.log")
        wait_until(lambda: settled(partner, hook), timeout=120)
        assert receiver.delivered_ids() == ids
        assert [item.id for item in receiver.received].count(ids[0]) == 2


def test_two_workers_over_postgresql_deliver_each_message_once(partner, worker, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("several workers need PostgreSQL (SKIP LOCKED); over SQLite run one")
    second = WorkerProcess(database_url, worker["logs"] / "second.log")
    try:
        wait_until(lambda: any(line.get("message") == "webhook worker started" for line in second.log_lines()), timeout=120)
        with receiving() as receiver:
            hooks = [subscribe(partner, receiver, f"/hooks/{number}") for number in range(6)]
            ids = {hook: [ping(partner, hook) for _ in range(8)] for hook in hooks}
            wait_until(lambda: all(settled(partner, hook) for hook in hooks), timeout=120)
            assert all(item.verified for item in receiver.received)
            received = [item.id for item in receiver.received]
            assert sorted(received) == sorted(sum(ids.values(), []))
            for hook, expected in ids.items():
                assert [item for item in received if item in expected] == expected
    finally:
        assert second.stop() == 0
    senders = [process.log_lines() for process in (worker["process"], second)]
    assert all(any(line.get("message") == "webhook attempt" for line in lines) for lines in senders)


def test_a_worker_started_beside_the_server_stops_with_it(database_url, tmp_path):
    """As bin/serve runs it: the shell starts the worker, then becomes the server (exec); the worker ends after it."""
    log_path = tmp_path / "beside.log"
    shell = subprocess.Popen(
        ["bash", "-c", f'{sys.executable} -m flask --app wsgi webhooks worker --stop-with $$ >"{log_path}" 2>&1 & exec sleep 3'],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1", **WORKER_ENV},
    )
    assert shell.wait(30) == 0
    wait_until(lambda: "webhook worker stopped" in log_path.read_text(), timeout=120)


def test_a_committed_write_reaches_the_receiver_through_the_worker(client, partner, worker):
    assert client.post("/api/v1/municipalities", json=payloads.municipality()).status_code == 201
    with receiving() as receiver:
        hook = subscribe(partner, receiver, events=["company.created"])
        company = client.post("/api/v1/companies", json=payloads.company(municipality="226")).get_json()
        wait_until(lambda: receiver.delivered())
        [delivered] = receiver.delivered()
    assert delivered.verified and delivered.message["type"] == "company.created"
    assert delivered.message["data"]["data"] == partner.get(f"/api/v1/companies/{company['id']}").get_json()
    assert [message["status"] for message in log(partner, hook)] == ["delivered"]


def test_a_partner_mirrors_the_companies_through_webhooks_alone(client, partner, worker):
    """What a partner's receiver does from the docs: apply each message by id; after churn its mirror is a full listing."""
    assert client.post("/api/v1/municipalities", json=payloads.municipality()).status_code == 201
    with receiving() as receiver:
        subscribe(partner, receiver, events=["company.*"])
        made = [client.post("/api/v1/companies", json=payloads.company(business_id, municipality="226"))
                for business_id in ("1234500-6", "1234501-4", "1234502-2", "1234503-0")]
        renamed, unpublished, deleted = made[:3]
        for answer, change in ((renamed, {"name": "Uusi Nimi Oy"}), (unpublished, {"status": "draft"})):
            assert client.patch(answer.headers["Location"], json=change, headers={"If-Match": answer.headers["ETag"]}).status_code == 200
        assert client.delete(deleted.headers["Location"], headers={"If-Match": deleted.headers["ETag"]}).status_code == 204
        never_published = payloads.company("1234504-9", municipality="226", status="draft")
        assert client.post("/api/v1/companies", json=never_published).status_code == 201
        # Four created, one renamed, one unpublished and one deleted (both `deleted` to a partner); the draft never.
        wait_until(lambda: len(receiver.delivered()) >= 7, timeout=120)
        mirror: dict = {}
        for item in receiver.delivered():
            assert item.verified
            change = item.message["data"]
            if change["action"] == "deleted":
                mirror.pop(change["id"], None)
            else:
                mirror[change["id"]] = change["data"]
    listing = {company["id"]: company for company in partner.get("/api/v1/companies?page_size=100").get_json()}
    assert mirror == listing and len(listing) == 2
