"""Outgoing messages remember when they last entered the queue; giving up is counted from then.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

A replayed or re-sent message used to be given up on its first transient failure, because the retry window was
measured from its creation. Existing rows take their creation time (what the window was measured from before),
so nothing already queued changes its schedule. On PostgreSQL the column is added without a default (no table
rewrite), filled, then made NOT NULL.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("queued_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.execute("UPDATE outbox SET queued_at = created_at")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column("queued_at", existing_type=sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("queued_at")
