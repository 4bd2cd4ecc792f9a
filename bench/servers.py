"""What the benchmark runs: throwaway databases, the flask CLI, gunicorn servers and their memory."""

import contextlib
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
# A load generator is one client; the limits are raised so that it measures the code, not the policy.
UNTHROTTLED = "100000000/minute"


@dataclass
class Database:
    url: str
    kind: str

    def execute(self, *statements: str, autocommit: bool = False) -> list:
        engine = create_engine(self.url, isolation_level="AUTOCOMMIT" if autocommit else None)
        try:
            with engine.begin() as connection:
                results = [connection.execute(text(statement)) for statement in statements]
                return [result.all() if result.returns_rows else [] for result in results]
        finally:
            engine.dispose()

    def analyze(self) -> None:
        """Fresh planner statistics after the bulk load, as autovacuum would leave them on a live server."""
        self.execute("VACUUM ANALYZE" if self.kind == "postgresql" else "ANALYZE", autocommit=True)

    def server_version(self) -> str:
        statement = "SHOW server_version" if self.kind == "postgresql" else "SELECT sqlite_version()"
        label = "PostgreSQL" if self.kind == "postgresql" else "SQLite"
        return f"{label} {self.execute(statement)[0][0][0]}"


@contextlib.contextmanager
def fresh_database(kind: str, server_url: str, label: str):
    """A new empty database, dropped (or deleted) afterwards whatever happens."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix=f"bench-{label}-") as folder:
            yield Database(f"sqlite:///{folder}/directory.sqlite3", kind)
        return
    name = f"bench_{label}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield Database(make_url(server_url).set(database=name).render_as_string(hide_password=False), kind)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def server_environment(database_kind: str, redis_url: str) -> dict[str, str]:
    """Production's settings, except that one client is never throttled (the counts are still kept)."""
    env = {
        "RATELIMIT_ANONYMOUS": UNTHROTTLED,
        "RATELIMIT_PARTNER": UNTHROTTLED,
        "RATELIMIT_EDITOR": UNTHROTTLED,
        "RATELIMIT_KEY_PREFIX": f"bench-{uuid.uuid4().hex[:8]}",
    }
    if database_kind == "postgresql":
        # Production refuses SQLite; on PostgreSQL the app runs with APP_ENV=production and a Redis store.
        check_redis(redis_url)
        env.update(APP_ENV="production", RATELIMIT_STORAGE_URI=redis_url, PUBLIC_BASE_URL="http://127.0.0.1")
    return env


def check_redis(url: str) -> None:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or HOST, parts.port or 6379), timeout=3) as sock:
            sock.sendall(b"PING\r\n")
            if not sock.recv(16).startswith(b"+PONG"):
                raise OSError("no PONG")
    except OSError as error:
        sys.exit(f"Redis at {url} does not answer ({error}); the production settings keep rate limits there. "
                 "Start it (redis-server) or pass --redis-url.")


@dataclass(frozen=True)
class Finished:
    seconds: float
    peak_rss_bytes: int
    output: str


@dataclass(frozen=True)
class Checkout:
    """A version of the app: its source folder and the Python that has its dependencies."""

    root: Path = ROOT
    python: str = sys.executable


THIS = Checkout()


