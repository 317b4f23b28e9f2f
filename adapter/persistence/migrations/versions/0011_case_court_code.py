"""Cases keep their court code as read once at intake, so the deadline sweep never parses a 案号 again (issue 15).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30

One nullable column, no default: instant on PostgreSQL and SQLite alike. No backfill: the court code of a case
stored before is in its dispatch (a JSON column that may be sealed) or its 案号, which a migration should not parse
with today's parser; the deadline facts read those rows as before (adapter/deadlines/facts.py `_court_code`).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("court_code", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("court_code")
