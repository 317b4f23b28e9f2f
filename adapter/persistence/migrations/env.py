"""Alembic environment: the adapter's tables, on the connection the caller hands over (never a global URL)."""

from alembic import context
from sqlmodel import SQLModel

from adapter.persistence import (  # noqa: F401  (registers the tables)
    api_tables,
    audit_tables,
    complaint_tables,
    event_tables,
    partner_tables,
    report_tables,
    tables,
)

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=SQLModel.metadata, render_as_batch=True, compare_type=True)
with context.begin_transaction():
    context.run_migrations()
