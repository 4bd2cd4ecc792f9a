"""List arguments shared by every collection: paging, sorting and incremental sync."""

import math
import threading
from dataclasses import dataclass

import marshmallow as ma
import orjson
from cachetools import LRUCache
from flask import Response, current_app, request, url_for
from sqlalchemy import Select, func, select

from api.conditional import answer_304_if_fresh, make_etag
from api.extensions import db
from api.fields import QueryTime
from api.i18n import _
from api.serialization import serialize
from api.smorest import Schema

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_PAGE = 1_000_000


@dataclass(frozen=True)
class SortKey:
    field: str
    descending: bool


class Sort(ma.fields.String):
    """`sort=-updated_at,name`: a comma list of the allowed fields, `-` for descending."""

    def __init__(self, allowed: tuple[str, ...], **kwargs):
        self.allowed = allowed
        description = f"Comma list of {', '.join(allowed)}; prefix `-` for descending."
        names = "|".join(allowed)
        pattern = rf"^-?({names})(,-?({names}))*$"
        super().__init__(metadata={"description": description, "example": f"-{allowed[0]}", "pattern": pattern}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        keys = []
        for part in super()._deserialize(value, attr, data, **kwargs).split(","):
            name = part.removeprefix("-")
            if name not in self.allowed:
                raise ma.ValidationError(_("Cannot sort by '%(name)s'; sortable: %(allowed)s.", name=name, allowed=", ".join(self.allowed)))
            keys.append(SortKey(name, part.startswith("-")))
        return keys


class PageArgsSchema(Schema):
    page = ma.fields.Integer(
        load_default=1,
        validate=ma.validate.Range(min=1, max=MAX_PAGE),
        metadata={"description": "1-based page number."},
    )
    page_size = ma.fields.Integer(
        load_default=DEFAULT_PAGE_SIZE,
        validate=ma.validate.Range(min=1, max=MAX_PAGE_SIZE),
        metadata={"description": f"Items per page, at most {MAX_PAGE_SIZE} (more is a 422, not clipped)."},
    )


class ListArgsSchema(PageArgsSchema):
    updated_since = QueryTime(
        metadata={
            "description": "RFC 3339; only records with `updated_at` at or after it (inclusive). "
            "Sync loop: keep the largest `updated_at` seen, ask again from it, drop duplicates by id. "
            "Without an offset, or a date alone, it is Helsinki time.",
            "example": "2020-12-01T09:00:00.123456+00:00",
        }
    )
    include_deleted = ma.fields.Boolean(
        load_default=False,
        metadata={
            "description": "Also return tombstones `{id, deleted_at, updated_at}` of the records you could see and "
            "no longer can (deleted, or turned back into drafts). Tombstones are selected by `updated_since` alone: "
            "the other filters apply to live records only. Sorted by `updated_at` unless `sort` is given."
        },
    )


PAGINATION_HEADERS = {
    "X-Pagination": {
        "description": "JSON: total, total_pages, first_page, last_page, page, previous_page, next_page.",
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/PaginationMetadata"},
                "example": {"total": 42, "total_pages": 3, "first_page": 1, "last_page": 3, "page": 2,
                            "previous_page": 1, "next_page": 3},
            }
        },
    },
    "Link": {
        "description": "RFC 8288 links with rel first, prev, next, last.",
        "schema": {"type": "string"},
    },
    "ETag": {"description": "Strong validator of this page.", "schema": {"type": "string"}},
}


@dataclass
class Page:
    items: list
    total: int
    page: int
    page_size: int

    @property
    def total_pages(self) -> int:
        return math.ceil(self.total / self.page_size)

    @property
    def last_page(self) -> int:
        """An empty list still has its (empty) first page."""
        return max(self.total_pages, 1)

    def metadata(self) -> dict:
        meta = {"total": self.total, "total_pages": self.total_pages, "first_page": 1, "last_page": self.last_page, "page": self.page}
        if self.page > 1:
            meta["previous_page"] = min(self.page - 1, self.last_page)
        if self.page < self.total_pages:
            meta["next_page"] = self.page + 1
        return meta

    def links(self) -> str:
        targets = {"first": 1, "last": self.last_page}
        if self.page > 1:
            targets["prev"] = min(self.page - 1, self.last_page)
        if self.page < self.total_pages:
            targets["next"] = self.page + 1
        args = request.args.to_dict(flat=False)
        parts = []
        for rel, number in targets.items():
            args["page"] = [str(number)]
            url = url_for(request.endpoint, **(request.view_args or {}), **args)
            parts.append(f'<{url}>; rel="{rel}"')
        return ", ".join(parts)

    def headers(self) -> dict[str, str]:
        return {"X-Pagination": orjson.dumps(self.metadata()).decode(), "Link": self.links()}


# Counting a large filtered set is the slowest part of a list; a count stays valid while its table's
# stamp (see records.table_stamp) does not move, so each process remembers recent ones.
_counts: LRUCache = LRUCache(maxsize=4096)
_counts_lock = threading.Lock()


def _count(query: Select, stamp) -> int:
    statement = query.order_by(None)
    compiled = statement.compile(db.engine)
    key = (str(compiled), repr(sorted(compiled.params.items())), stamp)
    with _counts_lock:
        total = _counts.get(key)
    if total is None:
        total = db.session.scalar(select(func.count()).select_from(statement.subquery()))
        with _counts_lock:
            _counts[key] = total
    return total


def paginate(query: Select, args: dict, stamp, *, rows: bool = False) -> Page:
    """Run one page of `query` and count the whole result (remembered while `stamp` holds).

    The page holds the first column's values, or whole rows with `rows` (a record and columns computed beside it).
    """
    page, page_size = args["page"], args["page_size"]
    total = _count(query, stamp)
    result = db.session.execute(query.limit(page_size).offset((page - 1) * page_size))
    items = result.all() if rows else result.scalars().all()
    return Page(list(items), total, page, page_size)


def digest_page(query: Select, args: dict, schema) -> Response:
    """One page of a list that is not of records (no stamp to cache by): its ETag is a digest of the page itself."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = db.session.scalars(query.limit(args["page_size"]).offset((args["page"] - 1) * args["page_size"])).all()
    page = Page(list(items), total, args["page"], args["page_size"])
    body = serialize(schema, page.items)
    etag = make_etag(body, page.headers())
    answer_304_if_fresh(etag)
    return current_app.response_class(body, headers={**page.headers(), "ETag": f'"{etag}"'}, mimetype="application/json")
