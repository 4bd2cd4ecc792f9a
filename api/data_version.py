"""The data version (api.freshness) as Redis holds it, known in each process without asking Redis per request.

Every committed write increments the version in Redis and publishes the new value on a channel of
the same name, in one script, before the write is answered. Each serving process keeps a thread
subscribed to that channel, so reads take the version from memory: no round trip. The thread reads
the stored version right after subscribing (and again after every reconnection), so no increment
made while it was away goes unseen; while it is not subscribed, or has not heard from Redis for
SILENCE_SECONDS (it pings every PING_SECONDS), the version is unknown and reads take the database path.

The bound this leaves: a read on another instance that arrives between the write's answer and the
delivery of its message (the time Redis takes to write to a subscriber's socket, microseconds on one
network) can still be answered from before the write; a read on the writing process never is, since
the writer takes the new version itself.
"""

import logging
import secrets
import threading
import time

from redis import Redis

from api import process

log = logging.getLogger(__name__)

PING_SECONDS = 2.0
SILENCE_SECONDS = 6.0
RETRY_SECONDS = (0.1, 5.0)  # first and longest pause before subscribing again


def random_start() -> str:
    """Where a missing version starts: random, so that versions seen before Redis lost its data never recur."""
    return str(secrets.randbelow(2**52))


class VersionWatcher:
    """The latest data version this process has heard of, kept by a daemon thread subscribed to its channel."""

    def __init__(self, redis: Redis, key: str):
        self.redis, self.key = redis, key
        self._version: bytes | None = None
        self._heard_at = 0.0
        self._lock = threading.Lock()
        self._started_in: int | None = None
        self._reconnect = threading.Event()
        self._pause = RETRY_SECONDS[0]  # before subscribing again; reset by each subscription

    def current(self) -> bytes | None:
        """The version, or None while this process cannot vouch for it (not subscribed, or Redis silent)."""
        if self._started_in != process.pid():
            self._start()
        if time.monotonic() - self._heard_at > SILENCE_SECONDS:
            return None
        return self._version

    def saw(self, version) -> None:
        """A version this process learnt from Redis itself (its own write's increment): never go back."""
        with self._lock:
            if self._version is not None and int(version) > int(self._version):
                self._version = str(int(version)).encode()

    def forget(self) -> None:
        """The version is in doubt (a write could not be counted): unknown until read afresh."""
        with self._lock:
            self._version = None
        self._reconnect.set()

    def _start(self) -> None:
        with self._lock:
            if self._started_in == process.pid():
                return
            # After a fork the parent's thread is gone: each process subscribes for itself.
            self._started_in = process.pid()
            self._version = None
        threading.Thread(target=self._run, name="data-version", daemon=True).start()

    def _run(self) -> None:
        while True:
            try:
                self._listen()
            except Exception as error:  # Redis went away: unknown until subscribed again
                # Said once when a subscription is lost (reads then ask the database), quietly on each retry.
                level = logging.WARNING if self._pause == RETRY_SECONDS[0] else logging.DEBUG
                log.log(level, "Not subscribed to the data version (%s); reads ask the database until it is", error)
            with self._lock:
                self._version = None
            time.sleep(self._pause)
            self._pause = min(self._pause * 2, RETRY_SECONDS[1])

    def _listen(self) -> None:
        pubsub = self.redis.pubsub()
        try:
            pubsub.subscribe(self.key)
            # Read after subscribing: an increment made before is in the stored value, one made after
            # arrives as a message.
            self.redis.set(self.key, random_start(), nx=True)
            stored = self.redis.get(self.key)
            with self._lock:
                self._version, self._heard_at = stored, time.monotonic()
            self._reconnect.clear()
            self._pause = RETRY_SECONDS[0]
            pinged = time.monotonic()
            while not self._reconnect.is_set():
                message = pubsub.get_message(timeout=PING_SECONDS / 2)
                now = time.monotonic()
                if message is not None:
                    with self._lock:
                        self._heard_at = now
                        if message["type"] == "message":
                            self._version = message["data"]
                if now - pinged >= PING_SECONDS:
                    pubsub.ping()
                    pinged = now
                if now - self._heard_at > SILENCE_SECONDS:
                    raise ConnectionError(f"no answer from Redis for {SILENCE_SECONDS:.0f} s")
        finally:
            pubsub.close()
