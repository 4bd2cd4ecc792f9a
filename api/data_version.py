"""The data version (api.freshness) as Redis holds it, known in each process without asking Redis per request.

Every committed write increments the version in Redis and publishes the new value on a channel of
the same name, in one script, before the write is answered. Each serving process keeps a thread
subscribed to that channel, so reads take the version from memory: no round trip. The thread reads
the stored version right after subscribing (and again after every reconnection), so no increment
made while it was away goes unseen; while it is not subscribed, or has not heard from Redis for
SILENCE_SECONDS (it pings every PING_SECONDS), the version is unknown and reads take the database path.

A read that comes after a write's answer must see the write, on any instance. Redis writes the message
to every subscriber's socket in the same turn of its loop as its answer to the writer's script, but the
thread that reads it may not have run yet: so a read takes the version only when the socket holds nothing unread and
the thread is not between reading a message and applying it; otherwise it takes the database path.
On one host that makes the next read after a write see it; across hosts, the message can still be on
the network when a client's next request arrives at another instance (it left Redis before the
writer had its answer, so it is ahead of that request by the whole trip through the writer and the
client). A read on the writing process always sees its own write: the writer takes the version itself.
"""

import logging
import secrets
import select
import threading
import time

from redis import Redis

from api import process

log = logging.getLogger(__name__)

PING_SECONDS = 2.0
SILENCE_SECONDS = 6.0
RETRY_SECONDS = (0.1, 5.0)  # first and longest pause before subscribing again


def _readable(connection, seconds: float) -> bool:
    """Whether the socket holds bytes to read (or was closed), waiting up to `seconds`; it reads none."""
    # A poll object of its own for each call: one object may not be polled by two threads at once.
    poller = select.poll()
    poller.register(connection, select.POLLIN)
    return bool(poller.poll(seconds * 1000))


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
        self._socket = None  # the subscription's, while subscribed
        self._reading = False  # from before the thread reads a byte of a message until it has applied it

    def current(self) -> bytes | None:
        """The version, or None while this process cannot vouch for it (not subscribed, Redis silent, or a
        message arrived and not yet applied)."""
        if self._started_in != process.pid():
            self._start()
        if time.monotonic() - self._heard_at > SILENCE_SECONDS or self._message_waiting():
            return None
        # Read after the checks: a message the thread took meanwhile is applied before _reading clears.
        return self._version

    def _message_waiting(self) -> bool:
        """Whether a message may have reached this process unapplied: in the socket, or being read.

        The socket first, then the flag: the thread raises the flag before it reads the socket.
        """
        subscription = self._socket
        if subscription is None:
            return True
        try:
            if _readable(subscription, 0):
                return True
        except (OSError, ValueError):  # closed by a reconnection meanwhile
            return True
        return self._reading

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
            # redis-py keeps the connection's socket as `_sock`: readers look at it, and only this thread reads it.
            subscription = pubsub.connection._sock
            with self._lock:
                self._version, self._heard_at, self._socket = stored, time.monotonic(), subscription
            self._reconnect.clear()
            self._pause = RETRY_SECONDS[0]
            pinged = time.monotonic()
            while not self._reconnect.is_set():
                if _readable(subscription, PING_SECONDS / 2):  # waits without reading
                    self._reading = True
                    try:
                        while (message := pubsub.get_message(timeout=0)) is not None:
                            with self._lock:
                                self._heard_at = time.monotonic()
                                if message["type"] == "message":
                                    self._version = message["data"]
                    finally:
                        self._reading = False
                now = time.monotonic()
                if now - pinged >= PING_SECONDS:
                    pubsub.ping()
                    pinged = now
                if now - self._heard_at > SILENCE_SECONDS:
                    raise ConnectionError(f"no answer from Redis for {SILENCE_SECONDS:.0f} s")
        finally:
            self._socket = None
            pubsub.close()
