"""The application factory."""

import os

from api.i18n import translate_library_messages

# Before any schema exists: marshmallow copies its default messages into each field as it is made.
translate_library_messages()

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from api.config import Config, UnsafeConfiguration, config_for_environment
from api.routing import App


def create_app(config: type[Config] | None = None) -> Flask:
    config = config or config_for_environment(os.environ)
    unsafe = getattr(config, "unsafe_settings", lambda _environ: [])(os.environ)
    if unsafe:
        raise UnsafeConfiguration("Refusing to start in production:\n- " + "\n- ".join(unsafe))
    app = App(__name__, instance_relative_config=False)
    app.config.from_object(config)
    if hops := app.config["TRUSTED_PROXIES"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from api import freshness, records, search
    from api.caching import cache_headers, configure_caching
    from api.database import (
        configure_postgresql,
        configure_sqlite,
        engine_options,
        ensure_sqlite_directory,
    )
    from api.extensions import api, db, migrate
    from api.guards import register_guards
    from api.i18n import register_i18n
    from api.jsonio import ApiRequest, OrjsonProvider
    from api.keys import register_authentication
    from api.observability import register_observability
    from api.ratelimits import rate_limit_headers, register_rate_limits
    from api.search import add_corrections_header
    from api.web_security import register_web_security, security_headers
    from api.webhooks.metrics import register_metrics as register_webhook_metrics

    # Settings are checked before any extension is set up: a refused configuration must leave the
    # module-level extensions (the OpenAPI document) as another app made them.
    configure_caching(app)
    app.request_class = ApiRequest
    app.json = OrjsonProvider(app)
    ensure_sqlite_directory(app.config["SQLALCHEMY_DATABASE_URI"])
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"), include_name=search.made_by_migration)
    search.register(app, db.session)
    records.register(db.session)
    freshness.register(db.session)
    with app.app_context():
        dialect = db.engine.dialect.name
        if dialect == "sqlite":
            configure_sqlite(db.engine)
        elif dialect == "postgresql":
            configure_postgresql(db.engine)
    api.init_app(app)
    register_observability(app, (add_corrections_header, rate_limit_headers, security_headers, cache_headers))
    register_webhook_metrics(app)
    register_guards(app)
    # The rate limiter runs before authentication, so requests with bad keys are counted too.
    register_rate_limits(app)
    register_authentication(app)
    register_web_security(app)
    freshness.register_replay(app)
    register_i18n(app)


def register_blueprints(app: Flask) -> None:
    from api import docs_assets, health
    from api.extensions import api
    from api.resources.actions.calendar import blp as action_calendars
    from api.resources.actions.routes import blp as actions
    from api.resources.changes.routes import blp as changes
    from api.resources.companies.files import blp as company_files
    from api.resources.companies.routes import blp as companies
    from api.resources.events.calendar import blp as event_calendars
    from api.resources.events.routes import blp as events
    from api.resources.industries.routes import blp as industries
    from api.resources.inquiries.routes import blp as inquiries
    from api.resources.municipalities.routes import blp as municipalities
    from api.resources.review.routes import blp as review
    from api.resources.search.routes import blp as search_suggestions
    from api.resources.sites.files import blp as site_files
    from api.resources.sites.routes import blp as sites
    from api.resources.spearheads.routes import blp as spearheads
    from api.resources.webhooks import routes as webhooks

    app.register_blueprint(docs_assets.blp)
    for blueprint in (municipalities, review, companies, company_files, events, event_calendars, sites, site_files, inquiries, actions, action_calendars, spearheads, industries, search_suggestions, changes, health.blp):
        api.register_blueprint(blueprint)
    api.register_blueprint(webhooks.blp)
    webhooks.document_messages(api.spec)
    health.document_metrics(api.spec)


def register_errorhandlers(app: Flask) -> None:
    from api.errors import register_error_handlers

    register_error_handlers(app)


def register_commands(app: Flask) -> None:
    from api.cli.actions import actions_command
    from api.cli.changes import changes_command
    from api.cli.imports import import_group
    from api.cli.inquiries import inquiries_command
    from api.cli.keys import keys_command
    from api.cli.review import review_command
    from api.cli.search import search_command
    from api.cli.seed import seed_command
    from api.cli.webhooks import webhooks_command

    app.cli.add_command(seed_command)
    app.cli.add_command(search_command)
    app.cli.add_command(import_group)
    app.cli.add_command(keys_command)
    app.cli.add_command(changes_command)
    app.cli.add_command(webhooks_command)
    app.cli.add_command(review_command)
    app.cli.add_command(actions_command)
    app.cli.add_command(inquiries_command)
