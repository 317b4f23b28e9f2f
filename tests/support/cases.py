"""Cases in the adapter's database for unit tests: accepted cases waiting in the outbox, a bare case row, and a
case read back with its history."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, Select

from adapter.persistence.case_store import SqlCaseStore
from adapter.persistence.engine import UnitOfWork, create_schema, make_engine
from adapter.persistence.repository import create_case, transition
from adapter.persistence.tables import CaseEventRow, CaseRow, OutboxStatus
from adapter.services import CentreServices
from adapter.states import Event
from adapter.testing.fake_store import FakeCaseStore
from schemas.enums import Flow
from tests.support import samples

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # when pending_cases' cases arrive and are accepted


def pending_cases(uow: UnitOfWork, count: int) -> None:
    """`count` received cases, each accepted: one pending message per case."""
    with uow.begin() as session:
        ids = []
        for n in range(count):
            case = create_case(session, samples.dispatch(Flow.DELEGATED, f"A-{n}"), "court", T0)
            transition(session, case, Event.REGISTER, actor="test", at=T0)
            ids.append(case.id)
    services = CentreServices(SqlCaseStore(uow), lambda: T0)
    for case_id in ids:
        services.accept(case_id)


def stored(store: FakeCaseStore, case_id: str) -> tuple[CaseRow, list[CaseEventRow]]:
    """A case and its history as the in-memory case store committed them."""
    case = store.case(case_id)
    assert case is not None
    return case, store.history(case_id)


def case_row(**changes: Any) -> CaseRow:
    """A case row in mediation, as SQLite hands it back (zone-less UTC times); `changes` override its fields."""
    fields: dict[str, Any] = {
        "id": "MC-1",
        "platform": "p1",
        "platform_case_id": "x",
        "case_number": "（2026）粤0106民初77号",
        "flow": "delegated",
        "procedure": "ordinary",
        "cause": "信用卡纠纷",
        "amount": "1.00",
        "status": "IN_MEDIATION",
        "dispatch_json": "{}",
        "created_at": datetime(2026, 3, 1, 2, 0),  # zone-less UTC, as SQLite returns it
        "updated_at": datetime(2026, 3, 1, 2, 0),
    }
    fields.update(changes)
    return CaseRow(**fields)


# Outbox rows' states for tests of statements that must find only the rows still held: (status, claimed_by), each
# row taking one by its place in id order, cycled.
OUTBOX_STATES = [
    (OutboxStatus.PENDING, "tok-a"),
    (OutboxStatus.PENDING, None),
    (OutboxStatus.PENDING, "tok-b"),
    (OutboxStatus.DELIVERED, "tok-a"),  # a stale token left on a row no longer pending
    (OutboxStatus.DEAD, "tok-a"),
    (OutboxStatus.PENDING, "tok-a"),
    (OutboxStatus.DELIVERED, None),
]


T = TypeVar("T")


def rolled_back(uow: UnitOfWork, act: Callable[[Connection], T], after: Select[Any]) -> tuple[T, list[tuple[Any, ...]]]:
    """What `act` returns and the rows `after` then reads, in one transaction rolled back afterwards: two ways of
    writing the same statement compared on the same rows, neither keeping its effect."""
    with uow.engine.connect() as connection, connection.begin() as transaction:
        answer = act(connection)
        rows = [tuple(row) for row in connection.execute(after)]
        transaction.rollback()
    return answer, rows


@contextmanager
def pending_outbox(database_url: str, count: int) -> Iterator[UnitOfWork]:
    """A new schema at `database_url` holding `count` accepted cases, each with its message pending in the outbox
    (`pending_cases`); the engine disposed of afterwards."""
    engine = make_engine(database_url)
    create_schema(engine)
    pending_cases(UnitOfWork(engine), count)
    yield UnitOfWork(engine)
    engine.dispose()
