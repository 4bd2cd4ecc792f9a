"""Writes: each add, change and delete of a record is stamped, scope-checked, audited and fed in its transaction."""

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from itertools import chain

from sqlalchemy import event, func, insert, inspect, select
from sqlalchemy.orm import Session

from api import audit, auth, search
from api.database import serialize_writes
from api.extensions import db
from api.models import AuditEntry
from api.models.base import utcnow
from api.records import feed
from api.records.kinds import KINDS, Kind, kind_of
from api.records.rules import RESOLVED, differs, resolve

# The records this transaction stamped: the only directory records a flush may write.
STAMPED = "records.stamped"
BULK_BATCH = 2000


class WriteOutsideThePath(RuntimeError):
    """A directory record was about to be written without the write path (no stamp, audit entry or change)."""


def next_stamp(model) -> datetime:
    """A stamp later than any `updated_at` already in the table, taken under the table's write lock.

    Stamps are unique and grow in commit order, so a sync client that asks again from the largest
    `updated_at` it has seen can never miss a write that committed while it was paging.
    """
    with db.session.no_autoflush:
        if db.session.get_bind().dialect.name == "postgresql":
            # The lock and the read after it in one round trip (migration write_lock_functions): the lock is held until
            # commit, so this round trip and every statement after it run while other writers wait.
            latest = db.session.scalar(select(func.write_lock_latest_stamp(model.__tablename__, type_=model.updated_at.type)))
        else:
            serialize_writes(db.session, model.__tablename__)
            latest = db.session.scalar(select(func.max(model.updated_at)))
    now = utcnow()
    return now if latest is None or now > latest else latest + timedelta(microseconds=1)


def check_scope(record) -> None:
    """403 before anything else when an editor limited to some municipalities targets a record outside them."""
    auth.check_stored_area(record)


def prepare(kind: Kind, data: dict, record=None, resolve=resolve) -> dict:
    """A loaded body's model values: unique values free (409) and related records live (422)."""
    kind.unique(data, record)
    return kind.references(data, resolve if record is None else _keeping_links(record, resolve))


def _keeping_links(record, resolve):
    """`resolve` for a write over `record`: links it keeps are taken from it instead of being looked up again.

    Only links that deleting the linked record takes off (its kind's `cascade`): those are live for sure.
    """
    relationships = inspect(type(record)).relationships

    def resolving(model, key_column, keys: list, field: str) -> list:
        if field in relationships and model in KINDS and (type(record), field) in KINDS[model].cascade:
            linked = {getattr(item, key_column.key): item for item in getattr(record, field)}
            if len(keys) == len(linked) and linked.keys() == set(keys):
                return [linked[key] for key in keys]
        return resolve(model, key_column, keys, field)

    return resolving


class Writes:
    """The writes of one transaction. Stamps come from each table's write lock, a microsecond apart."""

    def __init__(self):
        self._next: dict[type, datetime] = {}

    def stamp_for(self, model) -> datetime:
        if model not in self._next:
            self._next[model] = next_stamp(model)
        at = self._next[model]
        self._next[model] = at + timedelta(microseconds=1)
        return at

    def create(self, kind: Kind, values: dict):
        """Add a record of these model values (see prepare)."""
        record = kind.model(**values)
        self._stamp(record, created=True, verified=_by_an_editor())
        return record

    def update(self, record, values: dict, *, checks: bool = True) -> bool:
        """Write these model values; False, and nothing written, when they change nothing.

        An editor's write counts as a check of the record (`last_verified_at`) unless `checks` is False:
        a change the record undergoes for another record's sake (see _unlink) says nothing of its truth.
        """
        if not differs(record, values):
            return False
        area_before = frozenset(kind_of(record).area(record))
        for name, value in values.items():
            setattr(record, name, value)
        self._stamp(record, area_before=area_before, verified=checks and _by_an_editor())
        return True

    def verify(self, record) -> None:
        """An editor's "checked, still true": a write that changes `last_verified_at` alone.

        Stamped, audited and fed like any update (its version counts it, so ETags and sync clients
        see the new mark); the audit entry and the change show only `last_verified_at` changing.
        """
        self._stamp(record, area_before=frozenset(kind_of(record).area(record)), verified=True)

    def delete(self, record) -> None:
        """Soft delete: the record leaves reads, its tombstone stays for sync."""
        for model, link in kind_of(record).cascade:
            self._unlink(record, model, link)
        for model, column in kind_of(record).owns:
            for owned in db.session.scalars(select(model).where(getattr(model, column) == record.id, model.deleted_at.is_(None))).all():
                self.delete(owned)
        self._stamp(record, deleted=True)

    def _unlink(self, record, model, link: str) -> None:
        linking = getattr(model, link)
        (key,) = type(record).__mapper__.primary_key
        for other in db.session.scalars(select(model).where(linking.any(key == record.id), model.deleted_at.is_(None))).all():
            self.update(other, {link: [item for item in getattr(other, link) if item is not record]}, checks=False)

    def insert_many(self, kind: Kind, rows: list[dict], links: dict | None = None) -> None:
        """Add many new records past the ORM: core inserts of column values (`links`: link table → rows).

        Several times faster than ORM objects for bulk loads; each record is still stamped, audited,
        and indexed for search in this transaction.
        """
        for row in rows:
            at = self.stamp_for(kind.model)
            row.update(created_at=at, updated_at=at, version=1)
            if row.get("status") == "published":
                row["first_published_at"] = at  # the ORM's flush hook sets it for other writes (models.base)
        table = kind.model.__table__
        for start in range(0, len(rows), BULK_BATCH):
            db.session.execute(insert(table), rows[start : start + BULK_BATCH])
        for link_table, link_rows in (links or {}).items():
            for start in range(0, len(link_rows), BULK_BATCH):
                db.session.execute(insert(link_table), link_rows[start : start + BULK_BATCH])
        (key,) = table.primary_key
        ids = [row[key.name] for row in rows]
        for start in range(0, len(ids), BULK_BATCH):
            added = db.session.scalars(select(kind.model).where(key.in_(ids[start : start + BULK_BATCH]))).all()
            entries = [audit.entry(record, "create", audit.as_created(record), record.created_at) for record in added]
            if entries:
                db.session.execute(insert(AuditEntry), entries)
            search.write(db.session.connection(), list(added), new=True)
            for record in added:
                feed.note(db.session, feed.Noted(kind, record, "created", False, frozenset()))
            feed.spill(db.session)
            _empty_session()

    def flush(self) -> None:
        """Write what is pending and empty the session, so that a long bulk write keeps its memory flat."""
        db.session.flush()
        audit.write_pending(db.session)
        feed.spill(db.session)
        _empty_session()

    def _stamp(
        self, record, *, created: bool = False, deleted: bool = False, area_before: frozenset = frozenset(), verified: bool = False
    ) -> None:
        """The one step every write of a record takes: stamp, scope check, audit entry and change.

        It checks a limited editor's municipalities against the record as stored and as written, and
        adds the audit entry and notes the change for the feed, which commit with the write or not at
        all. The version column counts the change, so a concurrent write loses with a 412.
        """
        kind = kind_of(record)
        was_public = not created and record.deleted_at is None and _stored(record, "status") == "published"
        at = self.stamp_for(type(record))
        if created:
            record.created_at = at
            db.session.add(record)
        if deleted:
            record.deleted_at = at
        record.updated_at = at
        if verified and kind.verifiable:
            record.last_verified_at = at
        changes = audit.changes(record)
        auth.check_write_area(record, changes, created=created, deleted=deleted)
        action = "create" if created else "delete" if deleted else "update"
        audit.add_entry(record, action, changes, at)
        feed.note(db.session, feed.Noted(kind, record, f"{action}d", was_public, area_before))
        db.session.info.setdefault(STAMPED, weakref.WeakSet()).add(record)


