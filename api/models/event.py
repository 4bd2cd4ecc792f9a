"""An event such as a strategy workshop; times are stored in UTC."""

from datetime import datetime

from sqlalchemy import Boolean, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.models.associations import event_municipalities, event_spearheads
from api.models.base import Base, JSONDocument, LocalizedText, RecordMixin, UTCDateTime, localized, new_id, public_stamp_index
from api.models.municipality import Municipality
from api.models.spearhead import Spearhead


class Event(RecordMixin, Base):
    __tablename__ = "events"
    __table_args__ = (
        public_stamp_index("events"),
        Index("ix_events_sync", "updated_at", "id"),
        Index("ix_events_start_end", "start_time", "end_time"),
        Index("ix_events_live_start", "status", "start_time", "id", sqlite_where=text("deleted_at IS NULL"), postgresql_where=text("deleted_at IS NULL")),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    title: Mapped[LocalizedText] = localized("title", 200)
    description: Mapped[LocalizedText] = localized("description", None)
    start_time: Mapped[datetime] = mapped_column(UTCDateTime)
    end_time: Mapped[datetime] = mapped_column(UTCDateTime)
    is_online: Mapped[bool] = mapped_column(Boolean, default=False)
    location_name: Mapped[str | None] = mapped_column(String(200))
    street_address: Mapped[str | None] = mapped_column(String(200))
    registration_url: Mapped[str | None] = mapped_column(String(2000))
    registration_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    participation_url: Mapped[str | None] = mapped_column(String(2000))
    target_groups: Mapped[list] = mapped_column(JSONDocument, default=list)
    organizer: Mapped[dict | None] = mapped_column(JSONDocument)
    facilitator: Mapped[str | None] = mapped_column(String(200))
    contact: Mapped[dict | None] = mapped_column(JSONDocument)
    event_status: Mapped[str] = mapped_column(String(10), default="scheduled")
    municipalities: Mapped[list[Municipality]] = relationship(
        secondary=event_municipalities, lazy="selectin", order_by=Municipality.code
    )
    spearheads: Mapped[list[Spearhead]] = relationship(
        secondary=event_spearheads, lazy="selectin", order_by=Spearhead.priority
    )
