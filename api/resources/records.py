"""What every resource reads alike: visibility, lookup, cached reads and their ETags, pages (writes are api.records)."""

from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import Any

import marshmallow as ma
from flask import abort, g, request
from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from api import freshness, search
from api.auth import sees_drafts, view_name
from api.conditional import answer_304_if_fresh, make_etag, versioned_etag
from api.extensions import db
from api.models.base import utcnow
from api.negotiation import preferred
from api.pagination import SortKey, paginate
from api.serialization import cached_answer, serialize


def visible(query: Select, model) -> Select:
    """Hide drafts from readers who may not see them."""
    return query if sees_drafts() else query.where(model.status == "published")


def shown(model) -> ColumnElement[bool]:
    """The records this reader may see: not deleted, and published unless it sees drafts."""
    alive = model.deleted_at.is_(None)
    return alive if sees_drafts() else and_(alive, model.status == "published")


def live(model, *conditions) -> Select:
    """The records matching `conditions` that are not deleted and that this reader may see."""
    return select(model).where(shown(model), *conditions)


def gone(model) -> ColumnElement[bool]:
    """The records this reader could see and no longer can: its tombstones.

    Deleted records and, for readers without drafts, published records turned back into drafts; a
    record never published is never one of theirs, in any form.
    """
    deleted = model.deleted_at.is_not(None)
    if sees_drafts():
        return deleted
    return and_(model.first_published_at.is_not(None), or_(deleted, model.status != "published"))


# A tombstone shows its id and updated_at only; sorting tombstones by another field would tell of their content.
TOMBSTONE_SORT_FIELDS = frozenset({"updated_at"})


def list_query(model, args: dict, sort_columns: dict[str, InstrumentedAttribute | tuple], default_sort: list[SortKey]) -> Select:
    """The base query of a list: the live records this reader may see, `updated_since`, sort.

    Callers add the content filters, which thus select live records only; read_page then adds the
    tombstones that `include_deleted` asks for (see with_tombstones). A sync (`updated_since` or
    `include_deleted`) is sorted by `updated_at` unless `sort` says otherwise. A sort field is a column
    or a tuple of columns ordered in turn (a search's relevance: its rank, then the name for ties).
    """
    query = live(model)
    if "updated_since" in args:
        query = query.where(model.updated_at >= args["updated_since"])
    syncing = "updated_since" in args or args.get("include_deleted")
    keys = args.get("sort") or ([SortKey("updated_at", False)] if syncing else default_sort)
    order = []
    for key in keys:
        columns = sort_columns[key.field]
        for column in columns if isinstance(columns, tuple) else (columns,):
            if args.get("include_deleted") and key.field not in TOMBSTONE_SORT_FIELDS:
                column = case((shown(model), column))
            order.append(column.desc() if key.descending else column)
    # The primary key breaks ties, so paging is stable while records change.
    return query.order_by(*order, *model.__mapper__.primary_key)


def with_tombstones(query: Select, model, args: dict) -> Select:
    """The list `query` (live records under the content filters) and, with `include_deleted`, this
    reader's tombstones, selected by `updated_since` alone: a deleted record's text and place cannot
    be probed through `q`, `near` or any other filter."""
    if not args.get("include_deleted"):
        return query
    (key,) = model.__mapper__.primary_key
    matching = query.with_only_columns(key).order_by(None).correlate(None)
    tombstones = gone(model)
    if "updated_since" in args:
        tombstones = and_(tombstones, model.updated_at >= args["updated_since"])
    # The list's own order and loader options, on the wider set of rows (SQLAlchemy has no public
    # accessor for them; list_query made the order safe for tombstones).
    return select(model).where(or_(key.in_(matching), tombstones)).order_by(*query._order_by_clauses).options(*query._with_options)


def get_or_404(query: Select, description: str):
    record = db.session.scalars(query).first()
    if record is None:
        abort(404, description)
    return record


