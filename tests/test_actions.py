"""Strategy actions: the workshop's proposals under each spearhead, on the one write path, with their own filters and order."""

import csv
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from api.cli.seed import seed_region
from tests import payloads
from tests.conftest import SEED_DIR

ACTIONS = "/api/v1/actions"
MERGE = "application/merge-patch+json"


@pytest.fixture
def region(client):
    for code, name in (("226", "Karstula"), ("601", "Pihtipudas"), ("931", "Viitasaari")):
        assert client.post("/api/v1/municipalities", json=payloads.municipality(code, name={"fi": name})).status_code == 201
    spearhead = client.post("/api/v1/spearheads", json=payloads.spearhead())
    assert spearhead.status_code == 201
    return spearhead.get_json()


def add(client, **changes) -> dict:
    answer = client.post(ACTIONS, json=payloads.action(**changes))
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def ids(answer) -> list[str]:
    assert answer.status_code == 200, answer.get_json()
    return [action["id"] for action in answer.get_json()]


def test_scenario(client, anonymous, region):
    created = client.post(ACTIONS, json=payloads.action())
    assert created.status_code == 201, created.get_json()
    action = created.get_json()
    url = f"{ACTIONS}/{action['id']}"
    assert created.headers["Location"] == url
    # A slug is accepted on write and stored as the id.
    assert action["spearhead"] == region["id"]
    assert action["municipalities"] == ["931"] and action["status"] == "published"
    assert action["responsible"] == {"name": "Viitasaaren elinkeinopalvelut", "company": None}
    assert anonymous.get(url).get_json() == action

    etag = created.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert client.patch(url, json={"stage": "approved"}, content_type=MERGE).status_code == 428
    patched = client.patch(url, json={"stage": "in_progress", "progress_note": {"fi": "Käynnissä."}}, headers={"If-Match": etag}, content_type=MERGE)
    assert patched.status_code == 200, patched.get_json()
    assert patched.get_json()["stage"] == "in_progress" and patched.get_json()["title"] == action["title"]
    assert client.patch(url, json={"stage": "done"}, headers={"If-Match": etag}, content_type=MERGE).status_code == 412

    replaced = client.put(url, json=payloads.action(stage="done"), headers={"If-Match": patched.headers["ETag"]})
    assert replaced.status_code == 200 and replaced.get_json()["progress_note"] is None

    history = client.get(f"{url}/history").get_json()
    assert [entry["action"] for entry in history] == ["update", "update", "create"]
    assert history[1]["changes"]["stage"] == ["proposed", "in_progress"]

    assert client.delete(url, headers={"If-Match": replaced.headers["ETag"]}).status_code == 204
    assert anonymous.get(url).status_code == 404
    tombstones = anonymous.get(f"{ACTIONS}?include_deleted=true").get_json()
    assert [tombstone["id"] for tombstone in tombstones] == [action["id"]] and "deleted_at" in tombstones[0]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"spearhead": "no-such-spearhead"}, "spearhead"),
        ({"kind": "wish"}, "kind"),
        ({"stage": "someday"}, "stage"),
        ({"starts_on": "2027-07-01", "due_on": "2027-06-30"}, "due_on"),
        ({"due_on": "30.6.2027"}, "due_on"),
        ({"municipalities": ["999"]}, "municipalities"),
        ({"proposed_at_event": "no-such-event"}, "proposed_at_event"),
        ({"events": ["no-such-event"]}, "events"),
        ({"responsible": {"name": "Kunta", "company": "no-such-company"}}, "responsible.company"),
        ({"title": {"sv": "Bara svenska"}}, "title.fi"),
        ({"id": "mine"}, "id"),
    ],
)
def test_bad_fields_are_422_naming_the_field(client, region, changes, field):
    answer = client.post(ACTIONS, json=payloads.action(**changes))
    assert answer.status_code == 422, answer.get_json()
    assert answer.content_type == "application/problem+json"
    assert any(name.startswith(field) for name in answer.get_json()["errors"]), answer.get_json()
    assert client.get(ACTIONS).get_json() == []


