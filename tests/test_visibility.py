"""What each reader may see: drafts, unpublished and deleted records, draft spearheads, and If-Match across views."""

import csv
import io

import pytest
from flask_migrate import downgrade, upgrade

from tests import payloads
from tests.test_sync import full_read, sync

COMPANIES = "/api/v1/companies"
EVENTS = "/api/v1/events"
SPEARHEADS = "/api/v1/spearheads"
JSONLD = {"Accept": "application/ld+json"}


@pytest.fixture
def karstula(client):
    assert client.post("/api/v1/municipalities", json=payloads.municipality()).status_code == 201


def _created(answer):
    assert answer.status_code == 201, answer.data
    return answer.get_json()


def _patch(client, url: str, changes: dict):
    etag = client.get(url).headers["ETag"]
    answer = client.patch(url, json=changes, headers={"If-Match": etag, "Content-Type": "application/merge-patch+json"})
    assert answer.status_code == 200, answer.data
    return answer


# --- If-Match takes an ETag of any view of the current version -------------------------------------------


def test_if_match_takes_the_etag_of_any_view_of_the_current_version(client, anonymous, editor, karstula):
    company = _created(client.post(COMPANIES, json=payloads.company(municipality="226")))
    url = f"{COMPANIES}/{company['id']}"

    def views() -> dict:
        return {
            "anonymous": anonymous.get(url).headers["ETag"],
            "editor": editor.get(url).headers["ETag"],
            "anonymous JSON-LD": anonymous.get(url, headers=JSONLD).headers["ETag"],
            "editor JSON-LD": editor.get(url, headers=JSONLD).headers["ETag"],
        }

    # The views differ (so caches keep them apart), yet each names the same version.
    assert len(set(views().values())) == 4
    for n, view in enumerate(views()):
        etag = views()[view]
        patch = {"Content-Type": "application/merge-patch+json"}
        answer = editor.patch(url, json={"name": f"Nimi {n} Oy"}, headers={**patch, "If-Match": etag})
        assert answer.status_code == 200, (view, answer.data)
        # Every ETag of the version before is stale now, whichever view it came from.
        assert editor.patch(url, json={"name": "Myöhässä Oy"}, headers={**patch, "If-Match": etag}).status_code == 412, view
    assert client.get(url).get_json()["name"] == "Nimi 3 Oy"


def test_if_match_with_another_records_etag_is_412(client):
    first = client.post(COMPANIES, json=payloads.company())
    second = client.post(COMPANIES, json=payloads.company("2331972-7", name="Toinen Oy"))
    url = f"{COMPANIES}/{second.get_json()['id']}"
    answer = client.delete(url, headers={"If-Match": first.headers["ETag"]})
    assert answer.status_code == 412


# --- unpublished records reach their readers as tombstones; never-published drafts never appear ----------


def _syncing(reader) -> dict:
    """A partner's mirror kept with the documented sync loop; `seen` collects every id any page held."""
    state: dict = {"mirror": {}, "seen": set()}

    def page(query):
        answer = reader.get(f"{COMPANIES}?{query}").get_json()
        state["seen"].update(record["id"] for record in answer)
        return answer

    state["page"] = page
    state["cursor"] = sync(page, state["mirror"], None)
    return state


def test_an_unpublished_company_reaches_anonymous_and_partner_syncs_as_a_tombstone(client, anonymous, partner):
    shown = _created(client.post(COMPANIES, json=payloads.company(name="Julkinen Oy")))
    hidden_later = _created(client.post(COMPANIES, json=payloads.company("2331972-7", name="Piilotettava Oy")))
    syncs = {reader: _syncing(reader) for reader in (anonymous, partner)}
    for state in syncs.values():
        assert set(state["mirror"]) == {shown["id"], hidden_later["id"]}

    unpublished = _patch(client, f"{COMPANIES}/{hidden_later['id']}", {"status": "draft"}).get_json()
    never = _created(client.post(COMPANIES, json=payloads.company("0737546-2", name="Luonnos Oy", status="draft")))
    _patch(client, f"{COMPANIES}/{never['id']}", {"name": "Luonnos Kaksi Oy"})
    deleted_draft = _created(client.post(COMPANIES, json=payloads.company("1572860-0", name="Poistettu Luonnos Oy", status="draft")))
    url = f"{COMPANIES}/{deleted_draft['id']}"
    assert client.delete(url, headers={"If-Match": client.get(url).headers["ETag"]}).status_code == 204

    for reader, state in syncs.items():
        since = state["cursor"].replace("+", "%2B")
        tombstones = reader.get(f"{COMPANIES}?include_deleted=true&updated_since={since}").get_json()
        stamp = unpublished["updated_at"]
        assert tombstones == [{"id": hidden_later["id"], "deleted_at": stamp, "updated_at": stamp}]
        sync(state["page"], state["mirror"], state["cursor"])
        assert state["mirror"] == full_read(reader, COMPANIES)
        assert set(state["mirror"]) == {shown["id"]}
        # The drafts never published never appeared, in any form.
        assert not state["seen"] & {never["id"], deleted_draft["id"]}
        assert reader.get(f"{COMPANIES}/{never['id']}").status_code == 404


