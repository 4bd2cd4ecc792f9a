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
