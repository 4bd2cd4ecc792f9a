"""Typo tolerance: words that match nothing are corrected to the nearest indexed word, and the answer says so."""

import json

import pytest

from api import create_app
from api.config import TestConfig
from api.extensions import db
from tests import fixture_companies, payloads

HEADER = "X-Search-Corrections"


def search(client, query: str, path: str = "/api/v1/companies", **params):
    answer = client.get(path, query_string={"q": query, "page_size": 100, **params})
    assert answer.status_code == 200, answer.get_json()
    names = [item.get("name") or item["title"]["fi"] for item in answer.get_json()]
    corrections = json.loads(answer.headers[HEADER]) if HEADER in answer.headers else None
    return names, corrections


@pytest.fixture
def companies(client):
    return fixture_companies.load(client)


def test_a_word_that_matches_nothing_is_corrected_by_its_length(client, companies):
    exact, none = search(client, "karstula")
    assert none is None and len(exact) > 10
    # 7 letters: one edit, whether a letter is missing, extra, wrong, or two are swapped.
    for typo in ("karstla", "karsttula", "karstulx", "karstlua"):
        found, corrections = search(client, typo)
        assert corrections == {typo: "karstula"}, typo
        assert set(found) == set(exact), typo
    # 10 letters: two edits.
    found, corrections = search(client, "sahtavra")
    assert corrections == {"sahtavra": "sahatavara"}
    assert set(found) == set(search(client, "sahatavara")[0])
    # Two edits in a word of 4–7 letters, and any edit in a word under 4 letters, are too many.
    assert search(client, "kxhvilx") == ([], None)
    assert search(client, "kahvilx")[1] == {"kahvilx": "kahvila"}
    assert search(client, "lvx") == ([], None)
    # The shown correction has its ä and ö back; only the wrong word is corrected, the others still must match.
    found, corrections = search(client, "Pihtipudas leipomo hyölä")
    assert found == [] and corrections == {"hyölä": "höylä"}
    found, corrections = search(client, "karstula hoyla sahx")
    assert corrections == {"sahx": "saha"} and found == ["Karstulan Saha ja Höylä Oy"]


def test_a_word_the_index_knows_is_never_corrected(client, companies):
    # "lauta" and "lanka" are one edit apart and both indexed: each finds its own records, uncorrected.
    lauta, lanka = search(client, "lauta"), search(client, "lanka")
    assert lauta[1] is None and lanka[1] is None
    assert "Kinnulan Sahapuu Oy" in lauta[0] and "Viitasaaren Kehräämö Oy" in lanka[0]
    assert not set(lauta[0]) & set(lanka[0])
    # Known through its base form or ä/ö-less spelling: no correction either.
    for query in ("sahoja", "Kivijarvi kalastus", "2358253"):
        assert search(client, query)[1] is None, query


def test_corrections_use_only_what_the_reader_may_see(client, anonymous, editor):
    draft = client.post("/api/v1/companies", json=payloads.company(name="Zebrakasvattamo Oy", tags=["seeprafarmi"], status="draft"))
    assert draft.status_code == 201
    # The editor sees the draft's words; an anonymous reader neither finds nor learns them.
    assert search(editor, "seeprafarmo") == (["Zebrakasvattamo Oy"], {"seeprafarmo": "seeprafarmi"})
    assert search(anonymous, "seeprafarmo") == ([], None)
    published = client.post(
        "/api/v1/companies", json=payloads.company(business_id="2331972-7", name="Alpakkatila Oy", tags=["alpakka"])
    )
    assert search(anonymous, "alpakkx") == (["Alpakkatila Oy"], {"alpakkx": "alpakka"})
    # A deleted record's words are gone from the index and from the corrections.
    deleted = client.delete(f"/api/v1/companies/{published.get_json()['id']}", headers={"If-Match": published.headers["ETag"]})
    assert deleted.status_code == 204
    assert search(anonymous, "alpakkx") == ([], None)
    # …and a content filter never selects its tombstone: with include_deleted, tombstones come by
    # updated_since alone, the same whatever the query.
    def listed(query):
        return client.get("/api/v1/companies", query_string={"q": query, "include_deleted": "true"}).get_json()

    assert [c for c in listed("alpakka") if not c.get("deleted_at")] == []
    assert listed("alpakka") == listed("kirahvi")


