import pytest

from tests import payloads


@pytest.fixture
def karstula(client):
    client.post("/api/v1/municipalities", json=payloads.municipality())
    client.post("/api/v1/municipalities", json=payloads.municipality("931", name={"fi": "Viitasaari"}))


def test_scenario(client, karstula):
    assert client.get("/api/v1/companies").get_json() == []

    created = client.post("/api/v1/companies", json=payloads.company(municipality="226"))
    assert created.status_code == 201
    company = created.get_json()
    assert company["phone"] == "+358144591111"
    assert company["industry_section"] == "C"
    assert company["industry_code_set"] == "TOL2008"
    assert company["industry"]["fi"]
    assert created.headers["Location"] == f"/api/v1/companies/{company['id']}"

    duplicate = client.post("/api/v1/companies", json=payloads.company(name="Toinen Oy"))
    assert duplicate.status_code == 409
    assert "business_id" in duplicate.get_json()["errors"]

    read = client.get(f"/api/v1/companies/{company['id']}")
    assert read.get_json() == company
    assert client.get(f"/api/v1/companies/{company['id']}", headers={"If-None-Match": read.headers["ETag"]}).status_code == 304

    replaced = client.put(
        f"/api/v1/companies/{company['id']}",
        json=payloads.company(municipality="931", tags=["hirsitalo"]),
        headers={"If-Match": read.headers["ETag"]},
    )
    assert replaced.status_code == 200
    assert replaced.get_json()["municipality"] == "931"
    assert replaced.headers["ETag"] != read.headers["ETag"]

    stale = client.put(
        f"/api/v1/companies/{company['id']}", json=payloads.company(), headers={"If-Match": read.headers["ETag"]}
    )
    assert stale.status_code == 412

    assert [c["id"] for c in client.get("/api/v1/companies?municipality=931&tag=hirsitalo").get_json()] == [company["id"]]
    assert client.get("/api/v1/companies?municipality=226").get_json() == []

    deleted = client.delete(f"/api/v1/companies/{company['id']}", headers={"If-Match": replaced.headers["ETag"]})
    assert deleted.status_code == 204
    assert client.get(f"/api/v1/companies/{company['id']}").status_code == 404
    assert client.get("/api/v1/companies").get_json() == []
    tombstones = client.get("/api/v1/companies?include_deleted=true").get_json()
    assert [set(t) for t in tombstones] == [{"id", "deleted_at", "updated_at"}]
    # The Business ID is free again once its company is deleted.
    assert client.post("/api/v1/companies", json=payloads.company()).status_code == 201


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("business_id", "2077474-1"),
        ("business_id", "1234567-8"),
        ("business_id", "0112038"),
        ("postal_code", "4350"),
        ("postal_code", "43500a"),
        ("industry_code", "1"),
        ("industry_code", "161000"),
        ("industry_code", "04100"),
        ("latitude", 90.5),
        ("longitude", -181),
        ("website", "not a url"),
        ("website", "javascript:alert(1)"),
        ("email", "info@"),
        ("phone", "123"),
        ("size_class", "11-19"),
        ("founded_year", 1500),
        ("name", ""),
        ("name", "x" * 201),
        ("tags", ["x" * 61]),
        ("tags", ["t"] * 201),
        ("description", {"fi": "x" * 10_001}),
        ("description", {"de": "Holz"}),
        ("growth_seeking", "maybe"),
        ("municipality", "999"),
        ("spearheads", ["no-such-id"]),
        ("unknown_field", 1),
        ("id", "mine"),
        ("created_at", "2020-01-01T00:00:00Z"),
        ("industry", {"fi": "Teollisuus"}),
    ],
)
def test_each_bad_field_is_named_in_a_422(client, karstula, field, value):
    answer = client.post("/api/v1/companies", json=payloads.company(**{field: value}))
    assert answer.status_code == 422, answer.get_json()
    problem = answer.get_json()
    assert answer.content_type == "application/problem+json"
    assert problem["status"] == 422 and problem["title"] and problem["detail"]
    assert any(name == field or name.startswith(f"{field}.") for name in problem["errors"]), problem
    assert client.get("/api/v1/companies").get_json() == []


