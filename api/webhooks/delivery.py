"""The delivery worker: claims due messages, sends them signed, and records each attempt.

A message is claimed with `SELECT … FOR UPDATE SKIP LOCKED` (PostgreSQL; SQLite's BEGIN IMMEDIATE
serialises claims instead) and leased for longer than an attempt can take, in a short transaction; it
is sent outside any transaction, and its outcome recorded in the next. Workers therefore never hold a
lock across the network, several share the queue without sending a message twice, and a killed
worker's lease runs out so that another worker (or itself, restarted) sends the message again: at
least once. Only the oldest pending message of a subscription is ever claimed, so each subscription
receives its messages in feed order.
"""

import logging
import threading
import time
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import psycopg
from flask import Flask
from sqlalchemy import delete, exists, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from api.extensions import db
from api.models import ApiKey, WebhookDeliveryCount, WebhookMessage, WebhookSubscription
from api.models.base import utcnow
from api.webhooks import signing
from api.webhooks.addresses import CheckedTransport
from api.webhooks.fanout import disable_revoked, fan_out

log = logging.getLogger("api.webhooks")
# Core tables, not ORM entities: a worker runs these statements for every message, and the ORM's
# statement handling costs more than the statements themselves.
messages, subscriptions, api_keys = WebhookMessage.__table__, WebhookSubscription.__table__, ApiKey.__table__
OUTCOMES = ("delivered", "retrying", "failed", "disabled")
USER_AGENT = "regional-directory-webhooks/1"
# Enough of an answer's body to reuse its connection and quote it in last_error; a longer one is cut off.
ANSWER_BYTES = 64 * 1024
QUOTED_BYTES = 200
# The delivery log keeps settled messages this long; workers prune it about hourly.
LOG_RETENTION = timedelta(days=30)
PRUNE_EVERY_SECONDS = 3600
# How soon a revoked key's subscriptions show as disabled (nothing is sent for them meanwhile).
REVOKED_EVERY_SECONDS = 60


class BadSetting(ValueError):
    pass


def parse_schedule(text: str) -> tuple[float, ...]:
    try:
        delays = tuple(float(part) for part in text.split(","))
    except ValueError:
        delays = ()
    if not delays or any(delay < 0 for delay in delays):
        raise BadSetting(f"WEBHOOKS_RETRY_SCHEDULE is seconds separated by commas, such as 5,300,1800 (got {text!r}).")
    return delays


@dataclass(frozen=True)
class Settings:
    schedule: tuple[float, ...]
    timeout: float
    disable_after: timedelta
    allow_private: bool
    poll: float

    @classmethod
    def from_config(cls, config) -> "Settings":
        return cls(
            schedule=parse_schedule(config["WEBHOOKS_RETRY_SCHEDULE"]),
            timeout=config["WEBHOOKS_TIMEOUT_SECONDS"],
            disable_after=timedelta(days=config["WEBHOOKS_DISABLE_AFTER_DAYS"]),
            allow_private=config["WEBHOOKS_ALLOW_PRIVATE_URLS"],
            poll=config["WEBHOOKS_POLL_SECONDS"],
        )

    @property
    def lease(self) -> timedelta:
        # Longer than an attempt can take (connect, send, answer), so a live worker keeps its message.
        return timedelta(seconds=3 * self.timeout + 5)


@dataclass(frozen=True)
class Claimed:
    seq: int
    id: str
    subscription_id: str
    type: str
    body: str
    attempts: int
    url: str
    secret: str


@dataclass(frozen=True)
class Attempt:
    message: Claimed
    status_code: int | None
    error: str | None
    duration_ms: float

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def gone(self) -> bool:
        return self.status_code == 410


def claim(session: Session, limit: int, now: datetime, lease: timedelta) -> list[Claimed]:
    """Lease up to `limit` due messages, each the oldest pending one of its active subscription."""
    message, earlier, subscription = messages.c, messages.alias("earlier").c, subscriptions.c
    waits_its_turn = exists().where(
        earlier.subscription_id == message.subscription_id, earlier.status == "pending", earlier.seq < message.seq
    )
    query = (
        select(
            message.seq, message.id, message.subscription_id, message.type, message.body, message.attempts,
            subscription.url, subscription.secret,
        )
        .select_from(messages.join(subscriptions, subscription.id == message.subscription_id).join(api_keys, api_keys.c.id == subscription.key_id))
        .where(
            message.status == "pending",
            message.next_attempt_at <= now,
            or_(message.leased_until.is_(None), message.leased_until < now),
            subscription.active,
            api_keys.c.revoked_at.is_(None),
            ~waits_its_turn,
        )
        .order_by(message.next_attempt_at, message.seq)
        .limit(limit)
        .with_for_update(of=messages, skip_locked=True)
    )
    claimed = [Claimed(*row) for row in session.execute(query)]
    if claimed:
        session.execute(update(messages).where(message.seq.in_([item.seq for item in claimed])).values(leased_until=now + lease))
    return claimed


