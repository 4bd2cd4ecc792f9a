"""A real gunicorn serving the test database, for tests that need several worker processes."""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def worker_pids(master: subprocess.Popen) -> list[int]:
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    return [int(pid) for pid in children]


@contextlib.contextmanager
def gunicorn(database_url: str, *, workers: int | None = 3, threads: int | None = 2, env: dict | None = None):
    """gunicorn with the repository's config; workers and threads None keep the config's own."""
    port = free_port()
    sizes = [*(["--workers", str(workers)] if workers else []), *(["--threads", str(threads)] if threads else [])]
    # stderr goes to a file, not a pipe: an undrained pipe would block gunicorn once it filled.
    errors = tempfile.TemporaryFile()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", *sizes, "wsgi:app"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=errors,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # generous: the machine may be busy
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=5)
                break
            except OSError:  # refused, reset or timed out while the workers boot
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    process.wait()
                    errors.seek(0)
                    raise RuntimeError(f"gunicorn did not start: {errors.read().decode(errors='replace')[-4000:]}")
                time.sleep(0.2)
        process.base_url = base
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        errors.close()


def call(method: str, url: str, body=None, headers: dict | None = None) -> tuple[int, dict, object]:
    """One HTTP request; answers (status, headers, parsed JSON body or None)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            raw = answer.read()
            return answer.status, dict(answer.headers), json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        raw = error.read()
        return error.code, dict(error.headers), json.loads(raw) if raw else None


def send_truncated(base_url: str, head: bytes, body: bytes) -> tuple[bytes, bytes]:
    """Send a request whose body stops short of its Content-Length, then close our side.

    The test client always sends an honest Content-Length, so this needs a real socket.
    Answers (status code, the rest of the answer).
    """
    port = int(base_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(head + body)
        connection.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    return status_line.split()[1], rest
