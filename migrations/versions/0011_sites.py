"""sites: business premises and plots on offer

Revision ID: sites
Revises: webhooks
Create Date: 2026-11-28 10:10:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = 'sites'
down_revision = 'webhooks'
branch_labels = None
depends_on = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade():
    op.create_table('sites',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('municipality', sa.String(length=3), nullable=False),
    sa.Column('street_address', sa.String(length=200), nullable=True),
    sa.Column('postal_code', sa.String(length=5), nullable=True),
    sa.Column('post_office', sa.String(length=200), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('floor_area_m2', sa.Float(), nullable=True),
    sa.Column('plot_area_m2', sa.Float(), nullable=True),
    sa.Column('uses', JSON_DOCUMENT, nullable=False),
    sa.Column('zoning', sa.String(length=20), nullable=True),
    sa.Column('availability', sa.String(length=10), nullable=False),
    sa.Column('offer', sa.String(length=15), nullable=False),
    sa.Column('price_amount', sa.Float(), nullable=True),
    sa.Column('price_unit', sa.String(length=15), nullable=True),
    sa.Column('available_from', sa.Date(), nullable=True),
    sa.Column('connections', JSON_DOCUMENT, nullable=False),
    sa.Column('owner', JSON_DOCUMENT, nullable=True),
    sa.Column('contact', JSON_DOCUMENT, nullable=True),
    sa.Column('image_urls', JSON_DOCUMENT, nullable=False),
    sa.Column('title_fi', sa.String(length=200), nullable=True),
    sa.Column('title_sv', sa.String(length=200), nullable=True),
    sa.Column('title_en', sa.String(length=200), nullable=True),
    sa.Column('description_fi', sa.Text(), nullable=True),
    sa.Column('description_sv', sa.Text(), nullable=True),
    sa.Column('description_en', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('first_published_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['municipality'], ['municipalities.code'], name=op.f('fk_sites_municipality_municipalities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sites'))
    )
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.create_index('ix_sites_live_municipality', ['municipality', 'status', 'id'], unique=False, sqlite_where=sa.text('deleted_at IS NULL'), postgresql_where=sa.text('deleted_at IS NULL'))
        batch_op.create_index('ix_sites_location', ['latitude', 'longitude'], unique=False)
        batch_op.create_index('ix_sites_sync', ['updated_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sites_updated_at'), ['updated_at'], unique=False)
        batch_op.create_index('ix_sites_public_stamp', ['updated_at'], unique=False, sqlite_where=sa.text('first_published_at IS NOT NULL'), postgresql_where=sa.text('first_published_at IS NOT NULL'))

    op.create_table('site_spearheads',
    sa.Column('site_id', sa.String(length=36), nullable=False),
    sa.Column('spearhead_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_site_spearheads_site_id_sites'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['spearhead_id'], ['spearheads.id'], name=op.f('fk_site_spearheads_spearhead_id_spearheads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('site_id', 'spearhead_id', name=op.f('pk_site_spearheads'))
    )
    with op.batch_alter_table('site_spearheads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_site_spearheads_spearhead_id'), ['spearhead_id'], unique=False)


def downgrade():
    with op.batch_alter_table('site_spearheads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_site_spearheads_spearhead_id'))
    op.drop_table('site_spearheads')
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.drop_index('ix_sites_public_stamp', sqlite_where=sa.text('first_published_at IS NOT NULL'), postgresql_where=sa.text('first_published_at IS NOT NULL'))
        batch_op.drop_index(batch_op.f('ix_sites_updated_at'))
        batch_op.drop_index('ix_sites_sync')
        batch_op.drop_index('ix_sites_location')
        batch_op.drop_index('ix_sites_live_municipality')
    op.drop_table('sites')
