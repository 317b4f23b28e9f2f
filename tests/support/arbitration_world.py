"""The arbitration commission end to end for tests: the partner core (adapter/partners/: actions, outbox delivery,
feed polling, inbound) on a real sealed database, the sandbox commission (sandbox/arbitration/) on loopback behind
the commission connector (connectors/arbitration_rest.py), signed both ways.

Pull or push: the commission's feed read by the adapter (`poll`), or each of its items POSTed by the sandbox's
pusher (sandbox/arbitration/push.py, what `docking sandbox arbitration --push-to URL` runs: the commission's
signature, its API key) to the real API (api/app.py) served by uvicorn on 127.0.0.1 over a runtime whose settings
say `[partners.gzac] mode = "push"` on the same database — POST /api/partners/v1/gzac/messages with its key check
(role partner:gzac), scope, signature, window, replay guard and synchronous signed receipt all in the path.

Time: one clock for both sides — the world's `now` is the adapter's clock and the commission's calendar (its
business times and its signatures), and the commission's pace is stepped with it (one stepped second is a simulated
day), so `days(n)` moves both; then the adapter's jobs run: deliver, read the feed (pull), deliver again.
"""

import base64
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import col, select
from tenacity import Retrying, stop_after_attempt

from adapter.config.partners import PartnerSettings
from adapter.config.platform import SigningSettings
from adapter.config.settings import DataKeySettings, EncryptionSettings, Settings
from adapter.partners import delivery, feed
from adapter.partners.arbitration.rules import CommissionRules
from adapter.partners.service import ActionResult, run_action
from adapter.partners.specs import spec_for
from adapter.persistence import partner_store as store
from adapter.persistence.engine import UnitOfWork, create_schema, make_engine
from adapter.persistence.partner_tables import PartnerEventRow, PartnerOutboxRow, PartnerRecordRow
from adapter.persistence.tables import QuarantineRow
from adapter.persistence.vault import DataKey, Vault, new_key
from adapter.platforms.retry import RetryPolicy
from adapter.platforms.signers import build_signer, build_verifier
from adapter.testing import FakeClock
from api.clients import Role, add_client
from connectors.partner_rest import PartnerRest
from mappings.arbitration import ArbitrationWire
from sandbox.arbitration import CommissionConfig, CommissionCore, CommissionServer
from sandbox.arbitration.pairing import pair_commission
from sandbox.arbitration.push import CommissionPusher
from scheduler import build_runtime
from schemas.clock import Clock, utc_now
from schemas.partner import PartnerKind
from tests.support.api import served
from tests.support.step_clock import StepClock
from tests.support.world_start import START

PARTNER = "gzac"
KIND = PartnerKind.ARBITRATION
POLICY = RetryPolicy(base=1.0, cap=2.0, give_up_after=timedelta(hours=1))


@dataclass
class ArbWorld:
    uow: UnitOfWork
    core: CommissionCore
    server: CommissionServer
    port: PartnerRest
    pace: StepClock
    clock: FakeClock  # the adapter's clock and the commission's calendar
    mode: str = "pull"
    rules: CommissionRules = field(default_factory=CommissionRules)
    counts: Counter[str] = field(default_factory=Counter)  # what the adapter's jobs did, all told
    pusher: CommissionPusher | None = None

    @property
    def now(self) -> datetime:
        return self.clock.now

    def act(self, action: str, record_id: str | None, data: Any = None) -> ActionResult:
        return run_action(
            self.uow, KIND, action, record_id, data or {}, partner=PARTNER if record_id is None else None,
            actor="clerk", now=self.now, rules=self.rules,
        )  # fmt: skip

    def deliver(self) -> dict[str, int]:
        once = lambda: Retrying(stop=stop_after_attempt(1), reraise=True)  # noqa: E731
        done = delivery.deliver(self.uow, {PARTNER: self.port}, self.clock, POLICY, retrying=once, jitter=lambda: 0.5)
        self.counts.update(done)
        return dict(done)

    def poll(self) -> dict[str, int]:
        """Pull: read the feed. Push: the commission pushes what it has (each answer counted by its result)."""
        if self.pusher is None:
            done = feed.poll(self.uow, self.port, self.clock, self.rules)
        else:
            seen = len(self.pusher.answers)
            self.pusher.push_once()
            assert self.pusher.pending() == [], f"pushes left unanswered: {self.pusher.answers[-3:]}"
            done = Counter(_pushed(a) for a in self.pusher.answers[seen:])
        self.counts.update(done)
        return dict(done)

    def days(self, n: float) -> None:
        """`n` simulated days pass on both sides; then deliver, read the commission's feed, deliver."""
        self.clock.now += timedelta(days=n)
        self.pace.now += n * self.core.config.seconds_per_day
        self.exchange()

    def exchange(self) -> None:
        self.deliver()
        self.poll()
        self.deliver()

    # ---- reads

    def row(self, record_id: str) -> PartnerRecordRow:
        with self.uow.begin() as session:
            return store.get(session, record_id, lock=False)

    def facts(self, record_id: str) -> dict[str, Any]:
        with self.uow.begin() as session:
            return dict(store.view(store.get(session, record_id, lock=False)).facts)

    def history(self, record_id: str) -> list[str]:
        """The history's labels (event or note) oldest first."""
        with self.uow.begin() as session:
            return [e.event or e.note or "" for e in store.history(session, record_id)]

    def events(self, record_id: str) -> list[PartnerEventRow]:
        with self.uow.begin() as session:
            return store.history(session, record_id)

    def records(self) -> list[PartnerRecordRow]:
        with self.uow.begin() as session:
            return list(session.exec(select(PartnerRecordRow).order_by(col(PartnerRecordRow.opened_at))).all())

    def outbox(self) -> list[PartnerOutboxRow]:
        with self.uow.begin() as session:
            return list(session.exec(select(PartnerOutboxRow).order_by(col(PartnerOutboxRow.id))).all())

    def quarantine(self) -> list[QuarantineRow]:
        with self.uow.begin() as session:
            return list(session.exec(select(QuarantineRow).order_by(col(QuarantineRow.id))).all())


