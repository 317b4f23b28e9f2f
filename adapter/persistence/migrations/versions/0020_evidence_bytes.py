"""The exact bytes exchanged, for a case's evidence bundle (#20, adapter/evidence/): an inbound message's raw bytes
as received and the headers carrying its signature (inbox), an outbound message's signed request as sent and the
court's answer (outbox).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01

Nullable columns only: safe on a live database. Messages exchanged before the upgrade have none (their bundle says
so); the bytes are sealed whole like quarantined bytes (LargeBinary here, their impl, as in 0001).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inbox") as batch:
        batch.add_column(sa.Column("raw", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("raw_headers_json", sa.Text(), nullable=True))
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("wire_body", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("wire_json", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("wire_json")
        batch.drop_column("wire_body")
    with op.batch_alter_table("inbox") as batch:
        batch.drop_column("raw_headers_json")
        batch.drop_column("raw")