def test_references_that_exist(client, region):
    event = client.post("/api/v1/events", json=payloads.event()).get_json()
    company = client.post("/api/v1/companies", json=payloads.company()).get_json()
    action = add(
        client, spearhead=region["id"], proposed_at_event=event["id"], events=[event["id"]],
        responsible={"name": "Puutuote", "company": company["id"]},
    )
    assert action["proposed_at_event"] == event["id"] and action["events"] == [event["id"]]
    assert action["responsible"]["company"] == company["id"]


def test_an_editor_scoped_to_931_can_update_an_action_of_viitasaari_and_not_one_of_the_whole_sub_region(client, client_with, region):
    viitasaari = add(client, municipalities=["931"])
    whole = add(client, municipalities=[])
    both = add(client, municipalities=["226", "931"])
    editor = client_with("editor", "931")

    def patch(action, **changes):
        etag = client.get(f"{ACTIONS}/{action['id']}").headers["ETag"]
        return editor.patch(f"{ACTIONS}/{action['id']}", json=changes, headers={"If-Match": etag}, content_type=MERGE)

    assert patch(viitasaari, stage="approved").status_code == 200
    assert patch(whole, stage="approved").status_code == 403
    # All of its municipalities must be the editor's, before the write and after it.
    assert patch(both, stage="approved").status_code == 403
    assert patch(viitasaari, municipalities=["931", "226"]).status_code == 403
    assert patch(viitasaari, municipalities=[]).status_code == 403
    assert editor.post(ACTIONS, json=payloads.action(municipalities=[])).status_code == 403
    assert editor.post(ACTIONS, json=payloads.action(municipalities=["226"])).status_code == 403
    assert editor.post(ACTIONS, json=payloads.action(municipalities=["931"])).status_code == 201
    assert client.get(f"{ACTIONS}/{whole['id']}").get_json()["stage"] == "proposed"


def test_drafts_are_for_editors(client, anonymous, region):
    draft = add(client, status="draft")
    assert anonymous.get(f"{ACTIONS}/{draft['id']}").status_code == 404
    assert ids(anonymous.get(ACTIONS)) == []
    assert ids(client.get(ACTIONS)) == [draft["id"]]


def test_filters_and_default_order(client, region, app):
    other = client.post("/api/v1/spearheads", json=payloads.spearhead("tourism", title={"fi": "Matkailu"})).get_json()
    late = add(client, stage="in_progress", due_on="2027-09-30")
    soon = add(client, stage="in_progress", due_on="2027-03-31", starts_on=None)
    undated = add(client, stage="in_progress", due_on=None)
    past = add(client, stage="approved", starts_on="2020-01-01", due_on="2020-06-30", municipalities=["226"])
    done_past = add(client, stage="done", starts_on="2020-01-01", due_on="2020-06-30", municipalities=[])
    tourism = add(client, spearhead="tourism", kind="operating_model", stage="proposed", title={"fi": "Matkailun sahat ja metsäpolut"})

    assert ids(client.get(ACTIONS)) == [soon["id"], late["id"], undated["id"], past["id"], tourism["id"], done_past["id"]]
    assert ids(client.get(f"{ACTIONS}?overdue=true")) == [past["id"]]
    assert done_past["id"] in ids(client.get(f"{ACTIONS}?overdue=false"))
    assert set(ids(client.get(f"{ACTIONS}?due_before=2027-04-01"))) == {soon["id"], past["id"], done_past["id"]}
    # An action for the whole sub-region matches every municipality.
    assert set(ids(client.get(f"{ACTIONS}?municipality=226"))) == {past["id"], done_past["id"]}
    assert set(ids(client.get(f"{ACTIONS}?spearhead=tourism"))) == {tourism["id"]}
    assert set(ids(client.get(f"{ACTIONS}?spearhead={other['id']}&kind=operating_model"))) == {tourism["id"]}
    assert ids(client.get(f"{ACTIONS}?stage=done")) == [done_past["id"]]
    # Finnish-aware: "matkailu" finds "Matkailun".
    assert ids(client.get(f"{ACTIONS}?q=matkailu")) == [tourism["id"]]
    assert ids(client.get(f"{ACTIONS}?sort=-due_on&stage=in_progress")) == [undated["id"], late["id"], soon["id"]]
    assert client.get(f"{ACTIONS}?sort=priority").status_code == 422
    assert client.get(f"{ACTIONS}?due_before=tomorrow").status_code == 422
    assert client.get(f"{ACTIONS}?stage=someday").status_code == 422


