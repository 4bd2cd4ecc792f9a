"""Sites: premises and plots on offer, with every rule companies have, their own filters, maps and facets."""

import orjson
import pytest

from api.cli.seed import seed_region
from tests import payloads
from tests.conftest import SEED_DIR

SITES = "/api/v1/sites"
PIHTIPUDAS = "63.37,25.575"


@pytest.fixture
def region(client):
    for code, name in (("226", "Karstula"), ("601", "Pihtipudas"), ("931", "Viitasaari")):
        assert client.post("/api/v1/municipalities", json=payloads.municipality(code, name={"fi": name})).status_code == 201


def add(client, **changes) -> dict:
    answer = client.post(SITES, json=payloads.site(**changes))
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def ids(answer) -> set[str]:
    assert answer.status_code == 200, answer.get_json()
    return {site["id"] for site in answer.get_json()}


def test_scenario(client, anonymous, region):
    assert client.get(SITES).get_json() == []

    created = client.post(SITES, json=payloads.site())
    assert created.status_code == 201
    site = created.get_json()
    assert created.headers["Location"] == f"{SITES}/{site['id']}"
    assert site["price"] == {"amount": 4, "unit": "per_m2"}
    assert site["contact"]["phone"] == "+358144591111"
    assert site["floor_area_m2"] is None and site["status"] == "published"

    assert anonymous.get(f"{SITES}/{site['id']}").get_json() == site
    read = client.get(f"{SITES}/{site['id']}")
    etag = read.headers["ETag"]
    assert etag == created.headers["ETag"]
    assert client.get(f"{SITES}/{site['id']}", headers={"If-None-Match": etag}).status_code == 304

    url = f"{SITES}/{site['id']}"
    assert client.patch(url, json={"availability": "reserved"}, content_type="application/merge-patch+json").status_code == 428
    patched = client.patch(
        url, json={"availability": "reserved", "price": None, "connections": ["rail"]},
        headers={"If-Match": etag}, content_type="application/merge-patch+json",
    )
    assert patched.status_code == 200, patched.get_json()
    assert patched.get_json()["availability"] == "reserved"
    assert patched.get_json()["price"] is None
    assert patched.get_json()["title"] == site["title"]
    stale = client.patch(url, json={"availability": "taken"}, headers={"If-Match": etag}, content_type="application/merge-patch+json")
    assert stale.status_code == 412

    # A write that changes nothing keeps the version.
    same = client.patch(url, json={"availability": "reserved"}, headers={"If-Match": patched.headers["ETag"]},
                        content_type="application/merge-patch+json")
    assert same.headers["ETag"] == patched.headers["ETag"]

    assert ids(client.get(f"{SITES}?availability=reserved&connection=rail")) == {site["id"]}
    assert ids(client.get(f"{SITES}?availability=available")) == set()

    history = client.get(f"{url}/history").get_json()
    assert [entry["action"] for entry in history] == ["update", "create"]
    assert history[0]["changes"]["availability"] == ["available", "reserved"]
    assert anonymous.get(f"{url}/history").status_code == 401

    assert client.delete(url, headers={"If-Match": patched.headers["ETag"]}).status_code == 204
    assert client.get(url).status_code == 404
    assert client.get(SITES).get_json() == []
    tombstones = client.get(f"{SITES}?include_deleted=true").get_json()
    assert [set(t) for t in tombstones] == [{"id", "deleted_at", "updated_at"}]
    assert [entry["action"] for entry in client.get(f"{url}/history").get_json()] == ["delete", "update", "create"]


