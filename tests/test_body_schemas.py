"""Request bodies are held to what the OpenAPI document says of them: types and nullability."""

import pytest

from tests import payloads


@pytest.mark.parametrize("value", [0, 1, "true", "yes", None])
def test_json_booleans_are_true_or_false_only(client, value):
    event = client.post("/api/v1/events", json=payloads.event(is_online=value))
    assert event.status_code == 422 and "is_online" in event.get_json()["errors"], event.get_json()
    company = client.post("/api/v1/companies", json=payloads.company(growth_seeking=value, international=value))
    assert company.status_code == 422, company.get_json()
    assert {"growth_seeking", "international"} <= set(company.get_json()["errors"])
    assert client.post("/api/v1/events", json=payloads.event(is_online=False)).status_code == 201


def test_query_string_booleans_stay_words(client):
    client.post("/api/v1/events", json=payloads.event(is_online=True))
    assert len(client.get("/api/v1/events?is_online=true").get_json()) == 1
    assert client.get("/api/v1/events?is_online=false").get_json() == []


def test_an_import_row_cannot_null_a_field_that_is_not_nullable(client):
    client.post("/api/v1/municipalities", json=payloads.municipality())
    draft = client.post("/api/v1/companies", json=payloads.company(status="draft"))
    assert draft.status_code == 201
    for field in ("status", "growth_seeking", "tags", "name"):
        answer = client.post("/api/v1/companies/import", json=[{"business_id": "0112038-9", field: None}])
        assert answer.status_code == 422, answer.get_json()
        assert answer.get_json()["errors"] == [{"row": 1, "field": field, "message": "Field may not be null."}]
    assert client.get(draft.headers["Location"]).get_json()["status"] == "draft"
    # A nullable field is cleared by a null, as in a merge patch.
    cleared = client.post("/api/v1/companies/import", json=[{"business_id": "0112038-9", "website": None}])
    assert cleared.status_code == 200 and cleared.get_json()["updated"] == 1
    assert client.get(draft.headers["Location"]).get_json()["website"] is None


def test_a_merge_patch_cannot_null_a_field_that_is_not_nullable(client):
    created = client.post("/api/v1/companies", json=payloads.company(status="draft"))
    answer = client.patch(created.headers["Location"], json={"status": None}, headers={"If-Match": created.headers["ETag"]})
    assert answer.status_code == 422 and "status" in answer.get_json()["errors"]


def test_csv_booleans_are_words(client):
    client.post("/api/v1/municipalities", json=payloads.municipality())
    body = "business_id,name,growth_seeking,international\r\n0112038-9,Saha Oy,yes,FALSE\r\n0001000-6,Puu Oy,1,maybe\r\n"
    rejected = client.post("/api/v1/companies/import", data=body, content_type="text/csv")
    assert rejected.status_code == 422
    assert rejected.get_json()["errors"] == [{"row": 3, "field": "international", "message": "Not a yes/no value: write true or false (also TOSI/EPÄTOSI, kyllä/ei, 1/0)."}]
    accepted = client.post("/api/v1/companies/import", data=body.replace("maybe", "true"), content_type="text/csv")
    assert accepted.status_code == 200, accepted.get_json()
    flags = {c["name"]: (c["growth_seeking"], c["international"]) for c in client.get("/api/v1/companies").get_json()}
    assert flags == {"Saha Oy": (True, False), "Puu Oy": (True, True)}