def test_spearhead_sublist_and_counts_by_stage(client, anonymous, region):
    spearhead_url = f"/api/v1/spearheads/{region['slug']}"
    first = anonymous.get(spearhead_url)
    assert first.get_json()["actions"] == {}
    add(client, stage="proposed")
    add(client, stage="proposed")
    in_progress = add(client, stage="in_progress")
    add(client, stage="done", status="draft")
    read = anonymous.get(spearhead_url)
    assert read.headers["ETag"] != first.headers["ETag"]
    assert read.get_json()["actions"] == {"in_progress": 1, "proposed": 2}
    assert anonymous.get("/api/v1/spearheads").get_json()[0]["actions"] == {"in_progress": 1, "proposed": 2}

    # The spearhead's ETag follows its counts, though the spearhead itself did not change.
    etag = client.get(f"{ACTIONS}/{in_progress['id']}").headers["ETag"]
    assert client.patch(f"{ACTIONS}/{in_progress['id']}", json={"stage": "done"}, headers={"If-Match": etag}, content_type=MERGE).status_code == 200
    assert anonymous.get(spearhead_url, headers={"If-None-Match": read.headers["ETag"]}).status_code == 200
    assert anonymous.get(spearhead_url).get_json()["actions"] == {"proposed": 2, "done": 1}

    sublist = anonymous.get(f"{spearhead_url}/actions")
    assert sublist.status_code == 200 and len(sublist.get_json()) == 3
    assert "X-Pagination" in sublist.headers
    assert anonymous.get(f"{spearhead_url}/actions?spearhead=x").status_code == 422
    assert anonymous.get("/api/v1/spearheads/nothing/actions").status_code == 404

    # Its actions exist only under it: deleting the spearhead deletes them, each a change of its own.
    etag = client.get(spearhead_url).headers["ETag"]
    assert client.delete(spearhead_url, headers={"If-Match": etag}).status_code == 204
    assert anonymous.get(ACTIONS).get_json() == []
    deleted = [change for change in client.get("/api/v1/changes?resource=action").get_json() if change["action"] == "deleted"]
    assert len(deleted) == 4
    assert client.get(f"{ACTIONS}/{in_progress['id']}/history").get_json()[0]["action"] == "delete"


def test_change_feed_and_webhook_types(client, partner, region):
    action = add(client, municipalities=[])
    changes = partner.get("/api/v1/changes?resource=action").get_json()
    assert [(change["resource"], change["id"], change["action"]) for change in changes] == [("action", action["id"], "created")]
    assert changes[0]["data"] == action
    # An action of the whole sub-region is a change of every municipality.
    assert len(partner.get("/api/v1/changes?resource=action&municipality=601").get_json()) == 1
    hook = partner.post("/api/v1/webhooks", json={"url": "https://hooks.example/in", "events": ["action.*"]})
    assert hook.status_code == 201, hook.get_json()


def test_seed_adds_one_or_two_example_actions_per_spearhead_proposed_at_the_workshop(app, anonymous):
    with app.app_context():
        added = seed_region(SEED_DIR)
        assert seed_region(SEED_DIR)["actions"] == 0
    actions = anonymous.get(f"{ACTIONS}?page_size=100").get_json()
    assert len(actions) == added["actions"]
    (workshop,) = anonymous.get("/api/v1/events").get_json()
    spearheads = anonymous.get("/api/v1/spearheads").get_json()
    for spearhead in spearheads:
        counted = sum(spearhead["actions"].values())
        assert 1 <= counted <= 2, spearhead["slug"]
        assert len(anonymous.get(f"/api/v1/spearheads/{spearhead['slug']}/actions").get_json()) == counted
    for action in actions:
        assert action["proposed_at_event"] == workshop["id"] and action["status"] == "published"
        assert action["description"]["fi"].startswith("Esimerkkitoimenpide") and action["description"]["en"].startswith("Example action")