def test_put_replaces_the_site(client, region):
    site = client.post(SITES, json=payloads.site())
    replaced = client.put(
        site.headers["Location"],
        json=payloads.site(kind="premises", floor_area_m2=640, plot_area_m2=None, offer="rent",
                           price={"amount": 6.5, "unit": "per_m2_month"}, owner=None),
        headers={"If-Match": site.headers["ETag"]},
    )
    assert replaced.status_code == 200, replaced.get_json()
    body = replaced.get_json()
    assert (body["kind"], body["floor_area_m2"], body["plot_area_m2"], body["owner"]) == ("premises", 640, None, None)
    assert body["price"] == {"amount": 6.5, "unit": "per_m2_month"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "office"}, "kind"),
        ({"title": {"en": "No Finnish title"}}, "title"),
        ({"municipality": None}, "municipality"),
        ({"municipality": "999"}, "municipality"),
        ({"plot_area_m2": 0}, "plot_area_m2"),
        ({"plot_area_m2": -5}, "plot_area_m2"),
        ({"plot_area_m2": 20_000_000}, "plot_area_m2"),
        ({"plot_area_m2": None}, "plot_area_m2"),
        ({"floor_area_m2": 300}, "floor_area_m2"),
        ({"kind": "premises", "floor_area_m2": None}, "floor_area_m2"),
        ({"price": {"amount": -1, "unit": "total"}}, "price"),
        ({"price": {"amount": 10, "unit": "per_year"}}, "price"),
        ({"price": {"amount": 10}}, "price"),
        ({"price": {"amount": 10, "unit": "total", "currency": "EUR"}}, "price"),
        ({"price": 100}, "price"),
        ({"uses": ["factory"]}, "uses"),
        ({"uses": ["office", "office"]}, "uses"),
        ({"connections": ["gas"]}, "connections"),
        ({"zoning": "T"}, "zoning"),
        ({"availability": "sold"}, "availability"),
        ({"offer": "lease"}, "offer"),
        ({"offer": None}, "offer"),
        ({"image_urls": ["http://www.karstula.example/tontti.jpg"]}, "image_urls"),
        ({"image_urls": ["javascript:alert(1)"]}, "image_urls"),
        ({"image_urls": [f"https://kuvat.example/{n}.jpg" for n in range(21)]}, "image_urls"),
        ({"latitude": 59.0, "longitude": 24.8}, "latitude"),
        ({"latitude": 62.88, "longitude": 35.0}, "latitude"),
        ({"latitude": 62.88, "longitude": None}, "longitude"),
        ({"available_from": "1.1.2027"}, "available_from"),
        ({"owner": {"company": "x"}}, "owner"),
        ({"spearheads": ["no-such-id"]}, "spearheads"),
        ({"owner": {"name": "Tuntematon Oy", "company": "no-such-company"}}, "owner.company"),
        ({"id": "mine"}, "id"),
        ({"created_at": "2026-01-01T00:00:00Z"}, "created_at"),
        ({"postal_code": "4350"}, "postal_code"),
    ],
)
def test_each_rule_answers_422_naming_the_field(client, region, changes, field):
    answer = client.post(SITES, json=payloads.site(**changes))
    assert answer.status_code == 422, answer.get_json()
    assert answer.mimetype == "application/problem+json"
    errors = answer.get_json()["errors"]
    errors = errors.get("json", errors)
    assert any(name == field or name.startswith(f"{field}.") for name in errors), errors
    assert client.get(SITES).get_json() == []


def test_premises_may_have_a_plot_area_and_a_price_may_be_null(client, region):
    site = add(client, kind="premises", floor_area_m2=450, plot_area_m2=3000, price=None, latitude=None, longitude=None)
    assert (site["floor_area_m2"], site["plot_area_m2"], site["price"], site["latitude"]) == (450, 3000, None, None)


def test_an_editor_writes_sites_of_their_municipalities_only(client, client_with, region):
    pihtipudas_editor = client_with("editor", "601")
    assert pihtipudas_editor.post(SITES, json=payloads.site(municipality="226")).status_code == 403
    own = pihtipudas_editor.post(SITES, json=payloads.site(municipality="601", latitude=63.37, longitude=25.57))
    assert own.status_code == 201
    moved = pihtipudas_editor.patch(
        own.headers["Location"], json={"municipality": "226"}, headers={"If-Match": own.headers["ETag"]},
        content_type="application/merge-patch+json",
    )
    assert moved.status_code == 403

    karstula_site = client.post(SITES, json=payloads.site(municipality="226"))
    url = karstula_site.headers["Location"]
    etag = karstula_site.headers["ETag"]
    assert pihtipudas_editor.patch(url, json={"availability": "taken"}, headers={"If-Match": etag},
                                   content_type="application/merge-patch+json").status_code == 403
    assert pihtipudas_editor.delete(url, headers={"If-Match": etag}).status_code == 403
    assert client.get(url).get_json()["availability"] == "available"
    assert client_with("partner").post(SITES, json=payloads.site()).status_code == 403
    assert client_with("editor").delete(url, headers={"If-Match": etag}).status_code == 204


