"""Counts of the companies a list query matches, per value of the fields the frontend's filter menus offer."""

from collections import Counter
from collections.abc import Callable

from sqlalchemy import Select, func

from api import search
from api.domain.industry import industry
from api.extensions import db
from api.jsonio import dumps
from api.models import Company, Spearhead
from api.models.associations import company_spearheads
from api.resources import records


def _grouped(matching: Select, key) -> dict:
    """Count per key over the matching companies; one GROUP BY on the filtered query, no row copies."""
    query = matching.order_by(None).with_only_columns(key, func.count(Company.id)).where(key.is_not(None)).group_by(key)
    return dict(db.session.execute(query).all())


def _sections(matching: Select) -> dict[str, int]:
    sections: Counter = Counter()
    division = func.substr(Company.industry_code, 1, 2)
    for code, number in _grouped(matching, division).items():
        sections[industry(code).section] += number
    return dict(sorted(sections.items()))


def _spearheads(matching: Select) -> dict[str, int]:
    # Each (company, spearhead) link appears once, so joining the links counts every company once per slug.
    linked = records.visible(
        matching.join(company_spearheads, company_spearheads.c.company_id == Company.id).join(
            Spearhead, Spearhead.id == company_spearheads.c.spearhead_id
        ),
        Spearhead,
    ).where(Spearhead.deleted_at.is_(None))
    return _grouped(linked, Spearhead.slug)


COUNTERS: dict[str, Callable[[Select], dict]] = {
    "municipality": lambda matching: _grouped(matching, Company.municipality),
    "industry_section": _sections,
    "spearhead": _spearheads,
    "size_class": lambda matching: _grouped(matching, Company.size_class),
}


def count(matching: Callable[[dict], Select], args: dict) -> dict[str, dict[str, int]]:
    """Each facet counts under every filter but its own field's, so a menu shows what another choice would give."""
    return {name: counter(matching({key: value for key, value in args.items() if key != name})) for name, counter in COUNTERS.items()}


def answer(matching: Callable[[dict], Select], args: dict):
    """The facets of the companies that `matching(args)` selects, as cached answers that depend on every
    table they read (companies and spearheads)."""

    def build(stamps):
        body = dumps(count(matching, args))
        return body, search.answer_headers()

    return records.read_derived(Company, build)
