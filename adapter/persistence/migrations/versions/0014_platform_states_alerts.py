"""Operations state (adapter/persistence/ops_tables.py): platforms' and feeds' state as their running process last
saw them, alert conditions, and the alerts to send.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30

New tables only: nothing existing changes, so the migration is safe on a live database.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIME = sqlmodel.sql.sqltypes.UTCDateTime


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "platform_states",
        sa.Column("platform", _text(64), nullable=False),
        sa.Column("breaker", _text(16), nullable=False),
        sa.Column("breaker_since", _TIME(), nullable=True),
        sa.Column("held", sa.Boolean(), nullable=False),
        sa.Column("held_reason", sa.Text(), nullable=False),
        sa.Column("held_since", _TIME(), nullable=True),
        sa.Column("updated_at", _TIME(), nullable=False),
        sa.Column("holder", _text(80), nullable=False),
        sa.PrimaryKeyConstraint("platform"),
    )
    op.create_table(
        "feed_states",
        sa.Column("platform", _text(64), nullable=False),
        sa.Column("feed", _text(32), nullable=False),
        sa.Column("last_success_at", _TIME(), nullable=True),
        sa.Column("last_error_at", _TIME(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("held_cause", _text(16), nullable=True),
        sa.Column("held_since", _TIME(), nullable=True),
        sa.Column("updated_at", _TIME(), nullable=False),
        sa.Column("holder", _text(80), nullable=False),
        sa.PrimaryKeyConstraint("platform", "feed"),
    )
    op.create_table(
        "alert_conditions",
        sa.Column("kind", _text(32), nullable=False),
        sa.Column("subject", _text(128), nullable=False),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.Column("since", _TIME(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "subject"),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", _text(64), nullable=False),
        sa.Column("kind", _text(32), nullable=False),
        sa.Column("subject", _text(128), nullable=False),
        sa.Column("topic", _text(170), nullable=False),
        sa.Column("state", _text(16), nullable=False),
        sa.Column("at", _TIME(), nullable=False),
        sa.Column("data_json", sa.Text(), nullable=False),
        sa.Column("status", _text(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _TIME(), nullable=False),
        sa.Column("claimed_by", _text(40), nullable=True),
        sa.Column("claimed_until", _TIME(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("queued_at", _TIME(), nullable=False),
        sa.Column("delivered_at", _TIME(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("alert_id"),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index("ix_alerts_due", ["status", "next_attempt_at", "id"], unique=False)
        batch_op.create_index("ix_alerts_topic", ["topic", "status", "id"], unique=False)


def downgrade() -> None:
    op.drop_table("alerts")
    op.drop_table("alert_conditions")
    op.drop_table("feed_states")
    op.drop_table("platform_states")
