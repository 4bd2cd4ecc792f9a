"""Company list filters, map queries, GeoJSON and facets over the realistic fixture, on either database."""

import math
from unicodedata import normalize
from urllib.parse import quote

import orjson
import pytest

from api.domain.industry import industry
from tests import fixture_companies

KARSTULA = (62.878, 24.8)


@pytest.fixture
def ids(client):
    return fixture_companies.load(client)


def names(answer) -> set[str]:
    assert answer.status_code == 200, answer.get_json()
    return {company["name"] for company in answer.get_json()}


def expected(predicate) -> set[str]:
    return {company["name"] for company in fixture_companies.companies() if predicate(company)}


def haversine(lat1, lon1, lat2, lon2) -> float:
    """An independent formula (spherical law of cosines) to check the API's distances against."""
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    return 6371.0088 * math.acos(min(1.0, math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)))


def test_each_filter_and_combinations(client, ids):
    def listed(query: str) -> set[str]:
        return names(client.get(f"/api/v1/companies?page_size=100&{query}"))

    assert listed("") == expected(lambda c: True)
    assert listed("municipality=226") == expected(lambda c: c["municipality"] == "226")
    assert listed("municipality=226&municipality=265") == expected(lambda c: c["municipality"] in ("226", "265"))
    assert listed("industry=16") == expected(lambda c: c["industry_code"].startswith("16"))
    assert listed("industry=1623") == expected(lambda c: c["industry_code"].startswith("1623"))
    assert listed("industry=16100") == expected(lambda c: c["industry_code"] == "16100")
    assert listed("industry=1") == expected(lambda c: c["industry_code"].startswith("1"))
    assert listed("tag=vienti") == expected(lambda c: "vienti" in c["tags"])
    assert listed("tag=höylätavara") == expected(lambda c: "höylätavara" in c["tags"])
    assert listed("tag=höylä") == set()
    assert listed("size_class=0-4") == expected(lambda c: c["size_class"] == "0-4")
    assert listed("growth_seeking=true") == expected(lambda c: c["growth_seeking"])
    assert listed("growth_seeking=false") == expected(lambda c: not c["growth_seeking"])
    assert listed("international=true") == expected(lambda c: c["international"])
    assert listed("spearhead=wood-bioeconomy") == expected(lambda c: "wood-bioeconomy" in c["spearheads"])
    first = fixture_companies.companies()[0]
    assert listed(f"business_id={first['business_id']}") == {first["name"]}
    assert listed(
        "spearhead=wood-bioeconomy&growth_seeking=true&international=true&municipality=226&municipality=931"
    ) == expected(
        lambda c: "wood-bioeconomy" in c["spearheads"] and c["growth_seeking"] and c["international"]
        and c["municipality"] in ("226", "931")
    )
    assert listed("industry=16&tag=saha&size_class=50-99") == expected(
        lambda c: c["industry_code"].startswith("16") and "saha" in c["tags"] and c["size_class"] == "50-99"
    )
    assert listed("tag=no-such-tag") == set()


def test_sorted_and_paged_under_filters(client, ids):
    answer = client.get("/api/v1/companies?industry=16&sort=-name&page_size=3&page=2")
    everything = sorted(expected(lambda c: c["industry_code"].startswith("16")), reverse=True)
    assert [c["name"] for c in answer.get_json()] == everything[3:6]
    assert orjson.loads(answer.headers["X-Pagination"])["total"] == len(everything)


def test_bbox(client, ids):
    box = (24.6, 62.8, 25.0, 63.0)
    inside = expected(lambda c: box[0] <= c["longitude"] <= box[2] and box[1] <= c["latitude"] <= box[3])
    assert inside and names(client.get("/api/v1/companies?page_size=100&bbox=24.6,62.8,25.0,63.0")) == inside
    assert names(client.get("/api/v1/companies?bbox=24.6,62.8,25.0,63.0&municipality=931")) == set()


