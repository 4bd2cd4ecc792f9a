"""The analysed words of each searchable record, which the database's full-text index is built from."""

from sqlalchemy import Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base

# Folded keys compare byte by byte, so a prefix is a range of the index on either database.
FoldedKey = String(200).with_variant(String(200, collation="C"), "postgresql")


class SearchDocument(Base):
    """One row per live company, event or spearhead, rewritten in the transaction that writes the record.

    The columns hold analysed terms (see api.search.analysis), weighted by column. The migration adds the
    index over them: an FTS5 table kept by triggers on SQLite, a generated tsvector with a GIN index on
    PostgreSQL. Both match the same terms, so both databases find the same records. `label` is the
    record's name as shown to type-ahead, `label_key` its folded form for prefix lookups.
    """

    __tablename__ = "search_documents"
    __table_args__ = (UniqueConstraint("kind", "record_id"), Index("ix_search_documents_label", "label_key"))

    # An integer key: FTS5 addresses its rows by rowid.
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[str] = mapped_column(String(36))
    title: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    label_key: Mapped[str] = mapped_column(FoldedKey, default="")
    # The record's municipality code (companies and sites), by which a search narrows itself; PostgreSQL's
    # tsvector holds it as the lexeme `@226` (migration 0012_search).
    municipality: Mapped[str | None] = mapped_column(String(3))


class SearchTerm(Base):
    """How many live documents of a kind hold a term, and the vocabulary version that last changed the row.

    Rows whose counts fall to zero stay, so that every process mirroring the vocabulary learns of the
    removal (see api.search.vocabulary).
    """

    __tablename__ = "search_terms"
    __table_args__ = (Index("ix_search_terms_version", "kind", "version"), Index("ix_search_terms_term", "term"))

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    term: Mapped[str] = mapped_column(FoldedKey, primary_key=True)
    published: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)


class SearchVocabulary(Base):
    """The version of a kind's vocabulary: every write that changes term counts takes the next one.

    A new `generation` is drawn whenever the row is made anew (a fresh database, a full reindex), so a
    process never mistakes another vocabulary for the one it mirrors.
    """

    __tablename__ = "search_vocabularies"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    generation: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer)
