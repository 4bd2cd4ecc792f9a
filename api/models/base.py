"""Declarative base, shared column types and the mixin every stored record uses."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, Index, Integer, MetaData, String, Text, TypeDecorator, event, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, composite, declared_attr, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

LANGUAGES = ("fi", "sv", "en")
STATUSES = ("draft", "published")


# JSONB on PostgreSQL (indexable, compact), JSON text on SQLite.
JSONDocument = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return str(uuid.uuid4())


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no offset of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


@dataclass
class LocalizedText:
    """A text in Finnish, Swedish and English, stored as one column per language."""

    fi: str | None = None
    sv: str | None = None
    en: str | None = None

    def to_dict(self) -> dict | None:
        present = {lang: text for lang, text in (("fi", self.fi), ("sv", self.sv), ("en", self.en)) if text is not None}
        return present or None

    @classmethod
    def from_dict(cls, value: dict | None) -> "LocalizedText":
        return cls(**(value or {}))


def localized(name: str, length: int | None):
    """A composite attribute over `<name>_fi`, `<name>_sv`, `<name>_en` columns."""
    column_type = String(length) if length else Text
    return composite(
        LocalizedText,
        *(mapped_column(f"{name}_{lang}", column_type, nullable=True) for lang in LANGUAGES),
    )


class RecordMixin:
    """Timestamps, soft deletion, publication status and the optimistic-locking version."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default="published")
    # When the record was first published; null while it never was. Readers without drafts learn of a
    # record only once it has been published, and from then on of every change, its unpublication
    # (or deletion) included, which reaches them as a tombstone.
    first_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Compared in every UPDATE's WHERE clause, so two writers holding the same ETag
    # can never both win (SQLAlchemy raises StaleDataError for the loser).
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.__table__.c.version}


def public_stamp_index(table_name: str) -> Index:
    """Serves the latest `updated_at` among the records ever published: the stamp of what the public sees."""
    condition = text("first_published_at IS NOT NULL")
    return Index(f"ix_{table_name}_public_stamp", "updated_at", sqlite_where=condition, postgresql_where=condition)


@event.listens_for(RecordMixin, "before_insert", propagate=True)
@event.listens_for(RecordMixin, "before_update", propagate=True)
def _note_first_publication(mapper, connection, record) -> None:
    # At flush, so that every ORM write (API, import, seed, command line) keeps it.
    if record.status == "published" and record.first_published_at is None:
        record.first_published_at = record.updated_at or utcnow()
