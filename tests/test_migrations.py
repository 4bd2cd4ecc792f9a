"""The schema comes from the migrations, and the models match them."""

from flask_migrate import downgrade, upgrade


def _check(runner):
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, f"models and migrations differ; run `flask db migrate`:\n{result.output}"


def test_models_match_the_migrations(runner):
    _check(runner)


def test_migrations_go_down_to_the_first_and_back_up(app, runner):
    with app.app_context():
        downgrade(revision="0001")
        upgrade()
    _check(runner)


def test_a_fresh_checkout_gets_its_sqlite_directory(tmp_path):
    from api import create_app
    from api.config import TestConfig

    target = tmp_path / "instance" / "directory.sqlite3"

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{target}"

    app = create_app(Config)
    with app.app_context():
        upgrade()
    assert target.exists()
