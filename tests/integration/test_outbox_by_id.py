"""The outbox statements that name their rows by id (a record's held rows, a claim's renewal and release, a requeue
by message id) find them by id — on SQLite too, where the status test used to send the planner down ix_outbox_due
over every row of that status once a batch named five or ten rows (#21: 8 ms a statement at a 100k backlog, 80 ms
at 1M) — and act on exactly the rows the statements before the change did, on SQLite and PostgreSQL."""

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, bindparam, event, select, update
from sqlalchemy.sql import Executable

from adapter.outbox.claim import _still_ours, claim, release, renew
from adapter.outbox.record import _HELD, DeliveryResult, Result, record
from adapter.outbox.requeue import RequeueConflict, requeue
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import OutboxRow, OutboxStatus
from tests.support.cases import OUTBOX_STATES, T0, pending_outbox, rolled_back

pytestmark = pytest.mark.integration

_OUTBOX = OutboxRow.__table__  # type: ignore[attr-defined]
CASES = 40


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def uow(database_url: str) -> Iterator[UnitOfWork]:
    with pending_outbox(database_url, CASES) as uow:
        yield uow


def _retried(row: OutboxRow) -> Result:
    """A failed attempt's result for `row`: due again in a minute."""
    values = {
        "new_status": OutboxStatus.PENDING,
        "new_attempts": row.attempts + 1,
        "new_error": "HTTP 503",
        "new_next": T0 + timedelta(minutes=1),
        "new_delivered": None,
        "new_queued": T0,
        "new_wire_body": None,
        "new_wire_json": None,
    }
    return Result(row, DeliveryResult.RETRIED, values)


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("batch", [1, 9, 10, 40])
def test_statements_naming_rows_by_id_are_planned_by_the_primary_key(uow: UnitOfWork, batch: int) -> None:
    """Every statement a claim's renewal, a record and a release run with `id IN (…)`: looked up by id, never a walk
    of ix_outbox_due (what SQLite planned for ten ids or more while the status test could pick the index)."""
    seen: list[tuple[str, Any]] = []

    @event.listens_for(uow.engine, "before_cursor_execute")
    def _keep(conn: Any, cursor: Any, statement: str, params: Any, context: Any, executemany: bool) -> None:
        if "outbox.id IN" in statement:
            seen.append((statement, params))

    rows = claim(uow, lambda: T0, limit=batch, token="tok-a")
    assert len(rows) == batch
    renew(uow, rows, T0 + timedelta(seconds=6))
    kept, given_back = rows[: batch // 2], rows[batch // 2 :]
    assert record(uow, [_retried(row) for row in kept]) == ({DeliveryResult.RETRIED: len(kept)} if kept else {})
    release(uow, given_back)
    event.remove(uow.engine, "before_cursor_execute", _keep)

    kinds = {statement.split()[0] + (" held" if "claimed_by IN" in statement else "") for statement, _ in seen}
    assert kinds >= ({"UPDATE", "SELECT held"} if kept else {"UPDATE"})
    with uow.engine.connect() as connection:
        for statement, params in seen:
            plan = [row[3] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)]
            assert plan == ["SEARCH outbox USING INTEGER PRIMARY KEY (rowid=?)"], (statement, plan)


# The statements as they were before the status test was unindexed (record.py _HELD, claim.py _still_ours).
_HELD_BEFORE = (
    select(_OUTBOX.c.id, _OUTBOX.c.claimed_by)
    .where(
        _OUTBOX.c.id.in_(bindparam("row_ids", expanding=True)),
        _OUTBOX.c.claimed_by.in_(bindparam("tokens", expanding=True)),
        _OUTBOX.c.status == OutboxStatus.PENDING,
    )
    .order_by(_OUTBOX.c.id)
    .with_for_update()
)


def _ours_before(ids: list[int], token: str) -> tuple[Any, ...]:
    return (_OUTBOX.c.id.in_(ids), _OUTBOX.c.claimed_by == token, _OUTBOX.c.status == OutboxStatus.PENDING)


def _ours_now(ids: list[int], token: str) -> tuple[Any, ...]:
    class Held:  # what _still_ours reads of a row: its id and its claim's token
        def __init__(self, id: int) -> None:
            self.id, self.claimed_by = id, token

    return _still_ours([Held(i) for i in ids])  # type: ignore[list-item]


# Which ids a statement names (positions into the 40 rows, or ids no row has) and with which tokens.
ASKS: list[tuple[str, Callable[[list[int]], list[int]], list[str]]] = [
    ("one row", lambda ids: ids[:1], ["tok-a"]),
    ("nine rows", lambda ids: ids[:9], ["tok-a"]),
    ("ten rows", lambda ids: ids[:10], ["tok-a"]),
    ("every row", lambda ids: ids, ["tok-a"]),
    ("every row, both tokens", lambda ids: ids, ["tok-a", "tok-b"]),
    ("every other row, reversed", lambda ids: ids[::-2], ["tok-b", "tok-a"]),
    ("a token nobody holds", lambda ids: ids, ["tok-z"]),
    ("ids no row has", lambda ids: [max(ids) + 1, max(ids) + 50, -1] * 5, ["tok-a"]),
    ("the same ids twice", lambda ids: ids[5:20] + ids[5:20], ["tok-a"]),
]


def _states(uow: UnitOfWork) -> list[int]:
    with uow.begin() as session:
        connection = session.connection()
        ids = list(connection.execute(select(_OUTBOX.c.id).order_by(_OUTBOX.c.id)).scalars())
        for n, row_id in enumerate(ids):
            status, token = OUTBOX_STATES[n % len(OUTBOX_STATES)]
            claimed = T0 + timedelta(seconds=6) if token else None
            connection.execute(
                update(_OUTBOX)
                .where(_OUTBOX.c.id == row_id)
                .values(status=status, claimed_by=token, claimed_until=claimed)
            )
    assert len(ids) == CASES
    return ids


