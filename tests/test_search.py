"""Finnish-aware full-text search: the recall set, ranking, the index kept current, events and spearheads."""

import csv
import math
from collections import defaultdict

import pytest

from tests import fixture_companies, payloads

# recall@10 over tests/data/search_queries.tsv, as reported in the README; a drop below it fails.
REPORTED_RECALL_AT_10 = 1.0
MARGIN = 0.02


def recall_set() -> list[tuple[str, str]]:
    with (fixture_companies.DATA / "search_queries.tsv").open(encoding="utf-8", newline="") as handle:
        return [(row["query"], row["expected company"]) for row in csv.DictReader(handle, delimiter="\t")]


def found(client, query: str, **params) -> list[str]:
    answer = client.get("/api/v1/companies", query_string={"q": query, "page_size": 10, **params})
    assert answer.status_code == 200, answer.get_json()
    return [company["name"] for company in answer.get_json()]


def test_recall_at_10(client):
    fixture_companies.load(client)
    pairs = recall_set()
    assert len(pairs) >= 60
    missed = [(query, expected) for query, expected in pairs if expected not in found(client, query)]
    recall = 1 - len(missed) / len(pairs)
    print(f"recall@10 = {recall:.3f} over {len(pairs)} queries; missed: {missed}")
    assert recall >= REPORTED_RECALL_AT_10 - MARGIN, missed


# The graded set (tests/data/search_relevance.tsv): realistic queries (exact words, inflected forms,
# compound parts, place names, typos, English, several words), each with the fixture companies graded
# 3 (what was asked for), 2 (clearly offers it) or 1 (related); unlisted companies are 0. The floors are
# the figures measured, the same in every run since equal ranks are ordered by name: recall@10 0.9517 on
# both databases; nDCG@10 0.9822 on SQLite and 0.9814 on PostgreSQL (bm25 and ts_rank order some close
# matches differently). A change that lowers either fails. When a change raises both databases' figures
# (printed by `pytest -s -k graded`), raise the floors to the lower figure, truncated to three decimals.
GRADED_RECALL_AT_10_FLOOR = 0.951
GRADED_NDCG_AT_10_FLOOR = 0.981


