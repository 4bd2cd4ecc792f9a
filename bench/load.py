"""Hold a mixed read/write load against gunicorn and PostgreSQL for a while; report errors and latency.

    .venv/bin/python bench/load.py [--duration 60] [--clients 8] [--companies 2000]

A fresh database is created on the PostgreSQL server (--server), migrated and seeded; the app runs
under gunicorn with the repository's production settings. Client threads then mix list reads with
filters, reads by id, conditional reads and GET→PATCH writes with If-Match (a 412 there is the
lost-update protection at work and is retried, not an error). Any 5xx, refused connection or other
unexpected answer is an error; the script exits non-zero if there was one.
"""

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.live import free_port  # noqa: E402  (reuse the tests' port picker)

MUNICIPALITIES = ["216", "226", "256", "265", "601", "931"]


def flask(database_url: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT, env={**os.environ, "DATABASE_URL": database_url}, check=True, capture_output=True, text=True,
    )
    return result.stdout


class Client:
    """One keep-alive connection, as a browser or partner integration would hold."""

    def __init__(self, port: int, key: str | None):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        self.auth = {"Authorization": f"Bearer {key}"} if key else {}

    def request(self, method: str, path: str, body=None, headers=None):
        payload = None if body is None else json.dumps(body).encode()
        all_headers = {**self.auth, **(headers or {}), **({"Content-Type": "application/json"} if payload else {})}
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=payload, headers=all_headers)
            answer = self.connection.getresponse()
            data = answer.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            return None, {}, None, time.perf_counter() - started
        return answer.status, dict(answer.getheaders()), data, time.perf_counter() - started


def run_clients(port: int, key: str | None, ids: list[str], duration: float, clients: int):
    timings: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    conflicts = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + duration

    def record(kind: str, status, seconds: float, expected=(200,)):
        with lock:
            timings[kind].append(seconds)
            if status not in expected:
                errors.append(f"{kind}: {status}")

    def worker(number: int):
        rng = random.Random(number)
        client = Client(port, key)
        while time.monotonic() < deadline:
            roll = rng.random()
            if roll < 0.6:
                query = f"municipality={rng.choice(MUNICIPALITIES)}&page={rng.randint(1, 5)}&page_size={rng.choice([20, 50])}"
                status, _, _, took = client.request("GET", f"/api/v1/companies?{query}")
                record("list", status, took)
            elif roll < 0.8:
                status, _, _, took = client.request("GET", f"/api/v1/companies/{rng.choice(ids)}")
                record("by id", status, took)
            elif roll < 0.9:
                path = f"/api/v1/companies/{rng.choice(ids)}"
                status, headers, _, _ = client.request("GET", path)
                status, _, _, took = client.request("GET", path, headers={"If-None-Match": headers.get("ETag", "")})
                record("conditional", status, took, expected=(304,))
            else:
                path = f"/api/v1/companies/{rng.choice(ids)}"
                while True:
                    status, headers, data, _ = client.request("GET", path)
                    if status != 200:
                        record("write", status, 0.0)
                        break
                    tags = json.loads(data)["tags"][-5:] + [f"load{rng.randint(0, 999)}"]
                    status, _, _, took = client.request("PATCH", path, {"tags": tags}, {"If-Match": headers["ETag"]})
                    if status == 412:
                        with lock:
                            conflicts[0] += 1
                        continue
                    record("write", status, took)
                    break

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return timings, errors, conflicts[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--companies", type=int, default=2000)
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    options = parser.parse_args()

    name = f"load_{uuid.uuid4().hex[:10]}"
    admin = create_engine(options.server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    database_url = make_url(options.server).set(database=name).render_as_string(hide_password=False)
    port = free_port()
    server = None
    try:
        flask(database_url, "db", "upgrade")
        flask(database_url, "seed", "--synthetic", str(options.companies))
        key = flask(database_url, "keys", "create", "--name", "load-test", "--role", "admin").strip().splitlines()[-1]
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT, env={**os.environ, "DATABASE_URL": database_url}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        probe = Client(port, key)
        for _ in range(100):
            if probe.request("GET", "/readyz")[0] == 200:
                break
            time.sleep(0.2)
            probe = Client(port, key)
        _, _, data, _ = probe.request("GET", "/api/v1/companies?page_size=100")
        ids = [company["id"] for company in json.loads(data)]
        print(f"load: {options.clients} clients for {options.duration:.0f} s against gunicorn + PostgreSQL ({options.companies} companies)")
        timings, errors, conflicts = run_clients(port, key, ids, options.duration, options.clients)
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    total = sum(len(samples) for samples in timings.values())
    print(f"{'kind':<12}{'requests':>10}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}")
    for kind, samples in sorted(timings.items()):
        cuts = statistics.quantiles(samples, n=100) if len(samples) > 1 else samples * 99
        print(f"{kind:<12}{len(samples):>10}{cuts[49] * 1000:>10.1f}{cuts[94] * 1000:>10.1f}{cuts[98] * 1000:>10.1f}")
    print(f"total {total} requests, {total / options.duration:.0f}/s; write conflicts retried (412): {conflicts}; errors: {len(errors)}")
    for error in errors[:20]:
        print("  error", error)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
