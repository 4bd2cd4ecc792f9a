"""schema.org JSON-LD for companies, events and sites, content-negotiated with Accept."""

import re

import pytest

from tests import payloads

LD = {"Accept": "application/ld+json"}
# The schema.org properties each type may carry here (a structured-data validator refuses others).
PROPERTIES = {
    "Organization": {"name", "description", "url", "identifier", "vatID", "address", "email", "telephone",
                     "foundingDate", "dissolutionDate", "numberOfEmployees", "areaServed", "keywords"},
    "PostalAddress": {"streetAddress", "postalCode", "addressLocality", "addressRegion", "addressCountry"},
    "GeoCoordinates": {"latitude", "longitude"},
    "PropertyValue": {"propertyID", "value"},
    "QuantitativeValue": {"minValue", "maxValue"},
    "AdministrativeArea": {"name", "identifier", "containedInPlace"},
    "Event": {"name", "description", "startDate", "endDate", "eventAttendanceMode", "eventStatus", "location",
              "organizer", "offers", "audience", "url"},
    "Place": {"name", "address"},
    "VirtualLocation": {"url"},
    "Offer": {"url", "validThrough", "availability"},
    "Audience": {"audienceType"},
}
PROPERTIES["LocalBusiness"] = PROPERTIES["Organization"] | {"geo"}
# A site is a multi-typed entity: it may use the properties of either type.
PROPERTIES["Place"] |= {"description", "geo", "containedInPlace", "additionalProperty", "image"}
PROPERTIES["Product"] = {"name", "description", "category", "additionalProperty", "image", "offers"}
PROPERTIES["PropertyValue"] |= {"name", "unitCode", "unitText"}
PROPERTIES["QuantitativeValue"] |= {"value", "unitCode"}
PROPERTIES["Offer"] |= {"businessFunction", "availabilityStarts", "price", "priceCurrency", "priceSpecification"}
PROPERTIES["UnitPriceSpecification"] = {"price", "priceCurrency", "unitText", "referenceQuantity", "billingDuration"}


def check_shape(node, top=True):
    """Every node is typed, uses only its type's properties, and has no nulls."""
    if isinstance(node, list):
        for item in node:
            check_shape(item, top=False)
        return
    if not isinstance(node, dict) or "@value" in node:
        return
    if top:
        assert node["@context"] == "https://schema.org"
    types = node["@type"] if isinstance(node["@type"], list) else [node["@type"]]
    assert set(types) <= set(PROPERTIES), node
    allowed = set().union(*(PROPERTIES[name] for name in types))
    keys = set(node) - {"@context", "@type", "@id"}
    assert keys <= allowed, keys - allowed
    for value in node.values():
        assert value is not None
        check_shape(value, top=False)


@pytest.fixture
def karstula(client):
    client.post("/api/v1/municipalities", json=payloads.municipality(region={"fi": "Keski-Suomi"}))


def test_company_as_local_business(client, karstula):
    created = client.post("/api/v1/companies", json=payloads.company(municipality="226")).get_json()
    answer = client.get(f"/api/v1/companies/{created['id']}", headers=LD)
    assert answer.status_code == 200 and answer.mimetype == "application/ld+json"
    document = answer.get_json(force=True)
    check_shape(document)
    assert document["@type"] == "LocalBusiness"
    assert document["@id"].endswith(f"/api/v1/companies/{created['id']}")
    assert re.fullmatch(r"FI\d{8}", document["vatID"]) and document["vatID"] == "FI01120389"
    assert document["address"] == {
        "@type": "PostalAddress", "streetAddress": "Keskustie 1", "postalCode": "43500",
        "addressLocality": "KARSTULA", "addressRegion": "Keski-Suomi", "addressCountry": "FI",
    }
    assert document["geo"] == {"@type": "GeoCoordinates", "latitude": 62.878, "longitude": 24.8}
    assert document["areaServed"]["name"] == "Karstula"
    assert {"@language": "fi", "@value": "Sahatavaraa ja hirsitaloja."} in document["description"]
    assert document["numberOfEmployees"] == {"@type": "QuantitativeValue", "minValue": 10, "maxValue": 19}


def test_company_without_coordinates_is_an_organization(client):
    created = client.post(
        "/api/v1/companies", json=payloads.company(latitude=None, longitude=None, size_class="1000+")
    ).get_json()
    document = client.get(f"/api/v1/companies/{created['id']}", headers=LD).get_json(force=True)
    check_shape(document)
    assert document["@type"] == "Organization" and "geo" not in document
    assert document["numberOfEmployees"] == {"@type": "QuantitativeValue", "minValue": 1000}


