"""Type-ahead: municipalities, names of records and indexed words that start with what the reader has typed."""

from dataclasses import dataclass

from sqlalchemy import func, select

from api.extensions import db
from api.models import Municipality, SearchDocument, SearchTerm
from api.search import analysis

# Folded keys hold a–z, 0–9 and spaces, all of which sort before "{": [key, key + "{") is the prefix's range.
AFTER_EVERY_KEY = "{"
# Terms are fetched beyond the limit because inflected forms and non-words among them are left out.
TERMS_FETCHED_PER_SUGGESTION = 4


@dataclass(frozen=True)
class Suggestion:
    text: str
    kind: str
    id: str | None


def _in_range(column, key: str):
    return column.between(key, key + AFTER_EVERY_KEY)


def _municipalities(key: str, drafts: bool) -> list[Suggestion]:
    query = select(Municipality).where(Municipality.deleted_at.is_(None)).order_by(Municipality.code)
    if not drafts:
        query = query.where(Municipality.status == "published")
    found = []
    for municipality in db.session.scalars(query):
        names = [name for name in (municipality.name.fi, municipality.name.sv, municipality.name.en) if name]
        matching = next((name for name in names if analysis.label_key(name).startswith(key)), None)
        if matching:
            found.append(Suggestion(matching, "municipality", municipality.code))
    return found


def _names(key: str, limit: int, drafts: bool) -> list[Suggestion]:
    d = SearchDocument.__table__.c
    query = select(d.kind, d.record_id, d.label).where(_in_range(d.label_key, key)).order_by(d.label_key, d.id).limit(limit)
    if not drafts:
        query = query.where(d.published)
    return [Suggestion(row.label, row.kind, row.record_id) for row in db.session.execute(query)]


def _words(key: str, limit: int, drafts: bool) -> list[Suggestion]:
    t = SearchTerm.__table__.c
    frequency = func.sum(t.total if drafts else t.published)
    query = (
        select(t.term)
        .where(_in_range(t.term, key))
        .group_by(t.term)
        .having(frequency > 0)
        .order_by(frequency.desc(), t.term)
        .limit(limit * TERMS_FETCHED_PER_SUGGESTION)
    )
    words = [analysis.headword(term) for term in db.session.scalars(query)]
    return [Suggestion(word, "term", None) for word in words if word]


def suggest(prefix: str, limit: int, drafts: bool) -> list[Suggestion]:
    """Best first: municipalities, then the most frequent words (half the places), then names, then more words."""
    key = analysis.label_key(prefix)
    places = _municipalities(key, drafts)
    names = _names(key, limit, drafts)
    shown = {analysis.label_key(suggestion.text) for suggestion in places + names}
    # A word is one word: after a space only names can continue what was typed.
    words = [word for word in _words(key, limit, drafts) if analysis.label_key(word.text) not in shown] if " " not in key else []
    half = max(1, (limit - len(places)) // 2)
    ranked = places + words[:half] + names + words[half:]
    return ranked[:limit]