@cache
def _referred(model) -> list[tuple]:
    """(target model, condition on `model`'s row, link table or None, link table's condition on the target,
    the targets of a loaded record) for each kind of record `model` refers to.

    Links (a company's spearheads) and references (its municipality) are shown or filtered by, and
    their visibility decides what a reader sees; link tables change only with their owner's stamp.
    """
    mapper = model.__mapper__
    found = [
        (relationship.mapper.class_, relationship.primaryjoin, relationship.secondary, relationship.secondaryjoin,
         _linked(relationship.key))
        for relationship in mapper.relationships
    ]
    for foreign_key in mapper.local_table.foreign_keys:
        for other in mapper.registry.mappers:
            if other.local_table is foreign_key.column.table:
                if (foreign_key.column,) != tuple(other.primary_key):
                    raise TypeError(f"{model.__name__} refers to {other.class_.__name__} by a column other than its key.")
                reference = mapper.get_property_by_column(foreign_key.parent).key
                found.append((other.class_, foreign_key.parent == foreign_key.column, None, None, _referenced(other.class_, reference)))
    return [reference for reference in found if hasattr(reference[0], "first_published_at") and reference[0] is not model]


def _linked(key: str) -> Callable[[Any], list]:
    def targets(record) -> list:
        linked = getattr(record, key)
        return list(linked) if isinstance(linked, list | set | tuple) else [linked]

    return targets


def _referenced(target, key: str) -> Callable[[Any], list]:
    def targets(record) -> list:
        value = getattr(record, key)
        # The session's own copy when it holds one (the write resolved it): no round trip.
        return [] if value is None else [db.session.get(target, value)]

    return targets


@cache
def dependencies(model) -> tuple:
    """The tables an answer about `model` (a list, facets) reads: its own and those of every record it refers to."""
    return (model, *dict.fromkeys(target for target, *_ in _referred(model)))


def _latest(query: Select, table, public: bool) -> Select:
    # For readers without drafts only the records ever published count (see public_stamp_index), so
    # editing a draft they never saw leaves their answers' ETags as they were.
    return query.where(table.first_published_at.is_not(None)) if public else query


@cache
def _referred_stamps(model, public: bool) -> tuple:
    """Scalar subqueries, correlated with a `model` row: the latest `updated_at` among the records it refers to.

    A record's answer is a function of its version and these: a spearhead unpublished changes what
    the public sees of the companies linked to it (and only of those).
    """
    columns = []
    for target, condition, link_table, link_condition, _targets in _referred(model):
        latest = select(func.max(target.updated_at))
        if link_table is not None:
            latest = latest.select_from(link_table).join(target, link_condition)
        columns.append(_latest(latest.where(condition), target, public).scalar_subquery())
    return tuple(columns)


@cache
def _stamps_columns(tables: tuple, public: bool) -> tuple:
    """Scalar subqueries of the latest `updated_at` of each table (one index lookup each).

    Every write stamps its record with a new, greatest `updated_at`, so a table's stamp moves with
    every change to it.
    """
    columns = []
    for table in tables:
        latest = select(table.updated_at).order_by(table.updated_at.desc()).limit(1)
        columns.append(_latest(latest, table, public).scalar_subquery())
    return tuple(columns)


@cache
def _stamps_statement(tables: tuple, public: bool) -> Select:
    return select(*_stamps_columns(tables, public))


def data_stamps(tables: tuple) -> tuple:
    """The stamps of `tables` as this reader sees them, in one round trip.

    An answer built from those tables is a function of their stamps, the URL and the reader's view.
    """
    if not tables:
        return ()
    # Straight to the connection with a prebuilt statement: this runs on every request.
    return tuple(db.session.connection().execute(_stamps_statement(tables, not sees_drafts())).one())



def _version_tag(model, primary_key: tuple, version: int) -> str:
    return make_etag(model.__name__, *primary_key, version)


def version_tag(record) -> str:
    """The version part of every ETag of the record, whichever view it came from (what If-Match compares)."""
    model = type(record)
    return _version_tag(model, tuple(model.__mapper__.primary_key_from_instance(record)), record.version)


def _record_etag(model, primary_key: tuple, version: int, stamps: tuple, media_type: str) -> str:
    # The host and query too: a rendered document may hold absolute links, or be in the `lang` asked for.
    representation = (view_name(), media_type, request.host_url, request.query_string, *stamps)
    return versioned_etag(_version_tag(model, primary_key, version), *representation)


