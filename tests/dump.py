"""A full dump of the database, to show that a rejected write changed nothing at all."""

from sqlalchemy import select

from api.extensions import db


def database_dump(app) -> dict:
    with app.app_context():
        dump = {}
        for table in db.metadata.sorted_tables:
            rows = db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
            dump[table.name] = [tuple(row) for row in rows]
        db.session.remove()
        return dump
