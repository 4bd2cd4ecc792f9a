"""Reads validated by the data version (api.freshness): the same bytes as the database path, never older than a write."""

import uuid

import pytest
from flask import g
from sqlalchemy import event

from api import create_app
from api.config import TestConfig
from api.extensions import db
from tests import payloads
from tests.live import call, gunicorn


@pytest.fixture
def versioned(database_url):
    """An app whose requests all see one data version, as if Redis held it and no other instance wrote."""

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = database_url

    app = create_app(Config)

    @app.before_request
    def one_version() -> None:
        g.data_version = b"7"

    statements = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    return app, statements


def test_answers_known_fresh_are_the_database_paths_bytes_without_a_statement(versioned, seeded, client):
    app, statements = versioned
    company = client.get("/api/v1/companies?page_size=1").get_json()[0]["id"]
    anonymous = app.test_client()
    for url in (f"/api/v1/companies/{company}", "/api/v1/companies?municipality=226&page_size=50", "/api/v1/spearheads"):
        first = anonymous.get(url)  # the database path, which remembers the ETag
        statements.clear()
        again = anonymous.get(url)
        assert statements == []  # neither the stamps nor the record were read
        assert (again.status_code, again.data, again.headers["ETag"]) == (first.status_code, first.data, first.headers["ETag"])
        not_modified = anonymous.get(url, headers={"If-None-Match": first.headers["ETag"]})
        assert not_modified.status_code == 304 and statements == []


def test_a_write_in_this_process_forgets_what_it_knew(versioned, seeded, client):
    app, _ = versioned
    created = client.post("/api/v1/companies", json=payloads.company()).get_json()
    anonymous, editor = app.test_client(), app.test_client()
    editor.environ_base["HTTP_AUTHORIZATION"] = client.environ_base["HTTP_AUTHORIZATION"]
    url = f"/api/v1/companies/{created['id']}"
    before = anonymous.get(url)
    changed = editor.patch(url, json={"name": "Uusi nimi Oy"}, headers={"If-Match": before.headers["ETag"]},
                           content_type="application/merge-patch+json")
    assert changed.status_code == 200
    after = anonymous.get(url)
    assert after.get_json()["name"] == "Uusi nimi Oy" and after.headers["ETag"] != before.headers["ETag"]


@pytest.mark.postgresql
def test_a_write_on_one_instance_is_seen_by_the_next_read_on_another(database_url, redis_url, admin_key):
    """Two gunicorn instances sharing PostgreSQL and Redis, each worker warmed with the answer before the write."""
    key = {"Authorization": f"Bearer {admin_key}"}
    env = {"RATELIMIT_STORAGE_URI": redis_url, "RATELIMIT_KEY_PREFIX": f"test-freshness-{uuid.uuid4().hex[:8]}"}
    with gunicorn(database_url, workers=2, threads=2, env=env) as first, gunicorn(database_url, workers=2, threads=2, env=env) as second:
        status, headers, company = call("POST", f"{first.base_url}/api/v1/companies", payloads.company(), key)
        assert status == 201
        by_id = f"/api/v1/companies/{company['id']}"
        listed = "/api/v1/companies?page_size=100"
        for _ in range(8):  # several requests, so that every worker of the second instance remembers both
            old_etag = call("GET", second.base_url + by_id)[1]["ETag"]
            call("GET", second.base_url + listed)
        for round_ in range(3):
            name = f"Kirjoitettu {round_} Oy"
            etag = call("GET", first.base_url + by_id, headers=key)[1]["ETag"]
            assert call("PATCH", first.base_url + by_id, {"name": name}, {"If-Match": etag, **key})[0] == 200
            for _ in range(4):
                status, _, seen = call("GET", second.base_url + by_id)
                assert status == 200 and seen["name"] == name
                assert name in [item["name"] for item in call("GET", second.base_url + listed)[2]]
                assert call("GET", second.base_url + by_id, headers={"If-None-Match": old_etag})[0] == 200
            old_etag = call("GET", second.base_url + by_id)[1]["ETag"]
