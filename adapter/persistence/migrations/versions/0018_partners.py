"""The partner store (adapter/persistence/partner_tables.py): records of the traffic platform, arbitration
commissions and the SPC roster, their history, and the messages to the partners with their delivery state (#19).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01

New tables only: nothing existing changes, so the migration is safe on a live database. Inbound partner messages use
the existing inbox and quarantine tables.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIME = sqlmodel.sql.sqltypes.UTCDateTime


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def _delivery() -> list[sa.Column]:  # type: ignore[type-arg]
    """The outbox's delivery columns (adapter/persistence/delivery_columns.py), as in 0017."""
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
        "partner_records",
        sa.Column("record_id", _text(40), nullable=False),
        sa.Column("kind", _text(16), nullable=False),
        sa.Column("partner", _text(64), nullable=False),
        sa.Column("partner_ref", _text(64), nullable=True),
        sa.Column("status", _text(32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("subject", _text(200), nullable=False),
        sa.Column("amount", _text(20), nullable=True),
        sa.Column("case_id", _text(40), nullable=True),
        sa.Column("match_key", _text(100), nullable=True),
        sa.Column("match_json", sa.Text(), nullable=True),
        sa.Column("facts_json", sa.Text(), nullable=False),
        sa.Column("opened_at", _TIME(), nullable=False),
        sa.Column("updated_at", _TIME(), nullable=False),
        sa.Column("closed_at", _TIME(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("record_id"),
        sa.UniqueConstraint("partner", "partner_ref", name="uq_partner_records_ref"),
    )
    with op.batch_alter_table("partner_records", schema=None) as batch_op:
        batch_op.create_index("ix_partner_records_match_key", ["match_key"], unique=False)
        batch_op.create_index("ix_partner_records_kind_status", ["kind", "status"], unique=False)
        batch_op.create_index("ix_partner_records_partner_status", ["partner", "status"], unique=False)
    op.create_table(
        "partner_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", _text(40), nullable=False),
        sa.Column("at", _TIME(), nullable=False),
        sa.Column("event", _text(48), nullable=True),
        sa.Column("note", _text(48), nullable=True),
        sa.Column("from_status", _text(32), nullable=False),
        sa.Column("to_status", _text(32), nullable=False),
        sa.Column("actor", _text(80), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["record_id"], ["partner_records.record_id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("partner_events", schema=None) as batch_op:
        batch_op.create_index("ix_partner_events_record_id", ["record_id"], unique=False)
    op.create_table(
        "partner_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", _text(64), nullable=False),
        sa.Column("record_id", _text(40), nullable=False),
        sa.Column("platform", _text(64), nullable=False),
        sa.Column("type", _text(48), nullable=False),
        sa.Column("envelope_json", sa.Text(), nullable=False),
        sa.Column("created_at", _TIME(), nullable=False),
        *_delivery(),
        sa.ForeignKeyConstraint(["record_id"], ["partner_records.record_id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id"),
    )
    with op.batch_alter_table("partner_outbox", schema=None) as batch_op:
        batch_op.create_index("ix_partner_outbox_platform", ["platform"], unique=False)
        batch_op.create_index("ix_partner_outbox_due", ["status", "next_attempt_at", "id"], unique=False)
        batch_op.create_index("ix_partner_outbox_record", ["record_id", "status", "id"], unique=False)


def downgrade() -> None:
    op.drop_table("partner_outbox")
    op.drop_table("partner_events")
    op.drop_table("partner_records")
