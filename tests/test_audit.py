"""The audit trail: every write records who changed what, in the same transaction; `…/history` lists it."""

import json

import pytest

from api import audit
from tests import payloads


@pytest.fixture
def karstula(client):
    client.post("/api/v1/municipalities", json=payloads.municipality())
    client.post("/api/v1/municipalities", json=payloads.municipality("931", name={"fi": "Viitasaari"}))


def test_company_history_records_who_changed_what_newest_first(client, create_key, app, karstula):
    editor = app.test_client()
    editor.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {create_key('editor', name='kehittaja-karstula')}"
    created = editor.post("/api/v1/companies", json=payloads.company(municipality="226", tags=["saha"]))
    url = f"/api/v1/companies/{created.get_json()['id']}"
    patched = editor.patch(
        url,
        json={"name": "Karstulan Puu Oy", "tags": ["saha", "vienti"], "description": {"sv": "Sågat virke."}},
        headers={"If-Match": created.headers["ETag"]},
    )
    assert patched.status_code == 200
    assert client.delete(url, headers={"If-Match": patched.headers["ETag"]}).status_code == 204

    history = editor.get(f"{url}/history")
    assert history.status_code == 200
    deleted, updated, made = history.get_json()
    assert [deleted["action"], updated["action"], made["action"]] == ["delete", "update", "create"]
    assert made["actor"] == updated["actor"] == "kehittaja-karstula"
    assert deleted["actor"].startswith("admin-")
    assert updated["changes"] == {
        "name": ["Karstulan Puutuote Oy", "Karstulan Puu Oy"],
        "tags": [["saha"], ["saha", "vienti"]],
        "description": [
            {"fi": "Sahatavaraa ja hirsitaloja.", "en": "Sawn timber and log houses."},
            {"fi": "Sahatavaraa ja hirsitaloja.", "sv": "Sågat virke.", "en": "Sawn timber and log houses."},
        ],
        # An editor's write is also a check of the record.
        "last_verified_at": [created.get_json()["last_verified_at"], patched.get_json()["last_verified_at"]],
    }
    assert made["changes"]["name"] == [None, "Karstulan Puutuote Oy"]
    assert made["changes"]["municipality"] == [None, "226"]
    assert made["changes"]["phone"] == [None, "+358144591111"]
    assert not {"updated_at", "version", "id", "name_fi"} & set(made["changes"])
    assert list(deleted["changes"]) == ["deleted_at"]
    # `at` is the stamp of the change itself.
    assert updated["at"] == patched.get_json()["updated_at"]
    assert made["at"] < updated["at"] < deleted["at"]


def test_history_is_paginated(client, karstula):
    created = client.post("/api/v1/companies", json=payloads.company())
    url, etag = f"/api/v1/companies/{created.get_json()['id']}", created.headers["ETag"]
    for year in (1990, 1991, 1992):
        etag = client.patch(url, json={"founded_year": year}, headers={"If-Match": etag}).headers["ETag"]
    page = client.get(f"{url}/history?page=2&page_size=2")
    assert [entry["changes"].get("founded_year") for entry in page.get_json()] == [[1987, 1990], [None, 1987]]
    assert json.loads(page.headers["X-Pagination"])["total"] == 4
    assert 'rel="prev"' in page.headers["Link"] and 'rel="first"' in page.headers["Link"]
    assert client.get(f"{url}/history?page=2&page_size=2", headers={"If-None-Match": page.headers["ETag"]}).status_code == 304
    assert client.get(f"{url}/history?page_size=101").status_code == 422
    assert client.get(f"{url}/history?include_deleted=true").status_code == 422


def test_event_and_spearhead_history(client, karstula):
    spearhead = client.post("/api/v1/spearheads", json=payloads.spearhead(municipalities=["226"]))
    slug_url = f"/api/v1/spearheads/{spearhead.get_json()['slug']}"
    client.patch(slug_url, json={"municipalities": ["931", "226"]}, headers={"If-Match": spearhead.headers["ETag"]})
    by_slug = client.get(f"{slug_url}/history").get_json()
    assert by_slug[0]["changes"] == {"municipalities": [["226"], ["226", "931"]]}
    assert client.get(f"/api/v1/spearheads/{spearhead.get_json()['id']}/history").get_json() == by_slug

    event = client.post("/api/v1/events", json=payloads.event(municipalities=["226"], spearheads=[spearhead.get_json()["id"]]))
    entries = client.get(f"/api/v1/events/{event.get_json()['id']}/history").get_json()
    assert entries[0]["action"] == "create"
    assert entries[0]["changes"]["start_time"] == [None, "2020-12-08T07:00:00+00:00"]
    assert entries[0]["changes"]["spearheads"] == [[], [spearhead.get_json()["id"]]]


