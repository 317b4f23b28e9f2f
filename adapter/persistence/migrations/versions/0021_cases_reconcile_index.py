"""Reconciliation reads our side of a million cases from indexes: cases (platform, status, id, platform_case_id) and
cases (platform, court_dispatched_at).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01

Pass 1 of a run (adapter/reconcile/cases.py) pages through one platform's cases a status at a time, in id order,
and reads only these columns: with them all in one index the page is a range of that index, never a lookup into the
table per case (whose rows carry the sealed dispatch), and `--platform` no longer sorts every case of the platform
per page. An index only, no row changes; but building it reads every case once (about a second per 100,000 on
SQLite) and holds writes to `cases` until it is built (PostgreSQL: a SHARE lock, not CONCURRENTLY, because every
migration runs in the one transaction env.py opens) — on a large live database, upgrade in a quiet hour. It is kept
up to date as cases are stored and move state.

The newest dispatch held from a platform (adapter/reconcile/arrival.py, asked once per platform by a full run) was
a read of every case of the platform, a fifth of a second for a million: the second index makes it one seek.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_cases_reconcile", "cases", ["platform", "status", "id", "platform_case_id"])
    op.create_index("ix_cases_dispatched", "cases", ["platform", "court_dispatched_at"])


def downgrade() -> None:
    op.drop_index("ix_cases_dispatched", table_name="cases")
    op.drop_index("ix_cases_reconcile", table_name="cases")
