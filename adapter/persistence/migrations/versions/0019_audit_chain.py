"""The audit chain (adapter/persistence/audit_tables.py): hash-linked entries and signed checkpoints (#20).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01

New tables only: safe on a live database. The chain starts empty at the upgrade; what happened before is not in
it (the older history tables stay as they were).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIME = sqlmodel.sql.sqltypes.UTCDateTime


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "audit_chain",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", _TIME(), nullable=False),
        sa.Column("kind", _text(48), nullable=False),
        sa.Column("subject", _text(128), nullable=False),
        sa.Column("case_id", _text(40), nullable=True),
        sa.Column("actor", _text(80), nullable=False),
        sa.Column("alg", _text(8), nullable=False),
        sa.Column("digest", _text(64), nullable=False),
        sa.Column("content_json", sa.Text(), nullable=False),
        sa.Column("prev_hash", _text(64), nullable=False),
        sa.Column("entry_hash", _text(64), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_index(op.f("ix_audit_chain_case_id"), "audit_chain", ["case_id"], unique=False)
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("first_seq", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("alg", _text(8), nullable=False),
        sa.Column("root", _text(64), nullable=False),
        sa.Column("last_entry_hash", _text(64), nullable=False),
        sa.Column("at", _TIME(), nullable=False),
        sa.Column("key_id", _text(64), nullable=False),
        sa.Column("algorithm", _text(16), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("first_seq"),
    )


def downgrade() -> None:
    op.drop_table("audit_checkpoints")
    op.drop_index(op.f("ix_audit_chain_case_id"), table_name="audit_chain")
    op.drop_table("audit_chain")
