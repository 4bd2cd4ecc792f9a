"""The change feed: every committed change once, in commit order, as each key may read it."""

from pathlib import Path

import pytest

from api.domain.business_id import business_ids
from tests import payloads

FEED = "/api/v1/changes"
PRH_SAMPLE = Path(__file__).parent / "data" / "prh-companies.json"


def read_feed(client, after: str | None = None, query: str = "", limit: int = 1000) -> list[dict]:
    """Every change after `after`, following Link: rel="next"."""
    url = f"{FEED}?limit={limit}" + (f"&after={after}" if after else "") + (f"&{query}" if query else "")
    changes = []
    while url:
        answer = client.get(url)
        assert answer.status_code == 200, answer.get_json()
        changes += answer.get_json()
        link = answer.headers.get("Link")
        url = link[link.index("<") + 1 : link.index(">")] if link else None
    return changes


def _last(client) -> str | None:
    changes = read_feed(client)
    return changes[-1]["cursor"] if changes else None


def _summary(changes) -> list[tuple]:
    return [(change["resource"], change["action"]) for change in changes]


@pytest.fixture
def karstula(client):
    client.post("/api/v1/municipalities", json=payloads.municipality())


def test_each_http_write_is_one_change_with_the_record_as_get_showed_it(client, anonymous, karstula):
    spearhead = client.post("/api/v1/spearheads", json=payloads.spearhead(municipalities=["226"]))
    company = client.post("/api/v1/companies", json=payloads.company(municipality="226", spearheads=[spearhead.get_json()["id"]]))
    event = client.post("/api/v1/events", json=payloads.event(municipalities=["226"], participation_url="https://meet.example/a"))
    url = company.headers["Location"]
    shown_before = client.get(url).get_json()
    patched = client.patch(url, json={"name": "Uusi Nimi Oy"}, headers={"If-Match": company.headers["ETag"]})
    shown_after = client.get(url).get_json()
    client.delete(event.headers["Location"], headers={"If-Match": event.headers["ETag"]})
    municipality = client.get("/api/v1/municipalities/226")
    client.patch("/api/v1/municipalities/226", json={"population": 3800}, headers={"If-Match": municipality.headers["ETag"]})

    changes = read_feed(client)
    assert _summary(changes) == [
        ("municipality", "created"), ("spearhead", "created"), ("company", "created"), ("event", "created"),
        ("company", "updated"), ("event", "deleted"), ("municipality", "updated"),
    ]
    cursors = [change["cursor"] for change in changes]
    assert cursors == sorted(cursors) and len(set(cursors)) == len(cursors)
    created, updated = changes[2], changes[4]
    assert created["data"] == shown_before and updated["data"] == shown_after
    assert (created["version"], updated["version"]) == (1, 2)
    assert updated["at"] == patched.get_json()["updated_at"] and updated["id"] == shown_after["id"]
    assert changes[3]["data"]["participation_url"] == "https://meet.example/a"
    assert changes[5]["data"] is None and changes[5]["version"] == 2
    assert changes[6]["id"] == "226" and changes[6]["data"]["population"] == 3800
    # Anonymous readers see the same changes, without participation_url.
    public = read_feed(anonymous)
    assert _summary(public) == _summary(changes)
    assert "participation_url" not in public[3]["data"]
    assert public[2]["data"] == shown_before


def test_data_is_the_record_at_that_version_not_now(client, karstula):
    company = client.post("/api/v1/companies", json=payloads.company())
    client.patch(company.headers["Location"], json={"name": "Myöhempi Oy"}, headers={"If-Match": company.headers["ETag"]})
    first, second = read_feed(client, query="resource=company")
    assert (first["data"]["name"], second["data"]["name"]) == ("Karstulan Puutuote Oy", "Myöhempi Oy")