def test_each_representation_has_its_own_etag(client):
    created = client.post("/api/v1/companies", json=payloads.company()).get_json()
    url = f"/api/v1/companies/{created['id']}"
    as_json = client.get(url)
    as_ld = client.get(url, headers=LD)
    assert as_json.headers["ETag"] != as_ld.headers["ETag"]
    assert as_json.headers["Vary"] == as_ld.headers["Vary"]
    assert "Accept" in as_json.headers["Vary"].split(", ")
    assert client.get(url, headers={**LD, "If-None-Match": as_ld.headers["ETag"]}).status_code == 304
    assert client.get(url, headers={**LD, "If-None-Match": as_json.headers["ETag"]}).status_code == 200
    assert client.get(url, headers={"If-None-Match": as_ld.headers["ETag"]}).status_code == 200
    assert client.get(url, headers={"Accept": "*/*"}).mimetype == "application/json"
    assert client.get(url, headers={"Accept": "application/json;q=0.5, application/ld+json"}).mimetype == "application/ld+json"


@pytest.mark.parametrize("path", ["/api/v1/companies/{company}", "/api/v1/events/{event}"])
def test_accept_that_allows_nothing_offered_is_406(client, path):
    company = client.post("/api/v1/companies", json=payloads.company()).get_json()
    event = client.post("/api/v1/events", json=payloads.event()).get_json()
    answer = client.get(path.format(company=company["id"], event=event["id"]), headers={"Accept": "text/html"})
    assert answer.status_code == 406 and answer.content_type == "application/problem+json"
    assert "application/ld+json" in answer.get_json()["detail"]


