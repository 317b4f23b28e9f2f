"""The adapter's runtime with the sandbox traffic platform as `[partners.gd-traffic]` (generic REST connector, the
traffic-platform wire, signed), for the end-to-end tests (tests/integration/test_traffic_e2e.py).

Time: one clock for both sides — the adapter's FakeClock is the platform's calendar too (its business times and
its signatures), and the platform's pace is stepped with it (one stepped second is a simulated day), so `days(n)`
moves both and then runs the adapter's jobs: deliver, read the platform (or take its pushes), deliver again.
Push mode takes each item through the push intake's core (adapter/partners/push.py receive_pushed).
"""

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from adapter.complaints.desk_push import DeskPushed
from adapter.config.partners import PartnerSettings
from adapter.config.settings import Settings
from adapter.partners.push import receive_pushed
from adapter.partners.service import run_action
from adapter.partners.spec import PartnerRecord
from adapter.persistence import partner_store as store
from adapter.persistence.partner_tables import PartnerEventRow
from adapter.persistence.tables import QuarantineRow
from adapter.platforms.signers import build_verifier
from adapter.testing import FakeClock
from sandbox.traffic.config import TrafficConfig
from sandbox.traffic.pairing import pair_traffic
from sandbox.traffic.platform import TrafficCore
from scheduler import Runtime, build_runtime
from scheduler.partners import PartnerRuntime
from schemas.clock import utc_now
from signing.base import MessageVerifier
from tests.support.step_clock import StepClock

NAME = "gd-traffic"


@dataclass
class TrafficWorld:
    runtime: Runtime
    core: TrafficCore
    pace: StepClock
    clock: FakeClock
    verifier: MessageVerifier  # ours of the platform's signatures (a push is checked with it)
    push: bool = False
    pushed: int = 0  # the platform's items pushed so far (its feed's seq)
    answers: list[DeskPushed] = field(default_factory=list)  # the centre's answer to each push

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
        if not self.push:
            while self.partners.poll(NAME):
                pass
        else:
            self._push()
        self.partners.deliver()

    def _push(self) -> None:
        """Each item the platform published since, signed now and taken in by the push intake (adapter/partners/
        push.py, what POST /api/partners/v1/{partner}/messages runs), in the platform's order — duplicates too."""
        self.core.tick()
        port, rules = self.partners.ports[NAME], self.partners.rules[NAME]
        for item in self.core.items[self.pushed :]:
            headers = self.core.sign_item(item)
            body = item.body.encode()
            self.answers.append(receive_pushed(self.runtime.uow, port, self.verifier, body, headers, self.clock, rules))
            self.pushed = item.seq

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
        pace, clock = StepClock(), FakeClock(utc_now())
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
        verifier = build_verifier(pairing.signing, platform=NAME)
        return TrafficWorld(runtime, pairing.core, pace, clock, verifier, push=mode == "push")

    with stack:
        yield make
