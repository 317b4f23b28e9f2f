"""Cases remember when the court published their dispatch: the acceptance clock starts there.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

One nullable column, no default: instant on PostgreSQL and SQLite alike. Cases stored before keep NULL and
their clock keeps starting at our receipt (the time is inside the sealed dispatch, which a migration cannot open).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("court_dispatched_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("court_dispatched_at")
