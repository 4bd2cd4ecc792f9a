"""Full-text search over companies, events and spearheads: one analysis, an index per database, same answers.

Every ORM flush of a company, event or spearhead rewrites its document (an after_flush hook), so API
writes, `flask seed` and imports through the session keep the index current in their own transaction.
Code that inserts rows past the ORM calls index_new_records(); `flask search reindex` rebuilds everything.
Only live records have documents, so a content search never selects a tombstone. The terms of the
documents are counted as they are written (api.search.vocabulary): a query word that no visible record
holds is corrected to the nearest visible terms, and the answer says so in X-Search-Corrections.
"""

import json
from itertools import chain

from flask import g
from sqlalchemy import cast, column, delete, event, false, func, insert, inspect, literal, literal_column, select, table
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import CompositeProperty, Session, lazyload

from api.auth import sees_drafts
from api.extensions import db
from api.models import SearchDocument, SearchTerm, SearchVocabulary
from api.search import analysis, documents, vocabulary
from api.smorest import SEARCH_CORRECTIONS_HEADER

# Weights of the title, keywords and body fields. PostgreSQL takes them as {D, C, B, A}; D is unused.
POSTGRES_WEIGHTS = literal_column("'{0.1, 0.2, 0.5, 1.0}'::float4[]")
SQLITE_WEIGHTS = (10.0, 5.0, 2.0)
FTS_TABLE = "search_fts"
INSERT_BATCH = 500
documents_table = SearchDocument.__table__
_fts = table(FTS_TABLE, column("rowid"))
_vector = literal_column("search_documents.vector")
# The terms are analysed already: the 'simple' configuration only splits them on spaces.
SIMPLE = literal_column("'simple'::regconfig")
# A document's place lexeme on PostgreSQL, `@226`: analysed words hold only a-z and 0-9, so no query
# word can match it (migration 0012_search adds it to the tsvector).
PLACE_PREFIX = "@"


def _terms(texts: list[str]) -> str:
    return " ".join(chain.from_iterable(analysis.index_terms(text) for text in texts))


def is_live(record) -> bool:
    return getattr(record, "deleted_at", None) is None


def _published(record) -> bool:
    return getattr(record, "status", "published") == "published"


def _rows(records: list) -> list[dict]:
    rows = []
    for record in records:
        kind, texts_of = documents.KINDS[type(record)]
        texts = texts_of(record)
        rows.append(
            {
                "kind": kind,
                "record_id": record.id,
                "title": _terms(texts.title),
                "keywords": _terms(texts.keywords),
                "body": _terms(texts.body),
                "published": _published(record),
                "label": texts.label,
                "label_key": analysis.label_key(texts.label),
                "municipality": texts.municipality,
            }
        )
    return rows


def write(connection, records: list, removed: list = (), *, new: bool = False) -> None:
    """Replace the documents of the given records (and drop those of removed ones) in this transaction.

    `new` records have no documents yet, so there are none to delete: a bulk load skips the lookups
    (whose plan, made while the table grows inside one transaction, can turn into scans).
    """
    ids_by_kind: dict[str, list[str]] = {}
    for record in chain(() if new else records, removed):
        ids_by_kind.setdefault(documents.KINDS[type(record)][0], []).append(record.id)
    d = documents_table.c
    old = []
    for kind, ids in ids_by_kind.items():
        # One kind at a time, so the (kind, record_id) unique index finds the old rows.
        statement = delete(documents_table).where(d.kind == kind, d.record_id.in_(ids))
        old += [{"kind": kind, **row._mapping} for row in connection.execute(statement.returning(d.published, d.title, d.keywords, d.body))]
    rows = _rows([record for record in records if is_live(record)])
    vocabulary.count(connection, old, rows)
    # One compiled statement run for many rows, in slices of bounded size: a pipelined executemany of
    # thousands of rows can fill the socket while PostgreSQL builds the tsvectors, and the
    # connection's TCP timeout then fires.
    statement = insert(documents_table)
    for start in range(0, len(rows), INSERT_BATCH):
        connection.execute(statement, rows[start : start + INSERT_BATCH])


def index_new_records(session: Session, model, ids: list[str], batch: int = 2000) -> None:
    """Index records just inserted past the ORM (core bulk inserts) in the same transaction; ORM writes need nothing."""
    for start in range(0, len(ids), batch):
        # Documents hold only the records' own columns, so their relationships are not loaded.
        query = select(model).where(model.id.in_(ids[start : start + batch])).options(lazyload("*"))
        write(session.connection(), list(session.scalars(query)), new=True)


class _AsStored:
    """A record's attributes as they were before the flush under way (its history still holds them)."""

    def __init__(self, record):
        self._state = inspect(record)

    def __getattr__(self, name: str):
        attribute = self._state.mapper.attrs[name]
        if isinstance(attribute, CompositeProperty):
            return attribute.composite_class(*(self._before(prop.key) for prop in attribute.props))
        return self._before(name)

    def _before(self, key: str):
        history = self._state.attrs[key].history
        if history.added and not history.deleted:
            raise _NotLoaded(key)  # set without its old value loaded: what it was is unknown
        return history.deleted[0] if history.deleted else getattr(self._state.obj(), key)


class _NotLoaded(LookupError):
    pass


