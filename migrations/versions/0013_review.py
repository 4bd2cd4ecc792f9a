"""review: last_verified_at on companies and sites, and the dismissed duplicate pairs

Records start as never verified: the first review list shows them all, and each editor write or
verification from then on sets the mark.

Revision ID: review
Revises: search_municipality
Create Date: 2026-11-28 12:15:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'review'
down_revision = 'search_municipality'
branch_labels = None
depends_on = None

LIVE = sa.text('deleted_at IS NULL')


def upgrade():
    with op.batch_alter_table('companies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_verified_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_companies_live_review', ['municipality', 'last_verified_at', 'id'], unique=False, sqlite_where=LIVE, postgresql_where=LIVE)
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_verified_at', sa.DateTime(timezone=True), nullable=True))

    op.create_table('dismissed_duplicates',
    sa.Column('company_id', sa.String(length=36), nullable=False),
    sa.Column('other_company_id', sa.String(length=36), nullable=False),
    sa.Column('dismissed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('dismissed_by', sa.String(length=100), nullable=False),
    sa.CheckConstraint('company_id < other_company_id', name=op.f('ck_dismissed_duplicates_ordered')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_dismissed_duplicates_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['other_company_id'], ['companies.id'], name=op.f('fk_dismissed_duplicates_other_company_id_companies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('company_id', 'other_company_id', name=op.f('pk_dismissed_duplicates'))
    )
    with op.batch_alter_table('dismissed_duplicates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dismissed_duplicates_other_company_id'), ['other_company_id'], unique=False)


def downgrade():
    with op.batch_alter_table('dismissed_duplicates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dismissed_duplicates_other_company_id'))
    op.drop_table('dismissed_duplicates')
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.drop_column('last_verified_at')
    with op.batch_alter_table('companies', schema=None) as batch_op:
        batch_op.drop_index('ix_companies_live_review', sqlite_where=LIVE, postgresql_where=LIVE)
        batch_op.drop_column('last_verified_at')
