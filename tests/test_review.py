"""Keeping the data true: last_verified_at and verify, the review list, likely duplicates and their dismissal."""


import csv
import io

import pytest

from api.domain.business_id import business_ids
from tests import payloads

COMPANIES = "/api/v1/companies"
REVIEW = f"{COMPANIES}/review"
DUPLICATES = f"{COMPANIES}/duplicates"
DISMISSED = f"{DUPLICATES}/dismissed"
FEED = "/api/v1/changes"
PATCH = "application/merge-patch+json"
ids = business_ids(3_100_000)


@pytest.fixture
def region(client):
    for code, name in (("226", "Karstula"), ("729", "Saarijärvi"), ("601", "Pihtipudas")):
        assert client.post("/api/v1/municipalities", json=payloads.municipality(code, name={"fi": name})).status_code == 201


def add(client, **changes) -> dict:
    """A company with nothing in common with any other unless `changes` says so."""
    business_id = next(ids)
    serial = business_id[:7]
    values = {
        "name": f"Yritys {serial} Oy", "municipality": "226", "latitude": None, "longitude": None,
        "website": f"https://www.yritys{serial}.example", "email": f"info@yritys{serial}.example",
        "phone": f"+35840{serial}", **changes,
    }
    answer = client.post(COMPANIES, json=payloads.company(business_id, **values))
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def patch(client, company: dict, **changes) -> dict:
    url = f"{COMPANIES}/{company['id']}"
    answer = client.patch(url, json=changes, content_type=PATCH, headers={"If-Match": client.get(url).headers["ETag"]})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def reasons(client, company: dict, query: str = "") -> list[str] | None:
    """The company's reasons on the review list; None when it is not on it."""
    answer = client.get(f"{REVIEW}?page_size=100{query}")
    assert answer.status_code == 200, answer.get_json()
    return next((item["reasons"] for item in answer.get_json() if item["id"] == company["id"]), None)


def pairs(client, query: str = "") -> dict[frozenset, dict]:
    answer = client.get(f"{DUPLICATES}?page_size=100{query}")
    assert answer.status_code == 200, answer.get_json()
    return {frozenset(pair["companies"]): pair for pair in answer.get_json()}


def pair_of(first: dict, second: dict) -> frozenset:
    return frozenset((first["id"], second["id"]))


# --- last_verified_at and verify ---------------------------------------------------------------


def test_editor_writes_and_verify_set_last_verified_at_and_no_op_writes_stay_no_ops(client, editor, anonymous, region, runner):
    company = add(editor)
    assert company["last_verified_at"] == company["updated_at"]
    url = f"{COMPANIES}/{company['id']}"

    # A write that changes nothing changes neither the mark nor the version.
    etag = editor.get(url).headers["ETag"]
    same = editor.patch(url, json={"name": company["name"]}, content_type=PATCH, headers={"If-Match": etag})
    assert same.get_json()["last_verified_at"] == company["last_verified_at"] and same.headers["ETag"] == etag

    changed = patch(editor, company, name="Karstulan Uusi Nimi Oy")
    assert changed["last_verified_at"] == changed["updated_at"] > company["last_verified_at"]

    verified = editor.post(f"{url}/verify")
    assert verified.status_code == 200, verified.get_json()
    body = verified.get_json()
    assert body["last_verified_at"] == body["updated_at"] > changed["last_verified_at"]
    assert {key: value for key, value in body.items() if key not in ("last_verified_at", "updated_at")} == {
        key: value for key, value in changed.items() if key not in ("last_verified_at", "updated_at")
    }
    assert verified.headers["ETag"] == editor.get(url).headers["ETag"] != etag
    # Readers see the mark too; it cannot be written.
    assert anonymous.get(url).get_json()["last_verified_at"] == body["last_verified_at"]
    written = editor.patch(url, json={"last_verified_at": None}, content_type=PATCH, headers={"If-Match": verified.headers["ETag"]})
    assert written.status_code == 422 and "last_verified_at" in str(written.get_json()["errors"])

    # The history and the feed record the verification as an update of last_verified_at alone.
    newest = editor.get(f"{url}/history").get_json()[0]
    assert newest["action"] == "update" and set(newest["changes"]) == {"last_verified_at"}
    assert newest["changes"]["last_verified_at"][1] == body["last_verified_at"]
    for reader in (editor, anonymous):
        last = reader.get(f"{FEED}?limit=1000").get_json()[-1]
        assert (last["id"], last["action"], last["data"]["last_verified_at"]) == (company["id"], "updated", body["last_verified_at"])

    # Writes without an editor's key (commands such as `flask import prh`, `flask seed`) verify nothing.
    assert runner.invoke(args=["seed"]).exit_code == 0
    seeded = client.get(f"{COMPANIES}?page_size=100&municipality=931").get_json()
    assert seeded and all(item["last_verified_at"] is None for item in seeded)


