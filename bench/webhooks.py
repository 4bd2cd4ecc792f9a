"""Benchmark of webhook delivery: messages per second to a local receiver that answers at once, and write-to-delivery latency.

    .venv/bin/python bench/webhooks.py [--messages 2000] [--writes 200] [--workers 1] [--database-url postgresql+psycopg://…/postgres]

On a fresh database (SQLite by default; with --database-url, a new database on that PostgreSQL server,
dropped afterwards) with the region's seed, `flask webhooks worker` processes deliver to a receiver on
loopback that answers 204 at once. Throughput: a backlog of changes committed at once (synthetic
companies added in one transaction), fanned out and delivered to one subscription (strictly one message
at a time, as feed order demands) and to eight (in parallel), beside the floor of the same receiver called
by one plain keep-alive client with no database at all (the ratio shows what the queue costs). Latency:
company updates through the API, one at a time, each timed from its committed answer to the moment the
receiver has its message (p50, p99).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class Receiver:
    """Answers 204 at once and notes when each change (receiver path, record id, record name) first arrived."""

    def __init__(self):
        self.arrived: dict[tuple, float] = {}
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                change = json.loads(body)["data"]
                key = (self.path, change["id"], (change["data"] or {}).get("name"))
                with receiver.lock:
                    receiver.arrived.setdefault(key, time.perf_counter())
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def count(self) -> int:
        with self.lock:
            return len(self.arrived)

    def wait_for(self, count: int, timeout: float = 600) -> float:
        deadline = time.monotonic() + timeout
        while self.count() < count:
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {self.count()} of {count} messages arrived")
            time.sleep(0.002)
        return time.perf_counter()


def floor_rate(url: str, requests: int) -> float:
    """Requests per second of one keep-alive client to the receiver: the most a sender could do."""
    with httpx.Client() as client:
        started = time.perf_counter()
        for number in range(requests):
            client.post(url, content=json.dumps({"data": {"id": f"floor-{number}", "data": None}}).encode())
        return requests / (time.perf_counter() - started)


def cpu_seconds(processes) -> float:
    """User and system CPU time of the worker processes so far: unlike wall time, not inflated by a busy machine."""
    total = 0
    for process in processes:
        fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def fresh_database(server_url: str | None, directory: Path) -> tuple[str, callable]:
    if not server_url:
        return f"sqlite:///{directory / 'bench.sqlite3'}", lambda: None
    name = f"directory_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(server_url).set(database=name).render_as_string(hide_password=False), drop


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000, help="backlog size of each throughput run")
    parser.add_argument("--writes", type=int, default=200, help="writes timed for latency")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (more than one needs PostgreSQL)")
    parser.add_argument("--database-url", help="a PostgreSQL server URL; a fresh database is made there")
    args = parser.parse_args()

    os.environ.setdefault("LOG_LEVEL", "WARNING")
    with tempfile.TemporaryDirectory() as directory:
        database_url, drop = fresh_database(args.database_url, Path(directory))
        try:
            run(args, database_url)
        finally:
            drop()


def run(args, database_url: str) -> None:
    from flask_migrate import upgrade

    from api import create_app, keys
    from api.cli.seed import seed_region
    from api.cli.synthetic import add_synthetic
    from api.config import Config

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = database_url
        WEBHOOKS_ALLOW_PRIVATE_URLS = True

    app = create_app(BenchConfig)
    receiver = Receiver()
    with app.app_context():
        upgrade()
        seed_region(ROOT / "api" / "seed" / app.config["SEED_REGION"])
        _, partner_key = keys.issue("bench-partner", "partner", [])
        _, admin_key = keys.issue("bench-admin", "admin", [])
    partner, admin = app.test_client(), app.test_client()
    partner.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {partner_key}"
    admin.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {admin_key}"

    def subscribe(path: str, active: bool) -> str:
        answer = partner.post("/api/v1/webhooks", json={"url": receiver.url + path, "events": ["company.*"], "active": active})
        return answer.headers["Location"]

    def switch(hooks: list[str], active: bool) -> None:
        for hook in hooks:
            etag = partner.get(hook).headers["ETag"]
            partner.patch(hook, json={"active": active}, headers={"If-Match": etag}, content_type="application/merge-patch+json")

    environment = {**os.environ, "DATABASE_URL": database_url, "WEBHOOKS_ALLOW_PRIVATE_URLS": "true"}
    workers = [
        subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "webhooks", "worker"], cwd=ROOT, env=environment)
        for _ in range(args.workers)
    ]
    try:
        floor = floor_rate(receiver.url, 1000)
        print(f"floor: one keep-alive client to the receiver, no database: {floor:,.0f} requests/s")
        single = [subscribe("/single", True)]
        parallel = [subscribe(f"/parallel/{n}", False) for n in range(8)]
        for hooks, count, seed in ((single, args.messages, 1), (parallel, args.messages // 8, 2)):
            switch(hooks, True)
            expected = receiver.count() + count * len(hooks)
            with app.app_context():
                add_synthetic(count, seed)  # one transaction: its changes are committed at once
            started, cpu = time.perf_counter(), cpu_seconds(workers)
            rate = count * len(hooks) / (receiver.wait_for(expected) - started)
            cpu_ms = (cpu_seconds(workers) - cpu) * 1000 / (count * len(hooks))
            print(
                f"throughput, {len(hooks)} subscription{'s' if len(hooks) > 1 else ''}, {args.workers} worker(s): "
                f"{rate:,.0f} messages/s ({rate / floor:.0%} of the floor), fan-out included; "
                f"worker CPU {cpu_ms:.2f} ms per message"
            )
            switch(hooks, False)
        switch(single, True)
        company = admin.get("/api/v1/companies?page_size=1").get_json()[0]
        url, etag = f"/api/v1/companies/{company['id']}", admin.get(f"/api/v1/companies/{company['id']}").headers["ETag"]
        latencies = []
        for number in range(args.writes):
            answer = admin.patch(url, json={"name": f"Bench {number} Oy"}, headers={"If-Match": etag}, content_type="application/merge-patch+json")
            committed = time.perf_counter()
            etag = answer.headers["ETag"]
            key = ("/hooks/single", company["id"], f"Bench {number} Oy")
            while key not in receiver.arrived:
                time.sleep(0.0005)
            latencies.append((receiver.arrived[key] - committed) * 1000)
        print(
            f"latency from committed write to delivery over {args.writes} writes: "
            f"p50 {statistics.median(latencies):.0f} ms, p99 {percentile(latencies, 0.99):.0f} ms"
        )
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(60)


if __name__ == "__main__":
    main()
