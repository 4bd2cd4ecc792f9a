"""Engine settings per backend: SQLite in WAL mode with write transactions that take the lock up front."""

from pathlib import Path

from flask import has_request_context, request
from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url

from api.geo import register_sqlite_function

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SQLITE_BUSY_TIMEOUT_MS = 10_000


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

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        reading = has_request_context() and request.method in SAFE_METHODS
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")


def serialize_writes(session, table: str) -> None:
    """Make writers to one table take turns until they commit.

    Sync clients rely on `updated_at` growing in commit order (see records.next_stamp). SQLite's
    BEGIN IMMEDIATE already holds the database's write lock; PostgreSQL takes a transaction-scoped
    advisory lock per table, released at commit or rollback.
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
        # Each checkout first checks the connection, so a restarted server costs no failed request.
        options["pool_pre_ping"] = True
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
