"""The audit trail: the changes pending on a record and the entry that the write path (api.records) adds with them."""

from datetime import date, datetime

import click
from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import CompositeProperty, Session

from api import auth
from api.extensions import db
from api.models import AuditEntry
from api.models.base import LocalizedText

# Stamps and the lock counter change on every write; the entry's own `at` says when.
BOOKKEEPING = frozenset({"created_at", "updated_at", "version"})
PENDING = "audit.pending_entries"
RECORD_TYPES = {"companies": "company", "events": "event", "spearheads": "spearhead", "municipalities": "municipality", "sites": "site", "actions": "action", "inquiries": "inquiry"}


def plain(value):
    """A value as JSON: texts as {fi, sv, en}, times as RFC 3339, linked records as their keys."""
    if isinstance(value, LocalizedText):
        return value.to_dict()
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if hasattr(value, "__mapper__"):
        return value.__mapper__.primary_key_from_instance(value)[0]
    return value


def _before(history):
    return (history.deleted or history.unchanged or (None,))[0]


def _old_and_new(state, attribute) -> tuple:
    if isinstance(attribute, CompositeProperty):
        # SQLAlchemy reports an unchanged language column of a changed text as None, so rebuild the old text.
        histories = [state.attrs[prop.key].history for prop in attribute.props]
        if not any(history.has_changes() for history in histories):
            return None, None
        old = attribute.composite_class(*map(_before, histories))
        return plain(old), plain(getattr(state.obj(), attribute.key))
    history = state.attrs[attribute.key].history
    if not history.has_changes():
        return None, None
    if getattr(attribute, "uselist", False):
        return sorted(plain([*history.unchanged, *history.deleted])), sorted(plain([*history.unchanged, *history.added]))
    return plain(_before(history)), plain(getattr(state.obj(), attribute.key))


def _shown_attributes(mapper):
    # Multilingual texts are reported as one {fi, sv, en} field, not as their per-language columns.
    hidden = BOOKKEEPING | {prop.key for composite in mapper.composites for prop in composite.props}
    hidden |= {mapper.get_property_by_column(column).key for column in mapper.primary_key}
    # A view-only relationship (a spearhead's actions) is written through the other side, not this record.
    hidden |= {relationship.key for relationship in mapper.relationships if relationship.viewonly}
    return [attribute for attribute in mapper.attrs if attribute.key not in hidden]


def changes(record) -> dict[str, list]:
    """`{field: [old, new]}` for every field changed on the record since it was loaded (or created).

    Read from SQLAlchemy's attribute history, which a flush resets: the write path calls this before
    flushing, right after assigning the new values.
    """
    state = inspect(record)
    found = {}
    with db.session.no_autoflush:  # a flush here would reset the history being read
        for attribute in _shown_attributes(state.mapper):
            old, new = _old_and_new(state, attribute)
            if old != new:
                found[attribute.key] = [old, new]
    return found


def as_created(record) -> dict[str, list]:
    """`{field: [None, value]}` of a stored record, for records added past the ORM (bulk loads)."""
    found = {}
    for attribute in _shown_attributes(inspect(record).mapper):
        if getattr(attribute, "uselist", False):
            old, new = [], sorted(plain(getattr(record, attribute.key)))
        else:
            old, new = None, plain(getattr(record, attribute.key))
        if old != new:
            found[attribute.key] = [old, new]
    return found


def actor() -> str:
    """The key's name; for a command line run, the command (such as `flask seed`)."""
    principal = auth.current()
    if principal is not None:
        return principal.name
    command = click.get_current_context(silent=True)
    return command.command_path if command is not None else "system"


def _record_id(record) -> str:
    """The record's key; a new record takes its default id now, since its entry is written with it."""
    mapper = inspect(record).mapper
    (column,) = mapper.primary_key
    attribute = mapper.get_property_by_column(column).key
    if getattr(record, attribute) is None:
        setattr(record, attribute, column.default.arg(None))
    return str(getattr(record, attribute))


def entry(record, action: str, found: dict, at: datetime) -> dict:
    """The audit entry of a change as column values."""
    return {
        "record_type": RECORD_TYPES[record.__tablename__],
        "record_id": _record_id(record),
        "at": at,
        "actor": actor(),
        "action": action,
        "changes": found,
    }


def add_entry(record, action: str, found: dict, at: datetime) -> None:
    """Note the entry in the session; write_pending writes it with the change itself, or not at all."""
    db.session.info.setdefault(PENDING, []).append(entry(record, action, found, at))


def write_pending(session: Session) -> None:
    """Write the entries noted in this transaction, in one statement (at commit, and when a bulk writer empties its session).

    Column values through the table rather than ORM objects: an entry is never read back in the
    transaction that writes it, so the unit of work would only add its cost, under the table's write lock.
    """
    entries = session.info.pop(PENDING, None)
    if entries:
        session.connection().execute(insert(AuditEntry.__table__), entries)


def forget(session: Session, *_args) -> None:
    session.info.pop(PENDING, None)


def register(session) -> None:
    """Entries are written at commit and forgotten with a rollback."""
    if not event.contains(session, "before_commit", write_pending):
        event.listen(session, "before_commit", write_pending)
        event.listen(session, "after_rollback", forget)
