"""A strategy action: a proposal of the workshop under a spearhead, followed until done."""

from datetime import date

from sqlalchemy import Date, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.models.associations import action_events, action_municipalities
from api.models.base import Base, JSONDocument, LocalizedText, RecordMixin, localized, new_id, public_stamp_index
from api.models.event import Event
from api.models.municipality import Municipality
from api.models.spearhead import Spearhead


class Action(RecordMixin, Base):
    __tablename__ = "actions"
    __table_args__ = (
        Index("ix_actions_sync", "updated_at", "id"),
        # The spearhead's sublist and its counts by stage.
        Index(
            "ix_actions_live_spearhead", "spearhead", "status", "stage",
            sqlite_where=text("deleted_at IS NULL"), postgresql_where=text("deleted_at IS NULL"),
        ),
        public_stamp_index("actions"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    # Ids, not relationships: a write sets them as the client's values (after resolving a slug).
    spearhead: Mapped[str] = mapped_column(ForeignKey("spearheads.id"))
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[LocalizedText] = localized("title", 200)
    description: Mapped[LocalizedText] = localized("description", None)
    stage: Mapped[str] = mapped_column(String(12))
    responsible: Mapped[dict | None] = mapped_column(JSONDocument)
    starts_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    progress_note: Mapped[LocalizedText] = localized("progress_note", None)
    proposed_at_event: Mapped[str | None] = mapped_column(ForeignKey("events.id"))
    municipalities: Mapped[list[Municipality]] = relationship(
        secondary=action_municipalities, lazy="selectin", order_by=Municipality.code
    )
    events: Mapped[list[Event]] = relationship(secondary=action_events, lazy="selectin", order_by=Event.start_time)
    # The records the ids name, read to show each id only to readers who may see its record (api.fields.Reference).
    spearhead_record: Mapped[Spearhead] = relationship(foreign_keys=[spearhead], viewonly=True, lazy="selectin")
    proposed_at: Mapped[Event | None] = relationship(foreign_keys=[proposed_at_event], viewonly=True, lazy="selectin")