def test_drafts_are_for_editors(client, anonymous, client_with, region):
    draft = add(client, status="draft")
    assert anonymous.get(f"{SITES}/{draft['id']}").status_code == 404
    assert anonymous.get(SITES).get_json() == []
    assert client_with("partner").get(SITES).get_json() == []
    assert ids(client_with("editor").get(SITES)) == {draft["id"]}
    assert ids(client.get(f"{SITES}?status=draft")) == {draft["id"]}


@pytest.fixture
def offers(client, region):
    """Sites that tell the filters apart; keyed by a short name."""
    spearhead = client.post("/api/v1/spearheads", json=payloads.spearhead("investment-logistics")).get_json()
    made = {
        "pihtipudas_hall": add(
            client, kind="premises", municipality="601", latitude=63.372, longitude=25.58, floor_area_m2=800,
            plot_area_m2=400, uses=["industry", "warehouse"], connections=["electricity", "rail", "fibre", "road"],
            offer="sale_or_rent", price={"amount": 5, "unit": "per_m2_month"}, spearheads=[spearhead["id"]],
            title={"fi": "Konepaja Pihtiputaalla"}, zoning="business",
        ),
        "pihtipudas_small": add(
            client, kind="premises", municipality="601", latitude=63.36, longitude=25.56, floor_area_m2=300,
            plot_area_m2=9000, uses=["office"], connections=["electricity", "rail", "fibre"], offer="rent",
            price=None, title={"fi": "Toimisto"}, zoning="mixed",
        ),
        "pihtipudas_plot_no_fibre": add(
            client, kind="plot", municipality="601", latitude=63.38, longitude=25.6, plot_area_m2=20000,
            uses=["industry"], connections=["electricity", "rail"], offer="sale", price={"amount": 3, "unit": "per_m2"},
            title={"fi": "Ratapiha"},
        ),
        "viitasaari_plot": add(
            client, kind="plot", municipality="931", latitude=63.074, longitude=25.86, plot_area_m2=15000,
            uses=["energy"], connections=["electricity", "rail", "fibre"], offer="rent",
            price={"amount": 2, "unit": "per_m2"}, availability="reserved", title={"fi": "Sahatontti"},
            description={"fi": "Entisen sahan tontti."},
        ),
        "karstula_plot": add(client, municipality="226", availability="taken", offer="sale", price={"amount": 9, "unit": "per_m2"}),
    }
    return {name: site["id"] for name, site in made.items()}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("municipality=601", {"pihtipudas_hall", "pihtipudas_small", "pihtipudas_plot_no_fibre"}),
        ("municipality=931&municipality=226", {"viitasaari_plot", "karstula_plot"}),
        ("kind=premises", {"pihtipudas_hall", "pihtipudas_small"}),
        ("kind=premises&kind=plot", {"pihtipudas_hall", "pihtipudas_small", "pihtipudas_plot_no_fibre", "viitasaari_plot", "karstula_plot"}),
        ("use=office&use=energy", {"pihtipudas_small", "viitasaari_plot"}),
        ("use=warehouse", {"pihtipudas_hall", "karstula_plot"}),
        ("availability=reserved&availability=taken", {"viitasaari_plot", "karstula_plot"}),
        ("offer=sale", {"pihtipudas_hall", "pihtipudas_plot_no_fibre", "karstula_plot"}),
        ("offer=rent", {"pihtipudas_hall", "pihtipudas_small", "viitasaari_plot"}),
        ("offer=sale_or_rent", {"pihtipudas_hall"}),
        ("zoning=business&zoning=mixed", {"pihtipudas_hall", "pihtipudas_small"}),
        ("spearhead=investment-logistics", {"pihtipudas_hall"}),
        ("connection=rail&connection=fibre", {"pihtipudas_hall", "pihtipudas_small", "viitasaari_plot"}),
        ("connection=road", {"pihtipudas_hall", "karstula_plot"}),
        # Premises by floor area (the hall's 400 m² plot does not count), plots by plot area.
        ("min_area_m2=500", {"pihtipudas_hall", "pihtipudas_plot_no_fibre", "viitasaari_plot", "karstula_plot"}),
        ("max_area_m2=500", {"pihtipudas_small"}),
        ("min_area_m2=13000&max_area_m2=16000", {"viitasaari_plot"}),
        ("max_price=3&price_unit=per_m2", {"pihtipudas_plot_no_fibre", "viitasaari_plot"}),
        ("max_price=100&price_unit=per_m2_month", {"pihtipudas_hall"}),
        ("q=sahat", {"viitasaari_plot"}),
        ("q=konepajat", {"pihtipudas_hall"}),
        ("bbox=25.5,63.3,25.9,63.4", {"pihtipudas_hall", "pihtipudas_small", "pihtipudas_plot_no_fibre"}),
        (f"near={PIHTIPUDAS}&radius_km=5", {"pihtipudas_hall", "pihtipudas_small", "pihtipudas_plot_no_fibre"}),
    ],
)
def test_each_filter(anonymous, offers, query, expected):
    assert ids(anonymous.get(f"{SITES}?{query}")) == {offers[name] for name in expected}


