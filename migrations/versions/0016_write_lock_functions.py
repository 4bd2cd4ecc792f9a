"""write_lock_functions: PostgreSQL functions that take a write lock and read what follows it in one round trip

Revision ID: write_lock_functions
Revises: inquiries
Create Date: 2026-11-28 13:40:00.000000

Each takes the same transaction-scoped advisory lock as api.database.serialize_writes, then reads the
table in a snapshot of its own: a VOLATILE function's statements each take a new snapshot under READ
COMMITTED, so the read sees every write committed before the lock was granted (a read in the calling
statement would not: its snapshot is taken before the lock is waited for). SQLite needs neither: its
write transactions hold the database's lock from BEGIN IMMEDIATE.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'write_lock_functions'
down_revision = 'inquiries'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute("""
        CREATE FUNCTION write_lock_latest_stamp(table_name text) RETURNS timestamptz
        LANGUAGE plpgsql VOLATILE AS $$
        DECLARE latest timestamptz;
        BEGIN
            PERFORM pg_advisory_xact_lock(hashtext(table_name));
            EXECUTE format('SELECT max(updated_at) FROM %I', table_name) INTO latest;
            RETURN latest;
        END $$
    """)
    op.execute("""
        CREATE FUNCTION next_change_position() RETURNS bigint
        LANGUAGE plpgsql VOLATILE AS $$
        DECLARE last bigint;
        BEGIN
            PERFORM pg_advisory_xact_lock(hashtext('changes'));
            SELECT coalesce(max(position), 0) INTO last FROM changes;
            RETURN last + 1;
        END $$
    """)


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute("DROP FUNCTION next_change_position()")
    op.execute("DROP FUNCTION write_lock_latest_stamp(text)")
