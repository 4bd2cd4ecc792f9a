"""Probes, request ids, logs and metrics; the database going away and coming back."""

import io
import json
import logging
import os
import re
import signal
import socket
import time
import urllib.request
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from api import create_app, database, observability
from api.config import ProductionConfig, TestConfig, UnsafeConfiguration
from tests import payloads
from tests.faults import Relay
from tests.live import call, gunicorn, read_answer, start_request


def test_probes(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/readyz").get_json() == {"status": "ready"}


def test_request_id_is_echoed_or_generated(client):
    assert client.get("/api/v1/companies", headers={"X-Request-Id": "partner-42"}).headers["X-Request-Id"] == "partner-42"
    generated = client.get("/api/v1/companies").headers["X-Request-Id"]
    assert uuid.UUID(generated)
    forged = client.get("/api/v1/companies", headers={"X-Request-Id": 'x" level="ERROR'}).headers["X-Request-Id"]
    assert uuid.UUID(forged)
    assert client.get("/api/v1/nothing").headers["X-Request-Id"]


def test_one_json_log_line_per_request(database_url, admin_key):
    """The line as gunicorn's standard output carries it, read back from there."""
    with gunicorn(database_url, workers=1) as server:
        headers = {"X-Request-Id": "trace-me", "Authorization": f"Bearer {admin_key}"}
        assert call("GET", f"{server.base_url}/api/v1/companies?page_size=5", headers=headers)[0] == 200
        deadline = time.monotonic() + 30  # generous: the line is flushed as it is written
        while not (lines := [line for line in server.output().splitlines() if "trace-me" in line]):
            assert time.monotonic() < deadline, server.output()[-2000:]
            time.sleep(0.1)
    (line,) = lines
    record = json.loads(line)
    assert record["request_id"] == "trace-me" and record["name"] == "api.access" and record["level"] == "INFO"
    assert record["method"] == "GET" and record["path"] == "/api/v1/companies"
    assert record["route"] == "/api/v1/companies" and record["status"] == 200
    assert record["key"].startswith("admin") and record["remote_addr"] == "127.0.0.1"
    assert record["duration_ms"] >= 0 and record["time"]


def test_the_access_line_is_the_same_with_or_without_a_record(monkeypatch, caplog):
    """Written directly while our handler alone would see the access log's records, through a record otherwise."""
    stream = io.StringIO()
    handler = observability.JsonLineHandler(stream)
    handler.setFormatter(observability.JsonLineFormatter())
    monkeypatch.setattr(logging.getLogger(), "handlers", [handler])
    monkeypatch.setattr(logging.getLogger(), "level", logging.INFO)
    fields = {"request_id": "r-1", "method": "GET", "path": "/p", "route": None, "status": 200, "duration_ms": 0.5,
              "remote_addr": "127.0.0.1", "key": None}
    assert observability._sole_handler() is handler
    observability._log_request(fields)
    monkeypatch.setattr(observability.access_log, "filters", [lambda _record: True])
    assert observability._sole_handler() is None
    observability._log_request(fields)
    direct, recorded = (json.loads(line) for line in stream.getvalue().splitlines())
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}", direct.pop("time"))
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}", recorded.pop("time"))
    assert list(direct.items()) == list(recorded.items()) == [("level", "INFO"), ("name", "api.access"), ("message", "request"), *fields.items()]
    # Beside another handler (pytest's caplog here), both get the record.
    monkeypatch.setattr(observability.access_log, "filters", [])
    monkeypatch.setattr(logging.getLogger(), "handlers", [handler, caplog.handler])
    assert observability._sole_handler() is None
    observability._log_request(fields)
    assert caplog.records[-1].request_id == "r-1" and len(stream.getvalue().splitlines()) == 3


def _count(metrics_text: str, labels: str) -> float:
    prefix = f"directory_http_request_duration_seconds_count{{{labels}}} "
    return next((float(line[len(prefix):]) for line in metrics_text.splitlines() if line.startswith(prefix)), 0.0)


def test_metrics_count_requests_by_route_and_status(client):
    ok = 'method="GET",status="200",url_rule="/api/v1/companies"'
    missing = 'method="GET",status="404",url_rule="/api/v1/companies/<company_id>"'
    before = client.get("/metrics").get_data(as_text=True)
    for _ in range(3):
        client.get("/api/v1/companies")
    client.get("/api/v1/companies/missing")
    after = client.get("/metrics").get_data(as_text=True)
    assert _count(after, ok) - _count(before, ok) == 3
    assert _count(after, missing) - _count(before, missing) == 1