def test_history_is_for_editors_and_admins(client, anonymous, partner, editor, karstula):
    url = f"/api/v1/companies/{client.post('/api/v1/companies', json=payloads.company()).get_json()['id']}/history"
    assert anonymous.get(url).status_code == 401
    assert partner.get(url).status_code == 403
    assert editor.get(url).status_code == 200
    assert client.get("/api/v1/companies/nope/history").status_code == 404
    assert client.get("/api/v1/events/nope/history").status_code == 404
    assert client.get("/api/v1/spearheads/nope/history").status_code == 404


def test_a_refused_or_lost_write_leaves_no_entry(client, client_with, karstula):
    created = client.post("/api/v1/companies", json=payloads.company(municipality="931"))
    url, etag = f"/api/v1/companies/{created.get_json()['id']}", created.headers["ETag"]
    assert client.patch(url, json={"name": "Ensimmäinen Oy"}, headers={"If-Match": etag}).status_code == 200
    assert client.patch(url, json={"name": "Toinen Oy"}, headers={"If-Match": etag}).status_code == 412
    assert client.patch(url, json={"name": ""}, headers={"If-Match": etag}).status_code == 422
    karstula_editor = client_with("editor", "226")
    assert karstula_editor.post("/api/v1/companies", json=payloads.company("2077474-0", municipality="931")).status_code == 403
    assert [entry["action"] for entry in client.get(f"{url}/history").get_json()] == ["update", "create"]


def test_the_entry_commits_with_the_change_or_neither_does(client, karstula, monkeypatch):
    created = client.post("/api/v1/companies", json=payloads.company())
    url, etag = f"/api/v1/companies/{created.get_json()['id']}", created.headers["ETag"]
    # An entry that cannot be stored (its actor is NOT NULL) must take the change down with it.
    monkeypatch.setattr(audit, "actor", lambda: None)
    assert client.patch(url, json={"name": "Ei tallennu Oy"}, headers={"If-Match": etag}).status_code >= 400
    monkeypatch.undo()
    assert client.get(url).get_json()["name"] == "Karstulan Puutuote Oy"
    assert len(client.get(f"{url}/history").get_json()) == 1


def test_seeded_records_name_the_command(runner, client):
    assert runner.invoke(args=["seed"]).exit_code == 0
    company = client.get("/api/v1/companies?page_size=1").get_json()[0]
    (entry,) = client.get(f"/api/v1/companies/{company['id']}/history").get_json()
    assert entry["action"] == "create" and entry["actor"].endswith("seed")


def test_imported_rows_are_audited_with_the_importing_key(client, create_key, app, karstula):
    importer = app.test_client()
    importer.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {create_key('editor', name='tuoja')}"
    created = client.post("/api/v1/companies", json=payloads.company())
    answer = importer.post("/api/v1/companies/import", json=[
        {"business_id": "0112038-9", "name": "Tuotu Oy"}, payloads.company("2077474-0", municipality="931"),
    ])
    assert answer.get_json() == {"created": 1, "updated": 1, "unchanged": 0}
    updated = client.get(f"/api/v1/companies/{created.get_json()['id']}/history").get_json()[0]
    # An import by an editor's key is an editor's write: it marks the record as checked too.
    checked = [created.get_json()["last_verified_at"], updated["at"]]
    assert (updated["actor"], updated["action"], updated["changes"]) == (
        "tuoja", "update", {"name": ["Karstulan Puutuote Oy", "Tuotu Oy"], "last_verified_at": checked}
    )
    new = client.get("/api/v1/companies?business_id=2077474-0").get_json()[0]
    (entry,) = client.get(f"/api/v1/companies/{new['id']}/history").get_json()
    assert (entry["actor"], entry["action"], entry["at"]) == ("tuoja", "create", new["updated_at"])
