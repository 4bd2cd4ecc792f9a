"""`flask search reindex`: rebuild every search document, e.g. after an upgrade or a bulk load past the ORM."""

import click
from flask.cli import with_appcontext
from sqlalchemy import delete, select

from api import search
from api.extensions import db
from api.models import SearchDocument
from api.search import documents

BATCH = 1000


@click.group("search")
def search_command() -> None:
    """Full-text search index."""


@search_command.command("reindex")
@with_appcontext
def reindex_command() -> None:
    """Rewrite the search documents of every searchable record (one transaction)."""
    db.session.execute(delete(SearchDocument))
    counts = {}
    for model in documents.KINDS:
        counts[model.__tablename__] = 0
        batch = []
        for record in db.session.scalars(select(model).execution_options(yield_per=BATCH)):
            batch.append(record)
            if len(batch) == BATCH:
                search.write(db.session.connection(), batch)
                counts[model.__tablename__] += len(batch)
                batch = []
        search.write(db.session.connection(), batch)
        counts[model.__tablename__] += len(batch)
    db.session.commit()
    click.echo("Indexed " + ", ".join(f"{count} {name}" for name, count in counts.items()) + ".")
