"""The indexed terms of each kind: counted in the database with the documents, mirrored in each process to correct typos.

Every write of documents adjusts `search_terms` (how many live, and how many published, documents hold
each term) and takes the kind's next vocabulary version, in the same transaction. A process keeps a
mirror per kind and, before correcting a query, compares its version with the database's (one primary
key lookup); when another worker or host has written meanwhile, it reads just the terms changed since.
So no process corrects against a stale vocabulary, however many serve.
"""

import threading
import uuid
from dataclasses import dataclass, field

from flask import current_app
from rapidfuzz import process
from rapidfuzz.distance import OSA
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from api.models import SearchTerm, SearchVocabulary
from api.search import analysis

BATCH = 500
# Edit distance allowed by word length (letters of the folded word): the contract's rule.
SHORTEST_CORRECTED = 4
SHORTEST_WITH_TWO_EDITS = 8

terms_table = SearchTerm.__table__
vocabularies_table = SearchVocabulary.__table__
_mirrors_lock = threading.Lock()


def allowed_edits(word: str) -> int:
    """None for words under 4 letters (and numbers), one for 4–7 letters, two for longer words."""
    if len(word) < SHORTEST_CORRECTED or word.isdigit():
        return 0
    return 1 if len(word) < SHORTEST_WITH_TWO_EDITS else 2


def document_terms(document: dict) -> set[str]:
    """The distinct terms of a document that can be corrected to (numbers never are)."""
    return {
        term
        for column in ("title", "keywords", "body")
        for term in document[column].split()
        if not term.isdigit()
    }


def _insert(connection):
    return (postgresql if connection.dialect.name == "postgresql" else sqlite).insert


def _next_version(connection, kind: str) -> int:
    """Take the kind's next version; the row stays locked until commit, so versions follow commit order."""
    statement = _insert(connection)(vocabularies_table).values(kind=kind, generation=uuid.uuid4().hex, version=1)
    statement = statement.on_conflict_do_update(
        index_elements=["kind"], set_={"version": vocabularies_table.c.version + 1}
    ).returning(vocabularies_table.c.version)
    return connection.execute(statement).scalar_one()


def count(connection, removed: list[dict], added: list[dict]) -> None:
    """Adjust the term counts for documents removed and added (dicts of kind, published, title, keywords, body)."""
    deltas: dict[str, dict[str, list[int]]] = {}
    for sign, documents in ((-1, removed), (1, added)):
        for document in documents:
            of_kind = deltas.setdefault(document["kind"], {})
            for term in document_terms(document):
                delta = of_kind.setdefault(term, [0, 0])
                delta[0] += sign if document["published"] else 0
                delta[1] += sign
    # Kinds in a fixed order, so that two transactions writing several kinds lock their versions alike.
    for kind in sorted(deltas):
        changed = {term: delta for term, delta in deltas[kind].items() if delta != [0, 0]}
        if changed:
            _apply(connection, kind, changed)


def _apply(connection, kind: str, changed: dict[str, list[int]]) -> None:
    """Add the changes to the stored counts in the statement that writes them: no read of the counts first."""
    version = _next_version(connection, kind)
    rows = [
        {"kind": kind, "term": term, "published": changed[term][0], "total": changed[term][1], "version": version}
        for term in sorted(changed)
    ]
    c = terms_table.c
    statement = _insert(connection)(terms_table)
    statement = statement.on_conflict_do_update(
        index_elements=["kind", "term"],
        set_={
            "published": c.published + statement.excluded.published,
            "total": c.total + statement.excluded.total,
            "version": statement.excluded.version,
        },
    )
    for start in range(0, len(rows), BATCH):
        connection.execute(statement, rows[start : start + BATCH])


@dataclass
class Mirror:
    """One process's copy of a kind's vocabulary at `version`, with terms bucketed by length per audience."""

    generation: str | None = None
    version: int = 0
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)
    # (drafts visible, length) → terms that some live document visible to that audience holds.
    buckets: dict[tuple[bool, int], set[str]] = field(default_factory=dict)

    def apply(self, rows) -> None:
        for term, published, total, _version in rows:
            before = self.counts.get(term, (0, 0))
            for drafts, was, now in ((False, before[0], published), (True, before[1], total)):
                if (was > 0) != (now > 0):
                    bucket = self.buckets.setdefault((drafts, len(term)), set())
                    (bucket.add if now > 0 else bucket.discard)(term)
            self.counts[term] = (published, total)

    def frequency(self, term: str, drafts: bool) -> int:
        return self.counts.get(term, (0, 0))[drafts]

    def nearest(self, word: str, drafts: bool) -> list[str]:
        """The visible terms at the smallest edit distance within the word's allowance (a swap is one edit)."""
        edits = allowed_edits(word)
        if not edits:
            return []
        choices = [
            term for length in range(len(word) - edits, len(word) + edits + 1) for term in self.buckets.get((drafts, length), ())
        ]
        found = process.extract(word, choices, scorer=OSA.distance, score_cutoff=edits, limit=None)
        if not found:
            return []
        best = min(distance for _, distance, _ in found)
        return sorted(term for term, distance, _ in found if distance == best)


def _synced(connection, kind: str) -> Mirror:
    """This process's mirror of the kind's vocabulary, brought up to the database's version (call under the lock)."""
    v, c = vocabularies_table.c, terms_table.c
    stored = connection.execute(select(v.generation, v.version).where(v.kind == kind)).first()
    mirrors = current_app.extensions.setdefault("search_vocabulary", {})
    if stored is None:
        mirrors.pop(kind, None)
        return Mirror()
    mirror = mirrors.get(kind)
    if mirror is None or mirror.generation != stored.generation or mirror.version > stored.version:
        mirror = mirrors[kind] = Mirror(generation=stored.generation)
    if mirror.version < stored.version:
        # Rows carry absolute counts, so rows committed after the version was read apply just as well.
        rows = connection.execute(select(c.term, c.published, c.total, c.version).where(c.kind == kind, c.version > mirror.version)).all()
        mirror.apply(rows)
        mirror.version = max([stored.version, *(row.version for row in rows)])
    return mirror


def correct(connection, kind: str, query_words: list[tuple[str, tuple[str, ...]]], drafts: bool):
    """Replace the alternatives of each word that no visible document holds by its nearest visible terms.

    Answers (alternatives per word, {word as typed: correction shown to the reader}). A word that some
    visible document holds is never corrected.
    """
    alternatives, corrections = [], {}
    with _mirrors_lock:
        mirror = _synced(connection, kind)
        for word, terms in query_words:
            if not any(mirror.frequency(term, drafts) for term in terms):
                nearest = mirror.nearest(analysis.fold(word), drafts)
                if nearest:
                    terms = tuple(nearest)
                    shown = min(nearest, key=lambda term: (analysis.spelling(term) is None, -mirror.frequency(term, drafts), term))
                    corrections[word] = analysis.spelling(shown) or shown
            if terms not in alternatives:
                alternatives.append(terms)
    return alternatives, corrections
