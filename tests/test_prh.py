"""`flask import prh`: the region's companies from PRH open data, never overwriting what developers keep."""

import json
import zipfile
from pathlib import Path

from sqlalchemy import select

from api.extensions import db
from api.models import Company
from tests import payloads
from tests.dump import database_dump

SAMPLE = Path(__file__).parent / "data" / "prh-companies.json"
IN_REGION = {"3141590-3", "3141591-1", "3141593-8", "3141598-9"}


def _run(runner, *args):
    result = runner.invoke(args=["import", "prh", *map(str, args)])
    assert result.exit_code == 0, result.output
    return result.output


def _companies(client) -> dict:
    return {c["business_id"]: c for c in client.get("/api/v1/companies?page_size=100").get_json()}


def test_region_companies_are_added_from_prh(runner, client, seeded):
    before = set(_companies(client))
    output = _run(runner, SAMPLE)
    assert "created 4, updated 0, unchanged 0; outside the region 2, ended and not listed 2, skipped 0." in output
    companies = _companies(client)
    assert set(companies) - before == IN_REGION
    saw = companies["3141590-3"]
    assert saw["name"] == "Kivijärven Saha Oy"  # the current main name, not the former one or the Swedish parallel name
    assert saw["website"] == "https://www.kivijarven-saha.example"  # PRH writes it without a scheme
    assert (saw["street_address"], saw["postal_code"], saw["post_office"], saw["municipality"]) == (
        "Sahatie 4", "43800", "KIVIJÄRVI", "265")  # the street address, not the postal one
    assert saw["industry_code"] == "16100" and saw["industry"]["fi"]
    assert saw["ended_on"] is None and saw["status"] == "published"
    assert companies["3141591-1"]["street_address"] == "Teollisuustie 7 B"  # the current address
    assert companies["3141593-8"]["name"] == "Trädgård Nordlund Ab"
    assert companies["3141593-8"]["website"] == "https://nordlund.example"
    assert companies["3141598-9"]["website"] is None


def test_prh_never_overwrites_what_business_developers_keep(app, runner, client, seeded):
    spearhead = client.get("/api/v1/spearheads").get_json()[0]["id"]
    kept = {
        "description": {"fi": "Saha Kivijärven rannalla.", "en": "A sawmill by Lake Kivijärvi."},
        "tags": ["saha", "vienti"], "spearheads": [spearhead], "email": "myynti@kivijarven-saha.example",
        "phone": "+358144591111", "latitude": 63.12, "longitude": 25.07, "size_class": "10-19", "founded_year": 2005,
        "growth_seeking": True, "international": True,
    }
    listed = client.post("/api/v1/companies", json={
        **payloads.company("3141590-3", name="Kivijärven Puu Oy", municipality="265", website="https://old.example",
                           postal_code="43800", street_address="Vanha tie 1", industry_code="16230"),
        **kept,
    }).get_json()
    shoes = client.post("/api/v1/companies", json=payloads.company("3141594-6", name="Viitasaaren Kenkä Oy",
                                                                   municipality="931")).get_json()
    output = _run(runner, SAMPLE)
    assert "created 3, updated 2, unchanged 0; outside the region 2, ended and not listed 1" in output
    company = client.get(f"/api/v1/companies/{listed['id']}").get_json()
    assert company["name"] == "Kivijärven Saha Oy"
    assert company["website"] == "https://www.kivijarven-saha.example"
    assert company["street_address"] == "Sahatie 4" and company["industry_code"] == "16100"
    assert {name: company[name] for name in kept} == kept
    assert company["updated_at"] > listed["updated_at"]

    ended = client.get(f"/api/v1/companies/{shoes['id']}").get_json()
    assert ended["ended_on"] == "2023-06-30"
    document = client.get(f"/api/v1/companies/{shoes['id']}", headers={"Accept": "application/ld+json"}).get_json(force=True)
    assert document["dissolutionDate"] == "2023-06-30"

    # A second run changes nothing: not even a stamp moves.
    before = database_dump(app)
    assert "created 0, updated 0, unchanged 5" in _run(runner, SAMPLE)
    assert database_dump(app) == before


def test_full_register_dump_zipped(runner, client, seeded, tmp_path):
    records = json.loads(SAMPLE.read_text(encoding="utf-8"))["companies"]
    dump = tmp_path / "all_companies.zip"
    with zipfile.ZipFile(dump, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("all_companies.json", json.dumps(records, ensure_ascii=False))
    assert "created 4, updated 0, unchanged 0; outside the region 2" in _run(runner, dump)
    assert IN_REGION <= set(_companies(client))


def test_dry_run_and_drafts(app, runner, client, seeded):
    before = database_dump(app)
    assert "would have created 4" in _run(runner, SAMPLE, "--dry-run")
    assert database_dump(app) == before
    _run(runner, SAMPLE, "--draft")
    with app.app_context():
        statuses = set(db.session.scalars(select(Company.status).where(Company.business_id.in_(IN_REGION))))
    assert statuses == {"draft"}


def test_values_our_rules_refuse_are_left_out_with_a_warning(runner, client, seeded, tmp_path):
    answer = json.loads(SAMPLE.read_text(encoding="utf-8"))
    saw = answer["companies"][0]
    saw["website"]["url"] = "www.not a site"
    saw["mainBusinessLine"]["type"] = "04100"
    answer["companies"][7]["businessId"]["value"] = "3141598-1"
    path = tmp_path / "prh.json"
    path.write_text(json.dumps(answer), encoding="utf-8")
    result = runner.invoke(args=["import", "prh", str(path)])
    assert result.exit_code == 0, result.output
    assert "created 3, updated 0, unchanged 0; outside the region 2, ended and not listed 2, skipped 1." in result.output
    assert "3141590-3: website" in result.output and "3141590-3: industry_code" in result.output
    assert "3141598-1: skipped" in result.output
    company = _companies(client)["3141590-3"]
    assert company["website"] is None and company["industry_code"] is None and company["name"] == "Kivijärven Saha Oy"


def test_a_file_that_is_not_prh_data(runner, seeded, tmp_path):
    path = tmp_path / "prh.json"
    path.write_text("name,business_id\n", encoding="utf-8")
    result = runner.invoke(args=["import", "prh", str(path)])
    assert result.exit_code == 1 and "Not PRH open data" in result.output
    path.write_text('{"companies": [{"businessId": ', encoding="utf-8")
    result = runner.invoke(args=["import", "prh", str(path)])
    assert result.exit_code == 1 and "not valid JSON" in result.output
