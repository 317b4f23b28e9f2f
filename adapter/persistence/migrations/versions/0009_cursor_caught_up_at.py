"""Each feed's cursor remembers when a poll last read that feed to its end.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-10

Reconciliation tells a case merely on its way (dispatched after our last read of the feed) from one the court's
feed lost (adapter/reconcile/arrival.py). One nullable column, no default: instant on PostgreSQL and SQLite alike;
NULL until the next poll catches up.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("cursors", sa.Column("caught_up_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cursors", schema=None) as batch_op:
        batch_op.drop_column("caught_up_at")
