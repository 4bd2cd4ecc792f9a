"""Rate limits: one count per key (per address without one), a limit per role, 429 with Retry-After."""

import contextlib
import time

import pytest
import redis
from redis.connection import parse_url

from api.ratelimits import limiter
from tests import payloads
from tests.faults import Relay

URL = "/api/v1/municipalities"


@pytest.fixture
def limits(app, monkeypatch):
    """Small limits, read per request from the configuration as in production."""
    for setting, value in (("RATELIMIT_ANONYMOUS", "3/minute"), ("RATELIMIT_PARTNER", "5/minute"), ("RATELIMIT_EDITOR", "4/minute")):
        monkeypatch.setitem(app.config, setting, value)


def _spend(client, count: int, url: str = URL) -> list[int]:
    return [client.get(url).status_code for _ in range(count)]


def _second_app(database_url: str, **settings):
    """A second app on the test database, with these settings over the test configuration.

    The limiter is one object per process (as in production, where each process serves one app): this
    app's init points it at this app's store and key prefix, where it stays until another app's init.
    Tests build these apps through the `second_app` fixture, which points it back at memory afterwards.
    """
    from api import create_app
    from api.config import TestConfig

    return create_app(type("Config", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": database_url, **settings}))


@pytest.fixture
def second_app(database_url):
    """Builds second apps; afterwards the process's limiter counts in memory again, as the other tests expect."""
    yield lambda **settings: _second_app(database_url, **settings)
    _second_app(database_url)


@pytest.fixture(params=["memory", "redis"])
def counting_app(request, app):
    """The app counting in process memory (as in the other tests) or in the real Redis, as in production."""
    if request.param == "memory":
        yield app
        return
    redis_counts, second_app = request.getfixturevalue("redis_counts"), request.getfixturevalue("second_app")
    with redis_counts() as settings:
        yield second_app(**settings, RATELIMIT_ANONYMOUS="3/minute")


def test_anonymous_clients_are_counted_per_address(counting_app, limits):
    app = counting_app
    first = app.test_client()
    answers = [first.get(URL) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a.headers["RateLimit-Remaining"] for a in answers] == ["2", "1", "0"]
    assert answers[0].headers["RateLimit-Limit"] == "3"
    assert 0 < int(answers[0].headers["RateLimit-Reset"]) <= 60

    refused = first.get("/api/v1/companies")  # the count is per client, not per endpoint
    assert refused.status_code == 429
    assert refused.content_type == "application/problem+json"
    assert "3 per 1 minute" in refused.get_json()["detail"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["RateLimit-Remaining"] == "0"

    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert _spend(elsewhere, 1) == [200]


def test_each_key_has_its_own_count_and_its_roles_limit(anonymous, client_with, limits):
    partner, other_partner = client_with("partner"), client_with("partner")
    assert _spend(partner, 6) == [200] * 5 + [429]
    assert _spend(other_partner, 1) == [200]
    assert _spend(anonymous, 1) == [200]  # keys do not spend the address's count


@pytest.mark.parametrize("role", ["editor", "admin"])
def test_editors_and_admins_share_the_editor_limit(client_with, limits, role):
    assert _spend(client_with(role), 5) == [200] * 4 + [429]


def test_guessing_keys_spends_the_addresss_count(anonymous, limits):
    bad = {"Authorization": "Bearer rdk_0123456789abcdef.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}
    assert [anonymous.get(URL, headers=bad).status_code for _ in range(3)] == [401] * 3
    assert _spend(anonymous, 1) == [429]


def test_writes_count_too(client, anonymous, limits):
    statuses = [client.post("/api/v1/spearheads", json=payloads.spearhead(f"s{n}")).status_code for n in range(5)]
    assert statuses == [201] * 4 + [429]
    # The refused write changed nothing.
    assert [s["slug"] for s in anonymous.get("/api/v1/spearheads?sort=slug").get_json()] == ["s0", "s1", "s2", "s3"]


def test_a_bad_limit_setting_fails_at_start(database_url):
    with pytest.raises(ValueError, match="RATELIMIT_PARTNER"):
        _second_app(database_url, RATELIMIT_PARTNER="lots")


def test_probes_need_no_key_and_are_never_limited(anonymous, limits):
    bad = {"Authorization": "Bearer rdk_0123456789abcdef.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}
    answers = [anonymous.get("/healthz", headers=bad) for _ in range(5)]
    assert [a.status_code for a in answers] == [200] * 5
    assert "RateLimit-Limit" not in answers[0].headers


def _behind_proxy(database_url: str, trusted: int, limit: str = "600/minute"):
    client = _second_app(database_url, RATELIMIT_ANONYMOUS=limit, TRUSTED_PROXIES=trusted).test_client()
    client.environ_base["REMOTE_ADDR"] = "10.0.0.5"  # the load balancer
    return client


@pytest.mark.parametrize("trusted", [0, 1])
def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_count(database_url, app, trusted):
    proxied = _behind_proxy(database_url, trusted, limit="2/minute")

    def from_client(address: str):
        return proxied.get(URL, headers={"X-Forwarded-For": address})

    assert [from_client("198.51.100.1").status_code for _ in range(3)] == [200, 200, 429]
    # Trusted, the header names the client; untrusted, a forged header changes nothing.
    assert from_client("198.51.100.2").status_code == (200 if trusted else 429)


@pytest.mark.parametrize("trusted", [0, 1])
def test_links_name_the_public_base_url_whatever_a_proxy_forwards(database_url, seeded, trusted):
    proxied = _behind_proxy(database_url, trusted)
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "invest.example"}
    company = proxied.get("/api/v1/companies?page_size=1").get_json()[0]["id"]
    document = proxied.get(f"/api/v1/companies/{company}", headers={**forwarded, "Accept": "application/ld+json"})
    expected = proxied.application.config["PUBLIC_BASE_URL"]
    assert document.get_json()["@id"] == f"{expected}/api/v1/companies/{company}"


def test_a_redis_outage_falls_back_to_counts_per_process_and_recovers(redis_url, redis_counts, second_app):
    server_address = parse_url(redis_url)
    relay = Relay(server_address.get("host", "127.0.0.1"), server_address.get("port", 6379))
    server = redis.Redis.from_url(redis_url)
    try:
        with redis_counts(f"redis://127.0.0.1:{relay.port}/{server_address.get('db', 0)}") as settings:
            client = second_app(**settings, RATELIMIT_ANONYMOUS="3/minute").test_client()
            assert client.get(URL).headers["RateLimit-Remaining"] == "2"
            counted = list(server.scan_iter(f"{settings['RATELIMIT_KEY_PREFIX']}:*"))
            assert any(b"address:127.0.0.1" in name for name in counted)  # counted in Redis

            relay.cut()
            answers = []
            for _ in range(4):
                started = time.monotonic()
                answers.append(client.get(URL))
                # Redis is given 1 s to connect or answer; the bound is generous for a busy machine.
                assert time.monotonic() - started < 5
            # Still served and still limited, now in this process's memory (which starts a count of its own).
            assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
            assert answers[0].headers["RateLimit-Remaining"] == "2"

            relay.restore()
            # Flask-Limiter tries the store again after a growing pause (1 s, then 2 s, …). Redis still
            # holds the count of 1 from before the outage (for the rest of its minute), so counting goes
            # on from there.
            deadline = time.monotonic() + 40
            while client.get(URL).headers.get("RateLimit-Remaining") != "1":
                if time.monotonic() > deadline:
                    pytest.fail("the counts did not return to Redis after it came back")
                time.sleep(0.5)
    finally:
        relay.close()
        server.close()


def test_clearing_one_apps_counts_leaves_another_apps_in_the_same_redis(redis_url, redis_counts, second_app):
    server = redis.Redis.from_url(redis_url)
    with redis_counts() as first, redis_counts() as second:
        assert second_app(**first).test_client().get(URL).status_code == 200
        assert second_app(**second).test_client().get(URL).status_code == 200
        limiter.reset()  # the limiter now counts for the second app
        assert next(server.scan_iter(f"{first['RATELIMIT_KEY_PREFIX']}:*"), None) is not None
        assert next(server.scan_iter(f"{second['RATELIMIT_KEY_PREFIX']}:*"), None) is None
    server.close()


@pytest.mark.parametrize("store", ["memory", "redis"])
def test_reads_and_a_route_with_a_limit_of_its_own_share_one_count(store, redis_counts, second_app, seeded, create_key):
    """GETs are counted by ApiLimiter itself (with Redis), an inquiry's POST by Flask-Limiter too (it has a
    limit of its own): both under the same key, so neither path gives a client more than its limit."""
    from tests.test_inquiries import inquiry

    memory = contextlib.nullcontext({"RATELIMIT_STORAGE_URI": "memory://"})
    with memory if store == "memory" else redis_counts() as settings:
        app = second_app(**settings, RATELIMIT_ANONYMOUS="4/minute", RATELIMIT_EDITOR="3/minute")
        anonymous = app.test_client()
        assert [anonymous.get(URL).headers["RateLimit-Remaining"] for _ in range(2)] == ["3", "2"]
        posted = anonymous.post("/api/v1/inquiries", json=inquiry())
        assert posted.status_code == 202  # its headers tell of the route's own limit (RATELIMIT_INQUIRY)
        answers = [anonymous.get(URL) for _ in range(2)]
        assert [answer.status_code for answer in answers] == [200, 429]
        assert answers[0].headers["RateLimit-Remaining"] == "0"
        assert int(answers[1].headers["Retry-After"]) >= 1 and answers[1].content_type == "application/problem+json"

        # The inquiries' list has the route's decorator too; a GET of it is counted once, like any other.
        editor = app.test_client()
        editor.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {create_key('editor')}"
        assert [editor.get("/api/v1/inquiries").headers["RateLimit-Remaining"] for _ in range(2)] == ["2", "1"]


def test_a_setting_of_several_limits_counts_each_and_tells_of_the_one_that_binds(redis_counts, second_app):
    with redis_counts() as settings:
        client = second_app(**settings, RATELIMIT_ANONYMOUS="3/minute;100/hour").test_client()
        answers = [client.get(URL) for _ in range(4)]
        assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
        assert [answer.headers["RateLimit-Limit"] for answer in answers] == ["3"] * 4
        assert [answer.headers["RateLimit-Remaining"] for answer in answers[:3]] == ["2", "1", "0"]
    with redis_counts() as settings:
        client = second_app(**settings, RATELIMIT_ANONYMOUS="2/hour;50/minute").test_client()
        answers = [client.get(URL) for _ in range(3)]
        assert [answer.status_code for answer in answers] == [200, 200, 429]
        assert answers[2].headers["RateLimit-Limit"] == "2" and int(answers[2].headers["Retry-After"]) > 60