def test_readers_without_drafts_see_publication_and_unpublication(client, partner, editor, karstula):
    draft = client.post("/api/v1/companies", json=payloads.company(status="draft"))
    url, etag = draft.headers["Location"], draft.headers["ETag"]
    for status in ("published", "draft", "published"):
        etag = client.patch(url, json={"status": status}, headers={"If-Match": etag}).headers["ETag"]
    client.delete(url, headers={"If-Match": etag})
    never = client.post("/api/v1/companies", json=payloads.company("0201256-6", status="draft"))
    client.patch(never.headers["Location"], json={"name": "Luonnos Oy"}, headers={"If-Match": never.headers["ETag"]})
    client.delete(never.headers["Location"], headers={"If-Match": client.get(never.headers["Location"]).headers["ETag"]})

    seen = [(c["action"], c["version"]) for c in read_feed(partner, query="resource=company")]
    assert seen == [("created", 2), ("deleted", 3), ("created", 4), ("deleted", 5)]
    unpublished = read_feed(partner, query="resource=company")[1]
    assert unpublished["data"] is None
    by_editor = [c["action"] for c in read_feed(editor, query="resource=company")]
    assert by_editor == ["created", "updated", "updated", "updated", "deleted", "created", "updated", "deleted"]


def test_paging_filters_and_bad_arguments(client, karstula):
    client.post("/api/v1/municipalities", json=payloads.municipality("931", name={"fi": "Viitasaari"}))
    ids = business_ids(3_000_000)
    for n in range(5):
        client.post("/api/v1/companies", json=payloads.company(next(ids), name=f"Yritys {n}", municipality="226" if n % 2 else "931"))
    first = client.get(f"{FEED}?limit=3&resource=company")
    assert len(first.get_json()) == 3 and 'rel="next"' in first.headers["Link"]
    assert "resource=company" in first.headers["Link"]
    assert len(read_feed(client, query="resource=company", limit=3)) == 5
    last = client.get(f"{FEED}?after={first.get_json()[-1]['cursor']}&limit=3&resource=company")
    assert len(last.get_json()) == 2 and "Link" not in last.headers
    assert client.get(last.request.full_path, headers={"If-None-Match": last.headers["ETag"]}).status_code == 304
    assert [c["data"]["municipality"] for c in read_feed(client, query="municipality=226&resource=company")] == ["226", "226"]
    assert len(read_feed(client, query="municipality=226&municipality=931&resource=company")) == 5
    assert _summary(read_feed(client, query="resource=municipality&resource=spearhead")) == [("municipality", "created")] * 2
    newest = _last(client)
    assert client.get(f"{FEED}?after={newest}").get_json() == []
    for bad in ("after=xyz", "after=000000000000000G", "limit=0", "limit=1001", "resource=inquiry", "municipality=22"):
        answer = client.get(f"{FEED}?{bad}")
        assert answer.status_code == 422 and answer.mimetype == "application/problem+json", bad
    # A cursor this feed never gave is a 410: the client must start again.
    beyond = client.get(f"{FEED}?after={int(newest, 16) + 5:016x}")
    assert beyond.status_code == 410 and "full listing" in beyond.get_json()["detail"]


def test_the_spearhead_delete_cascade_is_a_change_of_each_record(client, karstula):
    spearhead = client.post("/api/v1/spearheads", json=payloads.spearhead())
    linked = {"spearheads": [spearhead.get_json()["id"]]}
    client.post("/api/v1/companies", json=payloads.company(**linked))
    client.post("/api/v1/events", json=payloads.event(**linked))
    after = _last(client)
    client.delete(spearhead.headers["Location"], headers={"If-Match": spearhead.headers["ETag"]})
    changes = read_feed(client, after)
    assert _summary(changes) == [("company", "updated"), ("event", "updated"), ("spearhead", "deleted")]
    assert changes[0]["data"]["spearheads"] == [] and changes[1]["data"]["spearheads"] == []


