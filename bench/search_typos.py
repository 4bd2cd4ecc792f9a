"""Time corrected against exact searches, and type-ahead suggestions, through the app on DATABASE_URL.

Run against a database filled with `flask seed` and `flask seed --synthetic 100000`:
    DATABASE_URL=... .venv/bin/python bench/search_typos.py [--rounds 15]
Each request goes through the whole app (routing, arguments, search, paging, serialisation) in this
process, without the network. The answer cache is emptied before every list request, so each one runs
its query. Corrected and exact searches of a pair alternate in the same run; the figures are medians
and the ratio corrected / exact. Suggestions are timed keystroke by keystroke (p50 and p99).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# One client sends every request: the per-address limit (read when the app's config loads) would answer 429.
os.environ["RATELIMIT_ANONYMOUS"] = "1000000/minute"

from sqlalchemy import func, select, text  # noqa: E402

from api import create_app, serialization  # noqa: E402
from api.extensions import db  # noqa: E402
from api.models import Company  # noqa: E402

# (as typed correctly, with a typo): one edit in words of 4–7 letters, two in longer ones.
PAIRS = [
    ("sahatavara", "sahatavra"),
    ("konepaja", "konepja"),
    ("kalastus", "kalastsu"),
    ("hirsitalo", "hirsitlao"),
    ("logistiikka", "logistikka"),
    ("juusto", "jusuto"),
    ("karstula", "karstla"),
    ("saha viitasaari", "saha viitasari"),
    ("lomamökki järvi", "lomamökki jravi"),
]
# What a reader types into the search box, one keystroke at a time.
TYPED = ["karstulan saha", "hirsitalo", "kivijärvi", "konsultointi", "metsäkone", "havukankaan", "lomamökki", "pihtipudas"]


def timed(client, path: str, params: dict, *, cached: bool = False) -> tuple[float, object]:
    if not cached:
        serialization._answers.clear()
    started = time.perf_counter()
    answer = client.get(path, query_string=params)
    elapsed = (time.perf_counter() - started) * 1000
    assert answer.status_code == 200, (path, params, answer.status_code, answer.get_data(as_text=True)[:300])
    return elapsed, answer


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    rounds = parser.parse_args().rounds
    app = create_app()
    client = app.test_client()
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            # Right after a bulk load autovacuum may not have analysed the tables yet; plans need the statistics.
            with db.engine.begin() as connection:
                connection.execute(text("ANALYZE"))
        companies = db.session.scalar(select(func.count()).select_from(Company))
        print(f"{db.engine.dialect.name}: {companies} companies, {rounds} rounds\n")
    print(f"{'exact':22} {'corrected':22} {'hits':>6} {'exact ms':>9} {'corrected ms':>13} {'ratio':>6}  correction")
    ratios = []
    for exact, typo in PAIRS:
        for params in ({"q": exact}, {"q": typo}):  # warm-up: the vocabulary mirror, caches of the analysis
            timed(client, "/api/v1/companies", params)
        exact_ms, typo_ms = [], []
        for _ in range(rounds):
            elapsed, exact_answer = timed(client, "/api/v1/companies", {"q": exact})
            exact_ms.append(elapsed)
            elapsed, typo_answer = timed(client, "/api/v1/companies", {"q": typo})
            typo_ms.append(elapsed)
        ratio = statistics.median(typo_ms) / statistics.median(exact_ms)
        ratios.append(ratio)
        hits = exact_answer.headers["X-Pagination"].split(",")[0].split(":")[1].strip()
        print(
            f"{exact:22} {typo:22} {hits:>6} {statistics.median(exact_ms):9.1f} {statistics.median(typo_ms):13.1f} "
            f"{ratio:6.2f}  {typo_answer.headers.get('X-Search-Corrections')}"
        )
    print(f"\ncorrected / exact, median over the pairs: {statistics.median(ratios):.2f} (worst {max(ratios):.2f})\n")

    prefixes = [text[:length] for text in TYPED for length in range(2, len(text) + 1)]
    for prefix in prefixes:  # warm-up
        timed(client, "/api/v1/search/suggest", {"q": prefix}, cached=True)
    latencies = []
    for _ in range(rounds):
        for prefix in prefixes:
            latencies.append(timed(client, "/api/v1/search/suggest", {"q": prefix}, cached=True)[0])
    # The floor of any request to this app on this machine: one record by key, answered from the cache.
    baseline = [timed(client, "/api/v1/municipalities/226", {}, cached=True)[0] for _ in range(len(latencies))]
    for label, values in (("suggest", latencies), ("baseline GET /municipalities/226", baseline)):
        print(
            f"{label}: {len(values)} requests  p50 {percentile(values, 0.5):.2f} ms  p99 {percentile(values, 0.99):.2f} ms  "
            f"max {max(values):.2f} ms"
        )
    sample = client.get("/api/v1/search/suggest", query_string={"q": "hirs", "limit": 5}).get_json()
    print("suggest q=hirs:", ", ".join(f"{item['text']} ({item['kind']})" for item in sample))


if __name__ == "__main__":
    main()
