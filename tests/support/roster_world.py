"""The roster kind end to end for its integration tests: the partner core on a real sealed database, the sandbox SPC
platform on loopback (its clock ours, so messages are never dated ahead of us), the spc_form connector logged in
with the sandbox account, and helpers to act, deliver, poll and read."""

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from adapter.partners import delivery, feed
from adapter.partners.roster.rules import RosterRules
from adapter.partners.roster_checks import submit_entry
from adapter.partners.service import ActionResult, run_action
from adapter.persistence import partner_store as store
from adapter.persistence.case_store import SqlCaseStore
from adapter.persistence.engine import UnitOfWork, create_schema, make_engine
from adapter.persistence.vault import DataKey, Vault, new_key
from adapter.platforms.retry import RetryPolicy
from adapter.services import CentreServices
from connectors.spc_form import SpcForm
from mappings.times import CHINA
from sandbox.spc import SpcConfig, SpcCore, SpcServer
from schemas.partner import PartnerKind
from tests.support import spc_samples as s

PARTNER = "spc"
KEY = "callback-key-for-tests"
START = datetime(2026, 11, 2, 9, 0, tzinfo=CHINA)  # a Monday
POLICY = RetryPolicy(base=1.0, cap=2.0, give_up_after=timedelta(hours=1))


@dataclass
class RosterWorld:
    uow: UnitOfWork
    core: SpcCore
    server: SpcServer
    port: SpcForm
    key: DataKey  # the data key its facts are sealed with (a runtime on the same database takes it too)
    now: datetime = START
    rules: RosterRules = field(default_factory=RosterRules)

    def clock(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def today(self) -> date:
        return self.now.date()

    def act(self, action: str, record_id: str | None, data: Any) -> ActionResult:
        partner = PARTNER if record_id is None else None
        return run_action(self.uow, PartnerKind.ROSTER, action, record_id, data, partner=partner, actor="clerk",
                          now=self.now, rules=self.rules)  # fmt: skip

    def submit(self, record_id: str) -> ActionResult:
        return submit_entry(self.uow, record_id, actor="clerk", now=self.now, rules=self.rules)

    def org(self, serial: int) -> str:
        return self.act(
            "upsert_org", None, {"organisation": s.organisation(serial).model_dump(mode="json")}
        ).record.record_id

    def mediator(
        self, ref: str, org_serial: int, serial: int, *, term_to: date | None = None, submit: bool = True,
        qualifying: bool = True,
    ) -> str:  # fmt: skip
        term_to = term_to or self.today() + timedelta(days=400)
        mediator = s.mediator(ref, org_serial, serial, term_to=term_to, qualifying=qualifying)
        mediator = mediator.model_copy(update={"term_from": self.today() - timedelta(days=300)})
        record_id = self.act("upsert_mediator", None, {"mediator": mediator.model_dump(mode="json")}).record.record_id
        if submit:
            self.submit(record_id)
        return record_id

    def deliver(self) -> Counter[str]:
        return delivery.deliver(self.uow, {PARTNER: self.port}, self.clock, POLICY, jitter=False)

    def poll(self) -> Counter[str]:
        self.core.tick()
        return feed.poll(self.uow, self.port, self.clock, self.rules)

    def status(self, record_id: str) -> str:
        return self.record(record_id).status

    def record(self, record_id: str) -> Any:
        with self.uow.begin() as session:
            return store.view(store.get(session, record_id, lock=False))

    def services(self) -> CentreServices:
        from adapter.partners.roster_checks import SqlMediatorRoster

        return CentreServices(SqlCaseStore(self.uow), self.clock, "clerk", roster=SqlMediatorRoster(self.uow))


def roster_world(database_url: str, **config: Any) -> Iterator[RosterWorld]:
    key = new_key("k1")
    engine = make_engine(database_url, vault=Vault([key], key.kid))
    create_schema(engine)
    box: list[RosterWorld] = []
    core = SpcCore(SpcConfig(callback_key=KEY, **config), clock=lambda: box[0].now)
    server = SpcServer(core).start()
    port = SpcForm(PARTNER, server.url, "centre", "sandbox-password", callback_key=KEY, timeout=(2, 5))
    box.append(RosterWorld(UnitOfWork(engine), core, server, port, key))
    yield box[0]
    server.stop()
    engine.dispose()
