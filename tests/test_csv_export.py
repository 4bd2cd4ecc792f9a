"""The CSV export: the list's filters, a real CSV parser, the documented columns, streamed."""

import csv
import io

from api.formats.csv import COLUMNS, SITES, neutralise
from tests import payloads


def _table(answer, delimiter=","):
    assert answer.status_code == 200, answer.data
    assert answer.mimetype == "text/csv" and answer.mimetype_params["charset"] == "utf-8"
    text = answer.data.decode("utf-8")
    assert text.startswith("\ufeff")  # so that Excel reads UTF-8
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline=""), delimiter=delimiter))


def test_columns_and_values(client, seeded):
    spearhead = client.get("/api/v1/spearheads").get_json()[0]
    created = client.post(
        "/api/v1/companies",
        json=payloads.company(
            description={"fi": "Sahatavaraa; myös \"hirsitaloja\",\nja paneeleja.", "sv": "Sågat virke."},
            municipality="226", spearheads=[spearhead["id"]], ended_on="2024-05-31", tags=["saha", "vienti"],
        ),
    ).get_json()
    answer = client.get("/api/v1/companies.csv?business_id=0112038-9")
    assert answer.is_streamed
    assert answer.headers["Content-Disposition"] == 'attachment; filename="companies.csv"'
    header = answer.data.decode().removeprefix("\ufeff").splitlines()[0]
    assert header.split(",") == list(COLUMNS)
    [row] = _table(answer)
    assert row == {
        "business_id": "0112038-9", "name": "Karstulan Puutuote Oy",
        "description_fi": "Sahatavaraa; myös \"hirsitaloja\",\nja paneeleja.", "description_sv": "Sågat virke.",
        "description_en": "", "industry_code": "16100", "municipality": "226", "street_address": "Keskustie 1",
        "postal_code": "43500", "post_office": "KARSTULA", "latitude": "62.878", "longitude": "24.8",
        "website": "https://www.puutuote.example", "email": "info@puutuote.example", "phone": "'+358144591111",
        "size_class": "10-19", "founded_year": "1987", "tags": "saha|vienti", "growth_seeking": "true",
        "international": "false", "spearheads": spearhead["slug"], "ended_on": "2024-05-31", "status": "published",
    }
    assert created["ended_on"] == "2024-05-31"


def test_the_lists_filters_apply(client, seeded):
    everything = _table(client.get("/api/v1/companies.csv"))
    listed = client.get("/api/v1/companies?page_size=100").get_json()
    assert [row["business_id"] for row in everything] == [company["business_id"] for company in listed]
    in_karstula = _table(client.get("/api/v1/companies.csv?municipality=226&sort=-name"))
    expected = client.get("/api/v1/companies?municipality=226&sort=-name").get_json()
    assert [row["name"] for row in in_karstula] == [company["name"] for company in expected] and in_karstula
    assert _table(client.get("/api/v1/companies.csv?industry=99")) == []
    assert client.get("/api/v1/companies.csv?page=2").status_code == 422
    assert client.get("/api/v1/companies.csv?delimiter=tab").status_code == 422


def test_deleted_companies_are_not_exported(client):
    created = client.post("/api/v1/companies", json=payloads.company())
    client.delete(f"/api/v1/companies/{created.get_json()['id']}", headers={"If-Match": created.headers["ETag"]})
    assert _table(client.get("/api/v1/companies.csv")) == []


def test_semicolons_for_a_finnish_spreadsheet(client, seeded):
    rows = _table(client.get("/api/v1/companies.csv?delimiter=semicolon"), delimiter=";")
    assert len(rows) == len(client.get("/api/v1/companies?page_size=100").get_json())
    assert set(rows[0]) == set(COLUMNS)


def test_accept_must_allow_csv(client):
    answer = client.get("/api/v1/companies.csv", headers={"Accept": "application/json"})
    assert answer.status_code == 406 and answer.content_type == "application/problem+json"


def test_cells_that_a_spreadsheet_would_run_are_prefixed_with_a_quote(client):
    client.post("/api/v1/companies", json=payloads.formula_like_company())
    client.post("/api/v1/companies", json=payloads.company("2331972-7", name="'=jo lainattu Oy"))
    rows = {row["business_id"]: row for row in _table(client.get("/api/v1/companies.csv"))}
    row = rows["0112038-9"]
    assert row["name"] == "'" + payloads.formula_like_company()["name"]
    assert (row["description_fi"], row["description_sv"], row["description_en"]) == (
        "'-20 % alennus", "'+SUM(1;2)", "'@SUM(A1:A9)")
    # The API trims stored text, so a leading tab or carriage return reaches a cell only from older data.
    assert (neutralise("\tKeskustie 1"), neutralise("\rKARSTULA")) == ("'\tKeskustie 1", "'\rKARSTULA")
    assert row["tags"] == "'-alennus|@koti"
    assert row["phone"] == "'+358401234567"  # E.164 starts with +, which Excel would turn into a number
    # A quote already there gets one more, so the import can take exactly one away.
    assert rows["2331972-7"]["name"] == "''=jo lainattu Oy"
    for cells in rows.values():
        assert not [cell for cell in cells.values() if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_sites_export_with_the_site_lists_filters(client):
    for code in ("226", "601"):
        client.post("/api/v1/municipalities", json=payloads.municipality(code))
    spearhead = client.post("/api/v1/spearheads", json=payloads.spearhead("energy")).get_json()
    plot = client.post("/api/v1/sites", json=payloads.site(spearheads=[spearhead["id"]], title={"fi": "=Tontti", "en": "Plot"})).get_json()
    premises = payloads.site(kind="premises", floor_area_m2=800, municipality="601", postal_code="44800", post_office="PIHTIPUDAS",
                             price=None, offer="rent", connections=["rail", "fibre"], owner=None, contact=None, image_urls=[])
    assert client.post("/api/v1/sites", json=premises).status_code == 201
    answer = client.get("/api/v1/sites.csv?municipality=226")
    assert answer.is_streamed and answer.headers["Content-Disposition"] == 'attachment; filename="sites.csv"'
    header = answer.data.decode().removeprefix("\ufeff").splitlines()[0]
    assert header.split(",") == list(SITES.columns)
    [row] = _table(answer)
    assert row["id"] == plot["id"] and row["title_fi"] == "'=Tontti" and row["title_en"] == "Plot"
    assert row["price_amount"] == "4.0" and row["price_unit"] == "per_m2" and row["available_from"] == "2027-01-01"
    assert row["uses"] == "industry|warehouse" and row["connections"] == "electricity|water|road"
    assert row["owner_name"] == "Karstulan kunta" and row["owner_company"] == ""
    assert row["contact_phone"] == "'+358144591111" and row["spearheads"] == "energy"
    [premises_row] = _table(client.get("/api/v1/sites.csv?connection=rail&connection=fibre&min_area_m2=500&delimiter=semicolon"), ";")
    assert premises_row["kind"] == "premises" and premises_row["price_amount"] == "" and premises_row["owner_name"] == ""
    listed = client.get("/api/v1/sites?sort=-title").get_json()
    assert [row["id"] for row in _table(client.get("/api/v1/sites.csv?sort=-title"))] == [site["id"] for site in listed]
    assert client.get("/api/v1/sites.csv?max_price=10").status_code == 422
    assert client.get("/api/v1/sites.csv", headers={"Accept": "application/json"}).status_code == 406
