"""Change records: each write's change, with the record as each view shows it, numbered in commit order.

A write's change is noted when it is stamped and recorded in the same transaction. Positions are given
at commit, under the feed's lock (PostgreSQL: a transaction-scoped advisory lock; SQLite: the write lock
every write transaction holds), so they grow in commit order: a transaction that took its first stamp
early but commits late still gets a position after every change that committed before it, and a
reader that has seen position p has seen every committed change before p. Bulk writers spill their
changes without positions as they go (their memory stays flat) and get positions for them at commit.
read() answers the feed to a reader (the HTTP feed, and whatever pushes changes) from these rows.
"""

from dataclasses import dataclass
from datetime import datetime

import orjson
from sqlalchemy import BigInteger, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from api.auth import rendering_private_fields
from api.database import serialize_writes
from api.jsonio import dumps
from api.models import Change
from api.records.kinds import Kind
from api.serialization import plan_for

CURSOR_DIGITS = 16
PENDING = "records.pending_changes"
SPILLED = "records.spilled_changes"
FEED_LOCK = "changes"
changes_table = Change.__table__
_LAST = select(func.coalesce(func.max(changes_table.c.position), 0)).scalar_subquery()
_INSERT_NEXT = insert(changes_table).values(position=_LAST + 1)
# PostgreSQL: the feed's lock and the next position in the insert itself (migration write_lock_functions).
_INSERT_NEXT_LOCKED = insert(changes_table).values(position=func.next_change_position(type_=BigInteger))


@dataclass
class Noted:
    """A change noted when its write was stamped; its row is made once the write is flushed."""

    kind: Kind
    record: object
    action: str
    was_public: bool
    area_before: frozenset[str]


def note(session: Session, noted: Noted) -> None:
    session.info.setdefault(PENDING, []).append(noted)


def _public_action(was_public: bool, is_public: bool) -> str | None:
    """A reader without drafts sees a record appear when it is published and leave when it no longer is."""
    return {(False, True): "created", (True, True): "updated", (True, False): "deleted"}.get((was_public, is_public))


def row(noted: Noted) -> dict:
    """The change's row (without its position); the record is read as stored after the flush."""
    record, kind = noted.record, noted.kind
    deleted = noted.action == "deleted"
    public_action = _public_action(noted.was_public, not deleted and record.status == "published")
    data = public_data = None
    if not deleted:
        with rendering_private_fields():
            shown = plan_for(kind.schema).dump(record)
        data = dumps(shown).decode()
        private = kind.schema.PRIVATE_FIELDS
        if public_action != "deleted" and private:
            public_data = dumps({name: value for name, value in shown.items() if name not in private}).decode()
    (key,) = record.__mapper__.primary_key_from_instance(record)
    area = noted.area_before | kind.area(record)
    return {
        "resource": kind.name,
        "record_id": str(key),
        "action": noted.action,
        "public_action": public_action,
        "version": record.version,
        "at": record.updated_at,
        "municipalities": f" {' '.join(sorted(area))} ",
        "data": data,
        "public_data": public_data,
    }


def spill(session: Session) -> None:
    """Write the noted changes without positions (a bulk writer's session is about to be emptied)."""
    noted = session.info.pop(PENDING, [])
    if noted:
        session.flush()
        session.execute(insert(changes_table), [row(item) for item in noted])
        session.info[SPILLED] = True


def record(session: Session) -> None:
    """At commit: give this transaction's changes their positions, after every change committed before."""
    noted = session.info.pop(PENDING, [])
    spilled = session.info.pop(SPILLED, False)
    if not (noted or spilled):
        return
    session.flush()
    rows = [row(item) for item in noted]
    if len(rows) == 1 and not spilled and session.get_bind().dialect.name == "postgresql":
        session.execute(_INSERT_NEXT_LOCKED, rows[0])  # the common case: the lock, position and row in one round trip
        return
    serialize_writes(session, FEED_LOCK)
    # Statements after the lock see every change committed before it (PostgreSQL's READ COMMITTED
    # takes a snapshot per statement).
    if spilled:
        numbered = select(Change.id, func.row_number().over(order_by=Change.id).label("number")).where(Change.position.is_(None)).subquery()
        session.execute(
            update(changes_table)
            .where(changes_table.c.id == numbered.c.id)
            .values(position=_LAST + numbered.c.number)
            .execution_options(synchronize_session=False)
        )
    if len(rows) == 1:
        session.execute(_INSERT_NEXT, rows[0])  # the common case: one round trip, a cached statement
    elif rows:
        last = session.scalar(select(_LAST))
        session.execute(insert(changes_table), [{**item, "position": last + number} for number, item in enumerate(rows, 1)])


def forget(session: Session) -> None:
    session.info.pop(PENDING, None)
    session.info.pop(SPILLED, None)


def prune(session: Session, before: datetime) -> int:
    """Delete the changes made before `before`, except the newest change, whose position the next ones follow.

    By position, so that what stays is one run of consecutive positions: a cursor older than its start
    is answered 410 (resync).
    """
    newest = session.scalar(select(func.max(Change.position)))
    through = session.scalar(select(func.max(Change.position)).where(Change.at < before, Change.position < newest)) if newest else None
    if through is None:
        return 0
    return session.execute(delete(changes_table).where(changes_table.c.position <= through)).rowcount


class CursorGone(LookupError):
    """A cursor older than the oldest change kept, or one this feed never gave: the reader must resync."""


def cursor(position: int) -> str:
    """Opaque to clients; fixed-width hexadecimal, so cursors sort as strings in feed order."""
    return f"{position:0{CURSOR_DIGITS}x}"


def _check_cursor(session: Session, after: int) -> None:
    """Positions kept are consecutive (prune keeps the newest), so `after` must lie within them or just before."""
    oldest, newest = session.execute(select(func.min(Change.position), func.max(Change.position))).one()
    if newest is None or after > newest or after < oldest - 1:
        raise CursorGone(after)


def seen(change: Change, drafts: bool) -> dict:
    """A change as a reader sees it, with draft rights and private fields (editors, admins) or without; data as stored."""
    action = change.action if drafts else change.public_action
    data = None if action == "deleted" else (change.data if drafts else change.public_data or change.data)
    return {
        "cursor": cursor(change.position),
        "resource": change.resource,
        "id": change.record_id,
        "action": action,
        "version": change.version,
        "at": change.at,
        "data": orjson.Fragment(data) if data is not None else None,
    }


def read(
    session: Session, after: int | None, limit: int, *, drafts: bool, resources: list[str] = (), municipalities: list[str] = ()
) -> tuple[list[dict], bool]:
    """Up to `limit` changes after position `after` (None: from the oldest kept) as this reader sees them,
    oldest first, and whether more are waiting. Raises CursorGone."""
    if after is not None:
        _check_cursor(session, after)
    query = select(Change).where(Change.position > (after or 0)).order_by(Change.position).limit(limit + 1)
    if not drafts:
        query = query.where(Change.public_action.is_not(None))
    if resources:
        query = query.where(Change.resource.in_(resources))
    if municipalities:
        query = query.where(or_(*(Change.municipalities.contains(f" {code} ") for code in municipalities)))
    changes = session.scalars(query).all()
    return [seen(change, drafts) for change in changes[:limit]], len(changes) > limit