def test_imports_are_one_change_per_changed_row(client, karstula, runner, tmp_path):
    ids = business_ids(3_100_000)
    rows = [payloads.company(next(ids), name=f"Yritys {n}", municipality="226") for n in range(3)]
    assert client.post("/api/v1/companies/import", json=rows).status_code == 200
    after = _last(client)
    csv = "business_id,name\n" + f"{rows[0]['business_id']},Muutettu Oy\n{rows[1]['business_id']},{rows[1]['name']}\n{next(ids)},CSV Oy\n"
    assert client.post("/api/v1/companies/import", data=csv.encode(), content_type="text/csv").get_json() == {"created": 1, "updated": 1, "unchanged": 1}
    assert _summary(read_feed(client, after)) == [("company", "updated"), ("company", "created")]
    assert _summary(read_feed(client))[1:4] == [("company", "created")] * 3
    after = _last(client)
    path = tmp_path / "rows.json"
    path.write_text('[{"business_id": "%s", "name": "Komento Oy"}]' % rows[2]["business_id"], encoding="utf-8")
    assert runner.invoke(args=["import", "companies", str(path)]).exit_code == 0
    assert _summary(read_feed(client, after)) == [("company", "updated")]


def test_prh_import_and_seeds_are_in_the_feed(client, runner):
    assert runner.invoke(args=["seed"]).exit_code == 0
    seeded = read_feed(client)
    kinds = {resource for resource, _ in _summary(seeded)}
    assert kinds == {"municipality", "spearhead", "company", "event", "site", "action"} and {c["action"] for c in seeded} == {"created"}
    assert runner.invoke(args=["seed"]).exit_code == 0
    assert read_feed(client, seeded[-1]["cursor"]) == []

    after = seeded[-1]["cursor"]
    result = runner.invoke(args=["import", "prh", str(PRH_SAMPLE)])
    assert result.exit_code == 0, result.output
    assert _summary(read_feed(client, after)) == [("company", "created")] * 4
    after = _last(client)
    assert runner.invoke(args=["import", "prh", str(PRH_SAMPLE)]).exit_code == 0
    assert read_feed(client, after) == []

    assert runner.invoke(args=["seed", "--synthetic", "200"]).exit_code == 0
    synthetic = read_feed(client, after)
    assert _summary(synthetic) == [("company", "created")] * 200 + [("event", "created")] * 2
    shown = client.get(f"/api/v1/companies/{synthetic[0]['id']}").get_json()
    assert synthetic[0]["data"] == shown


WRITERS = 8
ROUNDS = 4


def _lists(get) -> dict:
    """A full listing of every kind of record, as the reader's key sees it."""
    found = {}
    for resource, path, key in (("company", "companies", "id"), ("event", "events", "id"), ("spearhead", "spearheads", "id"), ("municipality", "municipalities", "code")):
        page = 1
        while batch := get(f"/api/v1/{path}?page={page}&page_size=100"):
            found.update({(resource, record[key]): record for record in batch})
            page += 1
    return found


def _apply(mirror: dict, changes: list[dict]) -> None:
    for change in changes:
        key = (change["resource"], change["id"])
        if change["action"] == "deleted":
            mirror.pop(key, None)
        else:
            assert key not in mirror or mirror[key][0] < change["version"], change
            mirror[key] = (change["version"], change["data"])