def test_verify_sites_scopes_and_roles(client, client_with, anonymous, partner, region):
    site = client.post("/api/v1/sites", json=payloads.site()).get_json()
    company = add(client, municipality="729")
    karstula_editor = client_with("editor", "226")
    assert karstula_editor.post(f"{COMPANIES}/{company['id']}/verify").status_code == 403
    assert anonymous.post(f"{COMPANIES}/{company['id']}/verify").status_code == 401
    assert partner.post(f"{COMPANIES}/{company['id']}/verify").status_code == 403
    assert karstula_editor.post(f"{COMPANIES}/no-such-id/verify").status_code == 404
    assert client.get(f"{COMPANIES}/{company['id']}").get_json()["last_verified_at"] == company["last_verified_at"]

    verified = karstula_editor.post(f"/api/v1/sites/{site['id']}/verify")
    assert verified.status_code == 200, verified.get_json()
    assert verified.get_json()["last_verified_at"] == verified.get_json()["updated_at"]
    assert anonymous.post(f"/api/v1/sites/{site['id']}/verify").status_code == 401


# --- the review list ---------------------------------------------------------------------------


def test_each_reason_appears_and_disappears_with_its_cause(app, client, editor, region, monkeypatch):
    # Written by an admin's key: verified now, and complete, so on no list.
    company = add(client, latitude=62.878, longitude=24.8)
    assert reasons(editor, company) is None

    for changes, reason, fixed in (
        ({"latitude": None, "longitude": None}, "no_location", {"latitude": 62.878, "longitude": 24.8}),
        ({"description": None}, "no_description", {"description": {"fi": "Sahatavaraa."}}),
        ({"industry_code": None}, "no_industry", {"industry_code": "16100"}),
        ({"website": None, "email": None, "phone": None}, "no_contact", {"phone": "014 459 1111"}),
    ):
        company = patch(client, company, **changes)
        assert reasons(editor, company) == [reason]
        company = patch(client, company, **fixed)
        assert reasons(editor, company) is None

    company = patch(client, company, ended_on="2025-06-30")
    assert reasons(editor, company) == ["ended"]
    company = patch(client, company, status="draft")
    assert reasons(editor, company) is None

    monkeypatch.setitem(app.config, "REVIEW_AFTER_DAYS", 0)
    assert reasons(editor, company) == ["not_verified"]
    monkeypatch.setitem(app.config, "REVIEW_AFTER_DAYS", 365)
    assert reasons(editor, company) is None


def test_never_verified_and_oldest_checks_come_first_paged(app, client, editor, region, runner, monkeypatch):
    assert runner.invoke(args=["seed"]).exit_code == 0  # seeded by a command: never verified
    first = add(client, name="Ensin Tarkistettu Oy")
    second = add(client, name="Sitten Tarkistettu Oy")
    monkeypatch.setitem(app.config, "REVIEW_AFTER_DAYS", 0)
    answer = editor.get(f"{REVIEW}?page_size=100")
    listed = answer.get_json()
    never = [item for item in listed if item["last_verified_at"] is None]
    assert never and listed[: len(never)] == never
    assert [item["id"] for item in never] == sorted(item["id"] for item in never)
    assert [item["id"] for item in listed[len(never):]] == [first["id"], second["id"]]
    assert all("not_verified" in item["reasons"] for item in listed)

    editor.post(f"{COMPANIES}/{first['id']}/verify")
    assert [item["id"] for item in editor.get(f"{REVIEW}?page_size=100").get_json()][-2:] == [second["id"], first["id"]]

    paged = editor.get(f"{REVIEW}?page_size=2&page=2")
    assert paged.status_code == 200 and len(paged.get_json()) == 2
    assert '"total": %d' % len(listed) in paged.headers["X-Pagination"].replace('":', '": ')
    assert 'rel="next"' in paged.headers["Link"]
    assert editor.get(f"{REVIEW}?page_size=2&page=2", headers={"If-None-Match": paged.headers["ETag"]}).status_code == 304