def test_near_with_radius_distance_and_sort(client, ids):
    answer = client.get(f"/api/v1/companies?page_size=100&near={KARSTULA[0]},{KARSTULA[1]}&radius_km=20&sort=distance_km")
    found = answer.get_json()
    within = expected(lambda c: haversine(*KARSTULA, c["latitude"], c["longitude"]) <= 20)
    assert {c["name"] for c in found} == within and within
    distances = [c["distance_km"] for c in found]
    assert distances == sorted(distances)
    for company in found:
        assert company["distance_km"] == pytest.approx(haversine(*KARSTULA, company["latitude"], company["longitude"]), abs=0.001)
    farthest_first = client.get(f"/api/v1/companies?near={KARSTULA[0]},{KARSTULA[1]}&radius_km=20&sort=-distance_km").get_json()
    assert farthest_first[0]["distance_km"] == max(distances)
    # The default radius is 50 km; a list without near carries no distance.
    assert "distance_km" not in client.get("/api/v1/companies").get_json()[0]
    assert names(client.get(f"/api/v1/companies?page_size=100&near={KARSTULA[0]},{KARSTULA[1]}")) == expected(
        lambda c: haversine(*KARSTULA, c["latitude"], c["longitude"]) <= 50
    )


def test_growth_seeking_wood_companies_near_karstula_that_export(client, ids):
    """The issue's first question, in one request."""
    answer = client.get(
        "/api/v1/companies?industry=16&growth_seeking=true&international=true"
        f"&near={KARSTULA[0]},{KARSTULA[1]}&radius_km=40&sort=distance_km"
    )
    wanted = [
        c for c in fixture_companies.companies()
        if c["industry_code"].startswith("16") and c["growth_seeking"] and c["international"]
        and haversine(*KARSTULA, c["latitude"], c["longitude"]) <= 40
    ]
    wanted.sort(key=lambda c: haversine(*KARSTULA, c["latitude"], c["longitude"]))
    assert len(wanted) >= 2
    assert [c["name"] for c in answer.get_json()] == [c["name"] for c in wanted]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("bbox=1,2,3", "bbox"),
        ("bbox=a,b,c,d", "bbox"),
        ("bbox=24,63,25,62", "bbox"),
        ("bbox=25,62,24,63", "bbox"),
        ("bbox=24,62,190,63", "bbox"),
        ("bbox=nan,62,25,63", "bbox"),
        ("near=62.8", "near"),
        ("near=95,24", "near"),
        ("near=62.8,inf", "near"),
        ("near=62.8,24.8&radius_km=0", "radius_km"),
        ("near=62.8,24.8&radius_km=5000", "radius_km"),
        ("near=62.8,24.8&radius_km=-3", "radius_km"),
        ("radius_km=10", "radius_km"),
        ("sort=distance_km", "sort"),
        ("industry=1a", "industry"),
        ("size_class=7-9", "size_class"),
        ("municipality=22", "municipality"),
        ("growth_seeking=perhaps", "growth_seeking"),
        ("tag=" + "x" * 61, "tag"),
    ],
)
def test_bad_values_are_422_problems(client, query, field):
    answer = client.get(f"/api/v1/companies?{query}")
    assert answer.status_code == 422, answer.get_data(as_text=True)
    assert answer.content_type == "application/problem+json"
    assert any(name.split(".")[0] == field for name in answer.get_json()["errors"]), answer.get_json()


def test_nul_in_a_query_value_is_a_problem(client):
    answer = client.get("/api/v1/companies?tag=sa%00ha")
    assert answer.status_code == 400 and answer.content_type == "application/problem+json"


