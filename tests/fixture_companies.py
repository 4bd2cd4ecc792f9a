"""The realistic company fixture (tests/data/search_companies.json), loaded through the API."""

import json
from pathlib import Path

DATA = Path(__file__).with_name("data")
SEED = Path(__file__).resolve().parent.parent / "api" / "seed" / "saarijarvi-viitasaari"


def companies() -> list[dict]:
    return json.loads((DATA / "search_companies.json").read_text(encoding="utf-8"))


def seed_spearheads() -> list[dict]:
    return json.loads((SEED / "spearheads.json").read_text(encoding="utf-8"))


def load_places(client) -> None:
    for municipality in json.loads((SEED / "municipalities.json").read_text(encoding="utf-8")):
        assert client.post("/api/v1/municipalities", json=municipality).status_code == 201


def load(client) -> dict[str, str]:
    """Post the region's municipalities and spearheads and every fixture company; answer name → id."""
    load_places(client)
    spearheads = {}
    for spearhead in seed_spearheads():
        created = client.post("/api/v1/spearheads", json=spearhead)
        assert created.status_code == 201, created.get_json()
        spearheads[spearhead["slug"]] = created.get_json()["id"]
    ids = {}
    for company in companies():
        body = {**company, "spearheads": [spearheads[slug] for slug in company["spearheads"]]}
        created = client.post("/api/v1/companies", json=body)
        assert created.status_code == 201, created.get_json()
        ids[company["name"]] = created.get_json()["id"]
    return ids
