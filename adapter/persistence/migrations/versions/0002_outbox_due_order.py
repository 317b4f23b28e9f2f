"""The due index also orders by id: the claim walks due rows oldest first and stops after one batch.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

Without id in the index, a claim over a deep backlog read every due row and sorted them (0.5 s per claim at
300k rows on SQLite); with it, a claim reads about one batch of index entries.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # On a live outbox: build the new index beside the old one without blocking writes, then swap, so there
        # is never a moment without an index for the claim.
        with op.get_context().autocommit_block():
            op.execute(
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_outbox_due_v2 ON outbox (status, next_attempt_at, id)"
            )
            op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_outbox_due")
            op.execute("ALTER INDEX ix_outbox_due_v2 RENAME TO ix_outbox_due")
        return
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_due")
        batch_op.create_index("ix_outbox_due", ["status", "next_attempt_at", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_due")
        batch_op.create_index("ix_outbox_due", ["status", "next_attempt_at"], unique=False)
