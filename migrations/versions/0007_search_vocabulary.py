"""search vocabulary: counted terms per kind for typo corrections, names of documents for type-ahead

Revision ID: search_vocabulary
Revises: folded_tags
Create Date: 2026-11-28 09:00:00.000000

"""
import uuid

from alembic import op
import sqlalchemy as sa

from api.search.analysis import label_key
from api.search.vocabulary import document_terms


# revision identifiers, used by Alembic.
revision = 'search_vocabulary'
down_revision = 'folded_tags'
branch_labels = None
depends_on = None

# Folded keys compare byte by byte, so that a prefix is a range of the index.
FOLDED_KEY = sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql")
RECORDS = {"company": ("companies", "name"), "event": ("events", "title_fi"), "spearhead": ("spearheads", "title_fi")}


def upgrade():
    # Plain ADD COLUMN: on SQLite a batch (copy and rename) would drop the full-text triggers.
    op.add_column('search_documents', sa.Column('published', sa.Boolean(), server_default=sa.true(), nullable=False))
    op.add_column('search_documents', sa.Column('label', sa.String(length=200), server_default='', nullable=False))
    op.add_column('search_documents', sa.Column('label_key', FOLDED_KEY, server_default='', nullable=False))
    op.create_index('ix_search_documents_label', 'search_documents', ['label_key'], unique=False)
    op.create_table('search_terms',
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('term', FOLDED_KEY, nullable=False),
    sa.Column('published', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('kind', 'term', name=op.f('pk_search_terms'))
    )
    op.create_index('ix_search_terms_version', 'search_terms', ['kind', 'version'], unique=False)
    op.create_index('ix_search_terms_term', 'search_terms', ['term'], unique=False)
    op.create_table('search_vocabularies',
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('generation', sa.String(length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('kind', name=op.f('pk_search_vocabularies'))
    )
    _backfill(op.get_bind())


def _backfill(bind):
    """Documents of existing records gain their names and publication; tombstones lose theirs; terms are counted."""
    records = {}
    for kind, (table, label) in RECORDS.items():
        for row in bind.execute(sa.text(f"SELECT id, status, deleted_at, {label} FROM {table}")):
            records[kind, row[0]] = row
    counts: dict[tuple[str, str], list[int]] = {}
    documents = bind.execute(sa.text("SELECT id, kind, record_id, title, keywords, body FROM search_documents")).mappings().all()
    for document in documents:
        record = records.get((document["kind"], document["record_id"]))
        if record is None or record.deleted_at is not None:
            bind.execute(sa.text("DELETE FROM search_documents WHERE id = :id"), {"id": document["id"]})
            continue
        label = record[3] or ""
        published = record.status == "published"
        bind.execute(
            sa.text("UPDATE search_documents SET published = :published, label = :label, label_key = :key WHERE id = :id"),
            {"published": published, "label": label, "key": label_key(label), "id": document["id"]},
        )
        for term in document_terms(document):
            count = counts.setdefault((document["kind"], term), [0, 0])
            count[0] += published
            count[1] += 1
    terms = sa.table("search_terms", *(sa.column(name) for name in ("kind", "term", "published", "total", "version")))
    rows = [{"kind": kind, "term": term, "published": p, "total": t, "version": 1} for (kind, term), (p, t) in counts.items()]
    if rows:
        op.bulk_insert(terms, rows)
    vocabularies = sa.table("search_vocabularies", sa.column("kind"), sa.column("generation"), sa.column("version"))
    kinds = sorted({kind for kind, _ in counts})
    if kinds:
        op.bulk_insert(vocabularies, [{"kind": kind, "generation": uuid.uuid4().hex, "version": 1} for kind in kinds])


def downgrade():
    op.drop_table('search_vocabularies')
    op.drop_index('ix_search_terms_term', table_name='search_terms')
    op.drop_index('ix_search_terms_version', table_name='search_terms')
    op.drop_table('search_terms')
    op.drop_index('ix_search_documents_label', table_name='search_documents')
    # Plain DROP COLUMN (SQLite 3.35+), for the triggers' sake as above.
    for name in ('label_key', 'label', 'published'):
        op.execute(f"ALTER TABLE search_documents DROP COLUMN {name}")
