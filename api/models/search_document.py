"""The analysed words of each searchable record, which the database's full-text index is built from."""

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base


class SearchDocument(Base):
    """One row per company, event or spearhead, rewritten in the transaction that writes the record.

    The columns hold analysed terms (see api.search.analysis), weighted by column. The migration adds the
    index over them: an FTS5 table kept by triggers on SQLite, a generated tsvector with a GIN index on
    PostgreSQL. Both match the same terms, so both databases find the same records.
    """

    __tablename__ = "search_documents"
    __table_args__ = (UniqueConstraint("kind", "record_id"),)

    # An integer key: FTS5 addresses its rows by rowid.
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[str] = mapped_column(String(36))
    title: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
