"""Facets of a list: counts per value of the fields a filter menu offers, each ignoring its own filter."""

from collections.abc import Callable

from sqlalchemy import Select, func

from api import search
from api.extensions import db
from api.jsonio import dumps
from api.resources import records

Counter = Callable[[Select], dict]


def grouped(key, counted) -> Counter:
    """Count the matching records (by the column `counted`) per value of `key`; one GROUP BY, no row copies."""

    def count(matching: Select) -> dict:
        query = matching.order_by(None).with_only_columns(key, func.count(counted)).where(key.is_not(None)).group_by(key)
        return dict(db.session.execute(query).all())

    return count


def count(counters: dict[str, Counter], matching: Callable[[dict], Select], args: dict) -> dict[str, dict]:
    """Each facet counts under every filter but its own field's, so a menu shows what another choice would give."""
    return {
        name: counter(matching({key: value for key, value in args.items() if key != name}))
        for name, counter in counters.items()
    }


def answer(model, counters: dict[str, Counter], matching: Callable[[dict], Select], args: dict):
    """The facets of the records `matching(args)` selects, as cached answers that depend on every table they read."""

    def build(_stamps):
        return dumps(count(counters, matching, {**args, "include_deleted": False})), search.answer_headers()

    return records.read_derived(model, build)
