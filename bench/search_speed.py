"""Search at scale, through the app on PostgreSQL: corrected against exact, a municipality filter at 10,000
against 100,000 companies, and type-ahead in process and through gunicorn; every ratio within one run.

Run against two databases, each filled with `flask seed` and `flask seed --synthetic N`:
    DATABASE_URL=<100,000> .venv/bin/python bench/search_speed.py --small-database-url <10,000> [--rounds 15]
In-process requests go through the whole app (routing, arguments, search, paging, serialisation)
without the network. The caches of answers and counts are emptied before every list request, so each
one runs its queries, as right after a write. Requests compared in a ratio alternate, and the figures are medians. Type-ahead is timed
keystroke by keystroke (p50, p95), beside a record answered from the cache (the floor of any request
to this app on this machine), first in process (the server's time), then through gunicorn over
loopback on one keep-alive connection (end to end).
"""

import argparse
import http.client
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# One client sends every request: the per-address limit (read when the app's config loads) would answer 429.
os.environ["RATELIMIT_ANONYMOUS"] = "1000000/minute"

from sqlalchemy import func, select, text  # noqa: E402

from api import create_app, pagination, serialization  # noqa: E402
from api.config import config_for_environment  # noqa: E402
from api.extensions import db  # noqa: E402
from api.models import Company  # noqa: E402
from bench import servers  # noqa: E402

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
# Searches with a municipality filter; the first is the benchmark's scenario (docs/benchmarks.md).
FILTERED = [
    {"q": "saha", "municipality": "226", "page_size": 20},
    {"q": "puu", "municipality": "931", "page_size": 20},
    {"q": "matkailu", "municipality": ["226", "601"], "page_size": 20},
]
# What a reader types into the search box, one keystroke at a time.
TYPED = ["karstulan saha", "hirsitalo", "kivijärvi", "konsultointi", "metsäkone", "havukankaan", "lomamökki", "pihtipudas"]
BASELINE = "/api/v1/municipalities/226"


def timed(client, path: str, params: dict, *, cached: bool = False) -> tuple[float, object]:
    if not cached:
        serialization._answers.clear()
        pagination._counts.clear()
    started = time.perf_counter()
    answer = client.get(path, query_string=params)
    elapsed = (time.perf_counter() - started) * 1000
    assert answer.status_code == 200, (path, params, answer.status_code, answer.get_data(as_text=True)[:300])
    return elapsed, answer


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def spread(label: str, values: list[float]) -> str:
    return f"{label}: {len(values)} requests  p50 {percentile(values, 0.5):.2f} ms  p95 {percentile(values, 0.95):.2f} ms"


def app_on(url: str):
    """The app on the database at `url`, its planner statistics fresh (autovacuum may not have run after a bulk load)."""

    class Settings(config_for_environment(os.environ)):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Settings)
    with app.app_context():
        with db.engine.begin() as connection:
            connection.execute(text("ANALYZE"))
        companies = db.session.scalar(select(func.count()).select_from(Company))
    return app, companies


def hits(answer) -> str:
    return answer.headers["X-Pagination"].split(",")[0].split(":")[1].strip()


def corrected_against_exact(client, rounds: int) -> None:
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
        print(
            f"{exact:22} {typo:22} {hits(exact_answer):>6} {statistics.median(exact_ms):9.1f} {statistics.median(typo_ms):13.1f} "
            f"{ratio:6.2f}  {typo_answer.headers.get('X-Search-Corrections')}"
        )
    print(f"corrected / exact, median over the pairs: {statistics.median(ratios):.2f} (worst {max(ratios):.2f})\n")


def filtered_small_against_large(small, large, rounds: int) -> None:
    print(f"{'search with a municipality filter':48} {'hits':>11} {'small ms':>9} {'large ms':>9} {'ratio':>6}")
    for params in FILTERED:
        for client in (small, large):  # warm-up
            timed(client, "/api/v1/companies", params)
        small_ms, large_ms = [], []
        for _ in range(rounds):
            elapsed, small_answer = timed(small, "/api/v1/companies", params)
            small_ms.append(elapsed)
            elapsed, large_answer = timed(large, "/api/v1/companies", params)
            large_ms.append(elapsed)
        label = urlencode(params, doseq=True)
        found = f"{hits(small_answer)}/{hits(large_answer)}"
        small_median, large_median = statistics.median(small_ms), statistics.median(large_ms)
        print(f"{label:48} {found:>11} {small_median:9.1f} {large_median:9.1f} {large_median / small_median:6.2f}")
    print()


def prefixes() -> list[str]:
    return [typed[:length] for typed in TYPED for length in range(2, len(typed) + 1)]


def suggest_in_process(client, rounds: int) -> None:
    for prefix in prefixes():  # warm-up
        timed(client, "/api/v1/search/suggest", {"q": prefix}, cached=True)
    latencies, baseline = [], []
    for _ in range(rounds):
        for prefix in prefixes():
            latencies.append(timed(client, "/api/v1/search/suggest", {"q": prefix}, cached=True)[0])
            baseline.append(timed(client, BASELINE, {}, cached=True)[0])
    print("type-ahead in process (the server's time):")
    print("  " + spread("suggest", latencies))
    print("  " + spread(f"baseline GET {BASELINE}", baseline))


def suggest_through_gunicorn(url: str, rounds: int) -> None:
    env = {**servers.server_environment("postgresql", "redis://127.0.0.1:6379/0"), "DATABASE_URL": url, "GUNICORN_WORKERS": "2"}
    with tempfile.TemporaryDirectory(prefix="bench-search-") as logs, servers.serve("search", "wsgi:app", env, 2, Path(logs)) as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)

        def get(path: str) -> float:
            started = time.perf_counter()
            connection.request("GET", path)
            answer = connection.getresponse()
            answer.read()
            assert answer.status == 200, (path, answer.status)
            return (time.perf_counter() - started) * 1000

        paths = [f"/api/v1/search/suggest?{urlencode({'q': prefix})}" for prefix in prefixes()]
        for path in paths * 2:  # warm-up: both workers load their caches
            get(path)
        latencies, baseline = [], []
        for _ in range(rounds):
            for path in paths:
                latencies.append(get(path))
                baseline.append(get(BASELINE))
        connection.close()
    print("type-ahead through gunicorn (2 workers, loopback, end to end):")
    print("  " + spread("suggest", latencies))
    print("  " + spread(f"baseline GET {BASELINE}", baseline))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small-database-url", required=True, help="the database with fewer companies (10,000)")
    parser.add_argument("--rounds", type=int, default=15)
    options = parser.parse_args()
    large_app, large_count = app_on(os.environ["DATABASE_URL"])
    small_app, small_count = app_on(options.small_database_url)
    print(f"PostgreSQL: {large_count} companies (large), {small_count} (small); {options.rounds} rounds\n")
    large, small = large_app.test_client(), small_app.test_client()
    corrected_against_exact(large, options.rounds)
    filtered_small_against_large(small, large, options.rounds)
    sample = large.get("/api/v1/search/suggest", query_string={"q": "hirs", "limit": 5}).get_json()
    print("suggest q=hirs:", ", ".join(f"{item['text']} ({item['kind']})" for item in sample))
    suggest_in_process(large, options.rounds)
    suggest_through_gunicorn(os.environ["DATABASE_URL"], options.rounds)


if __name__ == "__main__":
    main()