def test_review_scopes_and_roles(client, client_with, anonymous, partner, region):
    karstula = add(client, latitude=None)
    saarijarvi = add(client, municipality="729", latitude=None)
    karstula_editor = client_with("editor", "226")
    assert {item["id"] for item in karstula_editor.get(REVIEW).get_json()} == {karstula["id"]}
    assert {item["id"] for item in karstula_editor.get(f"{REVIEW}?municipality=226").get_json()} == {karstula["id"]}
    outside = karstula_editor.get(f"{REVIEW}?municipality=729")
    assert outside.status_code == 403 and outside.mimetype == "application/problem+json"
    # The same URL for two keys is two answers (their own municipalities by default).
    assert {item["id"] for item in client.get(REVIEW).get_json()} == {karstula["id"], saarijarvi["id"]}
    assert {item["id"] for item in client.get(f"{REVIEW}?municipality=729").get_json()} == {saarijarvi["id"]}
    assert anonymous.get(REVIEW).status_code == 401
    assert partner.get(REVIEW).status_code == 403
    assert client.get(f"{REVIEW}?municipality=22").status_code == 422


# --- duplicates --------------------------------------------------------------------------------

# Karstula's centre; 0.0009° of latitude is 100 m.
HERE = {"latitude": 62.878, "longitude": 24.8}
HUNDRED_METRES_NORTH = {"latitude": 62.8789, "longitude": 24.8}
FAR = {"latitude": 62.95, "longitude": 25.1}


@pytest.fixture
def planted(client, region):
    """Pairs in their disguises, each pair sharing one thing only, and look-alikes that are not the same."""
    made = {}

    def plant(name, first, second):
        made[name] = (add(client, **first), add(client, **second))

    plant("form", {"name": "Kannonkosken Kone Oy"}, {"name": "Kannonkosken Kone Oyj", "municipality": "729"})
    plant("no form", {"name": "Viitasaaren Valo Ky"}, {"name": "Viitasaaren Valo"})
    plant("case", {"name": "KIVIJÄRVEN KALATALO OY"}, {"name": "Kivijärven Kalatalo Oy"})
    plant("accents", {"name": "Pyhäjärven Hirsi Oy"}, {"name": "Pyhajarven Hirsi Oy"})
    plant("punctuation", {"name": "T:mi Mäki-Kone"}, {"name": "Mäkikone, Tmi"})
    plant("swedish form", {"name": "Saarijärven Puu Ab"}, {"name": "Saarijärven Puu Oy Ab"})
    plant("phone", {"name": "Alfa Oy", "phone": "014 459 2222"}, {"name": "Beeta Oy", "phone": "+358 14 4592222"})
    plant("email", {"name": "Gamma Oy", "email": "toimisto@gamma.example"}, {"name": "Delta Oy", "email": "Toimisto@Gamma.example"})
    plant("domain", {"name": "Epsilon Oy", "website": "https://www.epsilon.example/yhteystiedot"}, {"name": "Zeta Oy", "website": "http://epsilon.example"})
    plant("nearby", {"name": "Pihtiputaan Pitopalvelu Oy", **HERE}, {"name": "Pihtiputaan Pitopalvelut", **HUNDRED_METRES_NORTH})
    plant("look-alikes", {"name": "Karstulan Sähkö Oy", **HERE, "street_address": "Keskustie 1"},
          {"name": "Karstulan Sähkötyö Oy", **FAR, "street_address": "Teollisuustie 9"})
    plant("look-alikes nearby", {"name": "Karstulan Sähkö Oy", **FAR}, {"name": "Karstulan Sähkötyö Oy", "latitude": 62.9509, "longitude": 25.1})
    return made


DISGUISES = {
    "form": ["same_name"], "no form": ["same_name"], "case": ["same_name"], "accents": ["same_name"],
    "punctuation": ["same_name"], "swedish form": ["same_name"], "phone": ["same_phone"], "email": ["same_email"],
    "domain": ["same_domain"], "nearby": ["nearby_similar_name"],
}


def test_planted_duplicates_are_found_in_each_disguise_and_look_alikes_score_low(editor, planted):
    found = pairs(editor)
    for disguise, expected in DISGUISES.items():
        pair = found.get(pair_of(*planted[disguise]))
        assert pair is not None, disguise
        assert pair["reasons"] == expected and 0.5 <= pair["score"] <= 1, (disguise, pair)
        assert pair["companies"] == sorted(pair["companies"])
    assert pair_of(*planted["look-alikes"]) not in found
    near = found.get(pair_of(*planted["look-alikes nearby"]))
    assert near is None or near["score"] < 0.5
    # The two Karstulan Sähkö Oy (far apart) are the same name; Sähkötyö pairs with neither beyond a low score.
    same_names = pair_of(planted["look-alikes"][0], planted["look-alikes nearby"][0])
    assert found[same_names]["reasons"] == ["same_name"]
    scores = [pair["score"] for pair in editor.get(f"{DUPLICATES}?page_size=100").get_json()]
    assert scores == sorted(scores, reverse=True)


