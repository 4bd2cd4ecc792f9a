"""Reads validated without a database round trip, kept true across workers and hosts by a data version.

Every commit that wrote anything increments a counter in the rate limits' Redis (api.ratelimits)
after the database has committed and before the write is answered, and publishes it; each process
hears of it on its subscription (api.data_version), and the rate-limit count puts the version it knows
in g.data_version (from Redis itself when the count asks it). A read remembers, per URL, view and
media type, the ETag it computed and the version it saw. While the version is unchanged no commit
has happened since anywhere, so the ETag holds: a 304, or the answer from the answer cache, then
needs no database at all. After a write on any instance the next request sees a new version and
takes the database path (the stamps query) again; a version read before a write's bump can only
pair with an ETag at least as new, so no read after a write's answer is ever older than that write.

An anonymous GET goes further: the answer a view marked as a function of the data alone (api.resources.
records: not of the clock, nor of who asks) is kept with the version it was built under, and replayed
before the view while that version holds, keyed by the URL and Accept (what such an answer depends on).
The request is still counted, logged and given its headers by the same hooks; only the view is skipped.

Without the Redis store (memory:// limits, Redis unreachable, not subscribed) no version is known and every read takes
the database path. What is remembered also expires after VALIDATED_FOR_SECONDS, which bounds how long
a change made outside the app (psql, a restored backup, a failed bump) can go unseen.
"""

import logging
import threading
from typing import NamedTuple

from cachetools import TTLCache
from flask import Flask, Response, current_app, g
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from api.auth import view_name
from api.conditional import NotModified
from api.context import current_g, current_request
from api.ratelimits import bump_data_version
from api.smorest import API_PREFIX

VALIDATED_FOR_SECONDS = 60
_validated: TTLCache = TTLCache(maxsize=100_000, ttl=VALIDATED_FOR_SECONDS)
_lock = threading.Lock()
WROTE = "freshness.wrote"
REPLAYABLE = "freshness.replayable"
# Bounded by bytes: a replayed answer holds its body.
REPLAY_BYTES = 32 * 1024 * 1024
_replays: TTLCache = TTLCache(maxsize=REPLAY_BYTES, ttl=VALIDATED_FOR_SECONDS, getsizeof=lambda entry: len(entry.body or b"") + 1024)
log = logging.getLogger(__name__)


def _url() -> tuple:
    """What the request's URL is made of (behind a trusted proxy, the forwarded values), without
    building it: werkzeug's request.url costs a fast answer a twentieth of its time."""
    environ = current_request().environ
    return (environ["wsgi.url_scheme"], environ.get("HTTP_HOST"), environ.get("SERVER_NAME"), environ.get("SERVER_PORT"),
            environ.get("SCRIPT_NAME"), environ.get("PATH_INFO"), environ.get("QUERY_STRING"))


def _key(media_type: str, varies_on: tuple) -> tuple:
    # The URL holds the host and the query; the view, media type and what else the answer varies on
    # (a reader's own municipalities) are the rest of what an ETag covers.
    return *_url(), view_name(), media_type, *varies_on


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


class Replay(NamedTuple):
    version: bytes
    etag: str
    body: bytes | None  # None when only a 304 was seen: enough to answer revalidations
    headers: list[tuple[str, str]]


def replayable() -> None:
    """Mark this request's answer as a function of the data version, the URL and Accept alone."""
    setattr(g, REPLAYABLE, True)


def _anonymous_get() -> bool:
    req = current_request()
    # The environ rather than request.headers, whose lookup raises and catches a KeyError for a header absent.
    return req.method == "GET" and req.path.startswith(API_PREFIX) and "HTTP_AUTHORIZATION" not in req.environ


def _replay_key() -> tuple:
    return *_url(), current_request().environ.get("HTTP_ACCEPT")


def replay() -> Response | None:
    """The kept answer (or a 304) of an anonymous GET, while no write has committed since it was built."""
    version = current_g().get("data_version")
    if version is None or not _anonymous_get():
        return None
    with _lock:
        entry = _replays.get(_replay_key())
    if entry is None or entry.version != version:
        return None
    if current_request().if_none_match.contains_weak(entry.etag):
        # Returned, not raised as answer_304_if_fresh does: raised, it went through Flask's exception
        # handling and Flask-CORS's wrapper of it (which adds the CORS headers a second time).
        return NotModified(entry.etag).get_response()
    if entry.body is None:
        return None
    return current_app.response_class(entry.body, headers=entry.headers)


def keep(response: Response) -> Response:
    """Keep an answer marked replayable, as the view gave it (the hooks after this one add the rest).

    One with translated text (Content-Language) is not kept: it depends on Accept-Language as well. Of
    a 304 only the ETag is kept (unless a 200 of the same version is), so that a client or a shared cache
    that only ever revalidates is answered here too.
    """
    context = current_g()
    version = context.get("data_version")
    if not (context.get(REPLAYABLE) and version is not None and response.status_code in (200, 304) and _anonymous_get()
            and "Content-Language" not in response.headers):
        return response
    key, etag = _replay_key(), response.get_etag()[0]
    with _lock:
        if response.status_code == 200:
            _replays[key] = Replay(version, etag, response.get_data(), list(response.headers.items()))
        elif (kept := _replays.get(key)) is None or kept.version != version:
            _replays[key] = Replay(version, etag, None, [])
    return response


def register_replay(app: Flask) -> None:
    """Replay runs after the before_request hooks registered so far (limits, keys, guards); keep runs
    before those after_request hooks, which add each request's own headers, so both paths answer alike."""
    app.before_request(replay)
    app.after_request(keep)


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
        _replays.clear()
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
