"""The adapter's runtime with the sandbox traffic platform as `[partners.gd-traffic]` (generic REST connector, the
traffic-platform wire, signed), for the end-to-end tests (tests/integration/test_traffic_e2e.py).

Time: one clock for both sides — the adapter's FakeClock is the platform's calendar too (its business times and
its signatures), and the platform's pace is stepped with it (one stepped second is a simulated day), so `days(n)`
moves both and then runs the adapter's jobs: deliver, read the platform (or take its pushes), deliver again. The
clock starts at a fixed instant (`START`), not the real now: the tests' deadlines roll past Chinese public holidays
(the WorkCalendar), so a start taken from the real date made their outcome depend on the day they ran.

Push mode: the partner's settings say mode = "push", the API (api/app.py) is served by uvicorn on 127.0.0.1 over the
same runtime, and the platform's pusher (sandbox/traffic/push.py, what `docking sandbox traffic --push-to URL` runs)
POSTs each item to POST /api/partners/v1/gd-traffic/messages with the platform's API key (role
partner:gd-traffic) and its own signature — the route's key check, scope, signature, window, replay guard and
synchronous signed receipt all in the path.
"""

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from adapter.config.partners import PartnerSettings
from adapter.config.settings import Settings
from adapter.partners.service import run_action
from adapter.partners.spec import PartnerRecord
from adapter.persistence import partner_store as store
from adapter.persistence.partner_tables import PartnerEventRow
from adapter.persistence.tables import QuarantineRow
from adapter.testing import FakeClock
from api.clients import Role, add_client
from sandbox.traffic.config import TrafficConfig
from sandbox.traffic.pairing import pair_traffic
from sandbox.traffic.platform import TrafficCore
from sandbox.traffic.push import TrafficPusher
from scheduler import Runtime, build_runtime
from scheduler.partners import PartnerRuntime
from schemas.clock import utc_now
from tests.support.api import served
from tests.support.step_clock import StepClock
from tests.support.world_start import START

NAME = "gd-traffic"


@dataclass
class TrafficWorld:
    runtime: Runtime
    core: TrafficCore
    pace: StepClock
    clock: FakeClock
    pusher: TrafficPusher | None = None  # push mode: the platform's pusher to the served API

    @property
    def push(self) -> bool:
        return self.pusher is not None

    @property
    def answers(self) -> list[dict[str, Any]]:
        """Push mode: the API's answer to each push, oldest first — its HTTP status and the signed receipt's fields
        (result accepted / duplicate / rejected, reason, record_id …)."""
        return self.pusher.answers if self.pusher is not None else []

    @property
    def partners(self) -> PartnerRuntime:
        assert self.runtime.partners is not None
        return self.runtime.partners

    def offer(self, **options: Any) -> str:
        """The police feed offers a case; the adapter reads it. Our record id."""
        (serial,) = self.core.offer(**options)
        self.exchange()
        with self.runtime.uow.begin() as session:
            row = store.find_by_ref(session, NAME, serial, lock=False)
            assert row is not None, f"offer {serial} was not opened: {self.kept()}"
            return row.record_id

    def act(self, record_id: str, action: str, data: dict[str, Any] | None = None) -> None:
        """The centre acts (as the API or CLI would), and what it queued is delivered."""
        run_action(
            self.runtime.uow, "traffic", action, record_id, data or {}, partner=None, actor="clerk",
            now=self.clock(), rules=self.partners.rules[NAME],
        )  # fmt: skip
        self.exchange()

    def days(self, n: float) -> None:
        self.pace.now += n * self.core.config.seconds_per_day
        self.clock.now += timedelta(days=n)
        self.exchange()

    def exchange(self) -> None:
        self.partners.deliver()
        if self.pusher is None:
            while self.partners.poll(NAME):
                pass
        else:  # each item the platform published since, POSTed in its order (duplicates too), answered committed
            self.pusher.push_once()
            assert self.pusher.pending() == [], f"pushes left unanswered: {self.pusher.answers[-3:]}"
        self.partners.deliver()

    def row(self, record_id: str) -> PartnerRecord:
        """The record as the kinds see it (facts opened)."""
        with self.runtime.uow.begin() as session:
            return store.view(store.get(session, record_id, lock=False))

    def status(self, record_id: str) -> str:
        return self.row(record_id).status

    def history(self, record_id: str) -> list[PartnerEventRow]:
        with self.runtime.uow.begin() as session:
            query = select(PartnerEventRow).where(PartnerEventRow.record_id == record_id)
            return list(session.exec(query.order_by(col(PartnerEventRow.id))))

    def events(self, record_id: str) -> list[str]:
        return [e.event or f"note:{e.note}" for e in self.history(record_id)]

    def theirs(self, record_id: str) -> str:
        answer = self.core.status([record_id])[record_id]
        assert answer is not None
        return answer["status"]

    def kept(self) -> list[QuarantineRow]:
        with self.runtime.uow.begin() as session:
            return list(session.exec(select(QuarantineRow)))


Make = Callable[..., TrafficWorld]


def traffic_world(tmp_path: Path, settings: Settings, mode: str) -> Iterator[Make]:
    """`make(*faults, **config)`: a sandbox platform misbehaving so, and the adapter's runtime with it."""
    stack = ExitStack()

    def make(*faults: str, **config: Any) -> TrafficWorld:
        pace, clock = StepClock(), FakeClock(START)
        platform = TrafficConfig(faults=faults, seconds_per_day=1.0, **config)
        pairing = pair_traffic(tmp_path / "platform", platform, monotonic=pace, clock=clock)
        server = pairing.serve()
        stack.callback(server.stop)
        partner = PartnerSettings(
            kind="traffic", base_url=server.api, signing=pairing.signing, mode="push" if mode == "push" else "pull",
            timeout_seconds=5, timestamp_format=platform.timestamp_format,
        )  # fmt: skip
        runtime = build_runtime(settings.model_copy(update={"partners": {NAME: partner}}), clock=clock)
        stack.callback(runtime.uow.engine.dispose)
        world = TrafficWorld(runtime, pairing.core, pace, clock)
        if mode == "push":
            base = stack.enter_context(served(runtime))
            key = add_client(runtime.uow, NAME, Role.parse(f"partner:{NAME}"), utc_now())
            world.pusher = TrafficPusher(pairing.core, base, NAME, api_key=key)
        return world

    with stack:
        yield make
