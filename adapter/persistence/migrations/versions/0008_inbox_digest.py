"""The inbox remembers the digest of each message it applied, so a replay that says something else is caught.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08

One nullable column, no default: instant on PostgreSQL and SQLite alike. Messages applied before keep NULL: what
they said is not recoverable here (a court decision's bytes were never kept, a dispatch is sealed), so a repeat of
one is taken as a duplicate and noted, never as a conflict (adapter/inbox.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("inbox", sa.Column("body_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.drop_column("body_sha256")
