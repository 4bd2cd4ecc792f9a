"""A partner's incremental mirror, kept with updated_since and tombstones, always equals the source."""

import pytest

from api.domain.business_id import business_ids
from tests import payloads

PAGE_SIZE = 3


def sync(get_page, mirror: dict, cursor: str | None, key: str = "id") -> str | None:
    """The documented loop: ask from the largest updated_at seen (inclusive), drop duplicates by `key`.

    `get_page(query)` answers the list's page for a query string (from any instance of the service).
    """
    while True:
        query = f"include_deleted=true&sort=updated_at&page_size={PAGE_SIZE}"
        if cursor:
            query += f"&updated_since={cursor.replace('+', '%2B')}"
        page = get_page(query)
        for record in page:
            if "deleted_at" in record:
                mirror.pop(record[key], None)
            else:
                mirror[record[key]] = record
        if page:
            cursor = page[-1]["updated_at"]
        if len(page) < PAGE_SIZE:
            return cursor


def companies(client):
    return lambda query: client.get(f"/api/v1/companies?{query}").get_json()


def full_read(client, path: str, key: str = "id") -> dict:
    records, page = {}, 1
    while batch := client.get(f"{path}?page={page}&page_size=100").get_json():
        records.update({record[key]: record for record in batch})
        page += 1
    return records


def test_incremental_mirror_equals_a_fresh_full_read(client):
    ids = business_ids(1_000_000)
    created = [client.post("/api/v1/companies", json=payloads.company(next(ids), name=f"Yritys {n}")) for n in range(8)]
    mirror: dict = {}
    cursor = sync(companies(client), mirror, None)
    assert mirror == full_read(client, "/api/v1/companies")

    # Changes: updates, deletes and creates.
    for answer in created[:3]:
        client.patch(f"/api/v1/companies/{answer.get_json()['id']}", json={"name": "Muutettu Oy"}, headers={"If-Match": answer.headers["ETag"]})
    for answer in created[3:5]:
        client.delete(f"/api/v1/companies/{answer.get_json()['id']}", headers={"If-Match": answer.headers["ETag"]})
    for n in range(4):
        client.post("/api/v1/companies", json=payloads.company(next(ids), name=f"Uusi {n}"))

    cursor = sync(companies(client), mirror, cursor)
    assert mirror == full_read(client, "/api/v1/companies")
    assert len(mirror) == 8 - 2 + 4


def test_writes_during_paging_are_not_missed(client):
    ids = business_ids(1_000_000)
    answers = [client.post("/api/v1/companies", json=payloads.company(next(ids), name=f"Yritys {n}")) for n in range(7)]
    mirror: dict = {}
    # A first page, then writes land while the partner is between pages.
    first = client.get(f"/api/v1/companies?include_deleted=true&sort=updated_at&page_size={PAGE_SIZE}").get_json()
    mirror.update({record["id"]: record for record in first})
    cursor = first[-1]["updated_at"]
    oldest = answers[0]
    client.patch(f"/api/v1/companies/{oldest.get_json()['id']}", json={"name": "Päivitetty Oy"}, headers={"If-Match": oldest.headers["ETag"]})
    client.delete(f"/api/v1/companies/{answers[5].get_json()['id']}", headers={"If-Match": answers[5].headers["ETag"]})
    sync(companies(client), mirror, cursor)
    assert mirror == full_read(client, "/api/v1/companies")


def test_updated_since_is_inclusive(client):
    company = client.post("/api/v1/companies", json=payloads.company()).get_json()
    stamp = company["updated_at"].replace("+", "%2B")
    assert [c["id"] for c in client.get(f"/api/v1/companies?updated_since={stamp}").get_json()] == [company["id"]]


# Per resource: its key, its text field, and four records to create. Municipalities are never deleted.
RESOURCES = {
    "municipalities": ("code", "name", [payloads.municipality(code, name={"fi": f"Kunta {code}"}) for code in ("216", "226", "256", "265")]),
    "spearheads": ("id", "title", [payloads.spearhead(f"painopiste-{n}") for n in range(4)]),
    "events": ("id", "title", [payloads.event(title={"fi": f"Tapahtuma {n}"}) for n in range(4)]),
}


@pytest.mark.parametrize("resource", RESOURCES)
def test_other_resources_sync_too(client, resource):
    path = f"/api/v1/{resource}"
    key, text, bodies = RESOURCES[resource]
    deletable = resource != "municipalities"

    def pages(query: str) -> list:
        return client.get(f"{path}?{query}").get_json()

    created = [client.post(path, json=body) for body in bodies[:3]]
    assert {answer.status_code for answer in created} == {201}
    mirror: dict = {}
    cursor = sync(pages, mirror, None, key)
    assert mirror == full_read(client, path, key) and len(mirror) == 3

    # An update, a deletion and a new record.
    (changed, changed_etag), (deleted, deleted_etag) = ((a.headers["Location"], a.headers["ETag"]) for a in created[:2])
    assert client.patch(changed, json={text: {"fi": "Muutettu"}}, headers={"If-Match": changed_etag}).status_code == 200
    if deletable:
        assert client.delete(deleted, headers={"If-Match": deleted_etag}).status_code == 204
    assert client.post(path, json=bodies[3]).status_code == 201

    sync(pages, mirror, cursor, key)
    assert mirror == full_read(client, path, key)
    assert len(mirror) == 3 + 1 - deletable
    assert [record[text]["fi"] for record in mirror.values()].count("Muutettu") == 1
