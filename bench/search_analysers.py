"""Compare Finnish analysers on the search recall set: recall@10, load time, time per word, memory.

Run: .venv/bin/python bench/search_analysers.py
Each analyser indexes tests/data/search_companies.json in memory and answers tests/data/search_queries.tsv
with the same matching (every query word must match one of its terms) and the same ranking (title,
keyword and body weights as in api.search). The API's own figure comes from tests/test_search.py,
which runs the set through the real databases.
"""

import csv
import json
import resource
import sys
import time
from pathlib import Path

import snowballstemmer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.domain.industry import industry  # noqa: E402
from api.search import analysis  # noqa: E402

DATA = ROOT / "tests" / "data"
WEIGHTS = (10.0, 5.0, 2.0)
STEM = snowballstemmer.stemmer("finnish")


def snowball_index(word):
    folded = analysis.fold(word)
    return () if not folded or folded in analysis.STOPWORDS else (STEM.stemWord(folded),)


def snowball_query(word):
    return snowball_index(word)


class SplittingSnowball:
    """Snowball stems plus a dictionary-free compound split: a word splits where both halves are
    words seen in the indexed text (the usual trick without a lexicon)."""

    def __init__(self, texts):
        self.vocabulary = {analysis.fold(w) for text in texts for w in analysis.words(text)}
        self.stems = {STEM.stemWord(w) for w in self.vocabulary}

    def index(self, word):
        folded = analysis.fold(word)
        if not folded or folded in analysis.STOPWORDS:
            return ()
        terms = {STEM.stemWord(folded)}
        for cut in range(3, len(folded) - 2):
            head, tail = folded[:cut], folded[cut:]
            if (head in self.vocabulary or STEM.stemWord(head) in self.stems) and STEM.stemWord(tail) in self.stems:
                terms |= {STEM.stemWord(head), STEM.stemWord(tail)}
        return tuple(terms)

    def query(self, word):
        return snowball_index(word)


def documents():
    companies = json.loads((DATA / "search_companies.json").read_text(encoding="utf-8"))
    for c in companies:
        label = industry(c["industry_code"]).label
        yield c["name"], (
            [c["name"]],
            [*c["tags"], label["fi"], label["en"], c["post_office"]],
            list(c["description"].values()),
        )


def recall(index_word, query_word) -> float:
    docs = []
    for name, fields in documents():
        docs.append((name, [[t for text in field for w in analysis.words(text) for t in index_word(w)] for field in fields]))
    with (DATA / "search_queries.tsv").open(encoding="utf-8", newline="") as handle:
        pairs = [(row["query"], row["expected company"]) for row in csv.DictReader(handle, delimiter="\t")]
    hits = 0
    for query, expected in pairs:
        alternatives = [set(query_word(w)) for w in analysis.words(query)]
        alternatives = [a for a in alternatives if a]
        scored = []
        for name, fields in docs:
            terms = [set(field) for field in fields]
            if alternatives and all(any(a & t for t in terms) for a in alternatives):
                score = sum(max((weight for weight, t in zip(WEIGHTS, terms) if a & t), default=0) for a in alternatives)
                scored.append((-score, sum(map(len, fields)), name))
        hits += expected in [name for *_, name in sorted(scored)[:10]]
    return hits / len(pairs), len(pairs)


def main() -> None:
    texts = [text for _, fields in documents() for field in fields for text in field]
    started = time.perf_counter()
    analysis.index_terms_of_word("saha")
    load = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    words = sorted({w for text in texts for w in analysis.words(text)})
    started = time.perf_counter()
    for word in words:
        analysis.index_terms_of_word.__wrapped__(word)
    per_word = (time.perf_counter() - started) / len(words) * 1000
    splitting = SplittingSnowball(texts)
    print(f"{'analyser':42} recall@10  queries")
    for label, index_word, query_word in (
        ("snowball (PyStemmer/snowballstemmer)", snowball_index, snowball_query),
        ("snowball + vocabulary compound splitting", splitting.index, splitting.query),
        ("Voikko (pyvoikko) lemmas + compound parts", analysis.index_terms_of_word, analysis.query_alternatives_of_word),
    ):
        value, count = recall(index_word, query_word)
        print(f"{label:42} {value:9.3f}  {count}")
    print(f"Voikko: load {load:.2f} s, {per_word:.2f} ms per distinct word ({len(words)} words), peak RSS {rss:.0f} MB")


if __name__ == "__main__":
    main()
