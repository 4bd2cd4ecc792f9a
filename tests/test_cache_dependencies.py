"""Cached answers are never stale: each depends on every table it reads, not only on its own."""

import pytest

from tests import payloads

COMPANIES = "/api/v1/companies"
EVENTS = "/api/v1/events"
SPEARHEADS = "/api/v1/spearheads"
JSONLD = {"Accept": "application/ld+json"}
GEOJSON = {"Accept": "application/geo+json"}
MERGE_PATCH = {"Content-Type": "application/merge-patch+json"}


def _created(answer):
    assert answer.status_code == 201, answer.data
    return answer.get_json()


def _patch(client, url: str, changes: dict) -> None:
    answer = client.patch(url, json=changes, headers={**MERGE_PATCH, "If-Match": client.get(url).headers["ETag"]})
    assert answer.status_code == 200, answer.data


class Cached:
    """An answer read once (so this process caches it), to be read again after a change elsewhere."""

    def __init__(self, reader, url: str, headers: dict | None = None):
        self.reader, self.url, self.headers = reader, url, headers or {}
        self.first = reader.get(url, headers=self.headers)
        assert self.first.status_code == 200, self.first.data
        assert reader.get(url, headers={**self.headers, "If-None-Match": self.first.headers["ETag"]}).status_code == 304

    def again(self):
        """The same request with the ETag it had: it must be answered anew (200), not 304 or from the cache."""
        answer = self.reader.get(self.url, headers={**self.headers, "If-None-Match": self.first.headers["ETag"]})
        assert answer.status_code == 200, f"{self.url}: a stale answer ({answer.status_code})"
        assert answer.headers["ETag"] != self.first.headers["ETag"]
        return answer


@pytest.fixture
def region(client):
    assert client.post("/api/v1/municipalities", json=payloads.municipality()).status_code == 201
    wood = _created(client.post(SPEARHEADS, json=payloads.spearhead("forest-plan")))
    company = _created(client.post(COMPANIES, json=payloads.company(municipality="226", spearheads=[wood["id"]], post_office=None)))
    event = _created(client.post(EVENTS, json=payloads.event(spearheads=[wood["id"]], municipalities=["226"], is_online=False)))
    return {"spearhead": wood, "company": company, "event": event}


def _ids(answer) -> list[str]:
    return [record["id"] for record in answer.get_json()]


# --- spearhead slugs --------------------------------------------------------------------------------------


@pytest.mark.parametrize("reader_name", ["anonymous", "client"])
def test_lists_filtered_by_a_slug_follow_its_rename(request, client, region, reader_name):
    reader = request.getfixturevalue(reader_name)
    companies = Cached(reader, f"{COMPANIES}?spearhead=wood")
    events = Cached(reader, f"{EVENTS}?spearhead=wood")
    geojson = Cached(reader, f"{COMPANIES}?spearhead=wood", GEOJSON)
    assert companies.first.get_json() == [] and events.first.get_json() == [] and geojson.first.get_json()["features"] == []
    _patch(client, f"{SPEARHEADS}/forest-plan", {"slug": "wood"})
    found = companies.again()
    assert _ids(found) == [region["company"]["id"]]
    assert '"total":1' in found.headers["X-Pagination"].replace(" ", "")
    assert _ids(events.again()) == [region["event"]["id"]]
    assert [feature["id"] for feature in geojson.again().get_json()["features"]] == [region["company"]["id"]]


def test_facets_follow_a_slug_rename(client, anonymous, region):
    readers = (anonymous, client)
    every = {reader: Cached(reader, f"{COMPANIES}/facets") for reader in readers}
    filtered = {reader: Cached(reader, f"{COMPANIES}/facets?spearhead=wood") for reader in readers}
    for reader in readers:
        assert every[reader].first.get_json()["spearhead"] == {"forest-plan": 1}
        assert filtered[reader].first.get_json()["municipality"] == {}
    _patch(client, f"{SPEARHEADS}/forest-plan", {"slug": "wood"})
    for reader in readers:
        assert every[reader].again().get_json()["spearhead"] == {"wood": 1}
        assert filtered[reader].again().get_json()["municipality"] == {"226": 1}


