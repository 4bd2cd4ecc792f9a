"""Likely duplicate companies: candidates blocked by shared keys, then scored pair by pair.

Comparing every company with every other is quadratic (5·10⁹ pairs at 100,000). Instead one pass over
the live companies puts each into blocks (its normalised name, phone, e-mail, website domain, and map
cell), and only companies sharing a block, or lying in neighbouring map cells, are compared. A block
larger than BLOCK_LIMIT is a common value (a generic or a chain's name, a shared switchboard, a hosting
platform's domain), not a sign of one company listed twice, and pairs nothing: its pairs would bury the
real duplicates.

A pair's score is 1 − Π(1 − wᵢ) over its reasons' weights (WEIGHTS): each reason alone gives its
weight, and each further reason raises the score towards 1 without reaching it.
"""

import math
import re
import threading
import unicodedata
from collections import defaultdict
from itertools import combinations
from typing import NamedTuple

from cachetools import LRUCache
from rapidfuzz import fuzz
from sqlalchemy import func, select

from api.extensions import db
from api.models import Company, DismissedDuplicate

# Company forms (Finnish and Swedish, with their long forms) and joining words, set aside in names.
FORMS = frozenset({
    "oy", "oyj", "osakeyhtio", "ab", "abp", "aktiebolag", "ky", "kommandiittiyhtio", "kb", "kommanditbolag",
    "tmi", "toiminimi", "ay", "avoinyhtio", "ob", "oppetbolag", "osk", "osuuskunta", "andelslag", "anl",
    "ry", "rf", "rs", "sr", "ltd", "oyab", "ja", "och", "and",
})
WEIGHTS = {"same_name": 0.7, "same_phone": 0.6, "same_email": 0.6, "same_domain": 0.5, "nearby_similar_name": 0.8}
BITS = {reason: 1 << number for number, reason in enumerate(WEIGHTS)}
# Each combination of bits as its reasons, in WEIGHTS order.
REASONS_OF = [tuple(reason for reason, bit in BITS.items() if bits & bit) for bits in range(1 << len(BITS))]
BLOCK_LIMIT = 10
NEARBY_M = 200.0
# Names at least this similar (rapidfuzz ratio, 0–100) count near each other; the nearby weight grows
# from 0 at this similarity to its full weight at identical names.
SIMILAR_NAMES = 80.0
EARTH_RADIUS_M = 6_371_000.0
CELL_LAT = math.degrees(NEARBY_M / EARTH_RADIUS_M)
NEARBY_RADIANS_SQUARED = (NEARBY_M / EARTH_RADIUS_M) ** 2
# A cell is at least NEARBY_M wide up to 70° N (all of Finland), so a neighbour within NEARBY_M lies in
# one of the 3 × 3 cells around a company's own.
CELL_LON = CELL_LAT / math.cos(math.radians(70))
# Each cell compared with itself and four of its neighbours: every neighbouring pair once.
FORWARD = ((0, 0), (0, 1), (1, -1), (1, 0), (1, 1))
PUNCTUATION = re.compile(r"[^\w\s]")
NORDIC = str.maketrans("äöå", "aoa")
# The host of an absolute URL (what urlsplit gives as hostname, at a fraction of its cost).
HOST = re.compile(r"^[a-z][a-z0-9+.-]*://(?:[^@/?#]*@)?([^:/?#]+)")


class Pair(NamedTuple):
    companies: tuple[str, str]
    score: float
    reasons: tuple[str, ...]
    # Municipality codes of the two companies (a limited editor sees pairs touching their area).
    municipalities: tuple[str | None, str | None]


def fold(text: str) -> str:
    """Lower case without accents: ä → a, ö → o, å → a, é → e."""
    folded = text.casefold().translate(NORDIC)
    if folded.isascii():
        return folded  # the common case, without decomposing every letter
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(character for character in decomposed if not unicodedata.combining(character))


def name_words(name: str) -> list[str]:
    """A name's words, folded, without punctuation (so T:mi is tmi) nor company forms."""
    words = PUNCTUATION.sub("", fold(name)).split()
    kept = [word for word in words if word not in FORMS]
    return kept or words


def name_key(name: str) -> str:
    """Names equal but for forms, case, accents, punctuation and spacing share a key."""
    return "".join(name_words(name))


def domain(website: str | None) -> str | None:
    """A website's host without `www.`: https://www.x.fi/a and http://x.fi share x.fi."""
    host = HOST.match(website.lower()) if website else None
    return host.group(1).removeprefix("www.") if host else None