def test_editors_see_drafts_as_records_and_deleted_drafts_as_tombstones(client, editor):
    draft = _created(client.post(COMPANIES, json=payloads.company(status="draft")))
    gone = _created(client.post(COMPANIES, json=payloads.company("2331972-7", name="Toinen Oy", status="draft")))
    url = f"{COMPANIES}/{gone['id']}"
    assert client.delete(url, headers={"If-Match": client.get(url).headers["ETag"]}).status_code == 204
    listed = {record["id"]: record for record in editor.get(f"{COMPANIES}?include_deleted=true").get_json()}
    assert listed[draft["id"]]["status"] == "draft"
    assert set(listed[gone["id"]]) == {"id", "deleted_at", "updated_at"}


def test_republishing_brings_the_record_back_to_the_public(client, anonymous):
    company = _created(client.post(COMPANIES, json=payloads.company()))
    url = f"{COMPANIES}/{company['id']}"
    _patch(client, url, {"status": "draft"})
    assert anonymous.get(url).status_code == 404
    republished = _patch(client, url, {"status": "published"}).get_json()
    assert anonymous.get(f"{COMPANIES}?include_deleted=true").get_json() == [anonymous.get(url).get_json()]
    assert anonymous.get(url).get_json()["updated_at"] == republished["updated_at"]


def test_unpublished_spearheads_and_events_are_tombstones_too(client, anonymous):
    spearhead = _created(client.post(SPEARHEADS, json=payloads.spearhead()))
    event = _created(client.post(EVENTS, json=payloads.event()))
    never = _created(client.post(EVENTS, json=payloads.event(status="draft")))
    for path, record in ((SPEARHEADS, spearhead), (EVENTS, event)):
        hidden = _patch(client, f"{path}/{record['id']}", {"status": "draft"}).get_json()
        listed = anonymous.get(f"{path}?include_deleted=true").get_json()
        assert listed == [{"id": record["id"], "deleted_at": hidden["updated_at"], "updated_at": hidden["updated_at"]}], path
    assert never["id"] not in str(anonymous.get(f"{EVENTS}?include_deleted=true").get_json())


# --- draft spearheads leave no trace for readers without drafts ------------------------------------------


@pytest.fixture
def secret_plan(client, karstula):
    """A published and a draft spearhead, each linked to a company and an event."""
    public = _created(client.post(SPEARHEADS, json=payloads.spearhead("wood")))
    secret = _created(client.post(SPEARHEADS, json=payloads.spearhead("secret-plan", status="draft")))
    company = _created(client.post(COMPANIES, json=payloads.company(municipality="226", spearheads=[public["id"], secret["id"]])))
    event = _created(client.post(EVENTS, json=payloads.event(spearheads=[secret["id"], public["id"]])))
    return {"public": public, "secret": secret, "company": company, "event": event}


def test_filters_treat_a_draft_spearhead_as_unknown(client, anonymous, partner, editor, secret_plan):
    secret = secret_plan["secret"]
    for reader in (anonymous, partner):
        for path in (COMPANIES, EVENTS, f"{COMPANIES}/facets", f"{COMPANIES}.csv"):
            unknown = reader.get(f"{path}?spearhead=no-such-spearhead")
            expected = (unknown.status_code, unknown.get_data())
            for key in (secret["slug"], secret["id"]):
                answer = reader.get(f"{path}?spearhead={key}")
                assert (answer.status_code, answer.get_data()) == expected, (path, key)
        assert reader.get(f"{COMPANIES}?spearhead={secret['slug']}").get_json() == []
        assert reader.get(f"{SPEARHEADS}/{secret['slug']}/companies").status_code == 404
    for reader in (editor, client):
        assert [c["id"] for c in reader.get(f"{COMPANIES}?spearhead={secret['slug']}").get_json()] == [secret_plan["company"]["id"]]
        assert [e["id"] for e in reader.get(f"{EVENTS}?spearhead={secret['slug']}").get_json()] == [secret_plan["event"]["id"]]