def test_geojson_is_an_rfc_7946_feature_collection_of_the_same_page(client, ids):
    query = f"/api/v1/companies?near={KARSTULA[0]},{KARSTULA[1]}&radius_km=30&sort=distance_km&page_size=5"
    as_json = client.get(query)
    as_geojson = client.get(query, headers={"Accept": "application/geo+json"})
    assert as_geojson.status_code == 200
    assert as_geojson.mimetype == "application/geo+json"
    assert "Accept" in as_geojson.headers["Vary"] and "Accept" in as_json.headers["Vary"]
    collection = orjson.loads(as_geojson.data)
    assert set(collection) == {"type", "features"} and collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == 5
    for feature, company in zip(collection["features"], as_json.get_json(), strict=True):
        assert set(feature) == {"type", "id", "geometry", "properties"}
        assert feature["type"] == "Feature"
        assert feature["id"] == company["id"]
        assert feature["properties"] == company
        assert feature["geometry"]["type"] == "Point"
        lon, lat = feature["geometry"]["coordinates"]
        assert (lon, lat) == (company["longitude"], company["latitude"])
        assert -180 <= lon <= 180 and -90 <= lat <= 90
    assert as_geojson.headers["X-Pagination"] == as_json.headers["X-Pagination"]
    assert as_geojson.headers["Link"] == as_json.headers["Link"]
    assert as_geojson.headers["ETag"] != as_json.headers["ETag"]
    assert not as_geojson.headers["ETag"].startswith("W/")
    again = client.get(query, headers={"Accept": "application/geo+json", "If-None-Match": as_geojson.headers["ETag"]})
    assert again.status_code == 304
    assert client.get(query, headers={"If-None-Match": as_geojson.headers["ETag"]}).status_code == 200


def test_geojson_feature_without_coordinates_has_null_geometry(client, ids):
    company = client.get(f"/api/v1/companies/{ids['Kannonkosken Taksi Oy']}")
    patched = client.patch(
        company.request.path, json={"latitude": None, "longitude": None}, headers={"If-Match": company.headers["ETag"]}
    )
    assert patched.status_code == 200, patched.get_json()
    collection = orjson.loads(
        client.get("/api/v1/companies?tag=taksi", headers={"Accept": "application/geo+json"}).data
    )
    assert [f["geometry"] for f in collection["features"]] == [None]


def section(company) -> str:
    return industry(company["industry_code"]).section


def test_facets_count_under_the_filters(client, ids):
    def facet_counts(predicate):
        counts = {"municipality": {}, "industry_section": {}, "spearhead": {}, "size_class": {}}
        for company in fixture_companies.companies():
            if not predicate(company):
                continue
            for name, value in (
                ("municipality", company["municipality"]),
                ("industry_section", industry(company["industry_code"]).section),
                ("size_class", company["size_class"]),
                *(("spearhead", slug) for slug in company["spearheads"]),
            ):
                counts[name][value] = counts[name].get(value, 0) + 1
        return counts

    everything = client.get("/api/v1/companies/facets")
    assert everything.status_code == 200
    assert everything.get_json() == facet_counts(lambda c: True)
    filtered = client.get("/api/v1/companies/facets?growth_seeking=true&municipality=226&municipality=601")
    in_226_or_601 = facet_counts(lambda c: c["growth_seeking"] and c["municipality"] in ("226", "601"))
    # Each facet ignores its own field's filter: the municipality menu still counts every municipality.
    assert filtered.get_json() == {**in_226_or_601, "municipality": facet_counts(lambda c: c["growth_seeking"])["municipality"]}
    by_section = client.get("/api/v1/companies/facets?industry_section=C&size_class=0-4&size_class=5-9").get_json()
    assert by_section == {
        "municipality": facet_counts(lambda c: section(c) == "C" and c["size_class"] in ("0-4", "5-9"))["municipality"],
        "industry_section": facet_counts(lambda c: c["size_class"] in ("0-4", "5-9"))["industry_section"],
        "spearhead": facet_counts(lambda c: section(c) == "C" and c["size_class"] in ("0-4", "5-9"))["spearhead"],
        "size_class": facet_counts(lambda c: section(c) == "C")["size_class"],
    }
    assert len(by_section["industry_section"]) > 1 and len(by_section["size_class"]) > 2
    assert client.get("/api/v1/companies/facets", headers={"If-None-Match": everything.headers["ETag"]}).status_code == 304
    assert client.get("/api/v1/companies/facets?page=2").status_code == 422
    sections = client.get("/api/v1/industry-sections").get_json()["sections"]
    assert set(everything.get_json()["industry_section"]) <= set(sections)
    assert sections["C"]["fi"] == "Teollisuus"