def _quote(status_code: int, answer: bytes, location: str | None) -> str:
    if 300 <= status_code < 400:
        return f"HTTP {status_code}: redirects are not followed; subscribe the URL it points to ({location})."
    text = answer[:QUOTED_BYTES].decode(errors="replace").strip()
    return f"HTTP {status_code}: {text}" if text else f"HTTP {status_code}"


def send(client: httpx.Client, message: Claimed, timeout: float) -> Attempt:
    """One attempt: POST the stored body with this attempt's timestamp and signature."""
    body = message.body.encode()
    headers = signing.headers(message.secret, message.id, int(time.time()), body)
    started = time.perf_counter()
    status_code = error = None
    try:
        with client.stream("POST", message.url, content=body, headers=headers) as response:
            status_code, answer = response.status_code, b""
            for chunk in response.iter_raw():
                answer += chunk
                if len(answer) > ANSWER_BYTES or time.perf_counter() - started > timeout:
                    break
        if not 200 <= status_code < 300:
            error = _quote(status_code, answer, response.headers.get("location"))
    except httpx.TimeoutException:
        error = f"No answer within {timeout:g} s."
    except httpx.HTTPError as failure:
        error = f"{type(failure).__name__}: {failure}"[:QUOTED_BYTES * 2]
    return Attempt(message, status_code, error, round((time.perf_counter() - started) * 1000, 2))


def _disable(session: Session, subscription_id: str, reason: str, now: datetime, *conditions) -> None:
    subscription = subscriptions.c
    session.execute(
        update(subscriptions)
        .where(subscription.id == subscription_id, subscription.active, *conditions)
        .values(active=False, disabled_reason=reason, disabled_at=now, updated_at=now, version=subscription.version + 1)
    )


def _outcome(attempt: Attempt, schedule: tuple[float, ...]) -> str:
    if attempt.delivered:
        return "delivered"
    if attempt.gone:
        return "disabled"
    return "retrying" if attempt.message.attempts < len(schedule) else "failed"


def record(session: Session, attempts: list[Attempt], now: datetime, settings: Settings) -> None:
    """Write each attempt's outcome to its message and subscription, and count it."""
    message, subscription = messages.c, subscriptions.c
    outcomes: Counter[str] = Counter()
    for attempt in attempts:
        claimed = attempt.message
        outcome = _outcome(attempt, settings.schedule)
        values = {
            "attempts": claimed.attempts + 1,
            "last_status_code": attempt.status_code,
            "last_error": attempt.error,
            "leased_until": None,
        }
        if outcome == "delivered":
            values |= {"status": "delivered", "delivered_at": now, "next_attempt_at": None}
            session.execute(
                update(subscriptions)
                .where(subscription.id == claimed.subscription_id, subscription.failing_since.is_not(None))
                .values(failing_since=None)
            )
        elif outcome == "disabled":
            # Stays pending: if the subscription is turned on again, delivery resumes with this message.
            values["next_attempt_at"] = now
            reason = f"The receiver answered 410 Gone at {now.isoformat(timespec='seconds')}; set active to true to resume."
            _disable(session, claimed.subscription_id, reason, now)
        else:
            if outcome == "retrying":
                values["next_attempt_at"] = now + timedelta(seconds=settings.schedule[claimed.attempts])
            else:
                values |= {"status": "failed", "next_attempt_at": None}
            session.execute(
                update(subscriptions)
                .where(subscription.id == claimed.subscription_id, subscription.failing_since.is_(None))
                .values(failing_since=now)
            )
            days = settings.disable_after / timedelta(days=1)
            reason = f"Every delivery failed for {days:g} days; fix the receiver, then set active to true to resume."
            _disable(session, claimed.subscription_id, reason, now, subscription.failing_since <= now - settings.disable_after)
        # Only while still pending: a message whose lease ran out may have been delivered by another worker since.
        session.execute(update(messages).where(message.seq == claimed.seq, message.status == "pending").values(**values))
        outcomes[outcome] += 1
        log.info(
            "webhook attempt",
            extra={
                "webhook_id": claimed.id,
                "subscription": claimed.subscription_id,
                "type": claimed.type,
                "attempt": claimed.attempts + 1,
                "status_code": attempt.status_code,
                "outcome": outcome,
                "error": attempt.error,
                "duration_ms": attempt.duration_ms,
            },
        )
    _count(session, outcomes)


def _count(session: Session, outcomes: Counter) -> None:
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    counts = WebhookDeliveryCount.__table__
    for outcome, count in outcomes.items():
        statement = insert(counts).values(outcome=outcome, count=count)
        session.execute(statement.on_conflict_do_update(index_elements=[counts.c.outcome], set_={"count": counts.c.count + count}))


