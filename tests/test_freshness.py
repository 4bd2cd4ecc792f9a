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

    def one_version() -> None:
        g.data_version = b"7"

    # First, as the rate limiter's count is, so that the replay of anonymous answers sees the version.
    app.before_request_funcs.setdefault(None, []).insert(0, one_version)

    statements = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    return app, statements


def test_answers_known_fresh_are_the_database_paths_bytes_without_a_statement(versioned, seeded, client):
    app, statements = versioned
    checkouts = []
    with app.app_context():
        event.listen(db.engine, "checkout", lambda *args: checkouts.append(args))
    company = client.get("/api/v1/companies?page_size=1").get_json()[0]["id"]
    anonymous = app.test_client()
    for url in (f"/api/v1/companies/{company}", "/api/v1/companies?municipality=226&page_size=50", "/api/v1/spearheads"):
        first = anonymous.get(url)  # the database path, which remembers the ETag
        statements.clear()
        checkouts.clear()
        again = anonymous.get(url)
        assert statements == []  # neither the stamps nor the record were read
        assert checkouts == []  # nor was a connection taken from the pool (api.database.Session)
        assert (again.status_code, again.data, again.headers["ETag"]) == (first.status_code, first.data, first.headers["ETag"])
        not_modified = anonymous.get(url, headers={"If-None-Match": first.headers["ETag"]})
        assert not_modified.status_code == 304 and statements == []


# Headers each request gets anew; everything else of a replayed answer is the view's.
PER_REQUEST = {"X-Request-Id", "RateLimit-Remaining", "RateLimit-Reset", "Date"}


def _answer(response) -> tuple:
    return response.status_code, response.data, sorted((k, v) for k, v in response.headers.items() if k not in PER_REQUEST)


def test_anonymous_answers_are_replayed_without_the_view_exactly_as_it_gave_them(versioned, seeded, client, monkeypatch):
    app, statements = versioned
    company = client.get("/api/v1/companies?page_size=1").get_json()[0]["id"]
    event_id = client.get("/api/v1/events?page_size=1").get_json()[0]["id"]
    asked = [
        (f"/api/v1/companies/{company}", {}),
        (f"/api/v1/companies/{company}", {"Accept": "application/ld+json"}),
        ("/api/v1/companies?municipality=226&page_size=50", {}),
        ("/api/v1/companies?municipality=226", {"Accept": "application/geo+json"}),
        ("/api/v1/companies?q=sahha", {"Origin": "https://example.org"}),  # a corrected word: X-Search-Corrections
        ("/api/v1/companies/facets?q=sahha", {}),
        (f"/api/v1/events/{event_id}.ics", {}),
    ]
    anonymous = app.test_client()
    first = [anonymous.get(url, headers=headers) for url, headers in asked]
    assert "X-Search-Corrections" in first[4].headers and "X-Search-Corrections" in first[5].headers
    assert first[0].headers["Content-Type"] != first[1].headers["Content-Type"]

    def no_view(*_args, **_kwargs):
        raise AssertionError("the view built an answer that was kept")

    monkeypatch.setattr("api.resources.records.cached_answer", no_view)
    statements.clear()
    for (url, headers), before in zip(asked, first):
        assert _answer(anonymous.get(url, headers=headers)) == _answer(before), url
        not_modified = anonymous.get(url, headers={**headers, "If-None-Match": before.headers["ETag"]})
        assert not_modified.status_code == 304 and not_modified.headers["ETag"] == before.headers["ETag"]
    assert statements == []


def test_revalidations_are_replayed_from_a_304_alone_which_never_answers_a_plain_get(versioned, seeded, client, monkeypatch):
    """A client or shared cache that only revalidates (its kept 200 expired here) is answered before the view too."""
    from api import freshness
    from api.resources import records

    app, _ = versioned
    company = client.get("/api/v1/companies?page_size=1").get_json()[0]["id"]
    anonymous = app.test_client()
    for url in (f"/api/v1/companies/{company}", "/api/v1/companies?municipality=226&page_size=50"):
        full = anonymous.get(url)
        conditional = {"If-None-Match": full.headers["ETag"], "Origin": "https://example.org"}
        freshness._replays.clear()
        by_the_view = anonymous.get(url, headers=conditional)
        assert by_the_view.status_code == 304

        checked = []
        view_check = records.answer_304_if_fresh
        monkeypatch.setattr(records, "answer_304_if_fresh", lambda etag: (checked.append(etag), view_check(etag)))
        replayed = anonymous.get(url, headers=conditional)
        assert _answer(replayed) == _answer(by_the_view) and checked == []
        # Only the ETag was kept: a GET without it is the view's.
        assert _answer(anonymous.get(url)) == _answer(full) and checked == [full.get_etag()[0]]
        monkeypatch.setattr(records, "answer_304_if_fresh", view_check)


def test_answers_asked_with_a_key_are_never_replayed(versioned, seeded, client):
    app, _ = versioned
    draft = client.post("/api/v1/companies", json={**payloads.company(), "municipality": "226", "status": "draft"}).get_json()
    url = "/api/v1/companies?municipality=226&page_size=50"
    anonymous, editor = app.test_client(), app.test_client()
    editor.environ_base["HTTP_AUTHORIZATION"] = client.environ_base["HTTP_AUTHORIZATION"]
    for _ in range(2):
        assert draft["id"] not in [item["id"] for item in anonymous.get(url).get_json()]
        assert draft["id"] in [item["id"] for item in editor.get(url).get_json()]


def test_an_answer_with_translated_text_is_not_kept(database_url, monkeypatch):
    """Its language follows Accept-Language, which the replay does not look at."""
    from api import freshness
    from api.i18n import _

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = database_url

    app = create_app(Config)
    app.before_request_funcs.setdefault(None, []).insert(0, lambda: setattr(g, "data_version", b"7"))

    def greeting():
        freshness.replayable()
        return {"message": str(_("Not Found"))}

    app.add_url_rule("/api/v1/greeting", view_func=greeting)
    anonymous = app.test_client()
    finnish = anonymous.get("/api/v1/greeting", headers={"Accept-Language": "fi"})
    swedish = anonymous.get("/api/v1/greeting", headers={"Accept-Language": "sv"})
    assert (finnish.headers["Content-Language"], swedish.headers["Content-Language"]) == ("fi", "sv")
    assert finnish.get_json() != swedish.get_json()


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
