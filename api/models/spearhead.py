"""A strategy spearhead (keihäänkärki) that the platform promotes."""

from sqlalchemy import Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.models.associations import spearhead_municipalities
from api.models.base import Base, JSONDocument, LocalizedText, RecordMixin, localized, new_id, public_stamp_index
from api.models.municipality import Municipality


class Spearhead(RecordMixin, Base):
    __tablename__ = "spearheads"
    __table_args__ = (
        # Slugs stay unique among records that are not deleted, so a slug can be reused.
        Index(
            "uq_spearheads_slug_live",
            "slug",
            unique=True,
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
        public_stamp_index("spearheads"),
        Index("ix_spearheads_sync", "updated_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(String(100))
    title: Mapped[LocalizedText] = localized("title", 200)
    summary: Mapped[LocalizedText] = localized("summary", None)
    description: Mapped[LocalizedText] = localized("description", None)
    priority: Mapped[int] = mapped_column(Integer, default=100)
    key_figures: Mapped[list] = mapped_column(JSONDocument, default=list)
    image_url: Mapped[str | None] = mapped_column(String(2000))
    municipalities: Mapped[list[Municipality]] = relationship(
        # Loaded on demand (the spearhead views ask for it), not whenever a company's spearheads load.
        secondary=spearhead_municipalities, lazy="select", order_by=Municipality.code
    )
    # Read for the counts by stage in the spearhead's representation. As a relationship it is one of
    # the tables the spearhead's answers are keyed by (api.resources.records), so their ETags follow
    # every change of its actions.
    actions: Mapped[list["Action"]] = relationship(viewonly=True, lazy="select")  # noqa: F821 (api.models.action)
