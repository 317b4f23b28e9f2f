"""On PostgreSQL a batch's results are written by one pipelined UPDATE … RETURNING per result (record.py
_write_returning) instead of a SELECT … FOR UPDATE of the rows still held and then the UPDATEs (_lock_then_write):
the same results written, the same counted as lost, the same table after — over rows pending, delivered and dead,
claimed by either token or none, a row twice in a batch, batches in any order — and a row another transaction holds
is waited for and then judged on what that transaction committed, as before."""

import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, select, text, update

from adapter.outbox import record as record_module
from adapter.outbox.claim import claim
from adapter.outbox.claimed import Claimed
from adapter.outbox.record import DeliveryResult, Result, record
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import OutboxRow, OutboxStatus
from tests.support.cases import OUTBOX_STATES, T0, pending_outbox, rolled_back
from tests.support.pg_waits import wait_for_pg_wait

pytestmark = pytest.mark.integration

_OUTBOX = OutboxRow.__table__  # type: ignore[attr-defined]
CASES = 21


@pytest.fixture
def backend() -> str:
    return "postgres"


@pytest.fixture
def uow(database_url: str) -> Iterator[UnitOfWork]:
    with pending_outbox(database_url, CASES) as uow:
        yield uow


def _values(outcome: DeliveryResult, n: int) -> dict[str, Any]:
    """A result's new values: delivered (bytes kept, non-ASCII in them), retried (nothing kept) or dead."""
    delivered = outcome is DeliveryResult.DELIVERED
    return {
        "new_status": {DeliveryResult.DELIVERED: OutboxStatus.DELIVERED, DeliveryResult.DEAD: OutboxStatus.DEAD}.get(
            outcome, OutboxStatus.PENDING
        ),
        "new_attempts": n % 4 + 1,
        "new_error": None if delivered else f"HTTP 50{n % 10} — přijetí odmítnuto {'x' * (n * 37 % 300)}",
        "new_next": T0 + timedelta(minutes=n),
        "new_delivered": T0 + timedelta(seconds=n) if delivered else None,
        "new_queued": T0,
        "new_wire_body": f"<dokument č. {n}>".encode() * (n % 3) if delivered else None,
        "new_wire_json": f'{{"n": {n}, "ü": "ß"}}' if delivered else None,
    }


OUTCOMES = [DeliveryResult.DELIVERED, DeliveryResult.RETRIED, DeliveryResult.DEAD]

# Which rows a batch's results name (positions into the rows) and under which tokens.
BATCHES: list[tuple[str, Callable[[list[int]], list[int]], list[str]]] = [
    ("one row", lambda ids: ids[:1], ["tok-a"]),
    ("every row", lambda ids: ids, ["tok-a"]),
    ("every row, both tokens", lambda ids: ids, ["tok-a", "tok-b"]),
    ("every other row, reversed", lambda ids: ids[::-2], ["tok-b", "tok-a"]),
    ("a token nobody holds", lambda ids: ids[:7], ["tok-z"]),
    ("the same rows twice", lambda ids: ids[5:12] + ids[5:12], ["tok-a"]),
    ("the same rows twice, reversed", lambda ids: ids[12:4:-1] + ids[5:12], ["tok-a", "tok-b"]),
]


def _rows(uow: UnitOfWork) -> list[Claimed]:
    """The rows as claimed (by tok-a), each then put in its STATES state."""
    rows = claim(uow, lambda: T0, limit=CASES, token="tok-a")
    assert len(rows) == CASES
    with uow.begin() as session:
        for n, row in enumerate(rows):
            status, token = OUTBOX_STATES[n % len(OUTBOX_STATES)]
            session.connection().execute(
                update(_OUTBOX).where(_OUTBOX.c.id == row.id).values(status=status, claimed_by=token)
            )
    return rows


def _outcome(uow: UnitOfWork, write: Callable[[Connection, list[Result]], list[bool]], results: list[Result]) -> Any:
    """What `write` says of `results` and the outbox after it, in a transaction rolled back afterwards."""
    return rolled_back(uow, lambda connection: write(connection, results), select(_OUTBOX).order_by(_OUTBOX.c.id))


