"""search: analysed-term documents with FTS5 (SQLite) or tsvector + GIN (PostgreSQL); map and filter indexes

Revision ID: search
Revises: list_indexes
Create Date: 2026-11-28 02:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'search'
down_revision = 'list_indexes'
branch_labels = None
depends_on = None

# The terms are analysed in Python (api.search.analysis) and stored as plain space-separated words, so
# neither index may change them: FTS5's ascii tokenizer and PostgreSQL's 'simple' configuration only
# split on the spaces. Weights: title A, keywords B, body C.
SQLITE_FTS = [
    "CREATE VIRTUAL TABLE search_fts USING fts5("
    "title, keywords, body, content='search_documents', content_rowid='id', tokenize='ascii')",
    "CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN "
    "INSERT INTO search_fts(rowid, title, keywords, body) VALUES (new.id, new.title, new.keywords, new.body); END",
    "CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title, keywords, body) "
    "VALUES ('delete', old.id, old.title, old.keywords, old.body); END",
    "CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title, keywords, body) "
    "VALUES ('delete', old.id, old.title, old.keywords, old.body); "
    "INSERT INTO search_fts(rowid, title, keywords, body) VALUES (new.id, new.title, new.keywords, new.body); END",
]
POSTGRES_VECTOR = [
    "ALTER TABLE search_documents ADD COLUMN vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple'::regconfig, title), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, keywords), 'B') || "
    "setweight(to_tsvector('simple'::regconfig, body), 'C')) STORED",
    "CREATE INDEX ix_search_documents_vector ON search_documents USING gin (vector)",
    # Tag filters (`tags ? 'vienti'`) look the tag up in this index instead of reading every company.
    "CREATE INDEX ix_companies_tags ON companies USING gin (tags)",
]


def upgrade():
    op.create_table('search_documents',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('record_id', sa.String(length=36), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('keywords', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_documents')),
    sa.UniqueConstraint('kind', 'record_id', name=op.f('uq_search_documents_kind'))
    )
    with op.batch_alter_table('companies', schema=None) as batch_op:
        batch_op.create_index('ix_companies_location', ['latitude', 'longitude'], unique=False)
    statements = SQLITE_FTS if op.get_bind().dialect.name == "sqlite" else POSTGRES_VECTOR
    for statement in statements:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE search_fts")
    else:
        op.execute("DROP INDEX ix_companies_tags")
    with op.batch_alter_table('companies', schema=None) as batch_op:
        batch_op.drop_index('ix_companies_location')
    op.drop_table('search_documents')