def find() -> list[Pair]:
    """Every likely pair of live companies (drafts too), best first."""
    rows = db.session.execute(
        select(Company.id, Company.name, Company.municipality, Company.phone, Company.email, Company.website, Company.latitude, Company.longitude)
        .where(Company.deleted_at.is_(None))
        .order_by(Company.id)
    ).all()
    names = [" ".join(name_words(row.name)) for row in rows]
    blocks: dict[tuple[str, str], list[int]] = defaultdict(list)
    cells: dict[tuple[int, int], list[int]] = defaultdict(list)
    for index, row in enumerate(rows):
        for reason, key in (
            ("same_name", names[index].replace(" ", "")),
            ("same_phone", row.phone),
            ("same_email", row.email and row.email.casefold()),
            ("same_domain", domain(row.website)),
        ):
            if key:
                blocks[reason, key].append(index)
        if row.latitude is not None and row.longitude is not None:
            cells[math.floor(row.latitude / CELL_LAT), math.floor(row.longitude / CELL_LON)].append(index)

    # (first, second) → reasons found, a bit each (BITS); nearby pairs' weights apart.
    found: dict[tuple[int, int], int] = defaultdict(int)
    nearby: dict[tuple[int, int], float] = {}
    for (reason, _key), members in blocks.items():
        if 1 < len(members) <= BLOCK_LIMIT:
            for pair in combinations(members, 2):
                found[pair] |= BITS[reason]
    # Radians and cosines once per company: the inner loop below runs about seven times per company.
    latitudes = [math.radians(row.latitude) if row.latitude is not None else 0.0 for row in rows]
    longitudes = [math.radians(row.longitude) if row.longitude is not None else 0.0 for row in rows]
    cosines = [math.cos(latitude) for latitude in latitudes]
    for (row_cell, column_cell), members in cells.items():
        for step_row, step_column in FORWARD:
            others = cells.get((row_cell + step_row, column_cell + step_column))
            if not others:
                continue
            same_cell = (step_row, step_column) == (0, 0)
            for position, first in enumerate(members):
                latitude, longitude, cosine = latitudes[first], longitudes[first], cosines[first]
                for second in others[position + 1:] if same_cell else others:
                    # Equirectangular distance, in radians of arc: as exact as the haversine within a few
                    # hundred metres, and cheap enough for this loop.
                    dy = latitude - latitudes[second]
                    if dy * dy > NEARBY_RADIANS_SQUARED:
                        continue
                    dx = (longitude - longitudes[second]) * (cosine + cosines[second]) / 2
                    if dx * dx + dy * dy > NEARBY_RADIANS_SQUARED:
                        continue
                    weight = _nearby_weight(names[first], names[second])
                    if weight:
                        pair = (first, second) if first < second else (second, first)
                        found[pair] |= BITS["nearby_similar_name"]
                        nearby[pair] = weight

    pairs = []
    for (first, second), bits in found.items():
        reasons = REASONS_OF[bits]
        weights = [nearby[first, second] if reason == "nearby_similar_name" else WEIGHTS[reason] for reason in reasons]
        a, b = rows[first], rows[second]
        pairs.append(Pair((a.id, b.id) if a.id < b.id else (b.id, a.id), round(1 - math.prod(1 - weight for weight in weights), 3), reasons,
                          (a.municipality, b.municipality)))
    pairs.sort(key=lambda pair: (-pair.score, pair.companies))
    return pairs


def _nearby_weight(first_name: str, second_name: str) -> float:
    """The weight of two companies near each other: 0 unless their names are similar (see SIMILAR_NAMES)."""
    similarity = fuzz.ratio(first_name, second_name, score_cutoff=SIMILAR_NAMES)
    return WEIGHTS["nearby_similar_name"] * max(similarity - SIMILAR_NAMES, 0) / (100 - SIMILAR_NAMES)


# The pairs depend only on the companies: each process keeps them for the companies' latest stamp.
_found: LRUCache = LRUCache(maxsize=4)
_found_lock = threading.Lock()


def cached(stamp) -> list[Pair]:
    """find() as of `stamp` (the companies table's latest updated_at, which every write moves)."""
    key = (str(db.engine.url), stamp)
    with _found_lock:
        pairs = _found.get(key)
    if pairs is None:
        pairs = find()
        with _found_lock:
            _found[key] = pairs
    return pairs


def dismissed() -> set[tuple[str, str]]:
    return {tuple(row) for row in db.session.execute(select(DismissedDuplicate.company_id, DismissedDuplicate.other_company_id))}


def dismissals_stamp() -> tuple:
    """Moves with every dismissal (rows are only ever added, or removed with their company)."""
    return tuple(db.session.execute(select(func.count(), func.max(DismissedDuplicate.dismissed_at))).one())


def listed(municipalities: list[str] | None, stamps) -> list[Pair]:
    """The likely pairs not dismissed, with at least one company in `municipalities` (None: anywhere)."""
    hidden = dismissed()
    wanted = set(municipalities) if municipalities is not None else None
    return [
        pair for pair in cached(stamps)
        if pair.companies not in hidden and (wanted is None or wanted & set(pair.municipalities))
    ]