def test_more_reasons_score_higher_and_deleted_companies_pair_with_none(client, editor, region):
    first = add(client, name="Rakennus Virtanen Oy", phone="014 459 3333", **HERE)
    second = add(client, name="Rakennus Virtanen", phone="014 459 3333", **HUNDRED_METRES_NORTH)
    pair = pairs(editor)[pair_of(first, second)]
    assert pair["reasons"] == ["same_name", "same_phone", "nearby_similar_name"] and pair["score"] > 0.95
    url = f"{COMPANIES}/{second['id']}"
    assert client.delete(url, headers={"If-Match": client.get(url).headers["ETag"]}).status_code == 204
    assert pair_of(first, second) not in pairs(editor)


def test_dismissal_in_either_order_hides_the_pair_for_good(client, editor, client_with, anonymous, partner, planted):
    first, second = planted["phone"]
    listed = editor.get(DUPLICATES)
    dismissed = editor.post(DISMISSED, json={"companies": [second["id"], first["id"]]})
    assert dismissed.status_code == 201, dismissed.get_json()
    assert dismissed.get_json()["companies"] == sorted([first["id"], second["id"]])
    assert editor.post(DISMISSED, json={"companies": [first["id"], second["id"]]}).status_code == 204
    assert pair_of(first, second) not in pairs(editor)
    assert editor.get(DUPLICATES, headers={"If-None-Match": listed.headers["ETag"]}).status_code == 200
    # A later change to either company does not bring the pair back.
    patch(client, first, name="Alfa Uusi Oy")
    assert pair_of(first, second) not in pairs(editor) and pair_of(*planted["email"]) in pairs(editor)

    for body in ({"companies": [first["id"]]}, {"companies": [first["id"], first["id"]]}, {"companies": [first["id"], "no-such-id"]}, {}):
        answer = editor.post(DISMISSED, json=body)
        assert answer.status_code == 422 and "companies" in str(answer.get_json()["errors"]), body
    assert anonymous.post(DISMISSED, json={"companies": [first["id"], second["id"]]}).status_code == 401
    assert partner.post(DISMISSED, json={"companies": [first["id"], second["id"]]}).status_code == 403
    assert anonymous.get(DUPLICATES).status_code == 401 and partner.get(DUPLICATES).status_code == 403


def test_a_limited_editor_sees_pairs_touching_their_municipalities(client_with, planted):
    karstula_editor = client_with("editor", "226")
    saarijarvi_editor = client_with("editor", "729")
    cross = pair_of(*planted["form"])  # one in Karstula, one in Saarijärvi
    assert cross in pairs(karstula_editor) and cross in pairs(saarijarvi_editor)
    assert set(pairs(saarijarvi_editor)) == {cross}
    assert set(pairs(karstula_editor, "&municipality=226")) == set(pairs(karstula_editor))
    assert karstula_editor.get(f"{DUPLICATES}?municipality=729").status_code == 403
    only_karstula = planted["case"]
    assert saarijarvi_editor.post(DISMISSED, json={"companies": [item["id"] for item in only_karstula]}).status_code == 403
    assert saarijarvi_editor.post(DISMISSED, json={"companies": [item["id"] for item in planted["form"]]}).status_code == 201


def test_the_weekly_report_as_a_table_and_as_csv(runner, client, planted):
    table = runner.invoke(args=["review", "report", "--municipality", "729"])
    assert table.exit_code == 0, table.output
    lines = table.output.splitlines()
    assert lines[0].split() == ["list", "score", "reasons", "business_id", "name", "municipality", "last_verified_at",
                                "other_business_id", "other_name", "other_municipality"]
    assert any(line.startswith("duplicate") and "Kannonkosken Kone Oy" in line and "same_name" in line for line in lines)
    assert not any("Viitasaaren Valo" in line for line in lines)  # neither of that pair is in Saarijärvi

    answer = runner.invoke(args=["review", "report", "--format", "csv"])
    assert answer.exit_code == 0, answer.output
    rows = list(csv.DictReader(io.StringIO(answer.output)))
    duplicates = [row for row in rows if row["list"] == "duplicate"]
    assert {(row["business_id"], row["other_business_id"]) for row in duplicates} >= {
        tuple(company["business_id"] for company in sorted(planted[disguise], key=lambda company: company["id"])) for disguise in DISGUISES
    }
    assert [float(row["score"]) for row in duplicates] == sorted((float(row["score"]) for row in duplicates), reverse=True)
    # Written by an admin's key, the planted companies are verified; those without coordinates are to review.
    to_review = [row for row in rows if row["list"] == "review"]
    assert to_review and {row["reasons"] for row in to_review} == {"no_location"}
    assert {row["last_verified_at"] for row in to_review} == {planted["form"][0]["last_verified_at"][:10]}
