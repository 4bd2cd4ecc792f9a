"""Each test run builds a fresh database from the migrations: SQLite by default, PostgreSQL when asked.

Set TEST_POSTGRES_URL (a URL of the server's maintenance database, such as
postgresql+psycopg://postgres@127.0.0.1:5432/postgres) to run the suite on a new PostgreSQL
database that is created for this run and dropped after it.
"""

import os
import uuid
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from api import create_app
from api.config import TestConfig
from api.extensions import db
from api.ratelimits import limiter

SEED_DIR = Path(__file__).resolve().parent.parent / "api" / "seed" / "saarijarvi-viitasaari"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    server = os.environ.get("TEST_POSTGRES_URL")
    if not server:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        return
    name = f"directory_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
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


@pytest.fixture(autouse=True)
def clean_tables(app):
    yield
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
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
