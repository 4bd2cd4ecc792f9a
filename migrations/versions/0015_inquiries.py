"""inquiries: investors' contact requests

Revision ID: inquiries
Revises: actions
Create Date: 2026-11-28 12:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'inquiries'
down_revision = 'actions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('inquiries',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=15), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('organisation', sa.String(length=200), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('site_id', sa.String(length=36), nullable=True),
    sa.Column('spearhead_id', sa.String(length=36), nullable=True),
    sa.Column('municipality', sa.String(length=3), nullable=True),
    sa.Column('municipality_codes', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['municipality'], ['municipalities.code'], name=op.f('fk_inquiries_municipality_municipalities'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_inquiries_site_id_sites'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['spearhead_id'], ['spearheads.id'], name=op.f('fk_inquiries_spearhead_id_spearheads'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inquiries'))
    )
    with op.batch_alter_table('inquiries', schema=None) as batch_op:
        batch_op.create_index('ix_inquiries_received', ['received_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('inquiries', schema=None) as batch_op:
        batch_op.drop_index('ix_inquiries_received')
    op.drop_table('inquiries')