def graded_set() -> dict[str, tuple[str, dict[str, int]]]:
    """query → (its kind, {company: grade})."""
    queries: dict[str, tuple[str, dict[str, int]]] = {}
    with (fixture_companies.DATA / "search_relevance.tsv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            queries.setdefault(row["query"], (row["kind"], {}))[1][row["company"]] = int(row["grade"])
    return queries


def ndcg_at_10(ranked: list[str], grades: dict[str, int]) -> float:
    """Normalised discounted cumulative gain with gains 2^grade - 1 (Järvelin & Kekäläinen)."""

    def dcg(gains: list[int]) -> float:
        return sum((2**gain - 1) / math.log2(position + 2) for position, gain in enumerate(gains[:10]))

    return dcg([grades.get(name, 0) for name in ranked]) / dcg(sorted(grades.values(), reverse=True))


def test_graded_relevance_recall_and_ndcg_at_10(client):
    fixture_companies.load(client)
    queries = graded_set()
    assert len(queries) >= 60
    recalls, ndcgs = defaultdict(list), defaultdict(list)
    for query, (kind, grades) in queries.items():
        ranked = found(client, query)
        for group in (kind, "all"):
            recalls[group].append(len(set(ranked) & set(grades)) / len(grades))
            ndcgs[group].append(ndcg_at_10(ranked, grades))
    figures = {group: (sum(recalls[group]) / len(recalls[group]), sum(ndcgs[group]) / len(ndcgs[group])) for group in recalls}
    for group, (recall, ndcg) in sorted(figures.items()):
        print(f"{group:12} {len(recalls[group]):3} queries  recall@10 {recall:.4f}  nDCG@10 {ndcg:.4f}")
    recall, ndcg = figures["all"]
    assert recall >= GRADED_RECALL_AT_10_FLOOR and ndcg >= GRADED_NDCG_AT_10_FLOOR, figures["all"]


def test_ranking_name_over_tags_over_description_and_as_typed_over_inflected_over_part(client):
    def add(business_id: str, name: str, tags: list[str], description: str) -> None:
        body = payloads.company(business_id=business_id, name=name, tags=tags, description={"fi": description}, industry_code=None)
        assert client.post("/api/v1/companies", json=body).status_code == 201

    add("0112038-9", "Kuusela Oy", ["kuusi"], "Metsää.")
    add("2331972-7", "Kuusi ja Mänty Oy", [], "Metsää.")
    add("0737546-2", "Metsälä Oy", [], "Kuusi ja mänty.")
    assert found(client, "kuusi") == ["Kuusi ja Mänty Oy", "Kuusela Oy", "Metsälä Oy"]
    # The longest description holds the word as typed, the shortest only a compound with it: length alone
    # would rank them the other way round.
    add("1572860-0", "Alfa Oy", [], "Verkko ja siimat myynnissä.")
    add("2616600-9", "Beta Oy", [], "Myymme verkkoja.")
    add("1234567-1", "Gamma Oy", [], "Kalaverkot.")
    assert found(client, "verkko") == ["Alfa Oy", "Beta Oy", "Gamma Oy"]


def test_equal_ranks_come_in_name_order_on_both_databases(client):
    # Three companies alike but for their names (random ids, created out of name order) rank equal.
    for business_id, name in (("0112038-9", "Cee Oy"), ("2331972-7", "Aa Oy"), ("0737546-2", "Bee Oy")):
        body = payloads.company(business_id=business_id, name=name, tags=["sahatavara"], description={"fi": "Metsää."})
        assert client.post("/api/v1/companies", json=body).status_code == 201
    assert found(client, "sahatavara") == ["Aa Oy", "Bee Oy", "Cee Oy"]


def test_a_municipality_filter_narrows_q_to_the_records_current_municipality(client):
    fixture_companies.load_places(client)
    created = client.post("/api/v1/companies", json=payloads.company(name="Muuttava Saha Oy", municipality="226"))
    assert created.status_code == 201, created.get_json()
    assert found(client, "saha", municipality="226") == ["Muuttava Saha Oy"]
    moved = client.patch(
        f"/api/v1/companies/{created.get_json()['id']}", json={"municipality": "931"}, headers={"If-Match": created.headers["ETag"]}
    )
    assert moved.status_code == 200
    # The search document moved with the company, within the same write.
    assert found(client, "saha", municipality="226") == [] and found(client, "saha", municipality=["931", "601"]) == ["Muuttava Saha Oy"]
    # No query word reaches the place lexeme the index holds for a municipality (`@931` on PostgreSQL).
    assert found(client, "@931") == [] and found(client, "931") == []


FINNISH_FORMS = [
    ("sahalla", "Kinnulan Sahapuu Oy"),  # an inflected form finds the base word
    ("sahat", "Viitasaaren Saha Oy"),
    ("yritykset", "Koodiranta Oy"),  # "Ohjelmistoyritys": yritykset → yritys, a compound part
    ("leipomo Karstulassa", "Karstulan Leipomo Oy"),  # place names inflect too
    ("tavara", "Kinnulan Sahapuu Oy"),  # "sahatavaraa" is found by its second part…
    ("saha", "Kinnulan Sahapuu Oy"),  # …and by its first
    ("Kivijarvi kalastus", "Kivijärven Kalastus Oy"),  # ä typed as a
    ("KIVIJÄRVELLÄ melontaa", "Kivijärven Erämatkat Oy"),
]


def test_finnish_forms_every_word_and_ranking(client):
    fixture_companies.load(client)
    for query, expected in FINNISH_FORMS:
        assert expected in found(client, query), query
    # Every word must match; connectives and company forms are ignored.
    assert found(client, "saha Viitasaarella") == ["Viitasaaren Saha Oy"]
    assert found(client, "Viitasaaren Saha Oy") == ["Viitasaaren Saha Oy"]
    assert found(client, "saha kampaamo") == []
    assert found(client, "ja") == []
    assert found(client, "xyzzyplugh") == []
    # The name weighs more than the description: "Leipomo" is in two names and only in the text of no other company; both names come first.
    assert set(found(client, "leipomo")[:2]) == {"Karstulan Leipomo Oy", "Pihtiputaan Kahvila ja Leipomo Oy"}
    # "konepaja" names one company and appears in another's description: the name wins.
    assert found(client, "konepaja")[0] == "Keski-Suomen Konepaja Oy"


def test_q_combines_with_filters_sort_and_paging(client):
    fixture_companies.load(client)

    def listed(**params) -> set[str]:
        answer = client.get("/api/v1/companies", query_string={"page_size": 100, **params})
        assert answer.status_code == 200, answer.get_json()
        return {company["name"] for company in answer.get_json()}

    for q in ("saha", "vienti", "Karstulassa", "matkailu"):
        for filters in (
            {"municipality": ["226", "931"]},
            {"industry": "16", "growth_seeking": "true"},
            {"tag": "vienti"},
            {"spearhead": "wood-bioeconomy", "international": "true"},
            {"bbox": "24.6,62.8,25.3,63.2"},
            {"near": "63.1,25.5", "radius_km": 35},
        ):
            assert listed(q=q, **filters) == listed(q=q) & listed(**filters), (q, filters)
    by_name = found(client, "sahatavara", sort="name")
    assert by_name == sorted(by_name) and len(by_name) >= 3
    nearest = client.get(
        "/api/v1/companies", query_string={"q": "vienti", "near": "62.878,24.8", "radius_km": 60, "sort": "distance_km"}
    ).get_json()
    assert [c["distance_km"] for c in nearest] == sorted(c["distance_km"] for c in nearest) and len(nearest) > 2
    page_one = client.get("/api/v1/companies", query_string={"q": "oy saha", "page_size": 2}).get_json()
    page_two = client.get("/api/v1/companies", query_string={"q": "oy saha", "page_size": 2, "page": 2}).get_json()
    assert len(page_one) == 2 and not {c["id"] for c in page_one} & {c["id"] for c in page_two}
    facets = client.get("/api/v1/companies/facets", query_string={"q": "saha"}).get_json()
    assert sum(facets["municipality"].values()) == len(found(client, "saha"))

    # The first question in one request, its words in Finnish: puu (wood), vienti (export).
    answer = client.get(
        "/api/v1/companies",
        query_string={"q": "puu vienti", "growth_seeking": "true", "near": "62.878,24.8", "radius_km": 40, "sort": "distance_km"},
    )
    companies = answer.get_json()
    assert {"Karstulan Saha ja Höylä Oy", "Pääjärven Hirsirakenne Oy", "Kivijärven Puutuote Oy"} <= {c["name"] for c in companies}
    assert all(c["growth_seeking"] and c["distance_km"] <= 40 and "vienti" in c["tags"] for c in companies)
    assert [c["distance_km"] for c in companies] == sorted(c["distance_km"] for c in companies)


def test_index_follows_every_write(client, runner):
    created = client.post("/api/v1/companies", json=payloads.company(name="Metsälän Mylly Oy", tags=["mylly"], description={"fi": "Jauhoja."}))
    company = created.get_json()
    assert found(client, "myllyt") == ["Metsälän Mylly Oy"]
    renamed = client.patch(
        f"/api/v1/companies/{company['id']}", json={"name": "Metsälän Leipomo Oy", "tags": []}, headers={"If-Match": created.headers["ETag"]}
    )
    assert renamed.status_code == 200
    assert found(client, "myllyt") == [] and found(client, "leipomot") == ["Metsälän Leipomo Oy"]
    deleted = client.delete(f"/api/v1/companies/{company['id']}", headers={"If-Match": renamed.headers["ETag"]})
    assert deleted.status_code == 204
    assert found(client, "leipomot") == []
    # `flask seed` writes through the same session, so its records are found at once…
    assert runner.invoke(args=["seed"]).exit_code == 0
    assert "Havukankaan Sahatavara Oy" in found(client, "sahatavarat")
    # …and a rebuild of the whole index gives the same answers.
    before = found(client, "saha")
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0 and "Indexed" in result.output
    assert found(client, "saha") == before


def test_a_failed_write_leaves_the_index_as_it_was(client):
    client.post("/api/v1/companies", json=payloads.company(name="Ensimmäinen Oy"))
    duplicate = client.post("/api/v1/companies", json=payloads.company(name="Toinen Yritys Oy"))
    assert duplicate.status_code == 409
    assert found(client, "toinen") == []


@pytest.mark.parametrize("bad", ["x" * 201, "", "sa\x00ha"])
def test_bad_q_is_a_problem(client, bad):
    for path in ("/api/v1/companies", "/api/v1/events", "/api/v1/spearheads", "/api/v1/companies/facets"):
        answer = client.get(path, query_string={"q": bad})
        assert answer.status_code in (400, 422), (path, answer.status_code)
        assert answer.content_type == "application/problem+json"


def test_events_by_q_and_the_workshops_one_can_still_register_for(client):
    def event(title: str, start: str, deadline: str | None, **changes):
        body = payloads.event(
            title={"fi": title}, start_time=start, end_time=start.replace("T09", "T12"), registration_deadline=deadline, **changes
        )
        created = client.post("/api/v1/events", json=body)
        assert created.status_code == 201, created.get_json()
        return created.get_json()["id"]

    closed = event("Sijoittumisstrategian työpaja", "2020-12-08T09:00:00+02:00", "2020-12-02T16:00:00+02:00")
    later = event("Kasvuyritysten työpaja", "2099-03-10T09:00:00+02:00", "2099-03-01T16:00:00+02:00")
    sooner = event("Vientityöpaja", "2099-02-10T09:00:00+02:00", None, description={"fi": "Työpajassa opitaan viennistä."})
    deadline_passed = event("Matkailun työpaja", "2099-04-10T09:00:00+02:00", "2020-01-01T00:00:00+02:00")
    event("Yrittäjien aamukahvit", "2099-02-01T09:00:00+02:00", None, location_name="Karstulan kunnantalo")

    def listed(**params) -> list[str]:
        answer = client.get("/api/v1/events", query_string=params)
        assert answer.status_code == 200, answer.get_json()
        return [e["id"] for e in answer.get_json()]

    # "Which workshops can I still register for?" in one request, in Finnish, soonest first.
    assert listed(q="työpajoihin", registration_open="true") == [sooner, later]
    assert listed(q="tyopajat") == [closed, sooner, later, deadline_passed]
    assert listed(q="työpaja", upcoming="false") == [closed]
    assert len(listed(q="Karstulassa")) == 1
    assert listed(q="vienti") == [sooner]


def test_spearheads_by_q(client):
    fixture_companies.load_places(client)
    for spearhead in fixture_companies.seed_spearheads():
        assert client.post("/api/v1/spearheads", json=spearhead).status_code == 201
    answer = client.get("/api/v1/spearheads", query_string={"q": "matkailua"})
    assert [s["slug"] for s in answer.get_json()][0] == "lakes-nature-tourism"  # best match first
    assert [s["slug"] for s in client.get("/api/v1/spearheads", query_string={"q": "jarvet"}).get_json()][0] == "lakes-nature-tourism"
    assert client.get("/api/v1/spearheads", query_string={"q": "puu", "sort": "-priority"}).status_code == 200