def test_premises_of_500_m2_with_rail_and_fibre_near_pihtipudas_on_a_map(anonymous, offers):
    query = f"{SITES}?kind=premises&min_area_m2=500&connection=rail&connection=fibre&near={PIHTIPUDAS}&radius_km=20&sort=distance_km"
    answer = anonymous.get(query, headers={"Accept": "application/geo+json"})
    assert answer.status_code == 200
    assert answer.mimetype == "application/geo+json"
    collection = orjson.loads(answer.data)
    assert collection["type"] == "FeatureCollection"
    [feature] = collection["features"]
    assert feature["id"] == offers["pihtipudas_hall"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [25.58, 63.372]}
    assert feature["properties"]["floor_area_m2"] == 800
    assert 0 < feature["properties"]["distance_km"] < 1
    assert "Accept" in answer.headers["Vary"]


def test_near_answers_carry_distance_and_sort_by_it(anonymous, offers):
    answer = anonymous.get(f"{SITES}?near={PIHTIPUDAS}&radius_km=100&sort=distance_km").get_json()
    distances = [site["distance_km"] for site in answer]
    assert distances == sorted(distances) and len(distances) == 5
    assert answer[0]["id"] == offers["pihtipudas_hall"]
    assert "distance_km" not in anonymous.get(SITES).get_json()[0]
    assert anonymous.get(f"{SITES}?sort=distance_km").status_code == 422


@pytest.mark.parametrize(
    "query",
    [
        "max_price=10",
        "price_unit=total",
        "kind=garage",
        "use=factory",
        "connection=gas",
        "offer=lease",
        "min_area_m2=-1",
        "radius_km=5",
        "sort=name",
        "near=63.3",
        "bbox=1,2,3",
    ],
)
def test_bad_filters_answer_422(anonymous, query):
    answer = anonymous.get(f"{SITES}?{query}")
    assert answer.status_code == 422
    assert answer.mimetype == "application/problem+json"


def test_content_filters_never_select_a_tombstone(client, offers):
    site = client.get(f"{SITES}/{offers['viitasaari_plot']}")
    client.delete(site.request.path, headers={"If-Match": site.headers["ETag"]})
    assert offers["viitasaari_plot"] in ids(client.get(f"{SITES}?include_deleted=true"))
    # Tombstones come by updated_since alone: the same whatever the words, so a deleted site's text
    # cannot be probed (no live site matches either word).
    assert ids(client.get(f"{SITES}?include_deleted=true&q=sahat")) == ids(client.get(f"{SITES}?include_deleted=true&q=kirahvi"))
    assert ids(client.get(f"{SITES}?q=sahat")) == set()


def test_facets_count_each_ignoring_its_own_filter(anonymous, offers):
    facets = anonymous.get(f"{SITES}/facets").get_json()
    assert facets == {
        "municipality": {"601": 3, "931": 1, "226": 1},
        "kind": {"premises": 2, "plot": 3},
        "use": {"industry": 3, "warehouse": 2, "office": 1, "energy": 1},
        "availability": {"available": 3, "reserved": 1, "taken": 1},
    }
    narrowed = anonymous.get(f"{SITES}/facets?municipality=601&kind=plot")
    assert narrowed.get_json() == {
        "municipality": {"601": 1, "931": 1, "226": 1},
        "kind": {"premises": 2, "plot": 1},
        "use": {"industry": 1},
        "availability": {"available": 1},
    }
    assert anonymous.get(narrowed.request.full_path, headers={"If-None-Match": narrowed.headers["ETag"]}).status_code == 304
    assert anonymous.get(f"{SITES}/facets?page=2").status_code == 422


