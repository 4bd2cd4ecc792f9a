from tests import payloads


def test_scenario_by_id_and_slug(client):
    client.post("/api/v1/municipalities", json=payloads.municipality())
    created = client.post(
        "/api/v1/spearheads",
        json=payloads.spearhead(
            municipalities=["226"],
            priority=1,
            key_figures=[{"label": {"fi": "Asukkaita", "en": "Inhabitants"}, "value": 17593, "unit": None}],
        ),
    )
    assert created.status_code == 201, created.get_json()
    spearhead = created.get_json()
    assert client.get(f"/api/v1/spearheads/{spearhead['slug']}").get_json() == spearhead
    assert client.get(f"/api/v1/spearheads/{spearhead['id']}").get_json() == spearhead
    assert client.post("/api/v1/spearheads", json=payloads.spearhead()).status_code == 409

    renamed = client.patch(
        "/api/v1/spearheads/wood-bioeconomy", json={"slug": "wood"}, headers={"If-Match": created.headers["ETag"]}
    )
    assert renamed.status_code == 200
    assert client.get("/api/v1/spearheads/wood").get_json()["id"] == spearhead["id"]
    assert client.get("/api/v1/spearheads/wood-bioeconomy").status_code == 404

    assert [s["slug"] for s in client.get("/api/v1/spearheads?municipality=226").get_json()] == ["wood"]
    assert client.get("/api/v1/spearheads?municipality=931").get_json() == []
    deleted = client.delete("/api/v1/spearheads/wood", headers={"If-Match": renamed.headers["ETag"]})
    assert deleted.status_code == 204
    assert client.get("/api/v1/spearheads").get_json() == []


def test_slug_format(client):
    answer = client.post("/api/v1/spearheads", json=payloads.spearhead("Wood Industry"))
    assert answer.status_code == 422 and "slug" in answer.get_json()["errors"]


def test_sorted_by_priority(client):
    client.post("/api/v1/spearheads", json=payloads.spearhead("b", priority=2))
    client.post("/api/v1/spearheads", json=payloads.spearhead("a", priority=1))
    assert [s["slug"] for s in client.get("/api/v1/spearheads").get_json()] == ["a", "b"]
    assert [s["slug"] for s in client.get("/api/v1/spearheads?sort=-priority").get_json()] == ["b", "a"]


def test_deleting_a_spearhead_takes_it_off_its_companies_and_events_as_their_own_writes(client):
    client.post("/api/v1/municipalities", json=payloads.municipality())
    gone = client.post("/api/v1/spearheads", json=payloads.spearhead("wood")).get_json()
    kept = client.post("/api/v1/spearheads", json=payloads.spearhead("food")).get_json()
    company = client.post("/api/v1/companies", json=payloads.company(spearheads=[gone["id"], kept["id"]]))
    event = client.post("/api/v1/events", json=payloads.event(spearheads=[gone["id"]]))
    untouched = client.post("/api/v1/companies", json=payloads.company("2331972-7", spearheads=[kept["id"]]))
    before = untouched.get_json()["updated_at"]  # the latest write before the delete

    spearhead = client.get("/api/v1/spearheads/wood")
    assert client.delete("/api/v1/spearheads/wood", headers={"If-Match": spearhead.headers["ETag"]}).status_code == 204

    company_url = f"/api/v1/companies/{company.get_json()['id']}"
    now = client.get(company_url)
    assert now.get_json()["spearheads"] == [kept["id"]]
    assert now.headers["ETag"] != company.headers["ETag"] and now.get_json()["updated_at"] > before
    assert client.get(f"/api/v1/events/{event.get_json()['id']}").get_json()["spearheads"] == []
    # A sync client asking from its latest stamp (inclusive) sees the company change after it; the
    # company not linked keeps its stamp and ETag.
    changed = client.get("/api/v1/companies", query_string={"updated_since": before}).get_json()
    assert [item["id"] for item in changed] == [untouched.get_json()["id"], company.get_json()["id"]]
    assert client.get(f"/api/v1/companies/{untouched.get_json()['id']}").headers["ETag"] == untouched.headers["ETag"]
    latest = client.get(f"{company_url}/history").get_json()[0]
    assert latest["action"] == "update"
    assert list(latest["changes"]) == ["spearheads"]
    was, became = latest["changes"]["spearheads"]
    assert sorted(was) == sorted([gone["id"], kept["id"]]) and became == [kept["id"]]
