"""Text is stored in NFC, trimmed; blank required text and control, bidi-override or invisible one-line text are a 422."""

import json
import unicodedata

import pytest

from tests import payloads

COMPOSED = "Sähkö-Öljy Oy"
DECOMPOSED = unicodedata.normalize("NFD", COMPOSED)
# One-line text that must be refused, whatever field or resource holds it.
REFUSED = {
    "BEL": "Saha\u0007 Oy",
    "line break": "Saha\nOy",
    "right-to-left override": "Saha \u202eyO",
    "isolate": "Saha \u2067Oy\u2069",
    "only zero-width": "\u200b\u200b",
    "zero-width and spaces": " \u200b \ufeff ",
}

# (path to create, a valid body, where the one-line text goes, the stored field that shows it)
RESOURCES = {
    "company name": ("/api/v1/companies", payloads.company, lambda text: {"name": text}, lambda body: body["name"]),
    "company tag": ("/api/v1/companies", payloads.company, lambda text: {"tags": [text]}, lambda body: body["tags"][0]),
    "event title": ("/api/v1/events", payloads.event, lambda text: {"title": {"fi": text}}, lambda body: body["title"]["fi"]),
    "event place": (
        "/api/v1/events", payloads.event, lambda text: {"location_name": text}, lambda body: body["location_name"],
    ),
    "spearhead title": (
        "/api/v1/spearheads", payloads.spearhead, lambda text: {"title": {"fi": text}}, lambda body: body["title"]["fi"],
    ),
    "municipality contact": (
        "/api/v1/municipalities",
        # A code no other test creates: answers are cached by code and version for the whole test session.
        lambda **changes: payloads.municipality("992", name={"fi": "Äänekoski"}, **changes),
        lambda text: {"business_contact": {"name": text}},
        lambda body: body["business_contact"]["name"],
    ),
}


@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize("kind", REFUSED)
def test_one_line_text_that_misleads_or_shows_nothing_is_422(client, resource, kind):
    path, body, place, _ = RESOURCES[resource]
    answer = client.post(path, json=body(**place(REFUSED[kind])))
    assert answer.status_code == 422, (resource, kind, answer.data)
    assert answer.content_type == "application/problem+json"
    assert client.get(path).get_json() == []


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/companies", payloads.company(name="   ")),
        ("/api/v1/events", payloads.event(title={"fi": " \t "})),
        ("/api/v1/spearheads", payloads.spearhead(title={"fi": "  "})),
        ("/api/v1/municipalities", payloads.municipality(business_contact={"name": "\u3000"})),
    ],
)
def test_required_text_blank_after_trimming_is_422(client, path, body):
    answer = client.post(path, json=body)
    assert answer.status_code == 422, answer.data
    assert "Must not be blank." in json.dumps(answer.get_json()["errors"])


def test_blank_optional_text_is_no_text(client):
    body = payloads.event(location_name="  ", street_address="", description={"fi": "Työpaja.", "sv": " "})
    created = client.post("/api/v1/events", json=body).get_json()
    assert created["location_name"] is None and created["street_address"] is None
    assert created["description"] == {"fi": "Työpaja."}


@pytest.mark.parametrize("resource", RESOURCES)
def test_text_is_stored_composed_and_trimmed(client, resource):
    path, body, place, shown = RESOURCES[resource]
    answer = client.post(path, json=body(**place(f"  {DECOMPOSED}\t")))
    assert answer.status_code == 201, answer.data
    assert shown(client.get(answer.headers["Location"]).get_json()) == COMPOSED


def test_descriptions_keep_their_lines_but_not_their_margins(client):
    description = f"\n  {DECOMPOSED}\n\nToinen kappale.\t\n"
    created = client.post("/api/v1/companies", json=payloads.company(description={"fi": description})).get_json()
    assert created["description"]["fi"] == f"{COMPOSED}\n\nToinen kappale."
    blank = client.post("/api/v1/companies", json=payloads.company(business_id="0201256-6", description={"fi": " \n "}))
    assert blank.status_code == 201 and blank.get_json()["description"] is None


def test_a_patch_is_held_to_the_same_rules(client):
    created = client.post("/api/v1/companies", json=payloads.company())
    path, etag = created.headers["Location"], created.headers["ETag"]
    for name in ("   ", "\u200b", "Evil \u202eyO"):
        refused = client.patch(path, json={"name": name}, headers={"If-Match": etag})
        assert refused.status_code == 422 and "name" in refused.get_json()["errors"], name
    patched = client.patch(path, json={"name": f" {DECOMPOSED} "}, headers={"If-Match": etag})
    assert patched.status_code == 200 and patched.get_json()["name"] == COMPOSED


def _import(client, body: str, content_type: str):
    return client.post("/api/v1/companies/import", data=body.encode(), content_type=content_type)


def test_the_import_is_held_to_the_same_rules(client):
    rows = [
        payloads.company(name=f" {DECOMPOSED} ", tags=[f"{unicodedata.normalize('NFD', 'sähkö')} "]),
        payloads.company(business_id="0201256-6", name="\u200b"),
        payloads.company(business_id="1572860-0", name="Saha\u0007"),
    ]
    rejected = _import(client, json.dumps(rows), "application/json")
    assert rejected.status_code == 422
    assert {(error["row"], error["field"]) for error in rejected.get_json()["errors"]} == {(2, "name"), (3, "name")}
    assert _import(client, json.dumps(rows[:1]), "application/json").status_code == 200
    csv = f"business_id,name\n0201256-6,  {DECOMPOSED}  \n1572860-0,\u202eyO\n"
    assert [error["field"] for error in _import(client, csv, "text/csv").get_json()["errors"]] == ["name"]
    assert _import(client, csv.rsplit("1572860-0", 1)[0], "text/csv").status_code == 200
    stored = client.get("/api/v1/companies", query_string={"sort": "business_id"}).get_json()
    assert [(company["name"], company["tags"]) for company in stored] == [(COMPOSED, ["sähkö"]), (COMPOSED, [])]