def _empty_session() -> None:
    db.session.expunge_all()
    db.session.info.pop(RESOLVED, None)


def _by_an_editor() -> bool:
    """Whether an API key with editor rights writes: its writes (imports too) count as checks of the record.

    Commands (`flask import prh`, `flask seed`) write with no key: what they write is not a person's check.
    """
    principal = auth.current()
    return principal is not None and principal.has_role("editor")


def _stored(record, name: str):
    """An attribute's value as stored, before the changes this transaction made to it."""
    history = inspect(record).attrs[name].history
    return (history.deleted or history.unchanged or history.added or (None,))[0]


@contextmanager
def transaction(*, commit: bool = True) -> Iterator[Writes]:
    """The writes of the block in one transaction: committed at its end (rolled back if it raises, or unless `commit`)."""
    writes = Writes()
    try:
        yield writes
        if commit:
            _commit(db.session())
        else:
            db.session.rollback()
    except BaseException:
        db.session.rollback()
        raise


def _commit(session: Session) -> None:
    """Commit, keeping what the session holds as written instead of expiring it.

    The answer to a write shows the record as this transaction wrote it (every column is set in Python,
    the version by the ORM), so reloading it and its links after the commit would only add round trips.
    """
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def create(kind: Kind, data: dict):
    """Add one record from a loaded body and commit."""
    values = prepare(kind, data)
    with transaction() as writes:
        return writes.create(kind, values)


def update(record, data: dict):
    """Write a loaded body over the record and commit; a body that changes nothing writes nothing."""
    values = prepare(kind_of(record), data, record)
    with transaction() as writes:
        writes.update(record, values)
    return record


def delete(record) -> None:
    with transaction() as writes:
        writes.delete(record)


def verify(record):
    """Mark the record as checked now (see Writes.verify) and commit."""
    with transaction() as writes:
        writes.verify(record)
    return record


def _refuse_unstamped_writes(session: Session, _context, _instances) -> None:
    stamped = session.info.get(STAMPED, ())
    modified = (record for record in session.dirty if session.is_modified(record))
    for record in chain(session.new, modified, session.deleted):
        if type(record) in KINDS and record not in stamped:
            raise WriteOutsideThePath(
                f"A {type(record).__name__} was written without api.records (no stamp, audit entry or change)."
            )


def _forget_stamped(session: Session, *_args) -> None:
    session.info.pop(STAMPED, None)


def _forget(session: Session) -> None:
    _forget_stamped(session)
    feed.forget(session)


def register(session) -> None:
    """Record each transaction's changes at its commit, and refuse at every flush a directory record written without this layer."""
    audit.register(session)
    if not event.contains(session, "before_flush", _refuse_unstamped_writes):
        event.listen(session, "before_flush", _refuse_unstamped_writes)
        event.listen(session, "before_commit", feed.record)
        event.listen(session, "after_commit", _forget_stamped)
        event.listen(session, "after_rollback", _forget)
