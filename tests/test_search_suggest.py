"""Type-ahead: GET /api/v1/search/suggest answers places, words and names that start with what was typed."""

import pytest

from tests import fixture_companies, payloads

PATH = "/api/v1/search/suggest"


def suggest(client, prefix: str, **params) -> list[dict]:
    answer = client.get(PATH, query_string={"q": prefix, **params})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def test_suggestions_start_with_the_prefix_best_first(client, anonymous):
    fixture_companies.load(client)
    found = suggest(anonymous, "kiv")
    assert found[0] == {"text": "Kivijärvi", "kind": "municipality", "id": "265"}
    assert len(found) == 8  # the default limit
    kinds = [item["kind"] for item in found]
    # Places, then words (the most frequent first), then names in alphabetical order.
    assert kinds[0] == "municipality" and kinds.index("term") < kinds.index("company")
    names = [item["text"] for item in found if item["kind"] == "company"]
    assert names and names == sorted(names) and all(name.startswith("Kivijärven") for name in names)
    assert all(item["id"] for item in found if item["kind"] != "term")
    assert all(item["id"] is None for item in found if item["kind"] == "term")
    # ä/ö-insensitive, and words come back in their dictionary form with ä and ö.
    words = [item["text"] for item in suggest(anonymous, "hoyl") if item["kind"] == "term"]
    assert "höylä" in words
    assert suggest(anonymous, "KARSTUL", limit=3)[0] == {"text": "Karstula", "kind": "municipality", "id": "226"}
    assert "Kivijärven Erämatkat Oy" in {item["text"] for item in suggest(anonymous, "kivijarven e")}
    assert [item["text"] for item in suggest(anonymous, "sahatav") if item["kind"] == "term"] == ["sahatavara"]
    # After a space only names can continue: "Karstulan Sa…".
    assert {item["text"] for item in suggest(anonymous, "karstulan sa", limit=20)} == {"Karstulan Saha ja Höylä Oy"}
    assert len(suggest(anonymous, "ka", limit=20)) == 20
    assert suggest(anonymous, "xq") == []


def test_suggestions_show_only_what_the_reader_may_see(client, anonymous, editor):
    client.post("/api/v1/companies", json=payloads.company(name="Salaisuus Oy", tags=["salasana"], status="draft"))
    gone = client.post("/api/v1/companies", json=payloads.company(business_id="2331972-7", name="Salama Oy", tags=["salama"]))
    event = client.post("/api/v1/events", json=payloads.event(title={"fi": "Salibandyturnaus"}))
    assert {item["text"] for item in suggest(editor, "sala")} >= {"Salaisuus Oy", "Salama Oy"}
    texts = {item["text"] for item in suggest(anonymous, "sala")}
    assert "Salama Oy" in texts and "Salaisuus Oy" not in texts and "salasana" not in texts
    assert {"text": "Salibandyturnaus", "kind": "event", "id": event.get_json()["id"]} in suggest(anonymous, "sali")
    client.delete(f"/api/v1/companies/{gone.get_json()['id']}", headers={"If-Match": gone.headers["ETag"]})
    assert not {"Salama Oy", "salama"} & {item["text"] for item in suggest(editor, "sala")}


@pytest.mark.parametrize(
    "params",
    [{"q": "k"}, {"q": " k "}, {"q": "ä!"}, {}, {"q": "kars", "limit": 0}, {"q": "kars", "limit": 21}, {"q": "ka\x00"}],
)
def test_a_short_prefix_or_a_bad_limit_is_a_problem(anonymous, params):
    answer = anonymous.get(PATH, query_string=params)
    assert answer.status_code == (400 if "\x00" in params.get("q", "") else 422), params
    assert answer.content_type == "application/problem+json"


def test_suggest_is_documented_for_clients(anonymous):
    spec = anonymous.get("/api/openapi.json").get_json()
    operation = spec["paths"][PATH]["get"]
    assert operation["operationId"] == "suggestSearch"
    assert {parameter["name"] for parameter in operation["parameters"]} >= {"q", "limit"}
    answer = operation["responses"]["200"]["content"]["application/json"]
    assert answer["example"][0]["kind"] == "municipality"
    assert set(spec["components"]["schemas"]["Suggestion"]["properties"]["kind"]["enum"]) == {
        "company", "event", "spearhead", "site", "municipality", "term"
    }
