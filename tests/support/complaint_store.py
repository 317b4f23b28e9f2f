"""The complaint store on a real database for the store's integration tests: a sealed engine (a vault), a directory
with one bank desk under a memorandum, the services on a settable clock, and a desk message builder."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from adapter.complaints.directory import Desk, DeskDirectory
from adapter.complaints.service import ComplaintServices
from adapter.persistence import complaint_store as store
from adapter.persistence.complaint_tables import ComplaintEventRow, ComplaintOutboxRow, ComplaintRow
from adapter.persistence.engine import UnitOfWork, create_schema, make_engine
from adapter.persistence.vault import Vault, new_key
from schemas.complaint import ComplaintBody, ComplaintEnvelope
from tests.support.complaint_samples import BANK_USCC, RECEIVED, memorandum

DESK = "card-centre"


@dataclass
class Clock:
    now: datetime = RECEIVED + timedelta(minutes=5)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class World:
    uow: UnitOfWork
    clock: Clock
    desks: DeskDirectory
    services: ComplaintServices
    _seq: list[int] = field(default_factory=lambda: [0])

    def row(self, complaint_id: str) -> ComplaintRow:
        with self.uow.begin() as session:
            row = session.get(ComplaintRow, complaint_id)
            assert row is not None
            return row

    def history(self, complaint_id: str) -> list[ComplaintEventRow]:
        with self.uow.begin() as session:
            return store.history(session, complaint_id)

    def outbox(self, complaint_id: str | None = None) -> list[ComplaintOutboxRow]:
        from sqlmodel import col, select

        with self.uow.begin() as session:
            query = select(ComplaintOutboxRow).order_by(col(ComplaintOutboxRow.id))
            if complaint_id:
                query = query.where(ComplaintOutboxRow.complaint_id == complaint_id)
            return list(session.exec(query).all())

    def message(self, complaint_id: str, body: ComplaintBody, **extra: Any) -> ComplaintEnvelope:
        self._seq[0] += 1
        return ComplaintEnvelope(
            message_id=extra.pop("message_id", f"D-{self._seq[0]:04d}"),
            complaint_id=complaint_id,
            sent_at=extra.pop("sent_at", self.clock()),
            body=body,
            **extra,
        )


def world(database_url: str, *, sealed: bool = True) -> Iterator[World]:
    vault = Vault([new_key("k1")], "k1") if sealed else None
    engine = make_engine(database_url, vault=vault)
    create_schema(engine)
    uow, clock = UnitOfWork(engine), Clock()
    desks = DeskDirectory.of([Desk(DESK, (BANK_USCC,), memorandum(withheld=["complainant.address"]))])
    yield World(uow, clock, desks, ComplaintServices(uow, clock, "clerk", desks=desks))
    engine.dispose()


def deliver_all(uow: UnitOfWork, clock: Any, desk: Any) -> dict[str, int]:
    """Deliver every due complaint message to `desk` (one ComplaintDesk, e.g. connectors.fake_desk) in one round,
    no retry wait: what the deliver-complaints job does, for tests that need the desk's receipt in."""
    from tenacity import Retrying, stop_after_attempt

    from adapter.complaints import delivery
    from adapter.platforms.retry import RetryPolicy

    policy = RetryPolicy(base=1.0, cap=2.0, give_up_after=timedelta(hours=1))

    def once() -> Retrying:
        return Retrying(stop=stop_after_attempt(1), reraise=True)

    return dict(
        delivery.deliver(uow, {desk.name: desk}, clock, policy, retrying=once, jitter=lambda: 0.5, max_rounds=1)
    )
