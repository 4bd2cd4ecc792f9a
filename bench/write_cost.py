"""What recording each write in the change feed costs: PATCH throughput with and without it, in one run.

    .venv/bin/python bench/write_cost.py [--database-url postgresql+psycopg://…/postgres] [--rounds 9] [--writes 150]
                                         [--feed-rows 20000]

On a fresh database (SQLite by default; with --database-url a new database on that PostgreSQL server,
dropped afterwards), the app runs in this process and PATCHes companies through its test client, one
write after another, in rounds that alternate between the app as it is and the app with the feed's
step switched off (so the machine's other load hits both alike). It prints the median writes per
second of each and their ratio; with no HTTP server around the app, the share of the feed is the
largest it can be. Then, with --feed-rows changes in the feed (from `flask seed --synthetic`), it prints
PostgreSQL's plan of a feed read for a reader with and without draft rights.
"""

import argparse
import statistics
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COMPANIES = 20


@contextmanager
def database(server_url: str | None):
    if not server_url:
        with __import__("tempfile").TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/bench.sqlite3"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"bench_write_cost_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def patch_round(client, etags: dict[str, str], writes: int, serial: list[int]) -> float:
    """Writes per second of `writes` PATCHes, each changing a company (so each is a real write)."""
    ids = list(etags)
    started = time.perf_counter()
    for number in range(writes):
        company_id = ids[number % len(ids)]
        serial[0] += 1
        answer = client.patch(f"/api/v1/companies/{company_id}", json={"founded_year": 1900 + serial[0] % 120}, headers={"If-Match": etags[company_id]})
        assert answer.status_code == 200, answer.get_json()
        etags[company_id] = answer.headers["ETag"]
    return writes / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--writes", type=int, default=150)
    parser.add_argument("--feed-rows", type=int, default=20000)
    options = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import text

    from api import create_app, keys
    from api.cli.seed import SEED_ROOT, seed_region
    from api.cli.synthetic import add_synthetic
    from api.config import Config
    from api.extensions import db
    from api.records import feed
    from api.resources.changes.routes import blp  # noqa: F401  (the feed's query is the one measured)

    with database(options.database_url) as url:

        class BenchConfig(Config):
            SQLALCHEMY_DATABASE_URI = url
            RATELIMIT_ENABLED = False

        app = create_app(BenchConfig)
        with app.app_context():
            upgrade()
            seed_region(SEED_ROOT / "saarijarvi-viitasaari")
            _, secret = keys.issue("bench-admin", "admin", [])
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
        from api.domain.business_id import business_ids

        ids = business_ids(6_000_000)
        etags = {}
        for number in range(COMPANIES):
            answer = client.post("/api/v1/companies", json={"business_id": next(ids), "name": f"Mittaus {number} Oy", "municipality": "226"})
            etags[answer.get_json()["id"]] = answer.headers["ETag"]
        serial = [0]
        patch_round(client, etags, options.writes, serial)  # warm-up: lexicon, caches, connections
        with_feed, without_feed = [], []
        for round_number in range(options.rounds):
            order = (True, False) if round_number % 2 == 0 else (False, True)
            for recording in order:
                if recording:
                    with_feed.append(patch_round(client, etags, options.writes, serial))
                else:
                    with mock.patch.object(feed, "note", lambda *_args: None):
                        without_feed.append(patch_round(client, etags, options.writes, serial))
        backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        on, off = statistics.median(with_feed), statistics.median(without_feed)
        print(f"{backend}: PATCH, {options.rounds} rounds of {options.writes} writes each way (medians)")
        print(f"  without the change feed  {off:8.1f} writes/s")
        print(f"  with the change feed     {on:8.1f} writes/s")
        print(f"  ratio                    {on / off:8.3f}  (cost {100 * (1 - on / off):.1f} % of throughput)")

        if backend == "PostgreSQL" and options.feed_rows:
            with app.app_context():
                add_synthetic(options.feed_rows, random_seed=11)
                db.session.execute(text("ANALYZE changes"))
                db.session.commit()
                middle = db.session.scalar(text("SELECT max(position) / 2 FROM changes"))
                for reader, condition in (("editor", ""), ("anonymous", "AND changes.public_action IS NOT NULL ")):
                    plan = db.session.execute(
                        text(
                            "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM changes "
                            f"WHERE changes.position > :after {condition}ORDER BY changes.position LIMIT 101"
                        ),
                        {"after": middle},
                    ).scalars()
                    total = db.session.scalar(text("SELECT count(*) FROM changes"))
                    print(f"\nFeed read ({reader}), {total} changes in the table, after the middle one:")
                    print("\n".join(f"  {line}" for line in plan))


if __name__ == "__main__":
    main()
