"""Each test run builds a fresh database from the migrations: SQLite by default, PostgreSQL when asked.

Set TEST_POSTGRES_URL (a URL of the server's maintenance database, such as
postgresql+psycopg://postgres@127.0.0.1:5432/postgres) to run the suite on a new PostgreSQL
database that is created for this run and dropped after it. Tests marked `postgresql` run only then.

Tests that need Redis (TEST_REDIS_URL, by default redis://127.0.0.1:6379/0) take the `redis_url`
fixture: without a server answering they are skipped, saying so, except under CI=true, where a
missing server fails them (CI starts the servers, so a skip there would hide a failure).
"""

import contextlib
import os
import uuid
from pathlib import Path
from typing import NoReturn

import pytest
import redis
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from api import create_app
from api.config import TestConfig
from api.extensions import db
from api.ratelimits import limiter

SEED_DIR = Path(__file__).resolve().parent.parent / "api" / "seed" / "saarijarvi-viitasaari"
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SERVERS_REQUIRED = os.environ.get("CI") == "true"
# The tests expect English from the command line, whatever the developer's locale (api.i18n follows it there).
os.environ["LANGUAGE"] = "en"


def pytest_configure(config):
    config.addinivalue_line("markers", "postgresql: runs only on PostgreSQL (TEST_POSTGRES_URL)")


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgresql") and not POSTGRES_URL:
        pytest.skip("runs on PostgreSQL only: set TEST_POSTGRES_URL")


def unavailable(reason: str) -> NoReturn:
    """A server the test needs does not answer: skip, saying why, or fail under CI=true."""
    if SERVERS_REQUIRED:
        pytest.fail(f"{reason} (CI=true: the servers must be running)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def redis_url() -> str:
    server = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        server.ping()
    except redis.RedisError as error:
        unavailable(f"needs Redis at {REDIS_URL}, which does not answer ({error})")
    finally:
        server.close()
    return REDIS_URL


@pytest.fixture(scope="session")
def redis_counts(redis_url):
    """Settings that count rate limits in the real Redis under a key prefix of their own, deleted afterwards.

    Concurrent test runs share the server: with its own prefix, one run (or test) neither reads
    another's counts nor wipes them when its limiter is reset.
    """

    @contextlib.contextmanager
    def counts(storage_uri: str = redis_url):
        prefix = f"directory-test-{uuid.uuid4().hex}"
        try:
            yield {"RATELIMIT_STORAGE_URI": storage_uri, "RATELIMIT_KEY_PREFIX": prefix}
        finally:
            server = redis.Redis.from_url(redis_url)
            for name in server.scan_iter(f"{prefix}:*"):
                server.delete(name)
            server.close()

    return counts


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    if not POSTGRES_URL:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        return
    name = f"directory_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        # Asked for by name, the server is not optional: fail rather than skip every test.
        pytest.fail(f"TEST_POSTGRES_URL={POSTGRES_URL} does not answer: {error}", pytrace=False)
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def app(database_url):
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = database_url

    app = create_app(Config)
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


def empty_tables(app) -> None:
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())


@pytest.fixture(autouse=True)
def clean_tables(app):
    yield
    empty_tables(app)
    limiter.reset()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def create_key(runner):
    """Make a key as operators do, with `flask keys create`; the key is the output's last line."""

    def create(role: str, *municipalities: str, name: str | None = None) -> str:
        args = ["keys", "create", "--name", name or f"{role}-{uuid.uuid4().hex[:8]}", "--role", role]
        for code in municipalities:
            args += ["--municipality", code]
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
        return result.output.strip().splitlines()[-1]

    return create


@pytest.fixture
def client_with(app, create_key):
    """A test client sending `Authorization: Bearer <key>` for a new key of this role."""

    def client_for(role: str, *municipalities: str):
        test_client = app.test_client()
        test_client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {create_key(role, *municipalities)}"
        return test_client

    return client_for


@pytest.fixture
def admin_key(create_key):
    return create_key("admin")


@pytest.fixture
def client(app, admin_key):
    """An admin's client: tests write as an admin unless they are about who may do what."""
    test_client = app.test_client()
    test_client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {admin_key}"
    return test_client


@pytest.fixture
def anonymous(app):
    return app.test_client()


@pytest.fixture
def partner(client_with):
    return client_with("partner")


@pytest.fixture
def editor(client_with):
    """An editor of every municipality."""
    return client_with("editor")


@pytest.fixture
def seeded(app):
    from api.cli.seed import seed_region

    with app.app_context():
        seed_region(SEED_DIR)
