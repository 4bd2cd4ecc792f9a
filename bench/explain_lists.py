"""Print the database's plan and timing of typical company list queries (filters, q, map) on DATABASE_URL.

Run against a database filled with `flask seed --synthetic 100000`:
    DATABASE_URL=... .venv/bin/python bench/explain_lists.py
PostgreSQL shows EXPLAIN ANALYZE, SQLite EXPLAIN QUERY PLAN; each query's page and count are timed.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select, text  # noqa: E402

from api import create_app, geo  # noqa: E402
from api.extensions import db  # noqa: E402
from api.pagination import SortKey  # noqa: E402
from api.resources.companies.routes import filtered  # noqa: E402

KARSTULA = geo.Point(62.878, 24.8)
CASES = {
    "name order, no filter": {},
    "municipality + growth_seeking": {"municipality": ["226", "931"], "growth_seeking": True},
    "industry prefix 16": {"industry": ["16"]},
    "tag": {"tag": ["vienti"]},
    "spearhead slug": {"spearhead": ["wood-bioeconomy"]},
    "q=sahat": {"q": "sahat"},
    "q + municipality + industry": {"q": "sahatavaraa", "municipality": ["226"], "industry": ["16"]},
    "q rare word": {"q": "juustola"},
    "near 20 km by distance": {"near": KARSTULA, "radius_km": 20, "sort": [SortKey("distance_km", False)]},
    "q + near + growth_seeking": {"q": "vienti", "near": KARSTULA, "radius_km": 40, "growth_seeking": True},
    "bbox": {"bbox": geo.Box(24.6, 62.8, 25.0, 63.0)},
}


def main() -> None:
    app = create_app()
    with app.test_request_context("/api/v1/companies"):
        dialect = db.engine.dialect.name
        print(f"{dialect}: {db.session.scalar(text('SELECT count(*) FROM companies'))} companies\n")
        for label, filters in CASES.items():
            query = filtered({"include_deleted": False, "page": 1, "page_size": 20, **filters}).limit(20)
            sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
            started = time.perf_counter()
            db.session.execute(query).all()
            page_ms = (time.perf_counter() - started) * 1000
            started = time.perf_counter()
            total = db.session.scalar(select(func.count()).select_from(query.limit(None).order_by(None).subquery()))
            count_ms = (time.perf_counter() - started) * 1000
            print(f"== {label}: page {page_ms:.1f} ms, count {total} in {count_ms:.1f} ms")
            explain = "EXPLAIN ANALYZE " if dialect == "postgresql" else "EXPLAIN QUERY PLAN "
            for row in db.session.execute(text(explain + sql)):
                print("   ", row[-1])
            print()


if __name__ == "__main__":
    main()
