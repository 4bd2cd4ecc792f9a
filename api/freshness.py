"""Reads validated without a database round trip, kept true across workers and hosts by a data version.

Every commit that wrote anything increments a counter in the rate limits' Redis (api.ratelimits)
after the database has committed and before the write is answered; the script that counts each
request's rate limit reads the counter in the same round trip. A read remembers, per URL, view and
media type, the ETag it computed and the version it saw. While the version is unchanged no commit
has happened since anywhere, so the ETag holds: a 304, or the answer from the answer cache, then
needs no database at all. After a write on any instance the next request sees a new version and
takes the database path (the stamps query) again; a version read before a write's bump can only
pair with an ETag at least as new, so no read after a write's answer is ever older than that write.

Without the Redis store (memory:// limits, Redis unreachable) no version is read and every read takes
the database path. What is remembered also expires after VALIDATED_FOR_SECONDS, which bounds how long
a change made outside the app (psql, a restored backup, a failed bump) can go unseen.
"""

import logging
import threading

from cachetools import TTLCache
from flask import g, request
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from api.auth import view_name
from api.ratelimits import bump_data_version

VALIDATED_FOR_SECONDS = 60
_validated: TTLCache = TTLCache(maxsize=100_000, ttl=VALIDATED_FOR_SECONDS)
_lock = threading.Lock()
WROTE = "freshness.wrote"
log = logging.getLogger(__name__)


def _key(media_type: str, varies_on: tuple) -> tuple:
    # The URL holds the host and the query; the view, media type and what else the answer varies on
    # (a reader's own municipalities) are the rest of what an ETag covers.
    return request.url, view_name(), media_type, *varies_on


def known_etag(media_type: str, varies_on: tuple = ()) -> str | None:
    """The ETag this process computed for this request's answer, if no write has committed since."""
    version = g.get("data_version")
    if version is None:
        return None
    with _lock:
        entry = _validated.get(_key(media_type, varies_on))
    return entry[1] if entry is not None and entry[0] == version else None


def remember(media_type: str, etag: str, varies_on: tuple = ()) -> None:
    """Keep the ETag computed from the database under the version read before it (at the rate-limit count)."""
    version = g.get("data_version")
    if version is not None:
        with _lock:
            _validated[_key(media_type, varies_on)] = (version, etag)


def _note_flush(session: Session, _context) -> None:
    session.info[WROTE] = True


def _note_statement(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[WROTE] = True


def _after_commit(session: Session) -> None:
    if not session.info.pop(WROTE, False):
        return
    with _lock:
        _validated.clear()
    try:
        bump_data_version()
    except Exception:  # the write has committed; readers elsewhere fall back on the expiry
        log.warning("Could not count a write in Redis; other instances may answer from before it for "
                    "up to %d s", VALIDATED_FOR_SECONDS, exc_info=True)


def _after_rollback(session: Session) -> None:
    session.info.pop(WROTE, None)


def register(session) -> None:
    if not event.contains(session, "after_commit", _after_commit):
        event.listen(session, "after_flush", _note_flush)
        event.listen(session, "do_orm_execute", _note_statement)
        event.listen(session, "after_commit", _after_commit)
        event.listen(session, "after_rollback", _after_rollback)
