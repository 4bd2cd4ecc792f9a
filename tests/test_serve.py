"""The embedded default as bin/serve runs it: gunicorn with the repository's config and its defaults."""

import os
import subprocess
import sys
import urllib.error
import urllib.request
import uuid

import pytest

from tests.live import ROOT, gunicorn

LOCAL_APP = "http://localhost:5173"


def _get(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=30) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture(scope="module")
def served(database_url):
    """gunicorn as bin/serve starts it: the config's own workers and threads, counts in memory."""
    env = {
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_ANONYMOUS": "40/minute",
        "RATELIMIT_KEY_PREFIX": f"serve-{uuid.uuid4().hex[:8]}",
        "CORS_ORIGINS": "",
        "APP_ENV": "",
    }
    with gunicorn(database_url, workers=None, threads=None, env=env) as server:
        yield server.base_url


def test_a_local_web_app_may_call_the_development_server(served):
    _, headers, _ = _get(f"{served}/api/v1/companies", {"Origin": LOCAL_APP})
    assert headers.get("Access-Control-Allow-Origin") == LOCAL_APP
    _, headers, _ = _get(f"{served}/api/v1/companies", {"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in headers


def test_a_long_id_or_parameter_is_answered_by_the_api(served):
    status, headers, body = _get(f"{served}/api/v1/companies/{'x' * 5000}")
    assert status == 404 and headers["Content-Type"] == "application/problem+json", body[:200]
    status, headers, body = _get(f"{served}/api/v1/companies?q={'sahat' * 1500}")
    assert status == 422 and headers["Content-Type"] == "application/problem+json", body[:200]


def test_rate_limit_counts_in_memory_are_true_for_the_whole_server(served):
    """Uses up this server's anonymous limit: the last test of the server."""
    remaining = []
    for _ in range(45):  # each on a new connection, as separate clients' requests arrive
        status, headers, _ = _get(f"{served}/api/v1/spearheads")
        if status == 429:
            break
        assert status == 200
        remaining.append(int(headers["RateLimit-Remaining"]))
    assert status == 429, remaining
    # One count for the server: each request takes one off, down to none, and the next is refused.
    assert remaining == list(range(remaining[0], -1, -1)), remaining
    assert len(remaining) <= 40


@pytest.mark.parametrize(("storage", "several"), [("memory://", False), ("redis://127.0.0.1:6379/0", True)])
def test_several_workers_only_with_a_shared_store(storage, several):
    env = {key: value for key, value in os.environ.items() if not key.startswith("GUNICORN_")}
    code = "import runpy; print(runpy.run_path('gunicorn.conf.py')['workers'])"
    workers = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**env, "RATELIMIT_STORAGE_URI": storage},
        capture_output=True, text=True, check=True,
    ).stdout.split()[-1]
    assert (int(workers) > 1) is several