def flask(database: Database, *args: str, env: dict[str, str] | None = None, checkout: Checkout = THIS) -> Finished:
    """Run `flask --app wsgi ARGS` on the database; its wall time and the peak memory of that process."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(
            [checkout.python, "-m", "flask", "--app", "wsgi", *args],
            cwd=checkout.root, env={**os.environ, **(env or {}), "DATABASE_URL": database.url},
            stdout=output, stderr=subprocess.STDOUT,
        )
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.perf_counter() - started
        output.seek(0)
        printed = output.read().decode(errors="replace")
    if process.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed ({process.returncode}):\n{printed}")
    # ru_maxrss is in KiB on Linux.
    return Finished(elapsed, usage.ru_maxrss * 1024, printed)


def has_command(*args: str, checkout: Checkout = THIS) -> bool:
    """Whether this version of the app has a CLI command (its --help answers without an error)."""
    with tempfile.TemporaryDirectory() as folder:
        # A file URL: the app's pool settings do not suit SQLite's in-memory pool; the file is never created.
        answer = subprocess.run(
            [checkout.python, "-m", "flask", "--app", "wsgi", *args, "--help"],
            cwd=checkout.root, capture_output=True, env={**os.environ, "DATABASE_URL": f"sqlite:///{folder}/probe.sqlite3"},
        )
    return answer.returncode == 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def gunicorn_settings(env: dict[str, str]) -> dict:
    """The settings gunicorn.conf.py gives under this environment, read by evaluating the file."""
    program = (
        "import json, runpy; c = runpy.run_path('gunicorn.conf.py'); "
        "print(json.dumps({k: c[k] for k in ('workers', 'threads', 'worker_class', 'keepalive', "
        "'max_requests', 'max_requests_jitter', 'timeout', 'preload_app')}))"
    )
    with tempfile.TemporaryDirectory() as metrics:
        answer = subprocess.run(
            [sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, check=True,
            env={**os.environ, **env, "PROMETHEUS_MULTIPROC_DIR": metrics},
        )
    return json.loads(answer.stdout)


def children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def rss_bytes(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError):
        pass  # the worker exited between listing and reading
    return 0


@dataclass
class Server:
    """A gunicorn master serving one WSGI app with gunicorn.conf.py on a free loopback port."""

    name: str
    app: str
    env: dict[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def check_alive(self) -> None:
        """Raise with the end of gunicorn's log if the server has stopped."""
        if self.process.poll() is not None:
            raise RuntimeError(
                f"gunicorn ({self.name}) exited with {self.process.returncode}:\n"
                + self.log.read_text(errors="replace")[-4000:]
            )

    def workers(self) -> list[int]:
        return children(self.process.pid)

    def request(self, method: str, path: str, headers: dict | None = None, body: bytes | None = None):
        """One request; answers (status, header pairs as sent, body bytes)."""
        connection = http.client.HTTPConnection(HOST, self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            answer = connection.getresponse()
            return answer.status, answer.getheaders(), answer.read()
        finally:
            connection.close()


@contextlib.contextmanager
def serve(name: str, app: str, env: dict[str, str], workers: int, log_dir: Path, checkout: Checkout = THIS):
    """Start gunicorn, wait until every worker answers, stop it gracefully afterwards."""
    metrics = tempfile.TemporaryDirectory(prefix=f"bench-metrics-{name}-")
    server = Server(name, app, env, log_dir / f"{name}.log")
    log = server.log.open("ab")
    server.process = subprocess.Popen(
        [checkout.python, "-m", "gunicorn", "--config", "gunicorn.conf.py", app],
        cwd=checkout.root,
        env={**os.environ, **env, "GUNICORN_BIND": f"{HOST}:{server.port}", "PROMETHEUS_MULTIPROC_DIR": metrics.name},
        # The app's JSON request log goes where a log shipper would take it; only errors are kept.
        stdout=subprocess.DEVNULL, stderr=log,
    )
    try:
        _wait_until_ready(server, workers)
        yield server
    finally:
        server.process.terminate()
        try:
            server.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
        log.close()
        metrics.cleanup()


def _wait_until_ready(server: Server, workers: int) -> None:
    deadline = time.monotonic() + 60
    while True:
        server.check_alive()
        if len(server.workers()) >= workers:
            try:
                # Enough requests for each worker to have imported the app and answered once.
                if all(server.request("GET", "/healthz")[0] == 200 for _ in range(workers * 4)):
                    return
            except OSError:
                pass  # still binding or booting
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"gunicorn ({server.name}) did not become ready:\n{server.log.read_text(errors='replace')[-4000:]}"
            )
        time.sleep(0.2)


class RssSampler:
    """Samples the resident memory of a server's workers from /proc until stopped; keeps each one's peak."""

    def __init__(self, server: Server, interval: float = 0.02):
        self.server = server
        self.interval = interval
        self.peaks: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in self.server.workers():
                self.peaks[pid] = max(self.peaks.get(pid, 0), rss_bytes(pid))
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *_exc):
        self._stop.set()
        self._thread.join()