def test_links_leave_a_draft_spearhead_out(client, anonymous, partner, editor, secret_plan):
    public, secret = secret_plan["public"], secret_plan["secret"]
    company_url = f"{COMPANIES}/{secret_plan['company']['id']}"
    event_url = f"{EVENTS}/{secret_plan['event']['id']}"
    for reader in (anonymous, partner):
        assert reader.get(company_url).get_json()["spearheads"] == [public["id"]]
        assert reader.get(event_url).get_json()["spearheads"] == [public["id"]]
        assert [c["spearheads"] for c in reader.get(COMPANIES).get_json()] == [[public["id"]]]
        assert [e["spearheads"] for e in reader.get(EVENTS).get_json()] == [[public["id"]]]
        geojson = reader.get(COMPANIES, headers={"Accept": "application/geo+json"}).get_json()
        assert [f["properties"]["spearheads"] for f in geojson["features"]] == [[public["id"]]]
        [row] = csv.DictReader(io.StringIO(reader.get(f"{COMPANIES}.csv").data.decode().removeprefix("\ufeff")))
        assert row["spearheads"] == public["slug"]
        assert reader.get(f"{COMPANIES}/facets").get_json()["spearhead"] == {public["slug"]: 1}
        for answer in (reader.get(company_url), reader.get(event_url), reader.get(company_url, headers=JSONLD), reader.get(f"{event_url}.ics")):
            assert secret["id"] not in answer.data.decode() and secret["slug"] not in answer.data.decode()
    assert sorted(editor.get(company_url).get_json()["spearheads"]) == sorted([public["id"], secret["id"]])
    assert editor.get(f"{COMPANIES}/facets").get_json()["spearhead"] == {public["slug"]: 1, secret["slug"]: 1}


def test_an_editors_write_keeps_the_links_to_draft_spearheads(client, editor, secret_plan):
    url = f"{COMPANIES}/{secret_plan['company']['id']}"
    _patch(editor, url, {"name": "Uusi Nimi Oy"})
    assert secret_plan["secret"]["id"] in client.get(url).get_json()["spearheads"]


def test_the_command_line_import_keeps_the_links_to_draft_spearheads(app, client, runner, secret_plan, tmp_path):
    source = tmp_path / "companies.csv"
    source.write_text("business_id,name\n0112038-9,Tuotu Nimi Oy\n", encoding="utf-8")
    result = runner.invoke(args=["import", "companies", str(source)])
    assert result.exit_code == 0, result.output
    company = client.get(f"{COMPANIES}/{secret_plan['company']['id']}").get_json()
    assert company["name"] == "Tuotu Nimi Oy"
    assert sorted(company["spearheads"]) == sorted([secret_plan["public"]["id"], secret_plan["secret"]["id"]])


# --- with include_deleted, content filters select live records only --------------------------------------


@pytest.mark.parametrize(
    ("matching", "not_matching"),
    [
        ("q=hirsitaloja", "q=perunalastuja"),
        ("business_id=0112038-9", "business_id=0737546-2"),
        ("near=62.878,24.8&radius_km=1", "near=60.17,24.94&radius_km=1"),
        ("bbox=24.7,62.8,24.9,62.9", "bbox=22.0,60.0,22.1,60.1"),
        ("tag=saha", "tag=leipomo"),
        ("industry=16", "industry=10"),
        ("spearhead=wood", "spearhead=food"),
    ],
)
def test_a_deleted_records_content_cannot_be_probed(client, anonymous, karstula, matching, not_matching):
    wood = _created(client.post(SPEARHEADS, json=payloads.spearhead("wood")))
    client.post(SPEARHEADS, json=payloads.spearhead("food"))
    deleted = _created(client.post(COMPANIES, json=payloads.company(municipality="226", spearheads=[wood["id"]])))
    url = f"{COMPANIES}/{deleted['id']}"
    assert client.delete(url, headers={"If-Match": client.get(url).headers["ETag"]}).status_code == 204
    since = client.get(f"{COMPANIES}?include_deleted=true").get_json()[0]["updated_at"].replace("+", "%2B")
    for reader in (anonymous, client):
        # The tombstone comes with updated_since alone, whether a content filter would match the
        # deleted record or not: its answer is no yes-or-no oracle on the record's text or place.
        for query in (matching, not_matching):
            for sync_query in (f"include_deleted=true&updated_since={since}", "include_deleted=true"):
                listed = reader.get(f"{COMPANIES}?{sync_query}&{query}").get_json()
                assert [record["id"] for record in listed] == [deleted["id"]], query


