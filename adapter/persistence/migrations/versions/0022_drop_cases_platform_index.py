"""Drop cases (platform): every read of cases by platform is served by an index that begins with it.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01

Since 0021 the plain `ix_cases_platform` is a prefix of ix_cases_reconcile (platform, status, id, platform_case_id)
and of ix_cases_dispatched (platform, court_dispatched_at), and of the unique (platform, platform_case_id) since
0001: the reads that name a platform (a case list filtered by it — adapter/case_lookup.py, api/centre_reads.py —,
reconciliation, the newest dispatch, intake's look-up of a page's cases) use one of those. Kept, it was one more
index every case written had to update (intake writes a case per dispatch), and one more for the PostgreSQL planner
to pick for a look-up that needs the second column too. Dropping an index changes no row and takes a moment.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_cases_platform", table_name="cases")


def downgrade() -> None:
    op.create_index("ix_cases_platform", "cases", ["platform"])
