"""What the review list and the duplicates list cost at 10,000 and at 100,000 companies.

    .venv/bin/python bench/review.py [--database-url postgresql+psycopg://…/postgres] [--sizes 10000,100000] [--rounds 5]

On a fresh database (SQLite by default; with --database-url a new database on that PostgreSQL server,
dropped afterwards) loaded with `flask seed` and the synthetic companies, the app runs in this process
and answers its test client, with every cache of answers, counts and pairs emptied before each
request (so each figure is a request built from scratch). At each size it prints medians of:
wall and CPU time of the review list's first page for an editor of one municipality and for the
whole region, its last page, the duplicates list's first page (finding every pair) and a later page with the pairs already
found, and the share of finding pairs spent normalising names (what a stored name key would save).
The ratio of the 100,000 figures to the 10,000 ones shows how each grows with the data.
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.write_cost import database  # noqa: E402  (the same fresh database, SQLite or PostgreSQL)


def medians_ms(action, rounds: int, *, keep_pairs: bool = False) -> tuple[float, float]:
    """Median wall and CPU milliseconds of `action`, every cache emptied first (but the pairs, with `keep_pairs`).

    CPU time is this process's (the app, and SQLite within it): on a machine shared with other jobs it
    moves far less than wall time.
    """
    from api import pagination, serialization
    from api.review import duplicates

    walls, cpus = [], []
    for _ in range(rounds):
        serialization._answers.clear()
        pagination._counts.clear()
        if not keep_pairs:
            duplicates._found.clear()
        started, cpu = time.perf_counter(), time.process_time()
        action()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return 1000 * statistics.median(walls), 1000 * statistics.median(cpus)


def get(client, url: str):
    def action():
        answer = client.get(url)
        assert answer.status_code == 200, answer.get_json()
        return answer

    return action


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    sizes = [int(size) for size in options.sizes.split(",")]

    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from api import create_app, keys
    from api.cli.seed import SEED_ROOT, seed_region
    from api.cli.synthetic import add_synthetic
    from api.config import Config
    from api.extensions import db
    from api.models import Company
    from api.review import duplicates

    with database(options.database_url) as url:

        class BenchConfig(Config):
            SQLALCHEMY_DATABASE_URI = url
            RATELIMIT_ENABLED = False

        app = create_app(BenchConfig)
        with app.app_context():
            upgrade()
            seed_region(SEED_ROOT / "saarijarvi-viitasaari")
            _, region_key = keys.issue("bench-region-editor", "editor", [])
            _, karstula_key = keys.issue("bench-karstula-editor", "editor", ["226"])
        region, karstula = app.test_client(), app.test_client()
        region.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {region_key}"
        karstula.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {karstula_key}"
        backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        figures: dict[str, list[float]] = {}
        loaded = 0
        for size in sizes:
            with app.app_context():
                started = time.perf_counter()
                add_synthetic(size - loaded, random_seed=size)
                loaded = size
                total = db.session.scalar(select(func.count()).select_from(Company))
                print(f"\n{backend}, {total} companies (loaded in {time.perf_counter() - started:.1f} s), medians of {options.rounds}:")
            pagination = karstula.get("/api/v1/companies/review?page_size=50").headers["X-Pagination"]
            last_page = json.loads(pagination)["last_page"]
            rows = {
                "review, one municipality, page 1 of 50": get(karstula, "/api/v1/companies/review?page_size=50"),
                "review, one municipality, last page": get(karstula, f"/api/v1/companies/review?page_size=50&page={last_page}"),
                "review, whole region, page 1 of 50": get(region, "/api/v1/companies/review?page_size=50"),
                "duplicates, page 1 of 50 (finds the pairs)": get(region, "/api/v1/companies/duplicates?page_size=50"),
            }
            rows["duplicates, page 3 of 50 (pairs already found)"] = get(region, "/api/v1/companies/duplicates?page_size=50&page=3")
            for name, action in rows.items():
                wall, cpu = medians_ms(action, options.rounds, keep_pairs="already found" in name)
                figures.setdefault(name, []).append(cpu)
                print(f"  {name:50} {wall:9.1f} ms wall {cpu:9.1f} ms CPU")
            with app.app_context():
                companies = db.session.execute(select(Company.name, Company.website)).all()
                started = time.process_time()
                for name, website in companies:
                    duplicates.name_words(name)
                    duplicates.domain(website)
                normalising = time.process_time() - started
                started = time.process_time()
                pairs = duplicates.find()
                finding = time.process_time() - started
            print(f"  finding pairs: {1000 * finding:.0f} ms CPU for {len(pairs)} pairs, of which normalising names and domains "
                  f"{1000 * normalising:.0f} ms ({100 * normalising / finding:.0f} %)")
        if len(sizes) > 1:
            print(f"\nRatio of CPU medians, {sizes[-1]:,} / {sizes[0]:,} companies (10 = grows in proportion to the data):")
            for name, values in figures.items():
                print(f"  {name:55} {values[-1] / values[0]:9.2f} ×")


if __name__ == "__main__":
    main()
