"""Type-ahead: municipalities, names of records and indexed words that start with what the reader has typed."""

from dataclasses import dataclass
from functools import cache

from sqlalchemy import Integer, bindparam, func, literal, null, select, union_all

from api.extensions import db
from api.models import Municipality, SearchDocument, SearchTerm
from api.search import analysis

# Folded keys hold a–z, 0–9 and spaces, all of which sort before "{": [key, key + "{") is the prefix's range.
AFTER_EVERY_KEY = "{"
# Terms are fetched beyond the limit because inflected forms and non-words among them are left out.
TERMS_FETCHED_PER_SUGGESTION = 4
# The kinds type-ahead offers (the contract's); strategy actions are searched in their own list only.
NOT_SUGGESTED = ("action",)


@dataclass(frozen=True)
class Suggestion:
    text: str
    kind: str
    id: str | None


def _in_range(column):
    return column.between(bindparam("key"), bindparam("after_key"))


def _folded(column):
    """ä, ö and å as a, o and a, in lower case: the SQL twin of analysis.fold for names (SQLite's lower() is ASCII only)."""
    for letters, plain in (("äÄ", "a"), ("öÖ", "o"), ("åÅ", "a")):
        for letter in letters:
            column = func.replace(column, letter, plain)
    return func.lower(column)


def _municipalities(drafts: bool):
    m = Municipality.__table__.c
    # A folded key holds only a-z, 0-9 and spaces: nothing that LIKE would read as a wildcard.
    query = select(
        literal(0).label("source"), m.name_fi.label("text"), literal("municipality").label("kind"), m.code.label("id")
    ).where(m.deleted_at.is_(None), _folded(m.name_fi).startswith(bindparam("key")))
    return query if drafts else query.where(m.status == "published")


def _names(drafts: bool):
    d = SearchDocument.__table__.c
    query = select(literal(2).label("source"), d.label.label("text"), d.kind, d.record_id.label("id"))
    query = query.where(_in_range(d.label_key), d.kind.not_in(NOT_SUGGESTED)).order_by(d.label_key, d.id).limit(bindparam("names", type_=Integer))
    return query if drafts else query.where(d.published)


def _words(drafts: bool):
    t = SearchTerm.__table__.c
    frequency = func.sum(t.total if drafts else t.published)
    return (
        select(literal(1).label("source"), t.term.label("text"), literal("term").label("kind"), null().label("id"))
        .where(_in_range(t.term), t.kind.not_in(NOT_SUGGESTED))
        .group_by(t.term)
        .having(frequency > 0)
        .order_by(frequency.desc(), t.term)
        .limit(bindparam("words", type_=Integer))
    )


@cache
def _statement(drafts: bool, words: bool):
    """Built once per audience and shape, so a keystroke costs no statement building (values are bound)."""
    parts = [_municipalities(drafts), _names(drafts)] + ([_words(drafts)] if words else [])
    return union_all(*(part.subquery().select() for part in parts))


def suggest(prefix: str, limit: int, drafts: bool) -> list[Suggestion]:
    """Best first: municipalities, then the most frequent words (half the places), then names, then more words.

    One statement (a round trip per keystroke), each part an index range scan with a limit.
    """
    key = analysis.label_key(prefix)
    # A word is one word: after a space only names can continue what was typed.
    statement = _statement(drafts, " " not in key)
    values = {"key": key, "after_key": key + AFTER_EVERY_KEY, "names": limit, "words": limit * TERMS_FETCHED_PER_SUGGESTION}
    rows = db.session.execute(statement, values).all()
    found = {source: [] for source in range(3)}
    for row in rows:
        found[row.source].append(row)
    places = [Suggestion(row.text, row.kind, row.id) for row in sorted(found[0], key=lambda row: row.text)]
    names = [Suggestion(row.text, row.kind, row.id) for row in found[2]]
    shown = {analysis.label_key(suggestion.text) for suggestion in places + names}
    words = [
        Suggestion(word, "term", None)
        for row in found[1]
        if (word := analysis.headword(row.text)) and analysis.label_key(word) not in shown
    ]
    half = max(1, (limit - len(places)) // 2)
    return (places + words[:half] + names + words[half:])[:limit]