def _total(metrics_text: str, labels: str) -> float:
    prefix = f"directory_http_request_total{{{labels}}} "
    return next((float(line[len(prefix):]) for line in metrics_text.splitlines() if line.startswith(prefix)), 0.0)


def test_metrics_count_each_method_route_and_status_apart(anonymous):
    """The metrics' children are kept per method, route and status: each counts its own requests only."""
    asked = {("GET", "/healthz"): 3, ("HEAD", "/healthz"): 2, ("POST", "/healthz"): 2, ("GET", "/readyz"): 1, ("GET", "/nothing"): 1}
    counted = {
        'method="GET",status="200",url_rule="/healthz"': 3,
        'method="HEAD",status="200",url_rule="/healthz"': 2,
        'method="POST",status="405",url_rule="None"': 2,
        'method="GET",status="200",url_rule="/readyz"': 1,
        'method="GET",status="404",url_rule="None"': 1,
    }
    totals = {'method="GET",status="200"': 4, 'method="HEAD",status="200"': 2, 'method="POST",status="405"': 2, 'method="GET",status="404"': 1}
    for _round in range(2):  # the second round counts through the children the first one made
        before = anonymous.get("/metrics").get_data(as_text=True)
        for (method, path), times in asked.items():
            for _ in range(times):
                anonymous.open(path, method=method)
        after = anonymous.get("/metrics").get_data(as_text=True)
        assert {labels: _count(after, labels) - _count(before, labels) for labels in counted} == counted
        assert {labels: _total(after, labels) - _total(before, labels) for labels in totals} == totals


def test_generated_request_ids_are_uuid4s(monkeypatch):
    """The id's bits are set as uuid.UUID(version=4) sets them, whatever bits the generator gives."""
    for bits in (0, (1 << 128) - 1, 0x0123456789ABCDEF0123456789ABCDEF):
        monkeypatch.setattr(observability.random, "getrandbits", lambda _count, bits=bits: bits)
        assert observability._new_request_id() == uuid.UUID(int=bits, version=4).hex


def test_metrics_token_guards_the_metrics(app, anonymous, client, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "m3trics-t0ken")
    for refused in (anonymous, client):  # an API key, even an admin's, is not the metrics token
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "m3trics-t0ken"}):
            answer = refused.get("/metrics", headers=headers)
            assert answer.status_code == 401 and answer.content_type == "application/problem+json", headers
            assert answer.headers["WWW-Authenticate"].startswith("Bearer")
            assert b"directory_http_request" not in answer.data
    answer = anonymous.get("/metrics", headers={"Authorization": "Bearer m3trics-t0ken"})
    assert answer.status_code == 200 and "directory_http_request" in answer.get_data(as_text=True)


def test_metrics_add_up_across_gunicorn_workers(database_url):
    with gunicorn(database_url, workers=3, threads=1) as server:
        base = server.base_url
        for _ in range(12):
            assert call("GET", f"{base}/api/v1/spearheads")[0] == 200
        text = urllib.request.urlopen(f"{base}/metrics").read().decode()
    assert _count(text, 'method="GET",status="200",url_rule="/api/v1/spearheads"') == 12


def test_sigterm_lets_a_request_in_flight_finish(database_url, admin_key, client):
    """A deploy stops gunicorn with SIGTERM: a write already being served is answered and committed."""
    body = json.dumps(payloads.company()).encode()
    with gunicorn(database_url, workers=1, threads=2) as server:
        port = int(server.base_url.rsplit(":", 1)[1])
        connection = start_request(
            server.base_url,
            b"POST /api/v1/companies HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
            + f"Authorization: Bearer {admin_key}\r\nContent-Length: {len(body)}\r\n".encode(),
        )
        with connection:
            server.send_signal(signal.SIGTERM)
            signalled = time.monotonic()
            # Refused connections mean the master and the worker have closed the listener: shutdown is on.
            # Waited for at most half of gunicorn's 20 s grace period, so the body still arrives inside it.
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                except ConnectionRefusedError:
                    break
                if time.monotonic() - signalled > 10:
                    pytest.fail("gunicorn kept accepting connections for 10 s after SIGTERM")
                time.sleep(0.05)
            assert server.poll() is None, "gunicorn stopped before the request in flight was answered"
            connection.sendall(body)
            answer = read_answer(connection)
        assert answer.startswith(b"HTTP/1.1 201"), answer[:200]
        created = json.loads(answer.partition(b"\r\n\r\n")[2])
        assert server.wait(timeout=30) == 0
    assert client.get(f"/api/v1/companies/{created['id']}").status_code == 200


