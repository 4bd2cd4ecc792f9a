"""A list request runs as many SQL statements for a page of 100 as for a page of 5: no N+1 queries."""

import contextlib

import pytest
from sqlalchemy import event

from api import records
from api.cli.synthetic import add_synthetic
from api.extensions import db
from api.models import Municipality
from api.models.base import LocalizedText
from tests import payloads

LISTS = ["/api/v1/companies", "/api/v1/events", "/api/v1/spearheads", "/api/v1/municipalities"]


@pytest.fixture
def populated(app, seeded):
    """More than five of each record, each with the related records a list shows."""
    with app.app_context():
        add_synthetic(1000, random_seed=7)  # and 10 events
        with records.transaction() as writes:
            for number in range(6):
                writes.create(records.MUNICIPALITY, {"code": f"99{number}", "name": LocalizedText(fi=f"Testikunta {number}")})
            linked = list(db.session.scalars(db.select(Municipality).order_by(Municipality.code).limit(3)))
            for number in range(6):
                writes.create(records.SPEARHEAD, {"slug": f"test-{number}", "title": LocalizedText(fi=f"Kärki {number}"), "municipalities": linked})


@contextlib.contextmanager
def statements(app):
    """The SQL statements sent to the database while the block runs."""
    sent = []

    def count(_connection, _cursor, statement, _parameters, _context, _executemany):
        sent.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", count)


def page(app, client, path: str, size: int) -> tuple[int, list[str]]:
    with statements(app) as sent:
        answer = client.get(f"{path}?page_size={size}")
    assert answer.status_code == 200, answer.get_json()
    return len(answer.get_json()), sent


@pytest.mark.parametrize("path", LISTS)
def test_a_list_costs_the_same_statements_whatever_its_page_size(app, client, populated, path):
    client.get(path)  # the first request of a connection may run set-up statements of its own
    small, few = page(app, client, path, 5)
    large, many = page(app, client, path, 100)
    assert (small, large > small) == (5, True), "the lists must hold more records than the small page"
    assert len(many) == len(few), "\n".join(["page of 5:", *few, "", "page of 100:", *many])


def test_a_patch_answers_the_record_as_written_without_reading_it_back(app, client, seeded):
    """After its change is recorded a PATCH reads nothing (its ETag's stamps of linked records come from the
    records it loaded), and a Business ID the write keeps is not looked up again; the answer is what the next GET returns."""
    spearhead = client.get("/api/v1/spearheads").get_json()[0]["id"]
    created = client.post("/api/v1/companies", json=payloads.company(municipality="226", spearheads=[spearhead]))
    url = f"/api/v1/companies/{created.get_json()['id']}"
    with statements(app) as sent:
        patched = client.patch(url, json={"founded_year": 1961, "tags": ["saha"]}, headers={"If-Match": created.headers["ETag"]})
    assert patched.status_code == 200, patched.get_json()
    recorded = next(number for number, statement in enumerate(sent) if statement.startswith("INSERT INTO changes"))
    after_commit = [statement for statement in sent[recorded + 1 :] if statement.lstrip().upper().startswith("SELECT")]
    assert after_commit == [], sent[recorded + 1 :]
    assert not [statement for statement in sent if "companies.business_id =" in statement], sent
    read = client.get(url)
    assert (patched.data, patched.headers["ETag"]) == (read.data, read.headers["ETag"])


def _search_writes(sent: list[str]) -> list[str]:
    return [statement for statement in sent if "search_documents" in statement and not statement.lstrip().upper().startswith("SELECT")]


def test_a_write_rewrites_the_search_document_only_when_what_search_reads_changes(app, client, seeded):
    """A founding year is not searched, so its write leaves the document as it is; a new name, tags,
    description or status rewrite it, and search finds the record by what it says now."""
    created = client.post("/api/v1/companies", json=payloads.company(name="Metsälän Mylly Oy", description={"fi": "Jauhoja."}))
    url, etag = f"/api/v1/companies/{created.get_json()['id']}", created.headers["ETag"]
    for patch, rewritten in (
        ({"founded_year": 1961}, False),
        ({"phone": "+358 40 123 4567", "growth_seeking": True}, False),
        ({"description": {"fi": "Jauhoja ja leipää."}}, True),
        ({"name": "Metsälän Leipomo Oy"}, True),
        ({"tags": ["leipomo"]}, True),
        ({"status": "draft"}, True),
    ):
        with statements(app) as sent:
            patched = client.patch(url, json=patch, headers={"If-Match": etag})
        assert patched.status_code == 200, patched.get_json()
        etag = patched.headers["ETag"]
        assert bool(_search_writes(sent)) == rewritten, (patch, sent)
    found = client.get("/api/v1/companies", query_string={"q": "leipomot"}).get_json()
    assert [company["name"] for company in found] == ["Metsälän Leipomo Oy"]  # an admin sees the draft
    assert client.get("/api/v1/companies", query_string={"q": "myllyt"}).get_json() == []


def test_a_write_that_keeps_its_links_does_not_look_them_up_again(app, client, seeded):
    """Linked spearheads are live (deleting one takes it off every company), so a write that keeps them
    takes them from the record; a write that changes them looks them up, and a deleted one is a 422."""
    spearheads = [item["id"] for item in client.get("/api/v1/spearheads").get_json()[:2]]
    created = client.post("/api/v1/companies", json=payloads.company(spearheads=spearheads[:1]))
    url, etag = f"/api/v1/companies/{created.get_json()['id']}", created.headers["ETag"]
    looked_up = lambda sent: [statement for statement in sent if statement.lstrip().startswith("SELECT spearheads.")]  # noqa: E731
    with statements(app) as sent:
        kept = client.patch(url, json={"founded_year": 1961}, headers={"If-Match": etag})
    assert kept.status_code == 200 and kept.get_json()["spearheads"] == spearheads[:1]
    assert not looked_up(sent), sent
    with statements(app) as sent:
        changed = client.patch(url, json={"spearheads": spearheads}, headers={"If-Match": kept.headers["ETag"]})
    assert changed.status_code == 200 and changed.get_json()["spearheads"] == spearheads
    assert looked_up(sent), sent
    gone = client.get(f"/api/v1/spearheads/{spearheads[1]}")
    assert client.delete(f"/api/v1/spearheads/{spearheads[1]}", headers={"If-Match": gone.headers["ETag"]}).status_code == 204
    current = client.get(url)
    assert current.get_json()["spearheads"] == spearheads[:1]
    refused = client.patch(url, json={"spearheads": spearheads}, headers={"If-Match": current.headers["ETag"]})
    assert refused.status_code == 422, refused.get_json()