def _outcome(uow: UnitOfWork, act: Callable[[Connection], object]) -> tuple[object, list[tuple[Any, ...]]]:
    """What `act` returns and the table after it, in a transaction rolled back afterwards."""
    table = select(_OUTBOX.c.id, _OUTBOX.c.status, _OUTBOX.c.claimed_by, _OUTBOX.c.claimed_until)
    return rolled_back(uow, act, table.order_by(_OUTBOX.c.id))


@pytest.mark.parametrize(("ask", "pick", "tokens"), ASKS, ids=[a[0] for a in ASKS])
def test_the_rows_found_by_id_are_the_rows_found_before(
    uow: UnitOfWork, ask: str, pick: Callable[[list[int]], list[int]], tokens: list[str]
) -> None:
    """The record's held rows, a renewal's and a release's rows: the same as the statements before the change
    found and changed, row for row, over rows pending, delivered and dead, claimed by either token or none."""
    ids = pick(_states(uow))

    def held(statement: Executable) -> Callable[[Connection], object]:
        return lambda c: [tuple(r) for r in c.execute(statement, {"row_ids": ids, "tokens": tokens})]

    assert _outcome(uow, held(_HELD)) == _outcome(uow, held(_HELD_BEFORE))
    found = _outcome(uow, held(_HELD))[0]
    assert found == sorted({(i, t) for i in ids for t in tokens if (i, t) in _claims(uow)})
    for token in tokens:
        for values in RENEW_RELEASE:
            now, before = (_change(where, ids, token, values) for where in (_ours_now, _ours_before))
            assert _outcome(uow, now) == _outcome(uow, before)


RENEW_RELEASE = [{"claimed_until": T0 + timedelta(seconds=12)}, {"claimed_by": None, "claimed_until": None}]


def _change(
    where: Callable[[list[int], str], tuple[Any, ...]], ids: list[int], token: str, values: dict[str, Any]
) -> Callable[[Connection], object]:
    """A renewal's or a release's UPDATE of `ids` held by `token`, with `where` as its conditions."""
    return lambda c: c.execute(update(_OUTBOX).where(*where(ids, token)).values(**values)).rowcount


def _claims(uow: UnitOfWork) -> set[tuple[int, str]]:
    """(id, token) of every pending row held by a claim: what the held rows must be drawn from."""
    with uow.begin() as session:
        query = select(_OUTBOX.c.id, _OUTBOX.c.claimed_by).where(_OUTBOX.c.status == OutboxStatus.PENDING)
        return {(i, t) for i, t in session.connection().execute(query) if t is not None}


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("named", [1, 5, 10, 40])
def test_a_requeue_finds_its_messages_by_message_id(uow: UnitOfWork, named: int) -> None:
    """A repair's requeue of `named` delivered messages: looked up by message id, not a walk of every delivered row
    in ix_outbox_due (what SQLite planned for five ids or more)."""
    with uow.begin() as session:
        connection = session.connection()
        connection.execute(update(_OUTBOX).values(status=OutboxStatus.DELIVERED))
        ids = list(connection.execute(select(_OUTBOX.c.message_id).order_by(_OUTBOX.c.id).limit(named)).scalars())
    seen: list[tuple[str, Any]] = []

    @event.listens_for(uow.engine, "before_cursor_execute")
    def _keep(conn: Any, cursor: Any, statement: str, params: Any, context: Any, executemany: bool) -> None:
        if statement.startswith("UPDATE outbox"):
            seen.append((statement, params))

    with uow.begin() as session:
        requeue(session.connection(), ids, from_status=OutboxStatus.DELIVERED, **_REPAIR)
    event.remove(uow.engine, "before_cursor_execute", _keep)
    ((statement, params),) = seen
    with uow.engine.connect() as connection:
        plan = [row[3] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)]
    assert plan == ["SEARCH outbox USING INDEX sqlite_autoindex_outbox_1 (message_id=?)"], plan


_REPAIR: dict[str, Any] = {"action": "resend", "actor": "test", "reason": "r", "note": "n", "now": T0}


@pytest.mark.parametrize(("ask", "pick", "_tokens"), ASKS, ids=[a[0] for a in ASKS])
@pytest.mark.parametrize("status", [OutboxStatus.DELIVERED, OutboxStatus.DEAD])
def test_a_requeue_changes_the_rows_it_changed_before(
    uow: UnitOfWork, ask: str, pick: Callable[[list[int]], list[int]], _tokens: list[str], status: OutboxStatus
) -> None:
    """Requeue by message id from `status`, and the same UPDATE with the status test as it was: the same rows put
    back (or the same conflict), over rows pending, delivered and dead."""
    ids = pick(_states(uow))
    with uow.begin() as session:
        by_id = {i: m for i, m in session.connection().execute(select(_OUTBOX.c.id, _OUTBOX.c.message_id))}
    named = [by_id.get(i, f"none-{i}") for i in ids]

    def now(connection: Connection) -> object:
        try:
            requeue(connection, named, from_status=status, **_REPAIR)
        except RequeueConflict:
            return "conflict"
        return "requeued"

    def before(connection: Connection) -> object:
        changed = connection.execute(
            update(_OUTBOX)
            .where(_OUTBOX.c.message_id.in_(named), _OUTBOX.c.status == status)
            .values(status=OutboxStatus.PENDING, next_attempt_at=T0, queued_at=T0, claimed_by=None, claimed_until=None)
        ).rowcount
        return "requeued" if changed == len(set(named)) else "conflict"

    assert _outcome(uow, now) == _outcome(uow, before)
