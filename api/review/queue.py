"""The review list: live companies that need a look, each with its reasons, computed in one SQL query."""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select, true

from api.models import Company

# The order reasons are listed in.
REASONS = ("not_verified", "ended", "no_location", "no_description", "no_industry", "no_contact")


def _blank(column) -> ColumnElement[bool]:
    return func.coalesce(func.trim(column), "") == ""


def conditions(now: datetime) -> dict[str, ColumnElement[bool]]:
    """Each reason as an SQL condition on a company row."""
    days = current_app.config["REVIEW_AFTER_DAYS"]
    description = Company.__table__.c
    return {
        # 0 days makes every record due, even one verified this very second.
        "not_verified": true() if days == 0 else or_(Company.last_verified_at.is_(None), Company.last_verified_at < now - timedelta(days=days)),
        # Ended in the trade register, yet still shown to the public.
        "ended": and_(Company.ended_on.is_not(None), Company.status == "published"),
        "no_location": or_(Company.latitude.is_(None), Company.longitude.is_(None)),
        "no_description": and_(_blank(description.description_fi), _blank(description.description_sv), _blank(description.description_en)),
        "no_industry": _blank(Company.industry_code),
        "no_contact": and_(_blank(Company.website), _blank(Company.email), _blank(Company.phone)),
    }


def query(municipalities: list[str] | None, now: datetime) -> Select:
    """Rows of (company, one 0/1 column per reason): never verified first, then the oldest check, then id."""
    found = conditions(now)
    statement = (
        select(Company, *(case((condition, 1), else_=0).label(name) for name, condition in found.items()))
        .where(Company.deleted_at.is_(None), or_(*found.values()))
        .order_by(Company.last_verified_at.asc().nulls_first(), Company.id)
    )
    if municipalities is not None:
        statement = statement.where(Company.municipality.in_(municipalities))
    return statement


def reasons(row) -> list[str]:
    """A row's reasons (the 0/1 columns of query()), in REASONS order."""
    return [name for name in REASONS if getattr(row, name)]
