"""A self-received (flow C) case's centre case id is unique among flow-C cases: a second registration is refused.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30

A partial unique index on cases.platform_case_id where flow = 'self_received' (SQLite and PostgreSQL both have
partial indexes); a court's id was already unique per platform (0001's UniqueConstraint(platform, platform_case_id)).

A database that already holds duplicates (the same centre case id registered twice before this revision) is
refused, changing nothing: the upgrade stops naming each duplicated id and its cases, and says what to do. Which of
two registrations is the real one is the centre's decision, not a migration's: it must give the others a new centre
case id (or remove a case registered by mistake), then upgrade again. Indexing only new rows would leave the old
duplicates unfindable by a unique id, the very fault this revision fixes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from adapter.errors import ConfigError  # `docking db upgrade` prints it, no traceback

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHERE = "flow = 'self_received'"


def upgrade() -> None:
    duplicates = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT platform_case_id, id FROM cases WHERE platform_case_id IN ("
                f"SELECT platform_case_id FROM cases WHERE {_WHERE} GROUP BY platform_case_id HAVING COUNT(*) > 1"
                f") AND {_WHERE} ORDER BY platform_case_id, created_at, id"
            )
        )
        .all()
    )
    if duplicates:
        held: dict[str, list[str]] = {}
        for centre_id, case_id in duplicates:
            held.setdefault(centre_id, []).append(case_id)
        named = "; ".join(f"{c}: {', '.join(ids)}" for c, ids in sorted(held.items()))
        raise ConfigError(
            "revision 0016 makes a self-received case's centre case id (platform_case_id) unique, but this database "
            f"already registers some more than once (centre case id: our case ids, first registered first): {named}. "
            "Nothing was changed. Decide which case is the real one; give each other a new centre case id "
            "(UPDATE cases SET platform_case_id = '<new id>' WHERE id = '<our case id>') or remove a case registered "
            "by mistake, then run `docking db upgrade` again."
        )
    op.create_index(
        "ux_cases_self_received",
        "cases",
        ["platform_case_id"],
        unique=True,
        sqlite_where=sa.text(_WHERE),
        postgresql_where=sa.text(_WHERE),
    )


def downgrade() -> None:
    op.drop_index("ux_cases_self_received", table_name="cases")