def test_online_event(client):
    organizer = client.post("/api/v1/companies", json=payloads.company()).get_json()
    created = client.post(
        "/api/v1/events",
        json=payloads.event(
            registration_url="https://registration.example/workshop",
            registration_deadline="2020-12-02T16:00:00",
            organizer={"name": "Karstulan Puutuote Oy", "company_id": organizer["id"]},
            participation_url="https://meet.example/secret-room",
            target_groups=[{"fi": "yrityskehittäjät"}],
        ),
    ).get_json()
    answer = client.get(f"/api/v1/events/{created['id']}", headers=LD)
    document = answer.get_json(force=True)
    check_shape(document)
    assert document["startDate"] == "2020-12-08T09:00:00+02:00" and document["endDate"] == "2020-12-08T12:00:00+02:00"
    assert document["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert document["eventStatus"] == "https://schema.org/EventScheduled"
    assert document["location"] == {"@type": "VirtualLocation", "url": "https://registration.example/workshop"}
    assert document["offers"]["validThrough"] == "2020-12-02T16:00:00+02:00"
    assert document["organizer"]["@id"].endswith(f"/api/v1/companies/{organizer['id']}")
    assert {"@language": "fi", "@value": "Sijoittumisstrategian työpaja"} in document["name"]
    assert "secret-room" not in answer.get_data(as_text=True)


def test_cancelled_event_at_a_place(client, karstula):
    created = client.post(
        "/api/v1/events",
        json=payloads.event(is_online=False, location_name="Kunnantalo", street_address="Keskustie 2",
                            municipalities=["226"], event_status="cancelled"),
    ).get_json()
    document = client.get(f"/api/v1/events/{created['id']}", headers=LD).get_json(force=True)
    check_shape(document)
    assert document["eventStatus"] == "https://schema.org/EventCancelled"
    assert document["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
    assert document["location"] == {
        "@type": "Place", "name": "Kunnantalo",
        "address": {"@type": "PostalAddress", "streetAddress": "Keskustie 2", "addressLocality": "Karstula",
                    "addressCountry": "FI"},
    }


HOSTILE_NAME = "Evil </script><script>alert(1)</script> Oy"


def test_json_ld_is_safe_inside_an_html_script_element(client):
    company = client.post(
        "/api/v1/companies", json=payloads.company(name=HOSTILE_NAME, description={"fi": "Sahat & <b>höylät</b>"})
    ).get_json()
    event = client.post(
        "/api/v1/events", json=payloads.event(title={"fi": HOSTILE_NAME}, organizer={"name": "A & B <Oy>"})
    ).get_json()
    for path in (f"/api/v1/companies/{company['id']}", f"/api/v1/events/{event['id']}"):
        raw = client.get(path, headers=LD).data
        assert not set(raw) & set(b"<>&"), raw
        assert b"\\u003c/script\\u003e" in raw
    document = client.get(f"/api/v1/companies/{company['id']}", headers=LD).get_json(force=True)
    assert document["name"] == HOSTILE_NAME
    assert {"@language": "fi", "@value": "Sahat & <b>höylät</b>"} in document["description"]


def test_absolute_urls_come_from_public_base_url_not_from_the_host_header(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://yritykset.example")
    organizer = client.post("/api/v1/companies", json=payloads.company()).get_json()
    event = client.post(
        "/api/v1/events", json=payloads.event(organizer={"name": "Karstulan Puutuote Oy", "company_id": organizer["id"]})
    ).get_json()
    base = "https://yritykset.example"
    forged = {**LD, "Host": "evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}
    company_answer = client.get(f"/api/v1/companies/{organizer['id']}", headers=forged)
    event_answer = client.get(f"/api/v1/events/{event['id']}", headers=forged)
    for answer in (company_answer, event_answer):
        assert answer.status_code == 200
        assert b"evil.example" not in answer.data and "evil.example" not in str(answer.headers)
    assert company_answer.get_json(force=True)["@id"] == f"{base}/api/v1/companies/{organizer['id']}"
    document = event_answer.get_json(force=True)
    assert document["@id"] == f"{base}/api/v1/events/{event['id']}"
    assert document["organizer"]["@id"] == f"{base}/api/v1/companies/{organizer['id']}"


def test_site_as_a_place_on_offer(client, karstula):
    created = client.post("/api/v1/sites", json=payloads.site()).get_json()
    answer = client.get(f"/api/v1/sites/{created['id']}", headers=LD)
    assert answer.status_code == 200 and answer.mimetype == "application/ld+json"
    assert "Accept" in answer.headers["Vary"]
    document = answer.get_json(force=True)
    check_shape(document)
    assert document["@type"] == ["Place", "Product"]
    assert document["@id"].endswith(f"/api/v1/sites/{created['id']}")
    assert document["address"] == {
        "@type": "PostalAddress", "streetAddress": "Kiertotie 4", "postalCode": "43500",
        "addressLocality": "KARSTULA", "addressRegion": "Keski-Suomi", "addressCountry": "FI",
    }
    assert document["geo"] == {"@type": "GeoCoordinates", "latitude": 62.881, "longitude": 24.79}
    assert document["containedInPlace"]["identifier"] == "226"
    assert document["additionalProperty"] == [
        {"@type": "PropertyValue", "name": "plot area", "value": 12000, "unitCode": "MTK", "unitText": "m²"}
    ]
    offer = document["offers"]
    assert offer["businessFunction"] == "http://purl.org/goodrelations/v1#Sell"
    assert offer["price"] == 4 and offer["priceCurrency"] == "EUR"
    assert offer["availability"] == "https://schema.org/InStock" and offer["availabilityStarts"] == "2027-01-01"
    assert offer["priceSpecification"]["unitText"] == "EUR/m²"
    assert offer["priceSpecification"]["referenceQuantity"]["unitCode"] == "MTK"
    assert client.get(f"/api/v1/sites/{created['id']}").headers["ETag"] != answer.headers["ETag"]


def test_a_site_for_sale_or_rent_has_two_offers_the_monthly_price_on_the_rent(client, karstula):
    body = payloads.site(kind="premises", floor_area_m2=800, offer="sale_or_rent", availability="reserved",
                         price={"amount": 6.5, "unit": "per_m2_month"}, available_from=None)
    created = client.post("/api/v1/sites", json=body).get_json()
    document = client.get(f"/api/v1/sites/{created['id']}", headers=LD).get_json(force=True)
    check_shape(document)
    sale, rent = document["offers"]
    assert sale == {"@type": "Offer", "businessFunction": "http://purl.org/goodrelations/v1#Sell",
                    "availability": "https://schema.org/Reserved"}
    assert rent["businessFunction"] == "http://purl.org/goodrelations/v1#LeaseOut" and rent["price"] == 6.5
    assert rent["priceSpecification"]["billingDuration"] == {"@type": "QuantitativeValue", "value": 1, "unitCode": "MON"}
    assert {item["name"] for item in document["additionalProperty"]} == {"floor area", "plot area"}
