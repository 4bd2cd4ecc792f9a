"""Operations every resource shares: visibility, lookup, merge patch, save and soft delete."""

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import marshmallow as ma
from flask import abort, g, request
from flask_smorest import abort as abort_with
from sqlalchemy import Select, func, select
from sqlalchemy.orm import InstrumentedAttribute

from api import audit, auth, search
from api.auth import sees_drafts, view_name
from api.conditional import answer_304_if_fresh, make_etag, require_if_match
from api.database import serialize_writes
from api.extensions import db
from api.models.base import utcnow
from api.negotiation import preferred
from api.pagination import SortKey, paginate
from api.serialization import cached_answer, serialize


def visible(query: Select, model) -> Select:
    """Hide drafts from readers who may not see them."""
    return query if sees_drafts() else query.where(model.status == "published")


def live(model, *conditions) -> Select:
    """The records matching `conditions` that are not deleted and that this reader may see."""
    return visible(select(model), model).where(*conditions, model.deleted_at.is_(None))


def list_query(model, args: dict, sort_columns: dict[str, InstrumentedAttribute], default_sort: list[SortKey]) -> Select:
    """The base query of a list: visibility, tombstones, `updated_since`, sort."""
    query = visible(select(model), model)
    if not args["include_deleted"]:
        query = query.where(model.deleted_at.is_(None))
    if "updated_since" in args:
        query = query.where(model.updated_at >= args["updated_since"])
    keys = args.get("sort") or (
        [SortKey("updated_at", False)] if "updated_since" in args else default_sort
    )
    order = [sort_columns[key.field].desc() if key.descending else sort_columns[key.field] for key in keys]
    # The primary key breaks ties, so paging is stable while records change.
    return query.order_by(*order, *model.__mapper__.primary_key)


def get_or_404(query: Select, description: str):
    record = db.session.scalars(query).first()
    if record is None:
        abort(404, description)
    return record


def _etag(model, primary_key: tuple, version: int) -> str:
    return make_etag(model.__name__, *primary_key, version, view_name())


def record_etag(record) -> str:
    return _etag(type(record), record.__mapper__.primary_key_from_instance(record), record.version)


def read(query: Select, not_found: str, schema: type[ma.Schema]):
    """Answer a GET of one record, checking If-None-Match on its version before loading it whole."""
    model = query.column_descriptions[0]["entity"]
    primary_key = model.__mapper__.primary_key
    row = db.session.execute(query.with_only_columns(*primary_key, model.version)).first()
    if row is None:
        abort(404, not_found)
    etag = _etag(model, tuple(row[:-1]), row[-1])
    answer_304_if_fresh(etag)
    return cached_answer(etag, lambda: (serialize(schema, get_or_404(query, not_found)), {}))


@cache
def _stamp_statement(model) -> Select:
    return select(model.updated_at).order_by(model.updated_at.desc()).limit(1)


def table_stamp(model) -> datetime | None:
    """The latest `updated_at` of a table: it changes with every write to it (an index lookup)."""
    # Straight to the connection with a prebuilt statement: this runs on every list request.
    return db.session.connection().execute(_stamp_statement(model)).scalar()


def clock() -> datetime:
    """Now, to the second and fixed for the request; lists whose filters use it vary with it."""
    if "as_of" not in g:
        g.as_of = utcnow().replace(microsecond=0)
    return g.as_of


def read_page(
    model,
    args: dict,
    schema: type[ma.Schema],
    query: Callable[[], Select],
    *,
    uses_clock: bool = False,
    render: Callable[[list], bytes] | None = None,
    media_type: str = "application/json",
):
    """Answer a GET of a list; its ETag is the table's stamp, so a 304 costs one index lookup.

    Every write stamps `updated_at` anew and a list shows only the table's own columns and links,
    so an unchanged stamp (and, for filters such as `upcoming`, an unchanged clock()) means an
    unchanged answer for the same URL and reader. The query is built only when the answer is not
    already at hand. `render(items)` writes the page in another `media_type` (such as GeoJSON),
    whose ETag then differs from the JSON page's.
    """
    preferred(media_type)  # 406 when the client takes nothing this list is (events have no GeoJSON)
    stamp = table_stamp(model)
    variant = () if render is None else (media_type,)
    etag = make_etag(request.full_path, view_name(), stamp, clock() if uses_clock else None, *variant)
    answer_304_if_fresh(etag)

    def build():
        page = paginate(query(), args, stamp)
        body = serialize(schema, page.items) if render is None else render(page.items)
        return body, {**page.headers(), **search.answer_headers()}

    return cached_answer(etag, build, media_type)


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396: objects merge recursively, null removes, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    merged = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge_patch(merged.get(key), value)
    return merged