def record_etag(record, media_type: str = "application/json") -> str:
    """The ETag of the record as this reader gets it in `media_type`, as read() gives it: the answer of a write.

    The stamps of the records it refers to are taken from the records the write loaded (what
    _referred_stamps reads in SQL), so the answer takes no round trip after the commit. A record
    that another writer changed meanwhile only makes the next conditional GET a 200: If-Match
    compares the version alone.
    """
    model = type(record)
    public = not sees_drafts()
    stamps = []
    for *_, targets in _referred(model):
        times = [item.updated_at for item in targets(record) if item is not None and not (public and item.first_published_at is None)]
        stamps.append(max(times, default=None))
    return _record_etag(model, tuple(model.__mapper__.primary_key_from_instance(record)), record.version, tuple(stamps), media_type)


def read(
    lookup: Callable[[], tuple[Select, str]],
    schema: type[ma.Schema],
    *,
    render: Callable[[Any], bytes] | None = None,
    media_type: str = "application/json",
):
    """Answer a GET of one record, checking If-None-Match before loading it whole.

    `lookup()` gives the record's query and its not-found message; it is called only when the answer is
    not known already (api.freshness), since building a query costs a fast answer a tenth of its time.
    The ETag covers the record's version and the stamps of the records it refers to (see
    _referred_stamps), read in the same round trip; `render(record)` writes it in another `media_type` (such as JSON-LD).
    """
    etag = freshness.known_etag(media_type)
    if etag is None:
        query, not_found = lookup()
        model = query.column_descriptions[0]["entity"]
        primary_key = model.__mapper__.primary_key
        stamps = _referred_stamps(model, not sees_drafts())
        row = db.session.execute(query.with_only_columns(*primary_key, model.version, *stamps)).first()
        if row is None:
            abort(404, not_found)
        keys = len(primary_key)
        etag = _record_etag(model, tuple(row[:keys]), row[keys], tuple(row[keys + 1:]), media_type)
        freshness.remember(media_type, etag)
    freshness.replayable()  # the answer, 304 or 200
    answer_304_if_fresh(etag)

    def build():
        record = get_or_404(*lookup())
        return (serialize(schema, record) if render is None else render(record)), {}

    return cached_answer(etag, build, media_type)


def clock() -> datetime:
    """Now, to the second and fixed for the request; lists whose filters use it vary with it."""
    if "as_of" not in g:
        g.as_of = utcnow().replace(microsecond=0)
    return g.as_of


def read_derived(
    model,
    build: Callable[[tuple], tuple[bytes, dict]],
    media_type: str = "application/json",
    *,
    uses_clock: bool = False,
    varies_on: tuple = (),
):
    """Answer a GET whose body is derived from `model`'s table and those it refers to (see dependencies).

    Its ETag is the URL (with the host, for documents with absolute links), the reader's view and the tables' stamps, so a 304 costs one round trip and
    an answer this process has already built is not built again (with no round trip while
    api.freshness knows the ETag holds). `build(stamps)` gives the body and headers. Filters that
    compare with the current time (`upcoming`) set `uses_clock`; whatever else the answer depends on (the
    reader's own municipalities, another table's state) is in `varies_on`.
    """
    etag = None if uses_clock else freshness.known_etag(media_type, varies_on)
    stamps = None
    if etag is None:
        stamps = data_stamps(dependencies(model))
        etag = make_etag(request.url, view_name(), media_type, stamps, clock() if uses_clock else None, *varies_on)
        if not uses_clock:
            freshness.remember(media_type, etag, varies_on)
    if not uses_clock and not varies_on:
        freshness.replayable()  # the answer, 304 or 200
    answer_304_if_fresh(etag)
    return cached_answer(etag, lambda: build(data_stamps(dependencies(model)) if stamps is None else stamps), media_type)


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
    """Answer a GET of a list (see read_derived); the query is built only when the answer is not at hand.

    `render(items)` writes the page in another `media_type` (such as GeoJSON).
    """
    preferred(media_type)  # 406 when the client takes nothing this list is (events have no GeoJSON)

    def build(stamps):
        page = paginate(with_tombstones(query(), model, args), args, stamps)
        body = serialize(schema, page.items) if render is None else render(page.items)
        return body, {**page.headers(), **search.answer_headers()}

    return read_derived(model, build, media_type, uses_clock=uses_clock)
