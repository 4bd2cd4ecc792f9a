"""Every write of a directory record goes through api.records: a lint over the code, and a guard at every flush."""

import ast
from pathlib import Path

import pytest
from sqlalchemy import select

from api import records
from api.extensions import db
from api.models import Company
from tests import payloads

API = Path(__file__).resolve().parent.parent / "api"
DIRECTORY_NAMES = {
    "Company", "Event", "Spearhead", "Municipality",
    "company_spearheads", "event_spearheads", "event_municipalities", "spearhead_municipalities",
}
DML = {"insert", "update", "delete"}
SESSION_WRITES = {"add", "add_all", "delete", "merge"}
# Modules outside the write path that add other rows through the session, and why.
SESSION_WRITERS = {
    "audit.py": "the audit entry that the write path hands it",
    "keys.py": "API keys, which are not directory records",
    # Personal data: kept out of the write path's change feed, search and exports, and erased for good.
    "resources/inquiries/store.py": "inquiries, which are not directory records",
    "resources/webhooks/routes.py": "webhook subscriptions and pings, which are not directory records",
    "webhooks/fanout.py": "webhook messages made from the feed's changes and from inquiries",
}


def _modules():
    for path in sorted(API.rglob("*.py")):
        relative = path.relative_to(API).as_posix()
        if not relative.startswith("records/"):
            yield relative, ast.parse(path.read_text(encoding="utf-8"))


def _names_directory_table(node) -> bool:
    if isinstance(node, ast.Attribute) and node.attr == "__table__":
        node = node.value
    return isinstance(node, ast.Name) and node.id in DIRECTORY_NAMES


def _writes_past_the_layer(module: str, tree: ast.Module) -> list[str]:
    dml = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy")
        for alias in node.names
        if alias.name in DML
    }
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        function = node.func
        if isinstance(function, ast.Name) and function.id in dml and node.args and _names_directory_table(node.args[0]):
            found.append(f"{module}:{node.lineno} {function.id}({ast.unparse(node.args[0])})")
        if (
            isinstance(function, ast.Attribute)
            and function.attr in SESSION_WRITES
            and "session" in ast.unparse(function.value)
            and module not in SESSION_WRITERS
        ):
            found.append(f"{module}:{node.lineno} {ast.unparse(function)}")
    return found


def test_no_module_outside_the_write_path_writes_directory_records():
    assert [problem for module, tree in _modules() for problem in _writes_past_the_layer(module, tree)] == []


def test_the_lint_finds_writes_past_the_layer():
    source = "from sqlalchemy import insert\ninsert(Company.__table__)\ndb.session.add(company)\ninsert(SearchDocument)\n"
    assert _writes_past_the_layer("cli/x.py", ast.parse(source)) == [
        "cli/x.py:2 insert(Company.__table__)",
        "cli/x.py:3 db.session.add",
    ]


def test_a_flush_refuses_a_record_written_past_the_layer(app, client):
    company_id = client.post("/api/v1/companies", json=payloads.company()).get_json()["id"]
    with app.app_context():
        company = db.session.get(Company, company_id)
        company.name = "Ohi kulkenut Oy"
        with pytest.raises(records.WriteOutsideThePath):
            db.session.commit()
        db.session.rollback()
        db.session.add(Company(business_id="0201256-6", name="Uusi Oy"))
        with pytest.raises(records.WriteOutsideThePath):
            db.session.flush()
        db.session.rollback()
        assert db.session.scalars(select(Company.name)).all() == ["Karstulan Puutuote Oy"]


def test_a_write_through_the_layer_is_stamped_and_audited(app, client):
    company_id = client.post("/api/v1/companies", json=payloads.company()).get_json()["id"]
    with app.app_context():
        company = db.session.get(Company, company_id)
        before = company.updated_at
        with records.transaction() as writes:
            assert writes.update(company, {"name": "Kerrosten läpi Oy"})
    history = client.get(f"/api/v1/companies/{company_id}/history").get_json()
    assert history[0]["changes"] == {"name": ["Karstulan Puutuote Oy", "Kerrosten läpi Oy"]}
    assert history[0]["actor"] == "system"
    assert client.get(f"/api/v1/companies/{company_id}").get_json()["updated_at"] > before.isoformat()


