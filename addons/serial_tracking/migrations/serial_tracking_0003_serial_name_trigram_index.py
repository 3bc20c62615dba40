"""serial name trigram index (PostgreSQL)

Revision ID: serial_tracking_0003
Revises: serial_tracking_0002
Create Date: 2026-11-25 23:05:00

Searching a part of a serial name (``GET /serials?q=``) cannot use a B-tree: on PostgreSQL a
pg_trgm GIN index answers it (and prefix searches) in milliseconds among a million serials.
pg_trgm is a trusted extension (a database owner may create it); where it is missing or not
allowed, the index is skipped and the search scans, as on SQLite. Written by hand; the Serial
model lists the index in info["optional_indexes"] so that model comparisons leave it alone.
"""
import sqlalchemy as sa
from alembic import op

revision = 'serial_tracking_0003'
down_revision = 'serial_tracking_0002'
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    if bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")).scalar() is None:
        return
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError:
        return  # not allowed to create it: searches scan instead
    op.execute("CREATE INDEX ix_serials_name_trgm ON serials USING gin (name gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_serials_name_trgm")
