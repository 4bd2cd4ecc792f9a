"""Access rules across gunicorn worker processes: revocation everywhere at once, one shared rate-limit count in Redis."""

import contextlib
import itertools

import pytest
import redis

from tests.live import call, gunicorn

LIMIT = 6


@contextlib.contextmanager
def two_servers(database_url: str, env: dict):
    """Two gunicorn masters of two workers each, as two hosts behind a load balancer would be."""
    with gunicorn(database_url, workers=2, env=env) as first, gunicorn(database_url, workers=2, env=env) as second:
        yield first.base_url, second.base_url


def _spend(bases, key: str, count: int) -> list[tuple[int, str | None]]:
    """GETs sent to the servers in turn, so every other request is served by another process."""
    answers = [
        call("GET", f"{base}/api/v1/municipalities", headers={"Authorization": f"Bearer {key}"})
        for base in itertools.islice(itertools.cycle(bases), count)
    ]
    return [(status, headers.get("RateLimit-Remaining")) for status, headers, _ in answers]


@pytest.fixture(scope="module")
def redis_servers(database_url, redis_counts):
    """Two servers counting in Redis under a key prefix of their own, removed afterwards."""
    with redis_counts() as settings, two_servers(database_url, {**settings, "RATELIMIT_PARTNER": f"{LIMIT}/minute"}) as bases:
        yield bases, settings


def test_processes_share_one_count_in_redis(redis_servers, create_key):
    bases, settings = redis_servers
    answers = _spend(bases, create_key("partner"), LIMIT + 2)
    assert [status for status, _ in answers] == [200] * LIMIT + [429] * 2
    assert [remaining for _, remaining in answers] == [str(n) for n in range(LIMIT - 1, -1, -1)] + ["0", "0"]
    server = redis.Redis.from_url(settings["RATELIMIT_STORAGE_URI"])
    assert next(server.scan_iter(f"{settings['RATELIMIT_KEY_PREFIX']}:*"), None) is not None


def test_a_revoked_key_stops_at_once_on_every_worker(redis_servers, create_key, runner):
    bases, _ = redis_servers
    key = create_key("editor", name="lahtija")
    assert {status for status, _ in _spend(bases, key, 8)} == {200}
    assert runner.invoke(args=["keys", "revoke", "lahtija"]).exit_code == 0
    assert {status for status, _ in _spend(bases, key, 8)} == {401}


def test_without_shared_storage_each_process_counts_alone(database_url, create_key):
    """The control for the test above: the same requests against per-process memory get twice as far."""
    key = create_key("partner")
    env = {"RATELIMIT_STORAGE_URI": "memory://", "RATELIMIT_PARTNER": f"{LIMIT}/minute"}
    with two_servers(database_url, env) as bases:
        answers = _spend(bases, key, LIMIT + 2)
    assert [status for status, _ in answers] == [200] * (LIMIT + 2)
