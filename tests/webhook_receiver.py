"""A real webhook receiver on loopback for the tests, and the delivery worker run as its own process."""

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from standardwebhooks import Webhook, WebhookVerificationError

ROOT = Path(__file__).resolve().parent.parent
# Short enough for a test to see every retry, long enough that a loaded machine rarely times out by itself.
WORKER_ENV = {
    "WEBHOOKS_RETRY_SCHEDULE": "0.2,0.2,0.2,0.2,0.2",
    "WEBHOOKS_TIMEOUT_SECONDS": "2",
    "WEBHOOKS_POLL_SECONDS": "0.1",
    "WEBHOOKS_ALLOW_PRIVATE_URLS": "true",
}


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes
    answered: int | None
    verified: bool

    @property
    def message(self) -> dict:
        return json.loads(self.body)

    @property
    def id(self) -> str:
        return self.headers["webhook-id"]


@dataclass
class Receiver:
    """Answers each request as the next planned behaviour says, then 204; verifies every signature.

    `received` holds the requests in order of arrival, each with the status it was answered (None if none).

    Behaviours: an HTTP status (int), "timeout" (answers after the worker gave up), "close" (drops the
    connection without an answer), "hold" (answers 204 once `release` is set).
    """

    base_url: str = ""
    # Each subscription's receiver path and its signing secret.
    secrets: dict[str, str] = field(default_factory=dict)
    plan: list = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    holding: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_behaviour(self):
        with self.lock:
            return self.plan.pop(0) if self.plan else 204

    def verify(self, path: str, body: bytes, headers: dict) -> bool:
        try:
            Webhook(self.secrets[path]).verify(body, headers)
        except WebhookVerificationError:
            return False
        return True

    def delivered(self) -> list[Received]:
        """Requests answered 2xx, in arrival order."""
        with self.lock:
            return [item for item in self.received if item.answered is not None and 200 <= item.answered < 300]

    def delivered_ids(self) -> list[str]:
        """The ids of the messages delivered, each once, in the order of its first delivery."""
        return list(dict.fromkeys(item.id for item in self.delivered()))


def _handler(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, so the worker can reuse its connection

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            headers = {name.lower(): value for name, value in self.headers.items()}
            behaviour = receiver.next_behaviour()
            arrival = Received(self.path, headers, body, None, receiver.verify(self.path, body, headers))
            with receiver.lock:
                receiver.received.append(arrival)
            if behaviour == "timeout":
                time.sleep(float(WORKER_ENV["WEBHOOKS_TIMEOUT_SECONDS"]) + 1)
            if behaviour in ("close", "timeout"):
                self.close_connection = True
                return
            if behaviour == "hold":
                receiver.holding.set()
                receiver.release.wait(60)
                behaviour = 204
            arrival.answered = behaviour
            self.send_response(behaviour)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    return Handler


@contextlib.contextmanager
def receiving():
    receiver = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    server.daemon_threads = True
    receiver.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.release.set()
        server.shutdown()
        server.server_close()


class WorkerProcess:
    """`flask webhooks worker` against the test database; its JSON log lines go to a file."""

    def __init__(self, database_url: str, log_path: Path, env: dict | None = None):
        self.log_path = log_path
        self.log = open(log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "webhooks", "worker", "--threads", "4"],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1", **WORKER_ENV, **(env or {})},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def log_lines(self) -> list[dict]:
        lines = []
        for line in self.log_path.read_text().splitlines():
            with contextlib.suppress(ValueError):
                lines.append(json.loads(line))
        return lines

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()

    def stop(self, timeout: float = 30) -> int:
        self.process.terminate()
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise
        finally:
            self.log.close()


def wait_until(condition, timeout: float = 30, interval: float = 0.05):
    """Poll until `condition()` is truthy (and return it); generous, as the machine may be busy."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result or time.monotonic() > deadline:
            assert result, "timed out waiting"
            return result
        time.sleep(interval)


# --- the API calls the webhook tests share ---


def subscribe(client, receiver, path: str = "/hooks", **fields) -> str:
    answer = client.post("/api/v1/webhooks", json={"url": receiver.base_url + path, "events": ["*"], **fields})
    assert answer.status_code == 201, answer.get_json()
    receiver.secrets[path] = answer.get_json()["secret"]
    return answer.headers["Location"]


def ping(client, hook: str) -> str:
    answer = client.post(f"{hook}/ping")
    assert answer.status_code == 202
    return answer.get_json()["id"]


def log(client, hook: str) -> list[dict]:
    return client.get(f"{hook}/deliveries?page_size=100").get_json()


def settled(client, hook: str) -> bool:
    return all(message["status"] != "pending" for message in log(client, hook))