def _pushed(answer: dict[str, Any]) -> str:
    return {"accepted": "applied", "duplicate": "duplicate"}.get(str(answer.get("result")), "quarantined")


def commission_port(base_url: str, signing: SigningSettings, clock: Clock, name: str = PARTNER) -> PartnerRest:
    """The centre's connector for a commission, as the composition root builds it (scheduler/partners.py): the
    generic partner REST connector with the arb-commission wire and the kind's typed bodies."""
    signer = build_signer(signing, platform=name, clock=clock)
    verifier = build_verifier(signing, platform=name)
    return PartnerRest(
        name, KIND, base_url, signer, verifier, wire=ArbitrationWire(name), bodies=spec_for(KIND).body_model,
        clock=clock, timeout=(2.0, 5.0),
    )  # fmt: skip


def arb_world(
    database_url: str, workdir: Path, config: CommissionConfig | None = None, mode: str = "pull"
) -> Iterator[ArbWorld]:
    """A world on `database_url` (sealed) with a sandbox commission served from `workdir`'s keys, read (`pull`) or
    pushing to the centre's served API (`push`)."""
    key = new_key("k1")
    # A fixed start: the commission's case numbers carry its year, and its deadlines roll past the holidays of
    # whatever real date the suite runs on
    clock, pace = FakeClock(START), StepClock()
    config = config or CommissionConfig(seconds_per_day=1.0)
    pairing = pair_commission(workdir, config, clock=clock, monotonic=pace)
    with ExitStack() as stack:
        server = pairing.serve()
        stack.callback(server.stop)
        if mode == "push":  # the centre's runtime with the commission pushing, its API served; the world's uow its own
            runtime = build_runtime(_push_settings(database_url, key, server.api, pairing.signing), clock=clock)
            stack.callback(runtime.uow.engine.dispose)
            uow = runtime.uow
        else:
            engine = make_engine(database_url, vault=Vault([key], key.kid))
            stack.callback(engine.dispose)
            create_schema(engine)
            uow = UnitOfWork(engine)
        port = commission_port(server.api, pairing.signing, clock)
        world = ArbWorld(uow, pairing.core, server, port, pace, clock, mode)
        if mode == "push":
            base = stack.enter_context(served(runtime))
            api_key = add_client(uow, PARTNER, Role.parse(f"partner:{PARTNER}"), utc_now())
            world.pusher = CommissionPusher(pairing.core, base, PARTNER, api_key=api_key)
        yield world


def _push_settings(database_url: str, key: DataKey, base_url: str, signing: SigningSettings) -> Settings:
    """The centre's settings: the commission at mode = "push" on `database_url`, sealed with `key`."""
    sealed = DataKeySettings(algorithm=key.algorithm, key=base64.b64encode(key.key).decode())
    partner = PartnerSettings(kind=KIND, base_url=base_url, signing=signing, mode="push", timeout_seconds=5)
    return Settings(
        database_url=database_url, encryption=EncryptionSettings(active=key.kid, keys={key.kid: sealed}),
        partners={PARTNER: partner},
    )  # fmt: skip
