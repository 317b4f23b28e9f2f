"""Heartbeats of running processes, naming the data keys each holds, so `docking keys rotate-data` can refuse
to re-seal with a key a running process lacks.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25

One new table only: nothing existing changes, so the migration is safe on a live database. A process started
before it simply has no heartbeat until restarted (rotate-data then cannot see it; the README says to restart
every process after adding a key anyway).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "process_heartbeats",
        sa.Column("holder", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("host", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("seen_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("period_seconds", sa.Integer(), nullable=False),
        sa.Column("data_keys", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("active_key", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.PrimaryKeyConstraint("holder"),
    )


def downgrade() -> None:
    op.drop_table("process_heartbeats")