def test_facets_path_is_not_a_company_id(client):
    assert client.get("/api/v1/companies/facets").get_json() == {
        "municipality": {}, "industry_section": {}, "spearhead": {}, "size_class": {}
    }


def test_value_filters_are_repeatable_and_mean_any_of(client, ids):
    def listed(query: str) -> set[str]:
        return names(client.get(f"/api/v1/companies?page_size=100&{query}"))

    wood_or_food = expected(lambda c: c["industry_code"][:2] in ("10", "16"))
    assert listed("industry=10&industry=16") == listed("industry=16&industry=10") == wood_or_food
    assert len(wood_or_food) == 13
    assert listed("size_class=0-4&size_class=50-99") == expected(lambda c: c["size_class"] in ("0-4", "50-99"))
    assert listed("tag=saha&tag=mökki") == expected(lambda c: {"saha", "mökki"} & set(c["tags"]))
    assert listed("spearhead=food-agriculture&spearhead=investment-logistics") == expected(
        lambda c: {"food-agriculture", "investment-logistics"} & set(c["spearheads"])
    )
    first, second = fixture_companies.companies()[:2]
    assert listed(f"business_id={first['business_id']}&business_id={second['business_id']}") == {first["name"], second["name"]}
    assert listed("industry_section=C") == expected(lambda c: section(c) == "C")
    assert listed("industry_section=A&industry_section=I") == expected(lambda c: section(c) in ("A", "I")) != set()
    exported = client.get("/api/v1/companies.csv?industry_section=A&industry_section=I").get_data(as_text=True)
    assert len(exported.strip().splitlines()) - 1 == len(expected(lambda c: section(c) in ("A", "I")))
    assert client.get("/api/v1/companies?industry_section=Q9").status_code == 422


@pytest.mark.parametrize(
    "query",
    ["q=saha&q=puu", "bbox=24,62,25,63&bbox=24,62,25,64", "near=62.8,24.8&near=62.9,24.8", "page=1&page=2",
     "page_size=5&page_size=5", "growth_seeking=true&growth_seeking=false", "sort=name&sort=-name",
     "updated_since=2020-01-01T00:00:00Z&updated_since=2021-01-01T00:00:00Z", "include_deleted=true&include_deleted=false"],
)
def test_a_filter_that_cannot_be_repeated_is_a_422(client, query):
    answer = client.get(f"/api/v1/companies?{query}")
    assert answer.status_code == 422 and answer.content_type == "application/problem+json"
    name = query.split("=")[0]
    assert answer.get_json()["errors"] == {name: ["Give this parameter once; it cannot be repeated."]}


def test_tag_matches_whatever_its_case_and_composition(client):
    stored = client.post("/api/v1/companies", json={"business_id": "0112038-9", "name": "Sähkö Oy", "tags": ["Vienti", normalize("NFD", "sähkö")]})
    assert stored.status_code == 201, stored.get_json()
    client.post("/api/v1/companies", json={"business_id": "0001000-6", "name": "Muu Oy", "tags": ["saha"]})
    for tag in ("vienti", "VIENTI", "Vienti", normalize("NFC", "sähkö"), normalize("NFD", "SÄHKÖ"), normalize("NFC", "SÄHKÖ")):
        assert names(client.get(f"/api/v1/companies?tag={quote(tag)}")) == {"Sähkö Oy"}, tag
    assert names(client.get("/api/v1/companies?tag=sahko")) == set()
    assert names(client.get("/api/v1/companies?tag=VIENTI&tag=Saha")) == {"Sähkö Oy", "Muu Oy"}
