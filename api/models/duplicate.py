"""Pairs of companies an editor marked as distinct: the duplicates list never shows them again."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, UTCDateTime, utcnow


class DismissedDuplicate(Base):
    __tablename__ = "dismissed_duplicates"
    # One row per pair whichever order it was given in: the smaller id first.
    __table_args__ = (CheckConstraint("company_id < other_company_id", name="ordered"),)

    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True)
    other_company_id: Mapped[str] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True, index=True)
    dismissed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The name of the API key (or the command) that dismissed it.
    dismissed_by: Mapped[str] = mapped_column(String(100))
