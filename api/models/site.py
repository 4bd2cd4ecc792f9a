"""A business site on offer: premises or a plot."""

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.models.associations import site_spearheads
from api.models.base import Base, JSONDocument, LocalizedText, RecordMixin, UTCDateTime, localized, new_id, public_stamp_index
from api.models.spearhead import Spearhead


class Site(RecordMixin, Base):
    __tablename__ = "sites"
    __table_args__ = (
        Index("ix_sites_sync", "updated_at", "id"),
        Index(
            "ix_sites_live_municipality", "municipality", "status", "id",
            sqlite_where=text("deleted_at IS NULL"), postgresql_where=text("deleted_at IS NULL"),
        ),
        Index("ix_sites_location", "latitude", "longitude"),
        public_stamp_index("sites"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(10))
    title: Mapped[LocalizedText] = localized("title", 200)
    description: Mapped[LocalizedText] = localized("description", None)
    municipality: Mapped[str] = mapped_column(ForeignKey("municipalities.code"))
    street_address: Mapped[str | None] = mapped_column(String(200))
    postal_code: Mapped[str | None] = mapped_column(String(5))
    post_office: Mapped[str | None] = mapped_column(String(200))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    floor_area_m2: Mapped[float | None] = mapped_column(Float)
    plot_area_m2: Mapped[float | None] = mapped_column(Float)
    uses: Mapped[list] = mapped_column(JSONDocument, default=list)
    zoning: Mapped[str | None] = mapped_column(String(20))
    availability: Mapped[str] = mapped_column(String(10), default="available")
    offer: Mapped[str] = mapped_column(String(15))
    # The price is two columns, so that `max_price` with `price_unit` is a plain comparison.
    price_amount: Mapped[float | None] = mapped_column(Float)
    price_unit: Mapped[str | None] = mapped_column(String(15))
    available_from: Mapped[date | None] = mapped_column(Date)
    connections: Mapped[list] = mapped_column(JSONDocument, default=list)
    owner: Mapped[dict | None] = mapped_column(JSONDocument)
    contact: Mapped[dict | None] = mapped_column(JSONDocument)
    image_urls: Mapped[list] = mapped_column(JSONDocument, default=list)
    # When an editor last wrote or verified the record (api.records.writes); None while none has.
    last_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    spearheads: Mapped[list[Spearhead]] = relationship(
        secondary=site_spearheads, lazy="selectin", order_by=Spearhead.priority
    )

    @property
    def price(self) -> dict | None:
        return None if self.price_amount is None else {"amount": self.price_amount, "unit": self.price_unit}

