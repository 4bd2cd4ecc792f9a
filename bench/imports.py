"""Benchmark of the bulk import and the CSV and XLSX exports: wall time and peak memory at 10,000 and 100,000 rows.

    .venv/bin/python bench/imports.py [--rows 100000] [--database-url postgresql+psycopg://…/postgres]
                                      [--phases import export export-xlsx import-xlsx]

Each measurement runs in a fresh process on a fresh database (SQLite by default; with --database-url, a
new database on that PostgreSQL server, dropped afterwards) and prints its time and the process's peak
resident memory, beside the peak of a process that only loads the app, so growth with the row count
shows at once. Wall time depends on what else the machine runs; the CPU time of the process does not
(much). Writes also index each company for search, which loads the Finnish lexicon (about 250 MB).
`export-xlsx` keeps the workbook it downloads, and `import-xlsx` imports it back (every row unchanged);
the workbook's figures are also given as ratios to the CSV export's, measured in the same run.
"""

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PHASES = ("import", "reimport", "export", "export-xlsx", "import-xlsx")
MUNICIPALITIES = ["216", "226", "256", "265", "601", "931"]
WORDS = "saha puu metsä kone ohjelmisto matkailu kala vienti hirsi tuote palvelu energia".split()


def write_csv(path: Path, rows: int) -> None:
    from api.domain.business_id import business_ids
    from api.formats.csv import COLUMNS

    ids = business_ids(2_000_000)
    rng = random.Random(6)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(COLUMNS)
        for n in range(rows):
            values = {
                "business_id": next(ids), "name": f"Yritys {n} Oy",
                "description_fi": " ".join(rng.choices(WORDS, k=30)), "industry_code": "16100",
                "municipality": rng.choice(MUNICIPALITIES), "street_address": f"Keskustie {n % 200 + 1}",
                "postal_code": "43500", "post_office": "KARSTULA", "latitude": f"{62 + rng.random():.5f}".replace(".", ","),
                "longitude": f"{24 + rng.random():.5f}".replace(".", ","), "website": f"https://yritys{n}.example",
                "email": f"info@yritys{n}.example", "phone": "+358144591111", "size_class": "5-9",
                "founded_year": "1990", "tags": "|".join(rng.sample(WORDS, 3)), "growth_seeking": "true",
                "international": "false", "status": "published",
            }
            writer.writerow([values.get(column, "") for column in COLUMNS])


def phase(name: str, database_url: str, path: str) -> dict:
    """Runs in its own process: one measurement."""
    from api import create_app
    from api.config import Config

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = database_url

    import logging

    app = create_app(BenchConfig)
    logging.disable(logging.CRITICAL)
    started, cpu_started = time.perf_counter(), time.process_time()
    result: dict = {}
    with app.app_context():
        if name in ("import", "reimport", "import-xlsx"):
            from api.imports.companies import import_companies

            kind, source_path = ("xlsx", workbook_path(path)) if name == "import-xlsx" else ("csv", path)
            with open(source_path, "rb") as source:
                result = import_companies(source, kind).as_dict()
        elif name in ("export", "export-xlsx"):
            size = 0
            url, kept = ("/api/v1/companies.xlsx", workbook_path(path)) if name == "export-xlsx" else ("/api/v1/companies.csv", None)
            with app.test_client() as client, open(kept or os.devnull, "wb") as target:
                answer = client.get(url, buffered=False)
                first_byte = None
                for block in answer.response:
                    first_byte = first_byte or time.perf_counter() - started
                    size += len(block)
                    target.write(block)
                answer.close()
            result = {"bytes": size, "first_byte_seconds": round(first_byte or 0, 1)}
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    return {**result, "seconds": round(seconds, 1), "cpu_seconds": round(cpu_seconds, 1), "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def workbook_path(csv_path: str) -> str:
    return str(Path(csv_path).with_suffix(".xlsx"))


def run_phase(name: str, database_url: str, path: str = "") -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--phase", name, "--url", database_url, "--file", path],
        check=True, capture_output=True, text=True, cwd=ROOT,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def fresh_database(server: str | None, workdir: Path):
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    if not server:
        return f"sqlite:///{workdir / f'bench-{uuid.uuid4().hex[:8]}.sqlite3'}", lambda: None
    name = f"bench_imports_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return make_url(server).set(database=name).render_as_string(hide_password=False), drop


def prepare(database_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url}
    for command in (["db", "upgrade"], ["seed"]):
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *command], check=True, cwd=ROOT, env=env,
                       capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--database-url", help="a PostgreSQL server URL; default SQLite")
    parser.add_argument("--phase")
    parser.add_argument("--url")
    parser.add_argument("--file", default="")
    parser.add_argument("--phases", nargs="+", default=list(PHASES), choices=PHASES,
                        help="which measurements, in this order (the exports need the import's companies)")
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase(args.phase, args.url, args.file)))
        return
    with tempfile.TemporaryDirectory() as workdir:
        work = Path(workdir)
        for rows in args.rows:
            path = work / f"companies-{rows}.csv"
            write_csv(path, rows)
            url, drop = fresh_database(args.database_url, work)
            try:
                prepare(url)
                baseline = run_phase("baseline", url)
                print(f"{rows:>7} rows, {path.stat().st_size / 2**20:.1f} MiB CSV, app alone {baseline['peak_rss_mib']} MiB")
                measured = {}
                for name in args.phases:
                    measured[name] = figures = run_phase(name, url, str(path))
                    print(f"  {name:<11} {json.dumps(figures)}")
                if {"export", "export-xlsx"} <= set(measured):
                    csv_figures, xlsx_figures = measured["export"], measured["export-xlsx"]
                    ratios = {key: round(xlsx_figures[key] / csv_figures[key], 2)
                              for key in ("seconds", "cpu_seconds", "peak_rss_mib", "bytes") if csv_figures[key]}
                    print(f"  xlsx / csv  {json.dumps(ratios)}")
            finally:
                drop()


if __name__ == "__main__":
    main()
