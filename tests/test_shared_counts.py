"""What processes share through Redis without a round trip per request: leased hits and the data version."""

import itertools
import time
import uuid

import pytest
import redis
from limits import parse
from limits.storage import RedisStorage
from redis.connection import parse_url

from api.data_version import SILENCE_SECONDS
from api.ratelimits import LEASE_SHARE, FixedWindowWithStats
from tests.faults import Relay


def _strategy(url: str, prefix: str) -> FixedWindowWithStats:
    return FixedWindowWithStats(RedisStorage(url, key_prefix=prefix, socket_connect_timeout=1, socket_timeout=1))


def _counting_round_trips(strategy: FixedWindowWithStats) -> list:
    calls = []
    script = strategy.increment_and_ttl

    def counted(*args, **kwargs):
        calls.append(args)
        return script(*args, **kwargs)

    strategy.increment_and_ttl = counted
    return calls


def _eventually(condition, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("the watcher did not get there in time")
        time.sleep(0.02)


@pytest.fixture
def prefix(redis_url):
    prefix = f"directory-test-{uuid.uuid4().hex}"
    yield prefix
    server = redis.Redis.from_url(redis_url)
    for name in server.scan_iter(f"{prefix}:*"):
        server.delete(name)
    server.close()


@pytest.mark.parametrize("limit", [200, 1000])
def test_two_processes_leasing_hits_never_let_a_client_past_its_limit(redis_url, prefix, limit):
    """Two strategies are two processes; a client's requests land on either, as behind a load balancer."""
    item = parse(f"{limit}/hour")
    processes = [_strategy(redis_url, prefix), _strategy(redis_url, prefix)]
    round_trips = [_counting_round_trips(process) for process in processes]
    # Runs of one to three requests on each in turn, past the limit.
    landing = itertools.chain.from_iterable([process] * (turn % 3 + 1) for turn, process in enumerate(itertools.cycle(processes)))
    admitted = [process.hit(item, "key:client") for process in itertools.islice(landing, limit + limit // 4)]

    assert sum(admitted) <= limit
    # Hits leased and not spent are lost to the client: at most a LEASE_SHARE-th of what was left, per process.
    assert sum(admitted) >= limit - 2 * (limit // LEASE_SHARE)
    assert admitted[:limit // 2] == [True] * (limit // 2)
    # Redis was asked for a small share of the requests only; once it refused, a process refused alone.
    assert sum(map(len, round_trips)) < len(admitted) / 3
    assert all(len(calls) < len(admitted) / 4 for calls in round_trips)
    stored = int(redis.Redis.from_url(redis_url).get(f"{prefix}:{item.key_for('key:client')}"))
    assert stored >= sum(admitted)


def test_a_limit_below_the_lease_share_is_counted_hit_by_hit(redis_url, prefix):
    item = parse(f"{LEASE_SHARE - 1}/hour")
    processes = [_strategy(redis_url, prefix), _strategy(redis_url, prefix)]
    round_trips = [_counting_round_trips(process) for process in processes]
    admitted = [processes[turn % 2].hit(item, "key:client") for turn in range(LEASE_SHARE - 1)]
    assert admitted == [True] * (LEASE_SHARE - 1)
    assert sum(map(len, round_trips)) == len(admitted)
    # Each process asks once more to learn that the limit is reached, then refuses alone.
    assert [processes[turn % 2].hit(item, "key:client") for turn in range(4)] == [False] * 4
    assert sum(map(len, round_trips)) == len(admitted) + 2


def test_the_data_version_is_heard_without_asking_and_unknown_while_redis_is_away(redis_url, prefix):
    address = parse_url(redis_url)
    relay = Relay(address.get("host", "127.0.0.1"), address.get("port", 6379))
    server = redis.Redis.from_url(redis_url)
    try:
        strategy = _strategy(f"redis://127.0.0.1:{relay.port}/{address.get('db', 0)}", prefix)
        watcher = strategy.watcher
        _eventually(lambda: watcher.current() is not None)
        start = int(server.get(strategy.data_version_key))
        assert int(watcher.current()) == start

        # Another instance's write: heard through the channel.
        elsewhere = _strategy(redis_url, prefix)
        assert elsewhere.watcher is not watcher  # reached another way, so a watcher of its own
        elsewhere.next_data_version([strategy.data_version_key], ["0"])
        _eventually(lambda: watcher.current() == str(start + 1).encode())

        # This process's own write: never read from before it. Taken at once (saw), yet unknown while
        # its own message waits unapplied (it could as well be another instance's later write).
        strategy.bump_data_version()
        assert watcher.current() in (None, str(start + 2).encode())
        _eventually(lambda: watcher.current() == str(start + 2).encode())

        relay.cut()
        _eventually(lambda: watcher.current() is None, seconds=SILENCE_SECONDS + 5)
        elsewhere.next_data_version([strategy.data_version_key], ["0"])  # missed while away
        relay.restore()
        _eventually(lambda: watcher.current() == str(start + 3).encode(), seconds=15)
    finally:
        relay.close()
        server.close()


def test_a_version_message_not_yet_applied_sends_reads_to_the_database(redis_url, prefix):
    """A read never takes the version from before another instance's write once Redis has sent its message:
    while the message waits in the socket or is being applied, the version is unknown (database path)."""
    strategy = _strategy(redis_url, prefix)
    watcher = strategy.watcher
    _eventually(lambda: watcher.current() is not None)
    start = int(watcher.current())
    with watcher._lock:  # the thread can read the message but not apply it
        strategy.next_data_version([strategy.data_version_key], ["0"])  # another instance's write
        # Redis writes the message in the same turn of its loop as the script's answer, a moment later.
        _eventually(lambda: watcher.current() is None, seconds=2)
        for _ in range(50):
            assert watcher.current() is None
            time.sleep(0.002)
    _eventually(lambda: watcher.current() == str(start + 1).encode())