def test_type_ahead_keeps_the_contracts_kinds(client, anonymous, region):
    add(client, title={"fi": "Hankintarengas puurakentamiseen"})
    assert client.get(f"{ACTIONS}?q=hankintarengas").get_json()
    assert anonymous.get("/api/v1/search/suggest?q=hankintar").get_json() == []


def test_ical_feed_of_deadlines(client, anonymous, region):
    viitasaari = add(client, stage="in_progress", starts_on="2027-01-15", due_on="2027-06-30", progress_note={"fi": "Puolivälissä."})
    karstula = add(client, municipalities=["226"], due_on="2027-03-31", starts_on=None, title={"fi": "Karstulan toimenpide", "sv": "Karstulas åtgärd"})
    add(client, due_on=None, starts_on=None)
    add(client, status="draft")
    answer = anonymous.get(f"{ACTIONS}.ics")
    assert answer.status_code == 200 and answer.mimetype == "text/calendar"
    todos = {str(todo["UID"]): todo for todo in Calendar.from_ical(answer.data).walk("VTODO")}
    # Published actions with a due date only.
    assert set(todos) == {viitasaari["id"], karstula["id"]}
    todo = todos[viitasaari["id"]]
    assert todo.decoded("DUE") == date(2027, 6, 30) and todo["DUE"].params["VALUE"] == "DATE"
    assert todo.decoded("DTSTART") == date(2027, 1, 15)
    assert str(todo["SUMMARY"]) == "Yhteinen puurakentamisen hankintarengas"
    assert str(todo["STATUS"]) == "IN-PROCESS" and int(todo["SEQUENCE"]) == 0
    assert "Puolivälissä." in str(todo["DESCRIPTION"])

    # The list's filters, and the language asked for.
    only = Calendar.from_ical(anonymous.get(f"{ACTIONS}.ics?municipality=226&lang=sv").data).walk("VTODO")
    assert [(str(todo["UID"]), str(todo["SUMMARY"])) for todo in only] == [(karstula["id"], "Karstulas åtgärd")]
    assert not Calendar.from_ical(anonymous.get(f"{ACTIONS}.ics?spearhead=nothing").data).walk("VTODO")

    # An update keeps the UID and raises SEQUENCE; the feed's ETag follows.
    etag = client.get(f"{ACTIONS}/{viitasaari['id']}").headers["ETag"]
    client.patch(f"{ACTIONS}/{viitasaari['id']}", json={"stage": "done"}, headers={"If-Match": etag}, content_type=MERGE)
    again = anonymous.get(f"{ACTIONS}.ics", headers={"If-None-Match": answer.headers["ETag"]})
    assert again.status_code == 200
    todo = {str(todo["UID"]): todo for todo in Calendar.from_ical(again.data).walk("VTODO")}[viitasaari["id"]]
    assert int(todo["SEQUENCE"]) == 1 and str(todo["STATUS"]) == "COMPLETED"
    assert anonymous.get(f"{ACTIONS}.ics?lang=de").status_code == 422


def test_report_of_overdue_and_due_soon_actions(client, runner, region):
    day = datetime.now(ZoneInfo("Europe/Helsinki")).date()
    overdue = add(client, starts_on=None, due_on=str(day - timedelta(days=3)), title={"fi": "Myöhässä oleva"})
    soon = add(client, starts_on=None, due_on=str(day + timedelta(days=10)), municipalities=[], title={"fi": "Pian erääntyvä"})
    later = add(client, starts_on=None, due_on=str(day + timedelta(days=45)), municipalities=["226"])
    add(client, starts_on=None, due_on=str(day - timedelta(days=3)), stage="done")

    table = runner.invoke(args=["actions", "report"])
    assert table.exit_code == 0, table.output
    lines = table.output.splitlines()
    assert lines[0].split()[:4] == ["due_on", "days_left", "state", "stage"]
    assert [line.split()[0] for line in lines[1:3]] == [str(day - timedelta(days=3)), str(day + timedelta(days=10))]
    assert "Myöhässä oleva" in lines[1] and "overdue" in lines[1] and "Pian erääntyvä" in lines[2] and "all" in lines[2]
    assert "1 overdue, 1 due within 30 days." in table.output

    rows = list(csv.DictReader(io.StringIO(runner.invoke(args=["actions", "report", "--format", "csv", "--days", "60"]).output)))
    assert [row["id"] for row in rows] == [overdue["id"], soon["id"], later["id"]]
    assert rows[0]["days_left"] == "-3" and rows[0]["spearhead"] == region["slug"]
    # A municipality's report holds its own actions and those of the whole sub-region.
    rows = list(csv.DictReader(io.StringIO(runner.invoke(args=["actions", "report", "--format", "csv", "--municipality", "226", "--days", "60"]).output)))
    assert [row["id"] for row in rows] == [soon["id"], later["id"]]
    unknown = runner.invoke(args=["actions", "report", "--municipality", "999"])
    assert unknown.exit_code == 2 and "999" in unknown.output


