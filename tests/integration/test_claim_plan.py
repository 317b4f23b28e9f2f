"""The claim's plan on PostgreSQL (adapter/outbox/claim.py): on an outbox just filled, before any ANALYZE, a claim
reads about as many rows as it takes, in the due index's order — not every pending row, each tested for an earlier
one of its case and all sorted (what the planner picks on its default estimates) — takes the rows the claim takes
on SQLite's plan, and leaves the transaction's planner settings as they were."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel

from adapter.outbox import claim as claim_module
from adapter.outbox.claim import claim_in
from adapter.persistence.engine import UnitOfWork, create_schema, make_engine
from adapter.persistence.tables import CaseRow, OutboxRow
from tests.support.cases import T0, pending_cases

pytestmark = pytest.mark.integration

CASES = 8
COPIES = 250  # of each case and its message: 2,008 cases with a message due, as bench/delivery.py queues them
NOW = T0 + timedelta(hours=1)


@pytest.fixture
def uow(database_url: str) -> Iterator[UnitOfWork]:
    """CASES accepted cases and COPIES copies of each (case and message, due a second apart); never analysed."""
    engine = make_engine(database_url)
    create_schema(engine)
    pending_cases(UnitOfWork(engine), CASES)
    with engine.begin() as connection:
        _copy(connection, CaseRow, {"id": "id || '-' || g", "platform_case_id": "platform_case_id || '-' || g"})
        changed = {"case_id": "case_id || '-' || g", "message_id": "message_id || '-' || g"}
        _copy(connection, OutboxRow, {**changed, "next_attempt_at": "next_attempt_at + g * interval '1 second'"})
    yield UnitOfWork(engine)
    engine.dispose()


def _copy(connection: Connection, table: type[SQLModel], changed: dict[str, str]) -> None:
    columns = [column.name for column in table.__table__.c if column.name != "id" or "id" in changed]  # type: ignore[attr-defined]
    connection.execute(
        text(
            f"INSERT INTO {table.__tablename__} ({', '.join(columns)}) "
            f"SELECT {', '.join(changed.get(name, name) for name in columns)} "
            f"FROM {table.__tablename__}, generate_series(1, {COPIES}) AS g ORDER BY g"
        )
    )


def _read(connection: Connection) -> int:
    """Outbox rows this transaction has read so far (fetched by an index or a bitmap scan, or scanned)."""
    counted = "SELECT idx_tup_fetch + seq_tup_read FROM pg_stat_xact_user_tables WHERE relname = 'outbox'"
    return int(connection.execute(text(counted)).scalar_one())


def _settings(connection: Connection) -> tuple[str, str]:
    return (
        connection.execute(text("SHOW enable_sort")).scalar_one(),
        connection.execute(text("SHOW enable_bitmapscan")).scalar_one(),
    )


@pytest.mark.parametrize("backend", ["postgres"])
@pytest.mark.parametrize("sort", ["on", "off"])  # as configured: the claim sets it back to the session's value
def test_a_claim_reads_about_the_rows_it_takes_not_the_backlog(uow: UnitOfWork, sort: str) -> None:
    with uow.begin() as session:
        connection = session.connection()
        connection.execute(text(f"SET enable_sort = {sort}"))  # the session's value (the pool's connection)
        due = list(connection.execute(text("SELECT id FROM outbox ORDER BY next_attempt_at, id LIMIT 5")).scalars())
        before, settings = _read(connection), _settings(connection)
        rows = claim_in(session, lambda: NOW, limit=5, token="t")
        read = _read(connection) - before
        assert _settings(connection) == settings == (sort, "on")
        connection.execute(text("RESET enable_sort"))
    assert [row.id for row in rows] == due  # the five due first, in order
    assert read <= 40, f"the claim of 5 read {read} outbox rows"  # the old plan read all 2,008 (sorted them)


@pytest.mark.parametrize("backend", ["postgres"])
def test_a_claim_failing_after_sorting_was_turned_off_leaves_it_on(
    uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The claim's SELECT fails once sorting is off for it: the rollback takes the setting back with it, so the
    connection goes back to the pool as it came (the next transaction on it sorts as configured)."""
    failing = text("SELECT 1 / 0 WHERE CAST(:now AS timestamptz) IS NOT NULL AND CAST(:limit AS integer) > 0")
    monkeypatch.setattr(claim_module, "_CLAIM", failing)
    with pytest.raises(DBAPIError, match="division by zero"), uow.begin() as session:
        pid = session.connection().execute(text("SELECT pg_backend_pid()")).scalar_one()
        claim_in(session, lambda: NOW, limit=3, token="t")
    monkeypatch.undo()
    with uow.begin() as session:
        connection = session.connection()
        assert connection.execute(text("SELECT pg_backend_pid()")).scalar_one() == pid  # the same connection
        assert _settings(connection) == ("on", "on")
        assert len(claim_in(session, lambda: NOW, limit=3, token="t")) == 3
