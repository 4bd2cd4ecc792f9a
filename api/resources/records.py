"""What every resource reads alike: visibility, lookup, ETags and pages (writes are api.records)."""

from collections.abc import Callable
from datetime import datetime
from functools import cache

import marshmallow as ma
from flask import abort, g, request
from sqlalchemy import Select, select
from sqlalchemy.orm import InstrumentedAttribute

from api.auth import sees_drafts, view_name
from api.conditional import answer_304_if_fresh, make_etag
from api.extensions import db
from api.models.base import utcnow
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
    stamp = table_stamp(model)
    variant = () if render is None else (media_type,)
    etag = make_etag(request.full_path, view_name(), stamp, clock() if uses_clock else None, *variant)
    answer_304_if_fresh(etag)

    def build():
        page = paginate(query(), args, stamp)
        body = serialize(schema, page.items) if render is None else render(page.items)
        return body, page.headers()

    return cached_answer(etag, build, media_type)
