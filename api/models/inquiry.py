"""An investor's contact request: personal data, kept apart from the directory's records and their feed."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, UTCDateTime, new_id, utcnow

INQUIRY_STATUSES = ("new", "in_progress", "answered", "closed")


class Inquiry(Base):
    __tablename__ = "inquiries"
    __table_args__ = (Index("ix_inquiries_received", "received_at", "id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(15), default="new")
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))
    organisation: Mapped[str | None] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    # What it is about, as the sender chose it; a site or spearhead that is deleted later leaves null.
    site_id: Mapped[str | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"))
    spearhead_id: Mapped[str | None] = mapped_column(ForeignKey("spearheads.id", ondelete="SET NULL"))
    municipality: Mapped[str | None] = mapped_column(ForeignKey("municipalities.code", ondelete="SET NULL"))
    # Every municipality it concerns, resolved when received, as " 226 601 ": the editors' filter,
    # written like the change feed's (api.models.change).
    municipality_codes: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}

    @property
    def municipalities(self) -> list[str]:
        return self.municipality_codes.split()