def test_spearhead_sublist(anonymous, offers):
    assert ids(anonymous.get("/api/v1/spearheads/investment-logistics/sites")) == {offers["pihtipudas_hall"]}
    assert ids(anonymous.get("/api/v1/spearheads/investment-logistics/sites?kind=plot")) == set()
    assert anonymous.get("/api/v1/spearheads/no-such/sites").status_code == 404
    # The path names the spearhead; a second one in the query is refused, not silently overridden.
    assert anonymous.get("/api/v1/spearheads/investment-logistics/sites?spearhead=other").status_code == 422


def test_deleting_a_spearhead_takes_it_off_its_sites(client, offers):
    spearhead = client.get("/api/v1/spearheads/investment-logistics")
    assert client.delete(spearhead.request.path, headers={"If-Match": spearhead.headers["ETag"]}).status_code == 204
    assert client.get(f"{SITES}/{offers['pihtipudas_hall']}").get_json()["spearheads"] == []


def test_site_changes_are_in_the_feed(client, client_with, region):
    site = client.post(SITES, json=payloads.site(municipality="601", latitude=63.37, longitude=25.57, status="draft"))
    published = client.patch(site.headers["Location"], json={"status": "published"}, headers={"If-Match": site.headers["ETag"]},
                             content_type="application/merge-patch+json")
    client.delete(site.headers["Location"], headers={"If-Match": published.headers["ETag"]})
    changes = client.get("/api/v1/changes?resource=site").get_json()
    assert [(c["resource"], c["action"], c["version"]) for c in changes] == [("site", "created", 1), ("site", "updated", 2), ("site", "deleted", 3)]
    assert changes[1]["data"] == published.get_json()
    partner_view = client_with("partner").get("/api/v1/changes?resource=site&municipality=601").get_json()
    assert [(c["action"], c["data"] is None) for c in partner_view] == [("created", False), ("deleted", True)]
    assert client_with("partner").get("/api/v1/changes?resource=site&municipality=226").get_json() == []


def test_seed_adds_example_sites_once(app, client, anonymous):
    with app.app_context():
        added = seed_region(SEED_DIR)
        assert added["sites"] >= 12
        assert seed_region(SEED_DIR)["sites"] == 0
    sites = anonymous.get(f"{SITES}?page_size=100").get_json()
    assert len(sites) == added["sites"]
    per_municipality = anonymous.get(f"{SITES}/facets").get_json()["municipality"]
    assert set(per_municipality) == {"216", "226", "256", "265", "601", "931"}
    assert all(2 <= count <= 3 for count in per_municipality.values())
    for site in sites:
        assert site["description"]["fi"].startswith("Esimerkkikohde") and site["description"]["en"].startswith("Example site")
        assert site["status"] == "published"
    assert [c["resource"] for c in client.get("/api/v1/changes?resource=site&limit=1000").get_json()].count("site") == len(sites)


def test_openapi_documents_every_site_operation_and_filter(client):
    spec = client.get("/api/openapi.json").get_json()
    operations = {
        operation["operationId"]: operation
        for path in ("/api/v1/sites", "/api/v1/sites/{site_id}", "/api/v1/sites/facets", "/api/v1/sites/{site_id}/history",
                     "/api/v1/spearheads/{id_or_slug}/sites")
        for method, operation in spec["paths"][path].items()
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert set(operations) == {
        "listSites", "getSite", "createSite", "replaceSite", "updateSite", "deleteSite", "getSiteFacets", "listSiteHistory",
        "listSpearheadSites",
    }
    for operation_id in ("listSites", "listSpearheadSites"):
        assert "application/geo+json" in operations[operation_id]["responses"]["200"]["content"]
    site = spec["components"]["schemas"]["Site"]["properties"]
    assert site["kind"]["enum"] == ["premises", "plot"]
    assert {"connections", "uses", "price", "image_urls", "distance_km"} <= set(site)


def test_a_search_index_rebuild_keeps_finding_sites(runner, anonymous, offers):
    before = ids(anonymous.get(f"{SITES}?q=sahat"))
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0 and "5 sites" in result.output
    assert ids(anonymous.get(f"{SITES}?q=sahat")) == before == {offers["viitasaari_plot"]}


def test_sync_by_updated_since_sees_each_write_once(client, anonymous, region):
    first = add(client)
    since = first["updated_at"]
    second = add(client, municipality="931", latitude=63.07, longitude=25.86)
    assert ids(anonymous.get(f"{SITES}?updated_since={since.replace('+', '%2B')}")) == {first["id"], second["id"]}
    assert ids(anonymous.get(f"{SITES}?updated_since={second['updated_at'].replace('+', '%2B')}")) == {second["id"]}
