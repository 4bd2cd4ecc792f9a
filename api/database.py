"""Engine settings per backend.

SQLite runs in WAL mode with write transactions that take the lock up front. On PostgreSQL every round
trip counts (the server shares the machine's cores with the app): reads run without a transaction and
connections in steady use are not pinged.
"""

import time
from pathlib import Path
from weakref import WeakKeyDictionary

from flask import g, has_request_context, request
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event, exc, text
from sqlalchemy.engine import Engine, make_url

from api.domain.tags import register_sqlite_function as register_tag_function
from api.geo import register_sqlite_function
from api.smorest import API_PREFIX

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
READ_METHODS = frozenset({"GET", "HEAD"})
SQLITE_BUSY_TIMEOUT_MS = 10_000
# A pooled connection idle for longer is checked before use: the server may have restarted meanwhile.
PING_AFTER_IDLE_SECONDS = 5
IN_TRANSACTION = "database.read_in_transaction"


def configure_sqlite(engine: Engine) -> None:
    """Several gunicorn workers may share one SQLite file.

    WAL lets readers work beside a writer, and the busy timeout makes a writer wait its turn.
    A write request begins with BEGIN IMMEDIATE: a deferred transaction that reads and then
    writes would fail at once with SQLITE_BUSY once another worker has committed in between.
    """

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # let SQLAlchemy's "begin" event issue BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        register_sqlite_function(dbapi_connection)
        register_tag_function(dbapi_connection)

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        reading = has_request_context() and request.method in SAFE_METHODS
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")


def configure_postgresql(engine: Engine) -> None:
    """Ping a pooled connection only when it has been idle, instead of before every checkout.

    SQLAlchemy's pool_pre_ping costs a round trip per request. A connection that served a request a
    moment ago is almost surely alive; one idle for a while may have been cut by a server restart or a
    failover, so it is pinged and, if dead, replaced before the request sees it. A connection that dies
    while in use fails that request (a 503 problem) and SQLAlchemy then discards the pool's older
    connections, so recovery needs no restart either way.
    """

    @event.listens_for(engine, "checkin")
    def remember_checkin(_dbapi_connection, record):
        record.info["checked_in"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def ping_if_idle(dbapi_connection, record, _proxy):
        checked_in = record.info.get("checked_in")
        if checked_in is None or time.monotonic() - checked_in < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # The pool invalidates this connection and checks out another (a fresh one if need be).
            raise exc.DisconnectionError() from error


class Session(FlaskSession):
    """Flask-SQLAlchemy's session, whose read requests run their statements without a transaction.

    Under PostgreSQL's READ COMMITTED each statement takes its own snapshot anyway, so a transaction
    gives a read nothing but its BEGIN and ROLLBACK round trips. The choice is made when the session
    first needs a connection, so a read answered without the database (api.freshness) checks out none.
    A session already holding a connection keeps it (code that runs requests inside its own app context).
    """

    def get_bind(self, *args, **kwargs):
        engine = super().get_bind(*args, **kwargs)
        if engine.dialect.name == "postgresql" and _reads_without_transaction():
            return _autocommit(engine)
        return engine


def _reads_without_transaction() -> bool:
    return (
        has_request_context() and request.method in READ_METHODS and request.path.startswith(API_PREFIX)
        and not g.get(IN_TRANSACTION, False)
    )


_autocommit_engines: WeakKeyDictionary = WeakKeyDictionary()


def _autocommit(engine: Engine) -> Engine:
    # The same pool, its connections switched to autocommit while checked out (no round trip with psycopg).
    found = _autocommit_engines.get(engine)
    if found is None:
        found = _autocommit_engines[engine] = engine.execution_options(isolation_level="AUTOCOMMIT")
    return found


def read_in_transaction(session) -> None:
    """Give this read request's later statements a transaction: a server-side cursor (yield_per) needs one."""
    g.setdefault(IN_TRANSACTION, True)
    session.rollback()  # lets go of an autocommit connection the request may already hold


def serialize_writes(session, table: str) -> None:
    """Make writers to one table take turns until they commit.

    Sync clients rely on `updated_at` growing in commit order (see api.records.writes.next_stamp). SQLite's
    BEGIN IMMEDIATE already holds the database's write lock; PostgreSQL takes a transaction-scoped
    advisory lock per table, released at commit or rollback (migration write_lock_functions's functions take the same
    lock, by the same key, together with the read that follows it).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:table))"), {"table": table})


def ensure_sqlite_directory(url: str) -> None:
    """A fresh checkout has no instance/ directory; SQLite creates the file but not its folder."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def engine_options(url: str) -> dict:
    """Pool and driver settings that bound how long a request can wait on an unreachable database."""
    options = {"pool_timeout": 5}
    if url.startswith("postgresql"):
        # Idle connections are pinged at checkout instead (configure_postgresql).
        options["connect_args"] = {
            "connect_timeout": 3,
            # A server that stops answering mid-connection is given up on within seconds, not minutes.
            "tcp_user_timeout": 4000,
            "keepalives": 1,
            "keepalives_idle": 5,
            "keepalives_interval": 2,
            "keepalives_count": 2,
        }
    return options
