"""An API key: its public id, the hash of its secret, its role and, for editors, its municipalities."""

from datetime import datetime

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, UTCDateTime, utcnow


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Names are never reused, so the audit trail's actor names one key for good.
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # The public half of the key, used to find its row; the secret half is stored only as a hash.
    key_id: Mapped[str] = mapped_column(String(32), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(10))
    # Editors limited to some municipalities list their codes; an empty list means every municipality.
    municipalities: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