def test_concurrent_writers_never_make_a_reader_skip_a_change(database_url, client, create_key, karstula):
    """8 writers on a real server (companies and events at once, publishing and unpublishing), a reader polling the feed."""
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    from tests.live import call, gunicorn

    spearhead = client.post("/api/v1/spearheads", json=payloads.spearhead()).get_json()["id"]
    writer = {"Authorization": f"Bearer {create_key('admin')}"}
    reader = {"Authorization": f"Bearer {create_key('partner')}"}
    ids = business_ids(3_200_000)
    bodies = [payloads.company(next(ids), name=f"Yritys {n}", spearheads=[spearhead]) for n in range(WRITERS)]
    with gunicorn(database_url, workers=3, threads=4) as server:
        base = server.base_url

        def write(number: int) -> None:
            path = "/api/v1/companies" if number % 2 else "/api/v1/events"
            body = bodies[number] if number % 2 else payloads.event(spearheads=[spearhead], municipalities=["226"])
            status, headers, record = call("POST", base + path, body, writer)
            assert status == 201, record
            url, etag = f"{base}{path}/{record['id']}", headers["ETag"]
            for round_ in range(ROUNDS):
                change = {"status": "draft"} if round_ % 3 == 1 else {"status": "published", "location_name" if path.endswith("events") else "name": f"Kierros {round_}"}
                status, headers, record = call("PATCH", url, change, {**writer, "If-Match": etag})
                assert status == 200, record
                etag = headers["ETag"]
            if number % 4 == 3:
                assert call("DELETE", url, None, {**writer, "If-Match": etag})[0] == 204

        mirror: dict = {}
        cursor: list = [None]
        done = threading.Event()

        def poll() -> None:
            while True:
                finished = done.is_set()
                while True:
                    query = "limit=7" + (f"&after={cursor[0]}" if cursor[0] else "")
                    status, headers, changes = call("GET", f"{base}{FEED}?{query}", None, reader)
                    assert status == 200, changes
                    _apply(mirror, changes)
                    if changes:
                        cursor[0] = changes[-1]["cursor"]
                    if "next" not in (headers.get("Link") or ""):
                        break
                if finished:
                    return
                time.sleep(0.01)

        polling = threading.Thread(target=poll)
        polling.start()
        with ThreadPoolExecutor(WRITERS) as pool:
            list(pool.map(write, range(WRITERS)))
        done.set()
        polling.join(timeout=60)
        assert not polling.is_alive()  # the reader caught up with the last commit
        listing = _lists(lambda path: call("GET", base + path, None, reader)[2])
    assert {key: data for key, (_version, data) in mirror.items()} == listing


def test_a_transaction_that_commits_late_is_not_skipped(app, client, database_url, karstula):
    """A write that stamped first and commits last still comes after what the reader has seen (PostgreSQL:
    on SQLite the first writer's lock keeps the second waiting)."""
    import threading

    from api import records
    from api.extensions import db
    from api.models import Company

    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite runs one write transaction at a time")
    company_id = client.post("/api/v1/companies", json=payloads.company()).get_json()["id"]
    event = client.post("/api/v1/events", json=payloads.event())
    seen = read_feed(client)
    stamped, release = threading.Event(), threading.Event()

    def slow_writer():
        with app.app_context(), records.transaction() as writes:
            writes.update(db.session.get(Company, company_id), {"name": "Hidas Oy"})
            db.session.flush()
            stamped.set()
            release.wait(30)

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert stamped.wait(30)
    assert client.patch(event.headers["Location"], json={"location_name": "Nopea"}, headers={"If-Match": event.headers["ETag"]}).status_code == 200
    quick = read_feed(client, seen[-1]["cursor"])
    assert _summary(quick) == [("event", "updated")]
    release.set()
    thread.join(30)
    late = read_feed(client, quick[-1]["cursor"])
    assert _summary(late) == [("company", "updated")] and late[0]["data"]["name"] == "Hidas Oy"