def test_openapi_documents_every_action_operation_and_filter(client):
    spec = client.get("/api/openapi.json").get_json()
    operations = {
        operation["operationId"]: operation
        for path in ("/api/v1/actions", "/api/v1/actions/{action_id}", "/api/v1/actions/{action_id}/history",
                     "/api/v1/spearheads/{id_or_slug}/actions", "/api/v1/actions.ics")
        for method, operation in spec["paths"][path].items()
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert set(operations) == {
        "listActions", "getAction", "createAction", "replaceAction", "updateAction", "deleteAction", "listActionHistory",
        "listSpearheadActions", "getActionsCalendar",
    }
    assert {"403", "412", "428"} <= set(operations["updateAction"]["responses"])
    action = spec["components"]["schemas"]["Action"]["properties"]
    assert action["stage"]["enum"] == ["in_progress", "approved", "proposed", "done", "dropped"]
    assert action["kind"]["enum"] == ["action", "operating_model", "cooperation"]
    assert all("example" in action[name] for name in ("spearhead", "title", "stage", "municipalities", "due_on"))
    counts = spec["components"]["schemas"]["Spearhead"]["properties"]["actions"]
    assert counts["readOnly"] and counts["example"] == {"proposed": 3, "in_progress": 1}


def test_sync_and_the_spearhead_lists_etag(client, anonymous, region):
    spearheads = anonymous.get("/api/v1/spearheads")
    first = add(client)
    second = add(client, municipalities=["226"])
    since = first["updated_at"].replace("+", "%2B")
    assert set(ids(anonymous.get(f"{ACTIONS}?updated_since={since}"))) == {first["id"], second["id"]}
    assert ids(anonymous.get(f"{ACTIONS}?updated_since={second['updated_at'].replace('+', '%2B')}")) == [second["id"]]
    # A list of spearheads shows their counts, so its ETag follows the actions too.
    assert anonymous.get("/api/v1/spearheads", headers={"If-None-Match": spearheads.headers["ETag"]}).status_code == 200


def test_a_search_index_rebuild_keeps_finding_actions(client, runner, anonymous, region):
    action = add(client, title={"fi": "Matkailun yhteismarkkinointi"})
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0 and "1 actions" in result.output, result.output
    assert ids(anonymous.get(f"{ACTIONS}?q=matkailu")) == [action["id"]]


def test_a_draft_spearhead_or_event_leaves_no_trace_in_its_actions(client, anonymous, region):
    draft = client.post("/api/v1/spearheads", json=payloads.spearhead("secret-plan", status="draft")).get_json()
    event = client.post("/api/v1/events", json=payloads.event(status="draft")).get_json()
    action = add(client, spearhead="secret-plan", proposed_at_event=event["id"], events=[event["id"]])
    assert action["spearhead"] == draft["id"] and action["proposed_at_event"] == event["id"]
    public = anonymous.get(f"{ACTIONS}/{action['id']}").get_json()
    assert (public["spearhead"], public["proposed_at_event"], public["events"]) == (None, None, [])
    assert ids(anonymous.get(f"{ACTIONS}?spearhead=secret-plan")) == []
    assert draft["id"] not in anonymous.get(ACTIONS).get_data(as_text=True)
