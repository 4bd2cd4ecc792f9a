"""Hold a mixed read/write load against gunicorn and PostgreSQL for a while; report errors and latency.

    .venv/bin/python bench/load.py [--duration 60] [--clients 8] [--companies 2000]

A fresh database is created on the PostgreSQL server (--server), migrated and seeded; the app runs
under gunicorn with the repository's production settings (APP_ENV=production, rate-limit counts in
Redis; the limits are raised because the clients share one key, as in bench/run.py). Client threads then
mix list reads with filters, reads by id, conditional reads and GET→PATCH writes with If-Match (a 412
there is the lost-update protection at work and is retried, not an error). Writes edit one half of the
sampled companies and conditional reads ask about the other half, so every conditional read must be a
304. Any 5xx, 429, refused connection or other unexpected answer is an error; the script exits non-zero
if there was one.
"""

import argparse
import http.client
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import servers  # noqa: E402  (the script runs from anywhere; the package lives beside it)

MUNICIPALITIES = ["216", "226", "256", "265", "601", "931"]


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
    written, unwritten = ids[::2], ids[1::2]
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
                path = f"/api/v1/companies/{rng.choice(unwritten)}"
                status, headers, _, _ = client.request("GET", path)
                status, _, _, took = client.request("GET", path, headers={"If-None-Match": headers.get("ETag", "")})
                record("conditional", status, took, expected=(304,))
            else:
                path = f"/api/v1/companies/{rng.choice(written)}"
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
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    options = parser.parse_args()

    env = servers.server_environment("postgresql", options.redis_url)
    workers = servers.gunicorn_settings(env)["workers"]
    with servers.fresh_database("postgresql", options.server, "load") as database, \
            tempfile.TemporaryDirectory(prefix="load-") as scratch:
        servers.flask(database, "db", "upgrade")
        servers.flask(database, "seed", "--synthetic", str(options.companies))
        key = servers.flask(database, "keys", "create", "--name", "load-test", "--role", "admin").output.strip().splitlines()[-1]
        with servers.serve("load", "wsgi:app", {**env, "DATABASE_URL": database.url}, workers, Path(scratch)) as server:
            probe = Client(server.port, key)
            _, _, data, _ = probe.request("GET", "/api/v1/companies?page_size=100")
            ids = [company["id"] for company in json.loads(data)]
            print(f"load: {options.clients} clients for {options.duration:.0f} s against gunicorn ({workers} workers) "
                  f"+ PostgreSQL ({options.companies} companies)")
            timings, errors, conflicts = run_clients(server.port, key, ids, options.duration, options.clients)
            server.check_alive()

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
