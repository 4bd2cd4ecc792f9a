"""The rules at delivery time, with a worker in this process: SSRF, redirects, days of failures, settings."""

import socket
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import update

from api.extensions import db
from api.models import WebhookMessage, WebhookSubscription
from api.models.base import utcnow
from api.webhooks.delivery import Wakeup, Worker
from tests.webhook_receiver import log, ping, receiving, subscribe, wait_until


@pytest.fixture
def listener():
    """A socket on loopback that counts as attacked if anything connects to it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        sock.setblocking(False)
        yield sock


def run_worker_until(app, condition):
    """Run a worker in this process until `condition()` holds; answer what it answered."""
    stop = threading.Event()
    runner = threading.Thread(target=Worker(app, threads=1).run, args=(stop,))
    runner.start()
    try:
        return wait_until(condition)
    finally:
        stop.set()
        runner.join(30)


def deliver_once(app, hook: str, client) -> dict:
    """Run a worker in this process until the subscription's oldest message has had an attempt."""
    return run_worker_until(app, lambda: (message := log(client, hook)[-1])["attempts"] and message)


def delivered(client, hook: str, *ids: str) -> bool:
    return {message["id"] for message in log(client, hook) if message["status"] == "delivered"} >= set(ids)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/hook",
        "https://127.0.0.1:{port}/hook",
        "https://[::1]:{port}/hook",
        "https://[::ffff:127.0.0.1]:{port}/hook",
        "https://localhost:{port}/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://10.0.0.1/hook",
    ],
)
def test_delivery_refuses_a_private_address_without_connecting(app, partner, listener, monkeypatch, url):
    """A URL accepted once (as after a DNS change, or a setting turned off) is checked again at each connection."""
    answer = partner.post("/api/v1/webhooks", json={"url": url.format(port=listener.getsockname()[1]), "events": ["*"]})
    hook = answer.headers["Location"]
    ping(partner, hook)
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_PRIVATE_URLS", False)
    attempt = deliver_once(app, hook, partner)
    assert attempt["status"] == "pending" and attempt["last_status_code"] is None
    assert "Refused before connecting" in attempt["last_error"]
    with pytest.raises(BlockingIOError):
        listener.accept()


def test_redirects_are_not_followed(app, partner):
    with receiving() as receiver:
        receiver.plan = [307]
        hook = subscribe(partner, receiver)
        ping(partner, hook)
        attempt = deliver_once(app, hook, partner)
    assert attempt["last_status_code"] == 307 and "redirects are not followed" in attempt["last_error"]
    assert len(receiver.received) == 1


def test_a_subscription_failing_for_days_is_disabled_with_its_reason(app, partner):
    with receiving() as receiver:
        receiver.plan = [500]
        hook = subscribe(partner, receiver)
        ping(partner, hook)
        with app.app_context():
            db.session.execute(update(WebhookSubscription).values(failing_since=utcnow() - timedelta(days=6)))
            db.session.commit()
        deliver_once(app, hook, partner)
    subscription = partner.get(hook).get_json()
    assert subscription["active"] is False and "failed for 5 days" in subscription["disabled_reason"]


def test_a_bad_retry_schedule_stops_the_worker_with_a_clear_message(app, runner, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOKS_RETRY_SCHEDULE", "5,soon")
    result = runner.invoke(args=["webhooks", "worker"])
    assert result.exit_code == 2 and "WEBHOOKS_RETRY_SCHEDULE" in result.output


def test_the_worker_prunes_settled_messages_older_than_30_days(app, partner):
    with receiving() as receiver:
        hook = subscribe(partner, receiver)
        old, recent = ping(partner, hook), ping(partner, hook)
        run_worker_until(app, lambda: delivered(partner, hook, old, recent))
        with app.app_context():
            db.session.execute(update(WebhookMessage).where(WebhookMessage.id == old).values(created_at=utcnow() - timedelta(days=31)))
            db.session.commit()
        pending = ping(partner, hook)
        with app.app_context():
            db.session.execute(update(WebhookMessage).where(WebhookMessage.id == pending).values(created_at=utcnow() - timedelta(days=31)))
            db.session.commit()
        run_worker_until(app, lambda: delivered(partner, hook, pending))
    assert [message["id"] for message in log(partner, hook)] == [pending, recent]


def test_on_postgresql_an_idle_worker_wakes_when_work_is_committed(partner, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite workers poll")
    wakeup, stop = Wakeup(database_url, poll=60), threading.Event()
    try:
        assert wakeup.listen()
        with receiving() as receiver:
            ping(partner, subscribe(partner, receiver))
        started = time.monotonic()
        wakeup.wait(stop)
        assert time.monotonic() - started < 20
    finally:
        wakeup.close()
