from tests import payloads


def test_scenario_create_read_replace_patch(client):
    assert client.get("/api/v1/municipalities").get_json() == []

    created = client.post("/api/v1/municipalities", json=payloads.municipality())
    assert created.status_code == 201
    assert created.headers["Location"].endswith("/api/v1/municipalities/226")
    assert created.headers["ETag"]
    assert created.get_json()["name"] == {"fi": "Karstula"}

    assert client.post("/api/v1/municipalities", json=payloads.municipality()).status_code == 409

    read = client.get("/api/v1/municipalities/226")
    assert read.status_code == 200 and read.headers["ETag"] == created.headers["ETag"]

    replaced = client.put(
        "/api/v1/municipalities/226",
        json=payloads.municipality(population=3800),
        headers={"If-Match": read.headers["ETag"]},
    )
    assert replaced.status_code == 200
    assert replaced.get_json()["population"] == 3800
    assert replaced.get_json()["postal_code"] == "43500"

    patched = client.patch(
        "/api/v1/municipalities/226",
        json={"description": {"fi": "Pohjoisen Keski-Suomen kunta."}, "postal_code": None},
        headers={"If-Match": replaced.headers["ETag"]},
        content_type="application/merge-patch+json",
    )
    assert patched.status_code == 200
    body = patched.get_json()
    assert body["description"] == {"fi": "Pohjoisen Keski-Suomen kunta."}
    assert body["postal_code"] is None
    assert body["population"] == 3800


def test_code_cannot_change(client):
    etag = client.post("/api/v1/municipalities", json=payloads.municipality()).headers["ETag"]
    answer = client.put("/api/v1/municipalities/226", json=payloads.municipality("931"), headers={"If-Match": etag})
    assert answer.status_code == 422
    assert "code" in answer.get_json()["errors"]


def test_municipalities_are_not_deleted(client):
    client.post("/api/v1/municipalities", json=payloads.municipality())
    answer = client.delete("/api/v1/municipalities/226")
    assert answer.status_code == 405
    assert "DELETE" not in answer.headers["Allow"] and "PATCH" in answer.headers["Allow"]


def test_filter_q_matches_any_language_case_insensitively(client):
    client.post("/api/v1/municipalities", json=payloads.municipality())
    client.post("/api/v1/municipalities", json=payloads.municipality("931", name={"fi": "Viitasaari"}))
    assert [m["code"] for m in client.get("/api/v1/municipalities?q=viita").get_json()] == ["931"]


def test_validation_names_each_bad_field(client):
    answer = client.post(
        "/api/v1/municipalities",
        json={"code": "22", "name": {"sv": "x"}, "postal_code": "4350", "latitude": 91, "website": "ftp://x"},
    )
    assert answer.status_code == 422
    assert answer.content_type == "application/problem+json"
    assert set(answer.get_json()["errors"]) == {"code", "name.fi", "postal_code", "latitude", "website"}
