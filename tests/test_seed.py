"""`flask seed` loads the region's data files exactly, and a second run changes nothing; `--synthetic N` adds N."""

import json

from tests.conftest import SEED_DIR, empty_tables


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


def test_seed_never_overwrites_or_restores_an_edited_record(runner, client):
    _seed(runner)
    edited = {}
    for kind, field, value in (("companies", "name", "Muutettu Oy"), ("spearheads", "title", {"fi": "Muutettu"}),
                               ("municipalities", "population", 1234), ("events", "title", {"fi": "Muutettu"})):
        record = client.get(f"/api/v1/{kind}?page_size=1").get_json()[0]
        url = f"/api/v1/{kind}/{record.get('id') or record['code']}"
        answer = client.patch(url, json={field: value}, headers={"If-Match": client.get(url).headers["ETag"]})
        assert answer.status_code == 200, answer.get_json()
        edited[url] = answer.get_json()
    companies = client.get("/api/v1/companies?page_size=100").get_json()
    deleted = next(f"/api/v1/companies/{c['id']}" for c in companies if f"/api/v1/companies/{c['id']}" not in edited)
    assert client.delete(deleted, headers={"If-Match": client.get(deleted).headers["ETag"]}).status_code == 204

    assert "0 municipalities, 0 spearheads, 0 companies, 0 events" in _seed(runner)
    for url, record in edited.items():
        assert client.get(url).get_json() == record, url
    assert client.get(deleted).status_code == 404


def test_seeded_records_match_the_files_and_are_published(runner, client):
    _seed(runner)
    for kind, key in (("companies", "business_id"), ("spearheads", "slug"), ("municipalities", "code")):
        expected = json.loads((SEED_DIR / f"{kind}.json").read_text(encoding="utf-8"))
        served = client.get(f"/api/v1/{kind}?page_size=100").get_json()
        assert {record[key] for record in served} == {record[key] for record in expected}
        assert {record["status"] for record in served} == {"published"}


def test_the_workshop_is_seeded_as_announced(runner, anonymous):
    _seed(runner)
    (workshop,) = anonymous.get("/api/v1/events").get_json()
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


def _synthetic(runner, client, random_seed: int) -> list[dict]:
    """Seed with N synthetic companies; answers every company as the API serves it, by Business ID."""
    result = runner.invoke(args=["seed", "--synthetic", "300", "--random-seed", str(random_seed)])
    assert result.exit_code == 0, result.output
    assert "Added 300 synthetic companies and 3 events" in result.output
    companies = []
    for page in (1, 2, 3, 4):
        companies += client.get(f"/api/v1/companies?page={page}&page_size=100&sort=business_id").get_json()
    return companies


def _as_data(client, companies: list[dict]) -> tuple[list, list]:
    """The synthetic companies and the events without what differs between databases (ids and times of writing)."""
    slugs = {s["id"]: s["slug"] for s in client.get("/api/v1/spearheads?page_size=100").get_json()}
    generated = {"id", "created_at", "updated_at"}

    def data(record: dict) -> dict:
        kept = {field: value for field, value in record.items() if field not in generated}
        return {**kept, "spearheads": sorted(slugs[s] for s in record["spearheads"])}

    events = sorted((data(e) for e in client.get("/api/v1/events?page_size=100").get_json()), key=json.dumps)
    return [data(c) for c in companies if c["business_id"] >= "5000000"], events


def test_synthetic_companies_are_valid_and_linked(runner, client):
    from api.domain.business_id import normalize_business_id

    companies = _synthetic(runner, client, 7)
    synthetic = [c for c in companies if "5000000" <= c["business_id"] < "6000000"]
    assert len(synthetic) == 300
    assert all(normalize_business_id(c["business_id"]) == c["business_id"] for c in synthetic)
    municipalities = {m["code"]: m for m in client.get("/api/v1/municipalities").get_json()}
    for company in synthetic:
        home = municipalities[company["municipality"]]
        assert abs(company["latitude"] - home["latitude"]) < 0.2 and abs(company["longitude"] - home["longitude"]) < 0.3
        assert company["industry"] and company["description"]["fi"] and company["spearheads"]
    # Written through the sync stamps: every updated_at is distinct.
    assert len({c["updated_at"] for c in companies}) == len(companies)


def test_synthetic_data_is_deterministic(app, runner, anonymous):
    first = _as_data(anonymous, _synthetic(runner, anonymous, 7))
    empty_tables(app)
    assert _as_data(anonymous, _synthetic(runner, anonymous, 7)) == first
    empty_tables(app)
    assert _as_data(anonymous, _synthetic(runner, anonymous, 8))[0] != first[0]  # the seed value decides


def _synthetic_ids(client) -> list[str]:
    listed = client.get("/api/v1/companies?page_size=100&sort=business_id&include_deleted=true").get_json()
    return [company["business_id"] for company in listed if "5000000" <= company.get("business_id", "") < "9000000"]


def test_each_synthetic_run_adds_new_companies_after_the_last(runner, client):
    first = runner.invoke(args=["seed", "--synthetic", "5"])
    assert first.exit_code == 0 and "Added 5 synthetic companies" in first.output, first.output
    earlier = _synthetic_ids(client)
    # The last synthetic company is deleted: its Business ID is not given out again.
    last = client.get(f"/api/v1/companies?business_id={earlier[-1]}").get_json()[0]
    etag = client.get(f"/api/v1/companies/{last['id']}").headers["ETag"]
    assert client.delete(f"/api/v1/companies/{last['id']}", headers={"If-Match": etag}).status_code == 204
    again = runner.invoke(args=["seed", "--synthetic", "7"])
    assert again.exit_code == 0 and "Added 7 synthetic companies" in again.output, again.output
    later = [business_id for business_id in _synthetic_ids(client) if business_id not in earlier]
    assert len(later) == 7 and min(later) > max(earlier)
    total = json.loads(client.get("/api/v1/companies?page_size=1").headers["X-Pagination"])["total"]
    assert total == 12 + 12 - 1  # the seed's own 12, 5 + 7 synthetic, one deleted


def test_synthetic_sites_are_valid_found_and_filtered(app, runner, client):
    from api.resources.sites.schemas import SiteSchema

    result = runner.invoke(args=["seed", "--synthetic", "100", "--sites", "120"])
    assert result.exit_code == 0 and "Added 100 synthetic companies and 1 events, and 120 sites" in result.output, result.output
    synthetic = [site for page in (1, 2) for site in client.get(f"/api/v1/sites?page={page}&page_size=100&q=synteettinen").get_json()]
    assert len(synthetic) == 120
    read_only = {"id", "created_at", "updated_at", "first_published_at", "last_verified_at"}
    with app.test_request_context():
        for site in synthetic:
            SiteSchema().load({name: value for name, value in site.items() if name not in read_only})
    assert {site["kind"] for site in synthetic} == {"plot", "premises"} and all(site["spearheads"] for site in synthetic)
    railed = client.get("/api/v1/sites?connection=rail&page_size=100&q=synteettinen").get_json()
    assert railed and all("rail" in site["connections"] for site in railed) and len(railed) < len(synthetic)
