"""The change feed: one row per committed change of a directory record, in commit order."""

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, UTCDateTime


class Change(Base):
    __tablename__ = "changes"
    __table_args__ = (Index("ix_changes_position", "position", unique=True),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    # The feed's order: given at commit under the feed's lock (api.records.feed), so it grows in commit
    # order and a reader that has seen a position has seen every committed change before it.
    position: Mapped[int | None] = mapped_column(BigInteger)
    resource: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[str] = mapped_column(String(36))
    # created | updated | deleted as editors see it; as readers without drafts see it (None: not at all).
    action: Mapped[str] = mapped_column(String(10))
    public_action: Mapped[str | None] = mapped_column(String(10))
    version: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The record's municipality codes before and after the change, as " 226 931 " (the feed's filter).
    municipalities: Mapped[str] = mapped_column(Text)
    # The record as GET by id showed it at this version, as JSON: to editors, and to readers without drafts
    # when that differs (private fields left out); null for a deletion.
    data: Mapped[str | None] = mapped_column(Text)
    public_data: Mapped[str | None] = mapped_column(Text)
