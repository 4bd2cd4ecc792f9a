"""Spearheads named by id or slug, as this reader may see them: the one lookup behind every spearhead URL and filter."""

from sqlalchemy import ColumnElement, Select, or_

from api.models import Spearhead
from api.resources import records


def named(*ids_or_slugs: str) -> ColumnElement[bool]:
    return or_(Spearhead.id.in_(ids_or_slugs), Spearhead.slug.in_(ids_or_slugs))


def seen(*ids_or_slugs: str) -> Select:
    """The live spearheads of these ids or slugs that this reader may see: a draft is unknown to the public."""
    return records.live(Spearhead, named(*ids_or_slugs))


def seen_ids(*ids_or_slugs: str) -> Select:
    return seen(*ids_or_slugs).with_only_columns(Spearhead.id)