@pytest.mark.parametrize(("batch", "pick", "tokens"), BATCHES, ids=[b[0] for b in BATCHES])
def test_the_results_written_are_the_results_written_before(
    uow: UnitOfWork, batch: str, pick: Callable[[list[int]], list[int]], tokens: list[str]
) -> None:
    rows = {row.id: row for row in _rows(uow)}
    results = [
        Result(replace(rows[row_id], claimed_by=token), OUTCOMES[n % 3], _values(OUTCOMES[n % 3], n))
        for n, (row_id, token) in enumerate((i, t) for i in pick(list(rows)) for t in tokens)
    ]
    now = _outcome(uow, record_module._write_returning, results)
    before = _outcome(uow, record_module._lock_then_write, results)
    assert now == before
    assert now[0] != [False] * len(results) or batch == "a token nobody holds"  # the batch wrote something


@pytest.mark.parametrize("write", ["returning", "lock then write"])
@pytest.mark.parametrize("taken", [True, False])
def test_a_row_held_by_another_transaction_is_judged_on_what_it_committed(
    uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch, write: str, taken: bool
) -> None:
    """Another transaction holds a row of the batch (another worker claiming it after our lease lapsed, or a
    renewal): the record waits for it, then writes the row only if it is still ours (`taken`: it is not)."""
    if write == "lock then write":
        monkeypatch.setattr(record_module, "_write_returning", record_module._lock_then_write)
    rows = claim(uow, lambda: T0, limit=3, token="tok-a")
    results = [
        Result(row, DeliveryResult.DELIVERED, _values(DeliveryResult.DELIVERED, n)) for n, row in enumerate(rows)
    ]
    other = uow.engine.connect()
    transaction = other.begin()
    other.execute(update(_OUTBOX).where(_OUTBOX.c.id == rows[1].id).values(claimed_by="tok-b" if taken else "tok-a"))
    counts: list[Any] = []
    recording = threading.Thread(target=lambda: counts.append(record(uow, results)))
    recording.start()
    wait_for_pg_wait(uow, "wait_event_type = 'Lock'", "the record")
    assert recording.is_alive()  # it waits for the other transaction
    transaction.commit()
    other.close()
    recording.join(timeout=10)
    expected = {DeliveryResult.DELIVERED: 2, DeliveryResult.LEASE_LOST: 1} if taken else {DeliveryResult.DELIVERED: 3}
    assert counts == [expected]
    with uow.begin() as session:
        statuses = session.connection().execute(select(_OUTBOX.c.id, _OUTBOX.c.status, _OUTBOX.c.claimed_by))
        after = {row_id: (status, token) for row_id, status, token in statuses}
    assert after[rows[1].id] == (("pending", "tok-b") if taken else ("delivered", None))
    assert after[rows[0].id] == after[rows[2].id] == ("delivered", None)


def test_a_record_waiting_for_a_row_holds_no_row_after_it(uow: UnitOfWork) -> None:
    """Rows are locked in id order whatever the order of the results (record.py _write_returning), as _HELD's
    ORDER BY locked them: a record waiting for a row holds none of a higher id, so two workers recording
    overlapping rows cannot deadlock. Results in reverse order, the first row held elsewhere: the last row must
    still be free while the record waits."""
    rows = claim(uow, lambda: T0, limit=3, token="tok-a")
    first, last = rows[0], rows[-1]
    results = [
        Result(row, DeliveryResult.DELIVERED, _values(DeliveryResult.DELIVERED, n)) for n, row in enumerate(rows)
    ][::-1]
    other = uow.engine.connect()
    transaction = other.begin()
    other.execute(update(_OUTBOX).where(_OUTBOX.c.id == first.id).values(claimed_by="tok-a"))  # held, unchanged
    counts: list[Any] = []
    recording = threading.Thread(target=lambda: counts.append(record(uow, results)))
    recording.start()
    try:
        wait_for_pg_wait(uow, "wait_event_type = 'Lock'", "the record")
        with uow.engine.connect() as probe, probe.begin() as probing:
            probe.execute(text("SET LOCAL lock_timeout = '2s'"))  # a lock the record took would fail this
            probe.execute(update(_OUTBOX).where(_OUTBOX.c.id == last.id).values(attempts=_OUTBOX.c.attempts))
            probing.rollback()
    finally:
        transaction.commit()
        other.close()
        recording.join(timeout=10)
    assert counts == [{DeliveryResult.DELIVERED: 3}]