def test_old_six_digit_business_id_is_padded(client):
    answer = client.post("/api/v1/companies", json=payloads.company("112038-9"))
    assert answer.status_code == 201
    assert answer.get_json()["business_id"] == "0112038-9"


def test_coordinates_come_in_pairs(client):
    answer = client.post("/api/v1/companies", json=payloads.company(longitude=None))
    assert answer.status_code == 422 and "longitude" in answer.get_json()["errors"]


def test_filters_combine(client, karstula):
    client.post("/api/v1/companies", json=payloads.company("0112038-9", municipality="226", industry_code="16100"))
    client.post(
        "/api/v1/companies",
        json=payloads.company("2331972-7", name="Viitasaaren Ohjelmisto Oy", municipality="931", industry_code="62010",
                              size_class="0-4", growth_seeking=False, international=True, tags=["ohjelmisto"]),
    )
    names = lambda query: [c["name"] for c in client.get(f"/api/v1/companies?{query}").get_json()]  # noqa: E731
    assert names("industry=16") == ["Karstulan Puutuote Oy"]
    assert names("industry=6201") == ["Viitasaaren Ohjelmisto Oy"]
    assert names("municipality=226&municipality=931") == ["Karstulan Puutuote Oy", "Viitasaaren Ohjelmisto Oy"]
    assert names("international=true") == ["Viitasaaren Ohjelmisto Oy"]
    assert names("growth_seeking=true&size_class=10-19") == ["Karstulan Puutuote Oy"]
    assert names("business_id=2331972-7") == ["Viitasaaren Ohjelmisto Oy"]
    assert names("tag=ohjelmisto") == ["Viitasaaren Ohjelmisto Oy"]
    assert names("sort=-name") == ["Viitasaaren Ohjelmisto Oy", "Karstulan Puutuote Oy"]
    assert client.get("/api/v1/companies?industry=x").status_code == 422
    assert client.get("/api/v1/companies?business_id=2077474-1").status_code == 422


def test_spearhead_links(client):
    spearhead = client.post("/api/v1/spearheads", json=payloads.spearhead()).get_json()
    company = client.post("/api/v1/companies", json=payloads.company(spearheads=[spearhead["id"]])).get_json()
    assert company["spearheads"] == [spearhead["id"]]
    for key in (spearhead["id"], spearhead["slug"]):
        assert [c["id"] for c in client.get(f"/api/v1/companies?spearhead={key}").get_json()] == [company["id"]]
        assert [c["id"] for c in client.get(f"/api/v1/spearheads/{key}/companies").get_json()] == [company["id"]]


def test_merge_patch_merges_nested_objects_and_null_removes(client):
    created = client.post("/api/v1/companies", json=payloads.company())
    company_id = created.get_json()["id"]
    patched = client.patch(
        f"/api/v1/companies/{company_id}",
        json={"description": {"sv": "Sågat virke.", "en": None}, "website": None, "tags": ["saha"]},
        headers={"If-Match": created.headers["ETag"], "Content-Type": "application/merge-patch+json"},
    )
    assert patched.status_code == 200, patched.get_json()
    body = patched.get_json()
    assert body["description"] == {"fi": "Sahatavaraa ja hirsitaloja.", "sv": "Sågat virke."}
    assert body["website"] is None
    assert body["tags"] == ["saha"]
    assert body["name"] == "Karstulan Puutuote Oy"


def test_patch_cannot_remove_a_required_field(client):
    created = client.post("/api/v1/companies", json=payloads.company())
    answer = client.patch(
        f"/api/v1/companies/{created.get_json()['id']}", json={"name": None}, headers={"If-Match": created.headers["ETag"]}
    )
    assert answer.status_code == 422 and "name" in answer.get_json()["errors"]


def test_writes_need_if_match(client):
    created = client.post("/api/v1/companies", json=payloads.company())
    url = f"/api/v1/companies/{created.get_json()['id']}"
    for method in ("put", "patch"):
        answer = getattr(client, method)(url, json=payloads.company())
        assert answer.status_code == 428
        assert answer.content_type == "application/problem+json"
        assert "If-Match" in answer.get_json()["detail"]
    assert client.delete(url).status_code == 428
    assert client.delete(url, headers={"If-Match": '"stale"'}).status_code == 412
    assert client.get(url).status_code == 200