def test_the_vocabulary_follows_writes_made_by_another_process(database_url, client, anonymous):
    client.post("/api/v1/companies", json=payloads.company(name="Poroerotus Oy", tags=["poroaita"], description=None))
    assert search(anonymous, "porroaita") == (["Poroerotus Oy"], {"porroaita": "poroaita"})

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = database_url

    # A second app over the same database keeps its own mirror, as another worker or host does.
    other_process = create_app(Config)
    other = other_process.test_client()
    other.environ_base["HTTP_AUTHORIZATION"] = client.environ_base["HTTP_AUTHORIZATION"]
    try:
        assert search(other, "porroaita")[1] == {"porroaita": "poroaita"}
        created = other.post("/api/v1/companies", json=payloads.company(business_id="2331972-7", name="Kuksakoulu Oy", tags=["kuksa"]))
        assert created.status_code == 201, created.get_json()
        # This app mirrored the vocabulary before the other one wrote; it must not correct against its old copy.
        assert search(anonymous, "kuksx") == (["Kuksakoulu Oy"], {"kuksx": "kuksa"})
        changed = other.patch(
            f"/api/v1/companies/{created.get_json()['id']}",
            json={"tags": ["kuksakurssi"]},
            headers={"If-Match": created.headers["ETag"], "Content-Type": "application/merge-patch+json"},
        )
        assert changed.status_code == 200, changed.get_json()
        assert search(anonymous, "kuksakurssx") == (["Kuksakoulu Oy"], {"kuksakurssx": "kuksakurssi"})
        # A reindex starts a new vocabulary; the mirrors notice it too.
        assert other_process.test_cli_runner().invoke(args=["search", "reindex"]).exit_code == 0
        assert search(anonymous, "porroaita") == (["Poroerotus Oy"], {"porroaita": "poroaita"})
    finally:
        with other_process.app_context():
            db.engine.dispose()


def test_a_corrected_answer_is_cached_and_revalidated_with_the_list(client, anonymous, companies):
    first = anonymous.get("/api/v1/companies", query_string={"q": "karstla"})
    again = anonymous.get("/api/v1/companies", query_string={"q": "karstla"})
    assert first.headers[HEADER] == again.headers[HEADER] == '{"karstla": "karstula"}'
    assert first.headers["ETag"] == again.headers["ETag"] and first.data == again.data
    assert anonymous.get("/api/v1/companies", query_string={"q": "karstla"}, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    # Once a record holds the word as typed, it is no longer corrected: the list's ETag changed with the write.
    client.post("/api/v1/companies", json=payloads.company(business_id="2331972-7", name="Karstla Oy", tags=[]))
    changed = anonymous.get("/api/v1/companies", query_string={"q": "karstla"}, headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and HEADER not in changed.headers
    assert [c["name"] for c in changed.get_json()] == ["Karstla Oy"]


def test_events_spearheads_facets_and_exports_correct_too(client, companies):
    created = client.post("/api/v1/events", json=payloads.event(title={"fi": "Sijoittumisstrategian työpaja"}))
    assert created.status_code == 201
    assert search(client, "tyopjaa", "/api/v1/events") == (["Sijoittumisstrategian työpaja"], {"tyopjaa": "työpaja"})
    slugs, corrections = search(client, "matkalu", "/api/v1/spearheads")
    assert corrections == {"matkalu": "matkailu"} and slugs
    facets = client.get("/api/v1/companies/facets", query_string={"q": "karstla"})
    assert facets.headers[HEADER] == '{"karstla": "karstula"}'
    assert sum(facets.get_json()["municipality"].values()) == len(search(client, "karstula")[0])
    export = client.get("/api/v1/companies.csv", query_string={"q": "karstla"})
    assert export.headers[HEADER] == '{"karstla": "karstula"}'


def test_the_header_is_in_the_openapi_document_of_every_searched_list(client):
    spec = client.get("/api/openapi.json").get_json()
    for path in ("/api/v1/companies", "/api/v1/events", "/api/v1/spearheads"):
        header = spec["paths"][path]["get"]["responses"]["200"]["headers"][HEADER]
        assert json.loads(header["example"]) == {"karstla": "karstula"}
    assert HEADER not in spec["paths"]["/api/v1/municipalities"]["get"]["responses"]["200"].get("headers", {})