def test_sorting_by_content_does_not_place_tombstones_by_their_content(client, anonymous):
    created = [
        _created(client.post(COMPANIES, json=payloads.company(business_id, name=name)))
        for business_id, name in (("0112038-9", "Aaaa Oy"), ("2331972-7", "Mmmm Oy"), ("0737546-2", "Zzzz Oy"))
    ]
    for gone in (created[0], created[2]):
        url = f"{COMPANIES}/{gone['id']}"
        assert client.delete(url, headers={"If-Match": client.get(url).headers["ETag"]}).status_code == 204
    for reader in (anonymous, client):
        for sort in ("name", "-name", "created_at", "business_id"):
            listed = reader.get(f"{COMPANIES}?include_deleted=true&sort={sort}").get_json()
            kinds = ["tombstone" if "deleted_at" in record else "live" for record in listed]
            # By name the live "Mmmm" lies between "Aaaa" and "Zzzz"; the tombstones sort apart from it, together.
            assert kinds in (["tombstone", "tombstone", "live"], ["live", "tombstone", "tombstone"]), sort


# --- answers for readers without drafts change only with what they see ------------------------------------


def test_the_public_list_etag_ignores_drafts_it_never_saw(client, anonymous, partner, editor):
    published = _created(client.post(COMPANIES, json=payloads.company()))
    draft = _created(client.post(COMPANIES, json=payloads.company("2331972-7", name="Luonnos Oy", status="draft")))
    for n, path in enumerate((COMPANIES, f"{COMPANIES}?include_deleted=true", f"{COMPANIES}/facets")):
        before = {reader: reader.get(path).headers["ETag"] for reader in (anonymous, partner, editor)}
        _patch(client, f"{COMPANIES}/{draft['id']}", {"name": f"Luonnos {n} Oy"})
        for reader in (anonymous, partner):
            answer = reader.get(path, headers={"If-None-Match": before[reader]})
            assert answer.status_code == 304, path
        assert editor.get(path).headers["ETag"] != before[editor]
        # A change that the public sees changes its ETag.
        before = anonymous.get(path).headers["ETag"]
        _patch(client, f"{COMPANIES}/{published['id']}", {"name": f"Julkinen {n} Oy"})
        assert anonymous.get(path, headers={"If-None-Match": before}).status_code == 200


def test_the_migration_learns_which_drafts_were_published_from_the_audit_trail(app, client, anonymous):
    shown = _created(client.post(COMPANIES, json=payloads.company()))
    unpublished = _created(client.post(COMPANIES, json=payloads.company("2331972-7", name="Piilotettu Oy")))
    _patch(client, f"{COMPANIES}/{unpublished['id']}", {"status": "draft"})
    never = _created(client.post(COMPANIES, json=payloads.company("0737546-2", name="Luonnos Oy", status="draft")))
    _patch(client, f"{COMPANIES}/{never['id']}", {"name": "Luonnos Kaksi Oy"})
    expected = anonymous.get(f"{COMPANIES}?include_deleted=true").get_json()
    assert {record["id"] for record in expected} == {shown["id"], unpublished["id"]}
    with app.app_context():
        downgrade(revision="access")
        upgrade()
    # Another URL: this one's answer is not in the process's cache yet. The way down drops
    # last_verified_at (migration review), so the records come back never verified.
    for record in expected:
        if "last_verified_at" in record:
            record["last_verified_at"] = None
    assert anonymous.get(f"{COMPANIES}?include_deleted=true&page_size=50").get_json() == expected
