"""Print the in-process time of the conditional read paths (lists, facets, a record: 200 from the cache and 304).

Builds a fresh SQLite database (or uses an empty one at --database-url) from the migrations, loads the
region and N synthetic companies, and times requests through Flask's test client, so the figures are
the app's own work per request (no network, no rate limits). Each figure is the median CPU time of
the process (the database, SQLite, runs in it) over --repeat requests, in milliseconds, so other
load on the machine barely moves it; and its ratio to /healthz measured in the same run.

    .venv/bin/python bench/read_path.py [--companies 10000] [--repeat 300] [--database-url URL]
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402

from api import create_app  # noqa: E402
from api.cli.seed import seed_region  # noqa: E402
from api.cli.synthetic import add_synthetic  # noqa: E402
from api.config import Config  # noqa: E402
from api.extensions import db  # noqa: E402

SEED_DIR = Path(__file__).resolve().parent.parent / "api" / "seed" / "saarijarvi-viitasaari"


def _app(database_url: str):
    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = database_url
        RATELIMIT_ENABLED = False
        LOG_LEVEL = "WARNING"

    app = create_app(BenchConfig)
    with app.app_context():
        upgrade()
    return app


def _median_ms(client, url: str, repeat: int, headers: dict | None = None, expect: int = 200) -> float:
    answer = client.get(url, headers=headers)  # warm: the answer is built and cached once
    assert answer.status_code == 200, (url, answer.status_code)
    etag = answer.headers.get("ETag")
    if expect == 304:
        headers = {**(headers or {}), "If-None-Match": etag}
    times = []
    for _ in range(repeat):
        started = time.process_time()
        answer = client.get(url, headers=headers)
        times.append((time.process_time() - started) * 1000)
        assert answer.status_code == expect, (url, answer.status_code)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=300)
    parser.add_argument("--database-url")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        app = _app(options.database_url or f"sqlite:///{directory}/bench.sqlite3")
        with app.app_context():
            seed_region(SEED_DIR)
            add_synthetic(options.companies, 1)
            dialect = db.engine.dialect.name
        client = app.test_client()
        company = client.get("/api/v1/companies?page_size=1").get_json()[0]["id"]
        cases = {
            "/healthz (reference)": ("/healthz", None),
            "company list page": ("/api/v1/companies?municipality=226&page=3", None),
            "company list, spearhead filter": ("/api/v1/companies?spearhead=wood-bioeconomy", None),
            "company list as GeoJSON": ("/api/v1/companies?page_size=100", {"Accept": "application/geo+json"}),
            "facets": ("/api/v1/companies/facets?growth_seeking=true", None),
            "event list": ("/api/v1/events", None),
            "one company": (f"/api/v1/companies/{company}", None),
        }
        print(f"{dialect}, {options.companies} synthetic companies, "
              f"median of {options.repeat} in-process requests (ms; x = ratio to /healthz)")
        reference = None
        for label, (url, headers) in cases.items():
            cached = _median_ms(client, url, options.repeat, headers)
            reference = reference or cached
            line = f"{label:34} 200 {cached:7.3f} ({cached / reference:5.1f}x)"
            if not url.startswith("/healthz"):
                fresh = _median_ms(client, url, options.repeat, headers, expect=304)
                line += f"   304 {fresh:7.3f} ({fresh / reference:5.1f}x)"
            print(line)


if __name__ == "__main__":
    main()
