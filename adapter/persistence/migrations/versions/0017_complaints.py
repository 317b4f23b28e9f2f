"""The complaint store (adapter/persistence/complaint_tables.py): complaints, their history, and the messages to
institutions' complaint desks with their delivery state (issue #18).

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30

New tables only: nothing existing changes, so the migration is safe on a live database. Inbound desk messages use
the existing inbox and quarantine tables.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIME = sqlmodel.sql.sqltypes.UTCDateTime


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def _delivery() -> list[sa.Column]:  # type: ignore[type-arg]
    """The outbox's delivery columns (adapter/persistence/delivery_columns.py). Sealed JSON columns are Text here
    (their impl), as in 0001."""
    return [
        sa.Column("status", _text(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _TIME(), nullable=False),
        sa.Column("claimed_by", _text(40), nullable=True),
        sa.Column("claimed_until", _TIME(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("queued_at", _TIME(), nullable=False),
        sa.Column("delivered_at", _TIME(), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "complaints",
        sa.Column("complaint_id", _text(40), nullable=False),
        sa.Column("desk", _text(64), nullable=False),
        sa.Column("desk_ref", _text(64), nullable=True),
        sa.Column("status", _text(32), nullable=False),
        sa.Column("track", _text(20), nullable=False),
        sa.Column("channel", _text(16), nullable=False),
        sa.Column("institution_kind", _text(16), nullable=False),
        sa.Column("institution_uscc", _text(18), nullable=False),
        sa.Column("institution_name", _text(200), nullable=False),
        sa.Column("business", _text(16), nullable=False),
        sa.Column("cause", _text(16), nullable=False),
        sa.Column("amount", _text(20), nullable=False),
        sa.Column("undisputed", sa.Boolean(), nullable=False),
        sa.Column("received_at", _TIME(), nullable=False),
        sa.Column("forwarded_at", _TIME(), nullable=True),
        sa.Column("acknowledged_at", _TIME(), nullable=True),
        sa.Column("decided_at", _TIME(), nullable=True),
        sa.Column("small_claim_decided_at", _TIME(), nullable=True),
        sa.Column("paid_at", _TIME(), nullable=True),
        sa.Column("review_requested_at", _TIME(), nullable=True),
        sa.Column("review_decided_at", _TIME(), nullable=True),
        sa.Column("closed_at", _TIME(), nullable=True),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("decision_result", _text(16), nullable=True),
        sa.Column("remedy_amount", _text(20), nullable=True),
        sa.Column("satisfaction", sa.Integer(), nullable=True),
        sa.Column("repeat_of", _text(40), nullable=True),
        sa.Column("restarted_at", _TIME(), nullable=True),
        sa.Column("case_id", _text(40), nullable=True),
        sa.Column("complainant_key", _text(100), nullable=False),
        sa.Column("complaint_json", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", _TIME(), nullable=False),
        sa.Column("updated_at", _TIME(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("complaint_id"),
    )
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.create_index("ix_complaints_status", ["status"], unique=False)
        batch_op.create_index("ix_complaints_desk_status", ["desk", "status"], unique=False)
        batch_op.create_index(
            "ix_complaints_repeat", ["complainant_key", "institution_uscc", "received_at"], unique=False
        )
    op.create_table(
        "complaint_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", _text(40), nullable=False),
        sa.Column("at", _TIME(), nullable=False),
        sa.Column("event", _text(40), nullable=False),
        sa.Column("from_status", _text(32), nullable=False),
        sa.Column("to_status", _text(32), nullable=False),
        sa.Column("actor", _text(64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaints.complaint_id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("complaint_events", schema=None) as batch_op:
        batch_op.create_index("ix_complaint_events_complaint_id", ["complaint_id"], unique=False)
    op.create_table(
        "complaint_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", _text(64), nullable=False),
        sa.Column("complaint_id", _text(40), nullable=False),
        sa.Column("platform", _text(64), nullable=False),
        sa.Column("type", _text(40), nullable=False),
        sa.Column("envelope_json", sa.Text(), nullable=False),
        sa.Column("created_at", _TIME(), nullable=False),
        *_delivery(),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaints.complaint_id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id"),
    )
    with op.batch_alter_table("complaint_outbox", schema=None) as batch_op:
        batch_op.create_index("ix_complaint_outbox_platform", ["platform"], unique=False)
        batch_op.create_index("ix_complaint_outbox_due", ["status", "next_attempt_at", "id"], unique=False)
        batch_op.create_index("ix_complaint_outbox_complaint", ["complaint_id", "status", "id"], unique=False)


def downgrade() -> None:
    op.drop_table("complaint_outbox")
    op.drop_table("complaint_events")
    op.drop_table("complaints")
