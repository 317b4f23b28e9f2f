"""Reconciliation runs and the differences each found, so an operator can see what was checked and repaired.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24

Two new tables only: nothing existing changes, so the migration is safe on a live database.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reconcile_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("finished_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("repair", sa.Boolean(), nullable=False),
        sa.Column("checked", sa.Integer(), nullable=False),
        sa.Column("in_flight", sa.Integer(), nullable=False),
        sa.Column("differences", sa.Integer(), nullable=False),
        sa.Column("repaired", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "reconcile_differences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("platform_case_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("ours", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("theirs", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("repaired", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["reconcile_runs.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("reconcile_differences", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reconcile_differences_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reconcile_differences_run_id"), ["run_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reconcile_differences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reconcile_differences_run_id"))
        batch_op.drop_index(batch_op.f("ix_reconcile_differences_case_id"))
    op.drop_table("reconcile_differences")
    op.drop_table("reconcile_runs")
