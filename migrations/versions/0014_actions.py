"""actions: strategy actions under the spearheads

Revision ID: actions
Revises: review
Create Date: 2026-11-28 12:20:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = 'actions'
down_revision = 'review'
branch_labels = None
depends_on = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
LIVE = sa.text('deleted_at IS NULL')
PUBLISHED_ONCE = sa.text('first_published_at IS NOT NULL')


def upgrade():
    op.create_table('actions',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('spearhead', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('stage', sa.String(length=12), nullable=False),
    sa.Column('responsible', JSON_DOCUMENT, nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('proposed_at_event', sa.String(length=36), nullable=True),
    sa.Column('title_fi', sa.String(length=200), nullable=True),
    sa.Column('title_sv', sa.String(length=200), nullable=True),
    sa.Column('title_en', sa.String(length=200), nullable=True),
    sa.Column('description_fi', sa.Text(), nullable=True),
    sa.Column('description_sv', sa.Text(), nullable=True),
    sa.Column('description_en', sa.Text(), nullable=True),
    sa.Column('progress_note_fi', sa.Text(), nullable=True),
    sa.Column('progress_note_sv', sa.Text(), nullable=True),
    sa.Column('progress_note_en', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('first_published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['proposed_at_event'], ['events.id'], name=op.f('fk_actions_proposed_at_event_events')),
    sa.ForeignKeyConstraint(['spearhead'], ['spearheads.id'], name=op.f('fk_actions_spearhead_spearheads')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actions'))
    )
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.create_index('ix_actions_live_spearhead', ['spearhead', 'status', 'stage'], unique=False, sqlite_where=LIVE, postgresql_where=LIVE)
        batch_op.create_index('ix_actions_sync', ['updated_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_actions_updated_at'), ['updated_at'], unique=False)
        batch_op.create_index('ix_actions_public_stamp', ['updated_at'], unique=False, sqlite_where=PUBLISHED_ONCE, postgresql_where=PUBLISHED_ONCE)

    op.create_table('action_municipalities',
    sa.Column('action_id', sa.String(length=36), nullable=False),
    sa.Column('municipality_code', sa.String(length=3), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['actions.id'], name=op.f('fk_action_municipalities_action_id_actions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['municipality_code'], ['municipalities.code'], name=op.f('fk_action_municipalities_municipality_code_municipalities')),
    sa.PrimaryKeyConstraint('action_id', 'municipality_code', name=op.f('pk_action_municipalities'))
    )
    with op.batch_alter_table('action_municipalities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_municipalities_municipality_code'), ['municipality_code'], unique=False)

    op.create_table('action_events',
    sa.Column('action_id', sa.String(length=36), nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['actions.id'], name=op.f('fk_action_events_action_id_actions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_action_events_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('action_id', 'event_id', name=op.f('pk_action_events'))
    )
    with op.batch_alter_table('action_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_events_event_id'), ['event_id'], unique=False)


def downgrade():
    with op.batch_alter_table('action_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_events_event_id'))
    op.drop_table('action_events')
    with op.batch_alter_table('action_municipalities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_municipalities_municipality_code'))
    op.drop_table('action_municipalities')
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.drop_index('ix_actions_public_stamp', sqlite_where=PUBLISHED_ONCE, postgresql_where=PUBLISHED_ONCE)
        batch_op.drop_index(batch_op.f('ix_actions_updated_at'))
        batch_op.drop_index('ix_actions_sync')
        batch_op.drop_index('ix_actions_live_spearhead', sqlite_where=LIVE, postgresql_where=LIVE)
    op.drop_table('actions')
