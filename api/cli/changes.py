"""`flask changes prune`: drop the change feed's changes older than CHANGES_RETENTION_DAYS."""

from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from api.extensions import db
from api.models.base import utcnow
from api.records import feed

changes_command = AppGroup("changes", help="The change feed.")


@changes_command.command("prune")
def prune() -> None:
    """Delete changes older than CHANGES_RETENTION_DAYS (run it daily); readers with older cursors resync."""
    days = current_app.config["CHANGES_RETENTION_DAYS"]
    removed = feed.prune(db.session, utcnow() - timedelta(days=days))
    db.session.commit()
    click.echo(f"Pruned {removed} changes older than {days} days.")
