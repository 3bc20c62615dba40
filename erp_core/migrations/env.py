"""Alembic environment: runs on the connection handed over by ``erp_core.migrations``."""
from alembic import context

from erp_core.database import db
from erp_core.migrations import COMPARE_OPTIONS

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=db.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
    **COMPARE_OPTIONS,
)
with context.begin_transaction():
    context.run_migrations()