RESOURCES = {
    "companies": lambda spearhead: payloads.company(spearheads=[spearhead], municipality="226"),
    "events": lambda spearhead: payloads.event(
        spearheads=[spearhead], municipalities=["226"], participation_url="https://meet.example/x", description={"fi": "Työpaja."}
    ),
    "spearheads": lambda _spearhead: payloads.spearhead("lakes", municipalities=["226"], key_figures=[{"label": {"fi": "Järviä"}, "value": 12}]),
    "actions": lambda spearhead: payloads.action(spearhead, municipalities=["226"], progress_note={"fi": "Alussa."}),
    # A code no seed or other test uses: answers are cached by record and version across tests.
    "municipalities": lambda _spearhead: payloads.municipality("977", name={"fi": "Testikunta"}),
}


@pytest.fixture
def created(client):
    """Each kind of record, created with links and nested values, and its URL."""
    client.post("/api/v1/municipalities", json=payloads.municipality())
    spearhead = client.post("/api/v1/spearheads", json=payloads.spearhead()).get_json()["id"]

    def make(resource: str) -> str:
        answer = client.post(f"/api/v1/{resource}", json=RESOURCES[resource](spearhead))
        assert answer.status_code == 201, answer.get_json()
        return answer.headers["Location"]

    return make


def _state(client, url: str):
    answer = client.get(url)
    history = client.get(f"{url}/history").get_json() if "municipalities" not in url else None
    return answer.headers["ETag"], answer.get_json()["updated_at"], history


@pytest.mark.parametrize("resource", RESOURCES)
def test_a_write_that_changes_nothing_keeps_version_stamp_etag_and_history(client, created, resource):
    url = created(resource)
    before = _state(client, url)
    current = client.get(url).get_json()
    writable = {name: value for name, value in current.items() if name not in {"id", "created_at", "updated_at", "last_verified_at", "industry", "industry_section", "industry_code_set", "actions"}}
    etag = before[0]
    for method, body in (("PATCH", {}), ("PATCH", {"status": current["status"]}), ("PUT", writable), ("PATCH", writable)):
        answer = client.open(url, method=method, json=body, headers={"If-Match": etag})
        assert answer.status_code == 200, (method, answer.get_json())
        assert answer.headers["ETag"] == etag
        assert answer.get_json() == current
    assert _state(client, url) == before
    # A real change still makes a new version.
    changed = client.patch(url, json={"status": "draft"}, headers={"If-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_an_event_time_written_in_another_offset_is_no_change(client, created):
    url = created("events")
    before = _state(client, url)
    answer = client.patch(url, json={"start_time": "2020-12-08T07:00:00Z"}, headers={"If-Match": before[0]})
    assert answer.headers["ETag"] == before[0]
    assert _state(client, url) == before


def test_an_import_row_equal_to_the_record_adds_no_history(client, created):
    url = created("companies")
    before = _state(client, url)
    row = {"business_id": "0112038-9", "name": "Karstulan Puutuote Oy", "municipality": "226"}
    answer = client.post("/api/v1/companies/import", json=[row])
    assert answer.get_json() == {"created": 0, "updated": 0, "unchanged": 1}
    assert _state(client, url) == before


def test_a_writes_etag_is_the_etag_of_the_next_read(client, seeded):
    """A write's answer takes the stamps of the records it refers to from those it loaded, not from another read."""
    draft = client.post("/api/v1/spearheads", json=payloads.spearhead("draft-bioeconomy", status="draft")).get_json()
    published = client.get("/api/v1/spearheads").get_json()[0]["id"]
    company = client.post("/api/v1/companies", json=payloads.company(municipality="226", spearheads=[published]))
    site = client.post("/api/v1/sites", json=payloads.site())
    event = client.post("/api/v1/events", json=payloads.event())
    for created, change in (
        (company, {"spearheads": [published, draft["id"]], "municipality": "931"}),
        (site, {"availability": "reserved"}),
        (event, {"municipalities": ["226", "931"]}),
    ):
        assert created.status_code == 201, created.get_json()
        url = created.headers["Location"]
        assert client.get(url).headers["ETag"] == created.headers["ETag"]
        written = client.patch(url, json=change, headers={"If-Match": created.headers["ETag"]}, content_type="application/merge-patch+json")
        assert written.status_code == 200, written.get_json()
        assert written.headers["ETag"] != created.headers["ETag"]
        assert client.get(url).headers["ETag"] == written.headers["ETag"]
    # The links the write made are what the stamps cover: a change to the draft it linked moves the ETag.
    url = company.headers["Location"]
    before = client.get(url).headers["ETag"]
    spearhead = client.get(f"/api/v1/spearheads/{draft['id']}")
    client.patch(f"/api/v1/spearheads/{draft['id']}", json={"priority": 3}, headers={"If-Match": spearhead.headers["ETag"]},
                 content_type="application/merge-patch+json")
    assert client.get(url).headers["ETag"] != before
