"""search_municipality: a search document holds its record's municipality, which PostgreSQL's tsvector indexes as `@226`

Revision ID: search_municipality
Revises: sites
Create Date: 2026-11-28 12:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'search_municipality'
down_revision = 'sites'
branch_labels = None
depends_on = None

# The vector of 0004_search, and the municipality as a lexeme `@226` without a position: analysed words
# hold only a-z and 0-9, so no query word matches it, and ts_rank (which looks only at the query's own
# lexemes) ranks as before. A search with a municipality filter ANDs it into the tsquery, so the GIN
# index narrows to the municipality instead of ranking every match in the region.
VECTOR = (
    "setweight(to_tsvector('simple'::regconfig, title), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, keywords), 'B') || "
    "setweight(to_tsvector('simple'::regconfig, body), 'C')"
)
PLACE = " || array_to_tsvector(array_remove(ARRAY['@' || municipality], NULL))"
# The records whose own column names their one municipality.
RECORDS = {"company": "companies", "site": "sites"}


def _vector(expression: str) -> None:
    op.execute("DROP INDEX ix_search_documents_vector")
    op.execute("ALTER TABLE search_documents DROP COLUMN vector")
    op.execute(f"ALTER TABLE search_documents ADD COLUMN vector tsvector GENERATED ALWAYS AS ({expression}) STORED")
    op.execute("CREATE INDEX ix_search_documents_vector ON search_documents USING gin (vector)")


def upgrade():
    op.add_column('search_documents', sa.Column('municipality', sa.String(length=3), nullable=True))
    for kind, table in RECORDS.items():
        op.execute(
            f"UPDATE search_documents SET municipality = (SELECT municipality FROM {table} WHERE {table}.id = search_documents.record_id) "
            f"WHERE kind = '{kind}'"
        )
    if op.get_bind().dialect.name == "postgresql":
        # A generated column's expression cannot be altered: the column and its index are made anew.
        _vector(VECTOR + PLACE)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        _vector(VECTOR)
    # Not a batch operation: recreating the table on SQLite would drop the FTS triggers on it.
    op.drop_column('search_documents', 'municipality')