def invalid(field: str, message: str):
    """Answer 422 naming one field, as schema validation does."""
    abort_with(422, message=f"The request has invalid fields: {field}.", errors={field: [message]})


def conflict(field: str, message: str):
    abort_with(409, message=message, errors={field: [message]})


def created(record, location: str) -> tuple[Any, int, dict]:
    """Answer a POST: 201 with the new record, its Location and its ETag."""
    return record, 201, {"Location": location, "ETag": f'"{record_etag(record)}"'}


def writable_values(schema: ma.Schema, record) -> dict:
    """The record as the body a client would write: what a merge patch applies to."""
    return {
        name: value
        for name, value in schema.dump(record).items()
        if name in schema.load_fields and value is not None
    }


def load_merged(schema: ma.Schema, record) -> dict:
    """Apply the request's JSON merge patch to the record's writable fields and validate the result."""
    patch = request.get_json()
    if not isinstance(patch, dict):
        invalid("_body", "A merge patch is a JSON object.")
    try:
        return schema.load(merge_patch(writable_values(schema, record), patch))
    except ma.ValidationError as error:
        abort_with(422, messages={"json": error.normalized_messages()})


def check_writable(record) -> None:
    auth.check_stored_area(record)
    require_if_match(record_etag(record))


def assign(record, values: dict) -> None:
    for name, value in values.items():
        setattr(record, name, value)


def next_stamp(model) -> datetime:
    """A stamp later than any `updated_at` already in the table, taken under the table's write lock.

    Stamps are unique and grow in commit order, so a sync client that asks again from the largest
    `updated_at` it has seen can never miss a write that committed while it was paging.
    """
    with db.session.no_autoflush:
        serialize_writes(db.session, model.__tablename__)
        latest = db.session.scalar(select(func.max(model.updated_at)))
    now = utcnow()
    return now if latest is None or now > latest else latest + timedelta(microseconds=1)


def stamps(model, count: int) -> list[datetime]:
    """Consecutive unique stamps for a bulk write of `count` rows (see next_stamp)."""
    first = next_stamp(model)
    return [first + timedelta(microseconds=offset) for offset in range(count)]


def stamp(record, at: datetime, *, created: bool = False, deleted: bool = False) -> None:
    """Mark a change at `at` (a stamp from next_stamp): the one step every write of a record takes.

    It checks a limited editor's municipalities against the record as stored and as written, and
    adds the audit entry, which commits with the change or not at all. The version column counts
    the change, so a concurrent write loses with a 412.
    """
    if created:
        record.created_at = at
        db.session.add(record)
    if deleted:
        record.deleted_at = at
    record.updated_at = at
    changes = audit.changes(record)
    auth.check_write_area(record, changes, created=created, deleted=deleted)
    audit.add_entry(record, "create" if created else "delete" if deleted else "update", changes, at)


def save(record, *, created: bool = False, deleted: bool = False):
    """Stamp and commit (see stamp)."""
    stamp(record, next_stamp(type(record)), created=created, deleted=deleted)
    db.session.commit()
    return record


def save_update(record) -> tuple[Any, int, dict]:
    """Commit a PUT or PATCH and answer with the record and its new ETag."""
    save(record)
    return record, 200, {"ETag": f'"{record_etag(record)}"'}


def soft_delete(record) -> None:
    save(record, deleted=True)


def resolve(model, key_column, keys: list[str], field: str) -> list:
    """Turn the keys a client wrote into live records, or answer 422 naming the unknown ones."""
    if not keys:
        return []
    found = {
        getattr(record, key_column.key): record
        for record in db.session.scalars(
            select(model).where(key_column.in_(keys), model.deleted_at.is_(None))
        )
    }
    unknown = [key for key in keys if key not in found]
    if unknown:
        invalid(field, f"Unknown: {', '.join(unknown)}.")
    return [found[key] for key in keys]
