"""A municipality, keyed by its Statistics Finland code."""

from datetime import date

from sqlalchemy import Date, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, JSONDocument, LocalizedText, RecordMixin, localized, public_stamp_index


class Municipality(RecordMixin, Base):
    __tablename__ = "municipalities"
    __table_args__ = (public_stamp_index("municipalities"),)

    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    name: Mapped[LocalizedText] = localized("name", 200)
    region: Mapped[LocalizedText] = localized("region", 200)
    sub_region: Mapped[LocalizedText] = localized("sub_region", 200)
    population: Mapped[int | None] = mapped_column(Integer)
    population_date: Mapped[date | None] = mapped_column(Date)
    area_km2: Mapped[float | None] = mapped_column(Float)
    postal_code: Mapped[str | None] = mapped_column(String(5))
    website: Mapped[str | None] = mapped_column(String(2000))
    description: Mapped[LocalizedText] = localized("description", None)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    business_contact: Mapped[dict | None] = mapped_column(JSONDocument)