def test_a_writer_that_waited_for_the_lock_stamps_after_what_committed_meanwhile(app, client, database_url):
    """The stamp is read after the table's lock is granted, not in a snapshot taken while waiting for it
    (PostgreSQL, where the lock and the read are one round trip: migration write_lock_functions)."""
    import threading
    from datetime import timedelta

    from api import records
    from api.extensions import db
    from api.models import Company

    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite runs one write transaction at a time")
    ids = business_ids(3_400_000)
    first, second = (client.post("/api/v1/companies", json=payloads.company(next(ids))).get_json()["id"] for _ in range(2))
    flushed, release, stamps = threading.Event(), threading.Event(), {}

    def holder():
        with app.app_context(), records.transaction() as writes:
            company = db.session.get(Company, first)
            writes.update(company, {"name": "Ensin Oy"})
            company.updated_at += timedelta(hours=1)  # later than any clock reading of the waiting writer
            db.session.flush()
            flushed.set()
            release.wait(30)
            stamps["first"] = company.updated_at

    def waiter():
        with app.app_context(), records.transaction() as writes:
            company = db.session.get(Company, second)
            writes.update(company, {"name": "Toinen Oy"})  # waits here for the holder's lock
            stamps["second"] = company.updated_at

    threads = [threading.Thread(target=holder), threading.Thread(target=waiter)]
    threads[0].start()
    assert flushed.wait(30)
    threads[1].start()
    threads[1].join(1)
    assert threads[1].is_alive(), "the second writer must wait for the table's lock"
    release.set()
    for thread in threads:
        thread.join(30)
    assert stamps["second"] > stamps["first"]


def test_prune_keeps_the_retention_window_and_older_cursors_answer_410(app, client, runner, monkeypatch, karstula):
    from datetime import timedelta

    from sqlalchemy import update

    from api.extensions import db
    from api.models import Change
    from api.models.base import utcnow

    ids = business_ids(3_300_000)
    for n in range(4):
        client.post("/api/v1/companies", json=payloads.company(next(ids), name=f"Yritys {n}"))
    changes = read_feed(client)
    with app.app_context():
        old = [int(change["cursor"], 16) for change in changes[:3]]
        db.session.execute(update(Change).where(Change.position.in_(old)).values(at=utcnow() - timedelta(days=31)))
        db.session.commit()
    monkeypatch.setitem(app.config, "CHANGES_RETENTION_DAYS", 30)
    result = runner.invoke(args=["changes", "prune"])
    assert result.exit_code == 0 and "Pruned 3 changes older than 30 days." in result.output
    assert read_feed(client) == changes[3:]
    assert read_feed(client, changes[2]["cursor"]) == changes[3:]  # the last pruned cursor reads on
    gone = client.get(f"{FEED}?after={changes[1]['cursor']}")
    assert gone.status_code == 410 and gone.mimetype == "application/problem+json"
    assert "start again from a full listing" in gone.get_json()["detail"]

    # With every change past the window, the newest stays: the next change's position follows it.
    with app.app_context():
        db.session.execute(update(Change).values(at=utcnow() - timedelta(days=31)))
        db.session.commit()
    assert "Pruned 1 changes" in runner.invoke(args=["changes", "prune"]).output
    newest = changes[-1]["cursor"]
    assert [change["cursor"] for change in read_feed(client)] == [newest]
    client.post("/api/v1/companies", json=payloads.company(next(ids)))
    after = read_feed(client, newest)
    assert len(after) == 1 and after[0]["cursor"] > newest


@pytest.mark.parametrize(
    ("resource", "path", "body", "change"),
    [
        ("company", "companies", payloads.company(), {"name": "Toinen Oy"}),
        ("event", "events", payloads.event(), {"location_name": "Kunnantalo"}),
        ("spearhead", "spearheads", payloads.spearhead(), {"priority": 5}),
        ("municipality", "municipalities", payloads.municipality("931", name={"fi": "Viitasaari"}), {"population": 6500}),
    ],
)
def test_http_create_update_delete_of_each_resource_are_each_one_change(client, karstula, resource, path, body, change):
    after = _last(client)
    created = client.post(f"/api/v1/{path}", json=body)
    url = created.headers["Location"]
    updated = client.patch(url, json=change, headers={"If-Match": created.headers["ETag"]})
    expected = [(resource, "created"), (resource, "updated")]
    if resource != "municipality":  # municipalities are never deleted
        assert client.delete(url, headers={"If-Match": updated.headers["ETag"]}).status_code == 204
        expected.append((resource, "deleted"))
    changes = read_feed(client, after)
    assert _summary(changes) == expected
    assert len({change["id"] for change in changes}) == 1 and [change["version"] for change in changes] == list(range(1, len(expected) + 1))
