"""The partner core on a real database for its integration tests: a sealed engine (a vault), the toy kind
(tests/support/toy_partner.py) registered, a settable clock, and helpers to run actions and read rows."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from adapter.partners.service import ActionResult, run_action
from adapter.persistence import partner_store as store
from adapter.persistence.engine import UnitOfWork, create_schema, make_engine
from adapter.persistence.partner_tables import PartnerEventRow, PartnerOutboxRow, PartnerRecordRow
from adapter.persistence.vault import Vault, new_key
from schemas.partner import PartnerEnvelope
from tests.support.samples import RESIDENT_ID
from tests.support.toy_partner import KIND, ToyRules
from tests.support.world_start import START

PARTNER = "toy-platform"


@dataclass
class PartnerWorld:
    uow: UnitOfWork
    now: datetime = START
    rules: ToyRules = field(default_factory=ToyRules)
    _seq: list[int] = field(default_factory=lambda: [0])

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def clock(self) -> datetime:
        return self.now

    def act(self, action: str, record_id: str | None, data: Any, **options: Any) -> ActionResult:
        options.setdefault("partner", PARTNER if record_id is None else None)
        return run_action(
            self.uow, KIND, action, record_id, data, actor="clerk", now=self.now, rules=self.rules, **options
        )

    def file(self, subject: str = "JT-0001", amount: str = "120.50", holder_id: str = RESIDENT_ID) -> ActionResult:
        return self.act("file", None, {"subject": subject, "amount": amount, "holder_id": holder_id,
                                       "phone": "13812345678"})  # fmt: skip

    def row(self, record_id: str) -> PartnerRecordRow:
        with self.uow.begin() as session:
            return store.get(session, record_id, lock=False)

    def history(self, record_id: str) -> list[PartnerEventRow]:
        with self.uow.begin() as session:
            return store.history(session, record_id)

    def outbox(self, record_id: str | None = None) -> list[PartnerOutboxRow]:
        with self.uow.begin() as session:
            query = select(PartnerOutboxRow).order_by(col(PartnerOutboxRow.id))
            if record_id:
                query = query.where(PartnerOutboxRow.record_id == record_id)
            return list(session.exec(query).all())

    def message(self, type: str, body: dict[str, Any], **extra: Any) -> PartnerEnvelope:
        self._seq[0] += 1
        return PartnerEnvelope(
            message_id=extra.pop("message_id", f"P-{self._seq[0]:04d}"),
            kind=KIND,
            partner=extra.pop("partner", PARTNER),
            type=type,
            sent_at=extra.pop("sent_at", self.now),
            body=body,
            **extra,
        )


def partner_world(database_url: str, *, sealed: bool = True) -> Iterator[PartnerWorld]:
    vault = Vault([new_key("k1")], "k1") if sealed else None
    engine = make_engine(database_url, vault=vault)
    create_schema(engine)
    yield PartnerWorld(UnitOfWork(engine))
    engine.dispose()


@pytest.fixture(name="backend", params=["sqlite", "postgres"])
def both_backends(request: pytest.FixtureRequest) -> str:
    """The partner core's integration tests run on both databases (overrides tests/integration/conftest.py's)."""
    return str(request.param)


@pytest.fixture(name="w")
def world_fixture(database_url: str) -> Iterator[PartnerWorld]:
    yield from partner_world(database_url)