def prune(session: Session, now: datetime) -> None:
    message = messages.c
    session.execute(delete(messages).where(message.status != "pending", message.created_at < now - LOG_RETENTION))


class Wakeup:
    """An idle worker's pause: the poll interval, cut short on PostgreSQL when work is committed.

    Triggers (migration webhooks) notify the channel on each insert into the change feed or the message
    queue, and PostgreSQL delivers a NOTIFY at commit, so a worker wakes for committed work only. Once
    listening, a notification that comes while the worker is busy waits for its next pause.
    """

    CHANNEL = "webhooks"

    def __init__(self, database_url: str, poll: float):
        url = make_url(database_url)
        self.conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False) if url.get_backend_name() == "postgresql" else None
        self.poll = poll
        self.connection: psycopg.Connection | None = None

    def listen(self) -> bool:
        """Listen for notifications (PostgreSQL only); False when the worker can only poll."""
        if self.conninfo and self.connection is None:
            try:
                self.connection = psycopg.connect(self.conninfo, autocommit=True, connect_timeout=3)
                self.connection.execute(f"LISTEN {self.CHANNEL}")
            except psycopg.Error as error:
                log.warning("webhook worker cannot listen for work, polling instead: %s", error)
                self.close()
        return self.connection is not None

    def wait(self, stop: threading.Event) -> None:
        if self.listen():
            try:
                for _ in self.connection.notifies(timeout=self.poll, stop_after=1):
                    pass
                return
            except psycopg.Error as error:
                log.warning("webhook worker lost its listening connection: %s", error)
                self.close()
        stop.wait(self.poll)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


class Worker:
    """Sends messages with a few threads; the database work stays on the calling thread."""

    def __init__(self, app: Flask, *, threads: int = 8):
        self.app = app
        self.threads = threads
        self.settings = Settings.from_config(app.config)

    def _client(self) -> httpx.Client:
        limits = httpx.Limits(max_connections=self.threads, max_keepalive_connections=self.threads, keepalive_expiry=30)
        return httpx.Client(
            transport=CheckedTransport(allow_private=self.settings.allow_private, limits=limits),
            timeout=self.settings.timeout,
            follow_redirects=False,
            headers={"user-agent": USER_AGENT},
        )

    def _step(self, finished: list[Attempt], free: int) -> tuple[list[Claimed], bool]:
        """In one transaction: record finished attempts, queue new changes, claim up to `free` messages.

        Answers the claimed messages and whether more changes wait to be queued.
        """
        now = utcnow()
        try:
            record(db.session, finished, now, self.settings)
            more = fan_out(db.session) if free else False
            claimed = claim(db.session, free, now, self.settings.lease) if free else []
            db.session.commit()
        except SQLAlchemyError:
            db.session.rollback()
            raise
        return claimed, more

    def run(self, stop: threading.Event) -> None:
        """Deliver until `stop` is set, then finish the attempts under way and record them."""
        in_flight: dict[Future, Claimed] = {}
        finished: list[Attempt] = []
        next_prune = next_revoked = time.monotonic()
        wakeup = Wakeup(self.app.config["SQLALCHEMY_DATABASE_URI"], self.settings.poll)
        with self.app.app_context(), self._client() as client, ThreadPoolExecutor(self.threads, "webhook") as pool, closing(wakeup):
            while True:
                stopping = stop.is_set()
                try:
                    if time.monotonic() >= next_revoked:
                        disable_revoked(db.session)
                        db.session.commit()
                        next_revoked = time.monotonic() + REVOKED_EVERY_SECONDS
                    if time.monotonic() >= next_prune:
                        prune(db.session, utcnow())
                        db.session.commit()
                        next_prune = time.monotonic() + PRUNE_EVERY_SECONDS
                    claimed, backlog = self._step(finished, 0 if stopping else self.threads - len(in_flight))
                    finished = []
                except SQLAlchemyError as error:
                    db.session.rollback()
                    # The database is away: keep the outcomes and try again; leases keep others off meanwhile.
                    # A worker told to stop leaves them: the leases run out and the messages are sent again.
                    log.error("webhook worker cannot reach the database: %s", error)
                    if stopping:
                        return
                    claimed, backlog = [], False
                    stop.wait(self.settings.poll)
                for message in claimed:
                    in_flight[pool.submit(send, client, message, self.settings.timeout)] = message
                if stopping and not in_flight and not finished:
                    return
                if in_flight:
                    done, _ = wait(in_flight, timeout=self.settings.poll, return_when=FIRST_COMPLETED)
                    for future in done:
                        finished.append(future.result())
                        del in_flight[future]
                elif not claimed and not backlog:
                    wakeup.wait(stop)
