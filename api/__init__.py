"""The application factory."""

from flask import Flask

from api.config import Config


def create_app(config: type[Config] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=False)
    app.config.from_object(config or Config)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from api.database import configure_sqlite
    from api.extensions import api, db, migrate
    from api.guards import register_guards
    from api.jsonio import ApiRequest, OrjsonProvider

    app.request_class = ApiRequest
    app.json = OrjsonProvider(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)
    api.init_app(app)
    register_guards(app)


def register_blueprints(app: Flask) -> None:
    from api import docs_assets
    from api.extensions import api
    from api.resources.companies.routes import blp as companies
    from api.resources.events.routes import blp as events
    from api.resources.municipalities.routes import blp as municipalities
    from api.resources.spearheads.routes import blp as spearheads

    app.register_blueprint(docs_assets.blp)
    for blueprint in (municipalities, companies, events, spearheads):
        api.register_blueprint(blueprint)


def register_errorhandlers(app: Flask) -> None:
    from api.errors import register_error_handlers

    register_error_handlers(app)


def register_commands(app: Flask) -> None:
    from api.cli.seed import seed_command

    app.cli.add_command(seed_command)
