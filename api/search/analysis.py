"""Finnish text analysis, the same at indexing and query time: lemmas, compound parts, ä/ö folding."""

import itertools
import re
import threading
import unicodedata
from functools import cache, lru_cache

import snowballstemmer

WORD = re.compile(r"[^\W_]+")
MAX_WORD_LENGTH = 60
# Typing a word without ä/ö leaves a and o; trying each as ä/ö costs 2^n lookups, so n is capped.
MAX_RESTORED_VOWELS = 6
MIN_PART_LENGTH = 3
# How often a record's term is indexed, by how closely it stands for the record's word.
REPEATS = {"as written": 3, "base form": 2, "part": 1}
# Words too common to tell records apart: connectives and company-form suffixes (folded).
STOPWORDS = frozenset(
    "ja tai seka etta on ovat oy oyj ab ky tmi ay ry osk and or of the for in to with och eller med av".split()
)

_lexicon_lock = threading.Lock()


@cache
def load_lexicon():
    """Voikko's Finnish morphology (the voikko-fi transducer, run by kfst), loaded on first use.

    Loading takes about a second with the kfst-rs accelerator, so it happens once per process
    (gunicorn loads it in the master, before forking).
    """
    import pyvoikko

    return pyvoikko


@cache
def _stemmer():
    return snowballstemmer.stemmer("finnish")


def fold(text: str) -> str:
    """Lowercase ASCII letters and digits: ä → a, ö → o, å → a, é → e; anything else is dropped."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if char.isascii() and char.isalnum())


def words(text: str) -> list[str]:
    return [word for word in WORD.findall(text.lower()) if 1 < len(word) <= MAX_WORD_LENGTH]


def _base_forms(word: str) -> tuple[frozenset[str], frozenset[str]] | None:
    """(lemmas, compound parts) of a word Voikko knows, or None."""
    with _lexicon_lock:
        analyses = load_lexicon().analyse(word)
    if not analyses:
        return None
    lemmas, parts = set(), set()
    for analysis in analyses:
        # Proper names mark their compound seams with "=": Viita=saari.
        pieces = [fold(piece) for piece in analysis.BASEFORM.split("=")]
        lemmas.add("".join(pieces))
        if len(pieces) > 1:
            parts.update(pieces)
        compound = analysis.COMPOUND_PARTS or []
        parts.update(fold(part.BASEFORM) for part in compound)
        # Runs of adjacent parts are words of their own: puun+jalostus+teollisuus holds "puunjalostus",
        # luomu+naudan+lihaa holds "naudanliha" (a run that ends the word ends in its base form).
        forms = [fold(part.FORM) for part in compound]
        if forms:
            forms[-1] = fold(compound[-1].BASEFORM)
        for start, end in itertools.combinations(range(len(forms) + 1), 2):
            if 1 < end - start < len(forms):
                parts.add("".join(forms[start:end]))
    lemmas.discard("")
    return frozenset(lemmas), frozenset(part for part in parts if len(part) >= MIN_PART_LENGTH) - lemmas


def _with_umlauts(word: str) -> list[str]:
    """Spellings of a word typed without ä/ö: each a may be ä and each o may be ö."""
    positions = [index for index, char in enumerate(word) if char in "ao"]
    if not positions:
        return []
    if len(positions) > MAX_RESTORED_VOWELS:
        return [word.replace("a", "ä").replace("o", "ö")]
    spellings = []
    for choice in itertools.product((False, True), repeat=len(positions)):
        if any(choice):
            letters = list(word)
            for index, umlaut in zip(positions, choice):
                if umlaut:
                    letters[index] = "ä" if word[index] == "a" else "ö"
            spellings.append("".join(letters))
    return spellings


@lru_cache(maxsize=200_000)
def index_terms_of_word(word: str) -> tuple[str, ...]:
    """What a word in a record is found by: its folded form, lemmas and compound parts (stem if unknown).

    Each term is repeated by the closest way it stands for the word (see REPEATS): both databases rank a
    record higher the more often it holds a query's term, so the word as typed ranks above an inflected
    form, which ranks above a compound part.
    """
    folded = fold(word)
    if not folded or folded in STOPWORDS:
        return ()
    known = None if folded.isdigit() else _base_forms(word)
    lemmas, parts = known if known else ({_stemmer().stemWord(folded)}, frozenset())
    repeats = dict.fromkeys(parts, REPEATS["part"])
    repeats.update(dict.fromkeys(lemmas, REPEATS["base form"]))
    repeats[folded] = REPEATS["as written"]
    return tuple(term for term in sorted(repeats) for _ in range(repeats[term]))


@lru_cache(maxsize=20_000)
def query_alternatives_of_word(word: str) -> tuple[str, ...]:
    """Terms any of which a record must hold to match a word of a query."""
    folded = fold(word)
    if not folded or folded in STOPWORDS:
        return ()
    if folded.isdigit():
        return (folded,)
    known = _base_forms(word)
    if known is None:
        restored = [forms for spelling in _with_umlauts(word) if (forms := _base_forms(spelling))]
        if restored:
            known = (frozenset().union(*(lemmas for lemmas, _ in restored)), frozenset())
    terms = {folded}
    if known:
        terms |= known[0]
    else:
        terms.add(_stemmer().stemWord(folded))
    return tuple(sorted(terms))


def index_terms(text: str | None) -> list[str]:
    if not text:
        return []
    return [term for word in words(text) for term in index_terms_of_word(word)]


def query_words(text: str) -> list[tuple[str, tuple[str, ...]]]:
    """Each searchable word of the query (lowercased, as typed) with the terms any of which a record must hold."""
    return [(word, terms) for word in dict.fromkeys(words(text)) if (terms := query_alternatives_of_word(word))]


def label_key(text: str) -> str:
    """A name folded word by word (`Kivijärven Erämatkat Oy` → `kivijarven eramatkat oy`), for prefix lookups."""
    return " ".join(folded for piece in text.lower().split() if (folded := fold(piece)))


@lru_cache(maxsize=20_000)
def spelling(term: str) -> str | None:
    """The Finnish word a folded term stands for, its ä and ö restored (`jarvi` → `järvi`), or None if it is no word."""
    if term.isdigit():
        return None
    for candidate in [term, *_with_umlauts(term)]:
        if _base_forms(candidate) is not None:
            return candidate
    return None


@lru_cache(maxsize=20_000)
def headword(term: str) -> str | None:
    """The dictionary form a folded term is, ä and ö restored (`jarvi` → `järvi`); None for inflected forms and non-words."""
    if term.isdigit():
        return None
    for candidate in [term, *_with_umlauts(term)]:
        known = _base_forms(candidate)
        if known and term in known[0]:
            return candidate
    return None