def test_production_refuses_unsafe_settings(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    monkeypatch.setenv("CORS_ORIGINS", "*")
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "memory://")
    with pytest.raises(UnsafeConfiguration) as refused:
        create_app(ProductionConfig)
    reasons = str(refused.value)
    assert "DATABASE_URL" in reasons and "CORS_ORIGINS" in reasons and "RATELIMIT_STORAGE_URI" in reasons
    assert "PUBLIC_BASE_URL" in reasons


@pytest.mark.parametrize("base", ["", "directory.example", "https://directory.example/api/v1", "ftp://directory.example"])
def test_production_needs_the_public_origin_for_absolute_links(monkeypatch, base):
    monkeypatch.setenv("PUBLIC_BASE_URL", base)
    assert any("PUBLIC_BASE_URL" in reason for reason in ProductionConfig.unsafe_settings(os.environ))


def test_production_starts_with_safe_settings():
    environ = {
        "DATABASE_URL": "postgresql+psycopg://directory@db/directory",
        "CORS_ORIGINS": "https://platform.example",
        "RATELIMIT_STORAGE_URI": "redis://redis:6379/0",
        "PUBLIC_BASE_URL": "https://directory.example/",
    }
    assert ProductionConfig.unsafe_settings(environ) == []


@pytest.mark.postgresql
def test_database_outage_is_503_within_seconds_and_recovers(database_url, admin_key):
    url = make_url(database_url)
    relay = Relay(url.host or "127.0.0.1", url.port or 5432)

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)

    app = create_app(Config)
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {admin_key}"
    try:
        assert client.post("/api/v1/companies", json=payloads.company()).status_code == 201
        paths, bounds = ("/api/v1/companies", "/readyz"), {}
        for path in paths:
            started = time.monotonic()
            assert client.get(path).status_code == 200
            # The promised 5 s of waiting for the database, plus what this machine's load adds to a request.
            bounds[path] = 5 + (time.monotonic() - started)
        relay.cut()
        for path in paths:
            started = time.monotonic()
            answer = client.get(path)
            assert time.monotonic() - started < bounds[path], path
            assert answer.status_code == 503 and answer.content_type == "application/problem+json", path
            assert "Traceback" not in answer.get_data(as_text=True)
        assert client.get("/healthz").status_code == 200
        relay.restore()
        # It comes back by itself: wait for that with a generous bound rather than expect it at once.
        deadline = time.monotonic() + 30
        while client.get("/readyz").status_code != 200:
            assert time.monotonic() < deadline, "not ready 30 s after the database came back"
            time.sleep(0.2)
        assert len(client.get("/api/v1/companies").get_json()) == 1
    finally:
        relay.close()
        with app.app_context():
            from api.extensions import db

            db.engine.dispose()


def _cut_pooled_connection(app, database_url: str) -> None:
    """End the app's pooled server session from outside, as a PostgreSQL restart or a failover would."""
    from api.extensions import db

    with app.app_context():
        # A pool of one connection, which the test's requests (one at a time) then all use.
        db.engine.dispose()
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
        db.session.remove()
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        admin.dispose()


@pytest.mark.postgresql
def test_idle_pooled_connections_are_checked_busy_ones_are_not(app, database_url, anonymous, monkeypatch):
    url = "/api/v1/municipalities"
    assert anonymous.get(url).status_code == 200

    # A connection in steady use is not pinged: when the server cut it, one request fails with a
    # problem and the pool is renewed, so the next one succeeds.
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 3600)
    _cut_pooled_connection(app, database_url)
    failed = anonymous.get(url)
    assert failed.status_code == 503 and failed.content_type == "application/problem+json"
    assert anonymous.get(url).status_code == 200

    # An idle connection is pinged first, so a cut one is replaced before any request sees it.
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 0)
    _cut_pooled_connection(app, database_url)
    assert anonymous.get(url).status_code == 200
