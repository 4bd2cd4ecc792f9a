"""Counts of the companies a list query matches, per value of the fields the frontend's filter menus offer."""

from collections import Counter

from sqlalchemy import Select, func

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


def count(matching: Select) -> dict[str, dict[str, int]]:
    sections: Counter = Counter()
    division = func.substr(Company.industry_code, 1, 2)
    for code, number in _grouped(matching, division).items():
        sections[industry(code).section] += number
    # Each (company, spearhead) link appears once, so joining the links counts every company once per slug.
    linked = records.visible(
        matching.join(company_spearheads, company_spearheads.c.company_id == Company.id).join(
            Spearhead, Spearhead.id == company_spearheads.c.spearhead_id
        ),
        Spearhead,
    ).where(Spearhead.deleted_at.is_(None))
    return {
        "municipality": _grouped(matching, Company.municipality),
        "industry_section": dict(sorted(sections.items())),
        "spearhead": _grouped(linked, Spearhead.slug),
        "size_class": _grouped(matching, Company.size_class),
    }


def answer(matching: Select):
    """The counts, as cached answers that depend on every table they read (companies and spearheads)."""
    return records.read_derived(Company, lambda stamps: (dumps(count(matching)), {}))
