"""A company in the directory."""

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.models.associations import company_spearheads
from api.models.base import Base, JSONDocument, LocalizedText, RecordMixin, UTCDateTime, localized, new_id, public_stamp_index
from api.models.spearhead import Spearhead


class Company(RecordMixin, Base):
    __tablename__ = "companies"
    __table_args__ = (
        # Business IDs are unique among companies that are not deleted.
        Index(
            "uq_companies_business_id_live",
            "business_id",
            unique=True,
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
        public_stamp_index("companies"),
        Index("ix_companies_sync", "updated_at", "id"),
        # The frontend's lists: live records by name, optionally in some municipalities. Covering
        # the status too lets counts and pages come from the index alone.
        Index("ix_companies_live_name", "status", "name", "id", sqlite_where=text("deleted_at IS NULL"), postgresql_where=text("deleted_at IS NULL")),
        Index(
            "ix_companies_live_municipality_name", "municipality", "status", "name", "id",
            sqlite_where=text("deleted_at IS NULL"), postgresql_where=text("deleted_at IS NULL"),
        ),
        # Map queries narrow by latitude first (a bounding box), then check longitude and distance.
        Index("ix_companies_location", "latitude", "longitude"),
        # The review list: a municipality's live companies, never verified first, then oldest check.
        Index(
            "ix_companies_live_review", "municipality", "last_verified_at", "id",
            sqlite_where=text("deleted_at IS NULL"), postgresql_where=text("deleted_at IS NULL"),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    business_id: Mapped[str] = mapped_column(String(9))
    name: Mapped[str] = mapped_column(String(200), index=True)
    description: Mapped[LocalizedText] = localized("description", None)
    industry_code: Mapped[str | None] = mapped_column(String(5), index=True)
    industry_code_set: Mapped[str | None] = mapped_column(String(20))
    municipality: Mapped[str | None] = mapped_column(ForeignKey("municipalities.code"))
    street_address: Mapped[str | None] = mapped_column(String(200))
    postal_code: Mapped[str | None] = mapped_column(String(5))
    post_office: Mapped[str | None] = mapped_column(String(200))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    website: Mapped[str | None] = mapped_column(String(2000))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))
    size_class: Mapped[str | None] = mapped_column(String(10))
    founded_year: Mapped[int | None] = mapped_column(Integer)
    tags: Mapped[list] = mapped_column(JSONDocument, default=list)
    growth_seeking: Mapped[bool] = mapped_column(Boolean, default=False)
    international: Mapped[bool] = mapped_column(Boolean, default=False)
    # The day the company ended in the trade register (PRH open data); None while it operates.
    ended_on: Mapped[date | None] = mapped_column(Date)
    # When an editor last wrote or verified the record (api.records.writes); None while none has.
    last_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    spearheads: Mapped[list[Spearhead]] = relationship(
        secondary=company_spearheads, lazy="selectin", order_by=Spearhead.priority
    )
