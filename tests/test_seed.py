"""`flask seed` loads the region's data files exactly, and a second run changes nothing."""

import json

from tests.conftest import SEED_DIR


def _seed(runner):
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    return result.output


def test_seed_loads_the_region_and_is_idempotent(runner, client):
    first = _seed(runner)
    assert "6 municipalities" in first
    municipalities = client.get("/api/v1/municipalities").get_json()
    assert {m["code"]: m["name"]["fi"] for m in municipalities} == {
        "216": "Kannonkoski", "226": "Karstula", "256": "Kinnula",
        "265": "Kivijärvi", "601": "Pihtipudas", "931": "Viitasaari",
    }
    etags = {path: client.get(path).headers["ETag"] for path in ("/api/v1/companies", "/api/v1/events", "/api/v1/spearheads", "/api/v1/municipalities")}

    second = _seed(runner)
    assert "0 municipalities, 0 spearheads, 0 companies, 0 events" in second
    for path, etag in etags.items():
        assert client.get(path, headers={"If-None-Match": etag}).status_code == 304, path


def test_seeded_records_match_the_files_and_are_published(runner, client):
    _seed(runner)
    for kind, key in (("companies", "business_id"), ("spearheads", "slug"), ("municipalities", "code")):
        expected = json.loads((SEED_DIR / f"{kind}.json").read_text(encoding="utf-8"))
        served = client.get(f"/api/v1/{kind}?page_size=100").get_json()
        assert {record[key] for record in served} == {record[key] for record in expected}
        assert {record["status"] for record in served} == {"published"}


def test_the_workshop_is_seeded_as_announced(runner, client):
    _seed(runner)
    (workshop,) = client.get("/api/v1/events").get_json()
    assert workshop["start_time"] == "2020-12-08T09:00:00+02:00"
    assert workshop["end_time"] == "2020-12-08T12:00:00+02:00"
    assert workshop["registration_deadline"] == "2020-12-02T16:00:00+02:00"
    assert workshop["is_online"] is True
    assert workshop["registration_url"] == "https://q.surveypal.com/SaVi_sijoittumisstrategia_tyopaja"
    assert workshop["organizer"]["name"] == "Kehittämisyhtiö Karstulanseutu Oy"
    assert workshop["facilitator"] == "Aluekehittämisen konsulttitoimisto MDI"
    assert workshop["contact"] == {
        "name": "Jenni Leppilahti",
        "title": "projektipäällikkö",
        "organization": "Kehittämisyhtiö Karstulanseutu Oy",
        "phone": "+358503815917",
        "email": "jenni.leppilahti@karstulanseutu.fi",
    }
    assert sorted(workshop["municipalities"]) == ["216", "226", "256", "265", "601", "931"]
    assert {group["fi"] for group in workshop["target_groups"]} == {
        "kasvuhakuiset yritykset", "yrityskehittäjät", "kuntien edustajat", "sidosryhmät",
    }
    assert "participation_url" not in workshop


def test_unknown_region_fails_clearly(runner):
    result = runner.invoke(args=["seed", "--region", "nowhere"])
    assert result.exit_code != 0 and "no seed data" in result.output
