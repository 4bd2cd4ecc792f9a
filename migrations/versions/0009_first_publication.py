"""first publication of records: what readers without drafts may learn of

Revision ID: first_publication
Revises: changes
Create Date: 2026-11-28 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'first_publication'
down_revision = 'changes'
branch_labels = None
depends_on = None

TABLES = {"companies": "company", "events": "event", "spearheads": "spearhead", "municipalities": "municipality"}
PUBLISHED = sa.text("first_published_at IS NOT NULL")


def _backfill(connection, table: str, record_type: str) -> None:
    """Published records count as published since their creation; a draft was published before if its
    audit trail ever set its status to published (then since the first such entry)."""
    connection.execute(sa.text(f"UPDATE {table} SET first_published_at = created_at WHERE status = 'published'"))
    key = "code" if table == "municipalities" else "id"
    drafts = [row[0] for row in connection.execute(sa.text(f"SELECT {key} FROM {table} WHERE status <> 'published'"))]
    entries = sa.table("audit_entries", sa.column("record_type"), sa.column("record_id"), sa.column("at"), sa.column("changes", sa.JSON))
    for start in range(0, len(drafts), 500):
        ids = drafts[start:start + 500]
        found = connection.execute(
            sa.select(entries.c.record_id, entries.c.at, entries.c.changes)
            .where(entries.c.record_type == record_type, entries.c.record_id.in_(ids))
            .order_by(entries.c.at)
        )
        first: dict = {}
        for record_id, at, changes in found:
            if "published" in (changes or {}).get("status", []) and record_id not in first:
                first[record_id] = at
        for record_id, at in first.items():
            connection.execute(
                sa.text(f"UPDATE {table} SET first_published_at = :at WHERE {key} = :key"), {"at": at, "key": record_id}
            )


def upgrade():
    for table, record_type in TABLES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('first_published_at', sa.DateTime(timezone=True), nullable=True))
        _backfill(op.get_bind(), table, record_type)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(f'ix_{table}_public_stamp', ['updated_at'], unique=False, sqlite_where=PUBLISHED, postgresql_where=PUBLISHED)


def downgrade():
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f'ix_{table}_public_stamp', sqlite_where=PUBLISHED, postgresql_where=PUBLISHED)
            batch_op.drop_column('first_published_at')
