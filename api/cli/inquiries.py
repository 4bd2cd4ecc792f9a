"""`flask inquiries purge`: erase the inquiries received longer ago than INQUIRY_RETENTION_DAYS."""

from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from api.models.base import utcnow
from api.resources.inquiries import store

inquiries_command = AppGroup("inquiries", help="Investors' inquiries.")


@inquiries_command.command("purge")
def purge() -> None:
    """Erase inquiries older than INQUIRY_RETENTION_DAYS (run it daily): personal data is kept no longer than needed."""
    days = current_app.config["INQUIRY_RETENTION_DAYS"]
    erased = store.purge(utcnow() - timedelta(days=days))
    click.echo(f"Erased {erased} inquiries received more than {days} days ago.")