# --- spearhead visibility -------------------------------------------------------------------------------


def test_unpublishing_a_spearhead_updates_every_public_answer_that_showed_it(client, anonymous, partner, region):
    spearhead, company, event = region["spearhead"], region["company"], region["event"]
    urls = [
        (f"{COMPANIES}?spearhead=forest-plan", {}),
        (f"{EVENTS}?spearhead=forest-plan", {}),
        (COMPANIES, {}),
        (COMPANIES, GEOJSON),
        (EVENTS, {}),
        (f"{COMPANIES}/{company['id']}", {}),
        (f"{EVENTS}/{event['id']}", {}),
        (f"{COMPANIES}/facets", {}),
        (SPEARHEADS, {}),
    ]
    cached_by = {reader: [Cached(reader, url, headers) for url, headers in urls] for reader in (anonymous, partner)}
    for cached in (answer for answers in cached_by.values() for answer in answers):
        text = cached.first.get_data(as_text=True)
        assert spearhead["id"] in text or "forest-plan" in text, cached.url
    _patch(client, f"{SPEARHEADS}/forest-plan", {"status": "draft"})
    for answers in cached_by.values():
        for cached in answers:
            text = cached.again().get_data(as_text=True)
            assert spearhead["id"] not in text and "forest-plan" not in text, cached.url
    # Published again, it is back everywhere.
    _patch(client, f"{SPEARHEADS}/forest-plan", {"status": "published"})
    assert anonymous.get(f"{COMPANIES}/{company['id']}").get_json()["spearheads"] == [spearhead["id"]]
    assert _ids(anonymous.get(f"{EVENTS}?spearhead=forest-plan")) == [event["id"]]


def test_a_record_answer_depends_on_its_own_links_only(client, anonymous, region):
    other = _created(client.post(COMPANIES, json=payloads.company("2331972-7", name="Ilman Keihäänkärkeä Oy")))
    linked = Cached(anonymous, f"{COMPANIES}/{region['company']['id']}")
    unlinked = anonymous.get(f"{COMPANIES}/{other['id']}")
    _patch(client, f"{SPEARHEADS}/forest-plan", {"status": "draft"})
    assert linked.again().get_json()["spearheads"] == []
    again = anonymous.get(f"{COMPANIES}/{other['id']}", headers={"If-None-Match": unlinked.headers["ETag"]})
    assert again.status_code == 304


# --- municipality names --------------------------------------------------------------------------------


def test_documents_that_name_a_municipality_follow_its_rename(client, anonymous, region):
    company, event = region["company"], region["event"]
    cached = [
        Cached(anonymous, f"{COMPANIES}/{company['id']}", JSONLD),
        Cached(anonymous, f"{EVENTS}/{event['id']}", JSONLD),
        Cached(anonymous, f"{EVENTS}/{event['id']}.ics"),
        Cached(anonymous, "/api/v1/events.ics"),
    ]
    assert all("Karstula" in answer.first.get_data(as_text=True) for answer in cached)
    _patch(client, "/api/v1/municipalities/226", {"name": {"fi": "Karstulan kunta"}})
    for answer in cached:
        assert "Karstulan kunta" in answer.again().get_data(as_text=True), answer.url


# --- event links -------------------------------------------------------------------------------------------


def test_spearhead_event_lists_follow_the_events_links(client, anonymous, region):
    food = _created(client.post(SPEARHEADS, json=payloads.spearhead("food")))
    events = Cached(anonymous, f"{SPEARHEADS}/food/events")
    assert events.first.get_json() == []
    _patch(client, f"{EVENTS}/{region['event']['id']}", {"spearheads": [food["id"]]})
    assert _ids(events.again()) == [region["event"]["id"]]
    assert anonymous.get(f"{SPEARHEADS}/forest-plan/events").get_json() == []
