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


def worker_serving(master: subprocess.Popen, connection: socket.socket) -> int:
    """The worker process holding the server's end of our loopback connection (Linux: /proc/net/tcp)."""
    client_port = connection.getsockname()[1]
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[2].rsplit(":", 1)[1], 16) == client_port:  # the remote end is our socket
            inodes.add(f"socket:[{fields[9]}]")
    for pid in worker_pids(master):
        fds = Path(f"/proc/{pid}/fd")
        if any(os.readlink(fds / fd) in inodes for fd in os.listdir(fds)):
            return pid
    raise LookupError(f"no worker holds the connection from port {client_port}")


def start_request(base_url: str, head: bytes) -> socket.socket:
    """Send a request's head with `Expect: 100-continue` and wait for gunicorn's 100 Continue.

    gunicorn sends it from the worker thread that serves the request: the request is then in flight,
    its view waiting for the body that the caller sends (or not) on the connection answered.
    """
    port = int(base_url.rsplit(":", 1)[1])
    connection = socket.create_connection(("127.0.0.1", port), timeout=30)
    connection.sendall(head.rstrip(b"\r\n") + b"\r\nExpect: 100-continue\r\n\r\n")
    assert connection.recv(64).startswith(b"HTTP/1.1 100 Continue")
    return connection


def read_answer(connection: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (b"" if it closed without answering)."""
    answer = b""
    try:
        while chunk := connection.recv(65536):
            answer += chunk
    except ConnectionResetError:
        pass
    return answer


@contextlib.contextmanager
def gunicorn(database_url: str, *, workers: int | None = 3, threads: int | None = 2, env: dict | None = None):
    """gunicorn with the repository's config; workers and threads None keep the config's own."""
    port = free_port()
    sizes = [*(["--workers", str(workers)] if workers else []), *(["--threads", str(threads)] if threads else [])]
    # Output goes to files, not pipes: an undrained pipe would block gunicorn once it filled.
    output, errors = tempfile.TemporaryFile(), tempfile.TemporaryFile()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", *sizes, "wsgi:app"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url, **(env or {})},
        stdout=output,
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
        process.output = lambda: os.pread(output.fileno(), 1 << 24, 0).decode(errors="replace")  # the app's log lines
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        output.close()
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
