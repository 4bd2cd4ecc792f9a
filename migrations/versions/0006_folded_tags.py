"""tag filters match whatever the case and Unicode composition

Revision ID: folded_tags
Revises: access
Create Date: 2026-11-28 09:35:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'folded_tags'
down_revision = 'access'
branch_labels = None
depends_on = None

# The expression must stay the one in api.resources.companies.routes.has_tag, or the index goes unused.
FOLDED_TAGS = "(lower(normalize(tags::text, NFC))::jsonb)"


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX ix_companies_tags_folded ON companies USING gin ({FOLDED_TAGS})")
        op.execute("DROP INDEX ix_companies_tags")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_companies_tags ON companies USING gin (tags)")
        op.execute("DROP INDEX ix_companies_tags_folded")