def _document_changes(record) -> bool:
    """Whether the flush changes what the record's document holds: its texts, publication or liveness.

    A write of fields no search reads (a founding year, a phone number) leaves the document, and the
    vocabulary's version, as they are.
    """
    texts_of = documents.KINDS[type(record)][1]
    before = _AsStored(record)
    try:
        stored = (texts_of(before), _published(before), is_live(before))
    except _NotLoaded:
        return True
    return stored != (texts_of(record), _published(record), is_live(record))


def _after_flush(session: Session, _context) -> None:
    """Every ORM write of a searchable record, whoever makes it, rewrites its document before commit if it changes it."""
    # A record assigned the values it had (a write that changed nothing) is dirty but unmodified.
    modified = (obj for obj in session.dirty if type(obj) in documents.KINDS and session.is_modified(obj) and _document_changes(obj))
    changed = [obj for obj in chain(session.new, modified) if type(obj) in documents.KINDS]
    removed = [obj for obj in session.deleted if type(obj) in documents.KINDS]
    if changed or removed:
        write(session.connection(), changed, removed)


def made_by_migration(name: str | None, type_: str, parent_names: dict) -> bool:
    """Alembic's include_name: autogenerate leaves alone what the search migration made for one database only."""
    if type_ == "table":
        return not (name or "").startswith(FTS_TABLE)
    if type_ == "column":
        return not (parent_names.get("table_name") == "search_documents" and name == "vector")
    if type_ == "index":
        return name not in ("ix_search_documents_vector", "ix_companies_tags_folded")
    return True


def clear(connection) -> None:
    """Drop every document and the vocabulary; the next write starts a new generation of it."""
    for model in (SearchDocument, SearchTerm, SearchVocabulary):
        connection.execute(delete(model.__table__))


def register(app, session) -> None:
    """Index every ORM write (answers name their corrections through add_corrections_header)."""
    if not event.contains(session, "after_flush", _after_flush):
        event.listen(session, "after_flush", _after_flush)


def _fts_query(alternatives: list[tuple[str, ...]]) -> str:
    return " AND ".join("(" + " OR ".join(f'"{term}"' for term in terms) + ")" for terms in alternatives)


def _tsquery(alternatives: list[tuple[str, ...]]) -> str:
    return " & ".join("(" + " | ".join(terms) + ")" for terms in alternatives)


def _place_query(municipalities: list[str]) -> str:
    """A tsquery text of place lexemes, quoted so that they stay verbatim: `'@226' | '@931'`."""
    return " | ".join(f"'{PLACE_PREFIX}{code}'" for code in municipalities)


def matches(kind: str, text: str, dialect: str, municipalities: list[str] | None = None):
    """A subquery of (record_id, rank, label_key) for the records of a kind matching every word; lower rank is better.

    Words that no record visible to the reader holds are corrected first (see vocabulary.correct); the
    corrections are kept for the answer's X-Search-Corrections header (see answer_headers).
    `municipalities` (three-digit codes, validated) keep only the documents of records in one of them:
    on PostgreSQL inside the GIN index, ANDed to the words. The caller still filters its own column,
    which lets the planner count a page's matches from the municipality's index entries (measured at
    100,000 companies: without it, PostgreSQL joins by reading every company or probing once per match).
    """
    query_words = analysis.query_words(text)
    alternatives, corrections = vocabulary.correct(db.session.connection(), kind, query_words, sees_drafts())
    if corrections:
        g.search_corrections = {**g.get("search_corrections", {}), **corrections}
    d = documents_table.c
    if not alternatives:
        return select(d.record_id, literal(0.0).label("rank"), d.label_key).where(false()).subquery("search")
    if dialect == "postgresql":
        query = func.to_tsquery(SIMPLE, _tsquery(alternatives))
        rank = -func.ts_rank(POSTGRES_WEIGHTS, _vector, query)
        # The municipalities narrow inside the index, not after ranking every match in the region; the
        # rank is that of the words alone, so the order is as without them.
        matched = query.op("&&")(cast(_place_query(municipalities), TSQUERY)) if municipalities else query
        return (
            select(d.record_id, rank.label("rank"), d.label_key)
            .where(d.kind == kind, _vector.op("@@")(matched))
            .subquery("search")
        )
    fts = literal_column(FTS_TABLE)
    # The match runs once and drives the join: materialised, so that an outer query (such as a page's
    # count) cannot flatten it into a loop over companies, and `kind || ''` keeps SQLite from starting
    # at the (kind, record_id) index and probing the full-text index once per document.
    query = (
        select(d.record_id, func.bm25(fts, *SQLITE_WEIGHTS).label("rank"), d.label_key)
        .select_from(_fts.join(documents_table, d.id == _fts.c.rowid))
        .where(fts.op("MATCH")(_fts_query(alternatives)), d.kind.concat("") == kind)
    )
    if municipalities:
        query = query.where(d.municipality.in_(municipalities))
    return query.cte("search").prefix_with("MATERIALIZED")


def relevance(found) -> tuple:
    """How a list sorts the matches of `found` by relevance: by rank, then by folded name, so equal ranks
    come in the same order on both databases (not in the order of random ids)."""
    return found.c.rank, found.c.label_key


def answer_headers() -> dict[str, str]:
    """X-Search-Corrections for an answer whose query had words corrected: {"karstla": "karstula"}.

    A list keeps it with its cached answer (see records.read_page); other answers get it on the way out.
    """
    corrections = g.get("search_corrections")
    return {SEARCH_CORRECTIONS_HEADER: json.dumps(corrections)} if corrections else {}


def add_corrections_header(response):
    if response.status_code == 200:
        for name, value in answer_headers().items():
            response.headers.setdefault(name, value)
    return response
