"""Every path of a complaint through the sandbox institutions, end to end: the adapter's runtime built from the
settings (a `[desks.<name>]` desk, REST, signed), its own delivery and polling, the desk a real server on loopback —
on SQLite and PostgreSQL, the desk read (pull) or pushing to the centre API (push, POST /api/desks/v1/{desk}/messages).

Time: one clock for both sides — the adapter's FakeClock is the desk's calendar too (its business times and its
signatures), and the desk's pace is stepped with it (one stepped second is a simulated day), so `days(n)` moves both.
It starts at a fixed instant (`START`), not the real now: the deadlines roll past Chinese public holidays (the
WorkCalendar), so a start taken from the real date made the outcome depend on the day the tests ran.

The matrix (tests/support/e2e_matrix.py, as the partner e2e suites): every path on SQLite with the desk read and on
PostgreSQL with the desk pushing — each path shown on both databases and in both modes; `CROSSED` (the main path,
and the misbehaviours whose handling differs between reading and being pushed to: a duplicate, a decision before
its acknowledgement, an unknown complaint, a bad signature) on SQLite pushing and PostgreSQL read as well, so no
database × mode pair goes untried. All four pairs for every path were 56 runs for the same coverage; now 34.
"""

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from adapter.complaints.mediation import HISTORY_EVENT
from adapter.complaints.views import shown
from adapter.config.desks import DeskSettings
from adapter.config.platform import Profile
from adapter.config.settings import EncryptionSettings, Settings
from adapter.deadlines.complaint_sweep import sweep_complaints
from adapter.persistence.complaint_tables import ComplaintRow
from adapter.persistence.tables import CaseEventRow, CaseRow, QuarantineRow
from adapter.testing import FakeClock
from api.clients import Role, add_client
from sandbox.institution import DeskCore, InstitutionConfig
from sandbox.institution.pairing import pair_desk
from sandbox.institution.push import DeskPusher
from scheduler import Runtime, build_runtime
from scheduler.complaints import ComplaintRuntime
from schemas.clock import utc_now
from schemas.enums import Flow
from tests.support import e2e_matrix
from tests.support.api import served
from tests.support.complaint_samples import BANK_USCC, INSURER_USCC, complaint, insurer_complaint, memorandum
from tests.support.step_clock import StepClock
from tests.support.world_start import START

pytestmark = pytest.mark.integration
DESK = "desk-1"
CID = "CP-2026-0001"


CROSSED = {
    "test_the_desk_acknowledges_decides_and_the_centre_visits_and_closes",
    "test_misbehaving_desks_are_absorbed_applied_once_or_kept",
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    e2e_matrix.parametrize(metafunc, CROSSED)


@dataclass
class World:
    runtime: Runtime
    core: DeskCore
    pace: StepClock
    clock: FakeClock
    mode: str
    pusher: DeskPusher | None = None
    pushed: list[dict[str, Any]] = field(default_factory=list)

    @property
    def complaints(self) -> ComplaintRuntime:
        assert self.runtime.complaints is not None
        return self.runtime.complaints

    def receive(self, **changes: Any) -> str:
        make = insurer_complaint if self.core.config.kind != "card_centre" else complaint
        self.complaints.services("clerk").receive(make(received_at=self.clock().isoformat(), **changes))
        self.exchange()  # forwarded the same day: the desk has it before its clock moves
        return str(changes.get("complaint_id", CID))

    def days(self, n: float) -> None:
        """`n` simulated days pass at the desk; then the adapter's jobs run: deliver, read the desk (or take its
        pushes), deliver what that caused."""
        self.pace.now += n
        self.clock.now += timedelta(days=n)
        self.exchange()

    def exchange(self) -> None:
        self.complaints.deliver()
        if self.pusher is None:
            while self.complaints.poll(DESK):
                pass
        else:
            self.pusher.push_once()
            assert self.pusher.pending() == [], self.pusher.answers[-3:]
        self.complaints.deliver()

    def status(self, cid: str = CID) -> str:
        return str(shown(self.runtime.uow, cid)["status"])

    def events(self, cid: str = CID) -> list[str]:
        return [str(h["event"]) for h in shown(self.runtime.uow, cid)["history"]]

    def kept(self) -> list[QuarantineRow]:
        with self.runtime.uow.begin() as session:
            return list(session.exec(select(QuarantineRow)))


Make = Callable[..., World]


@pytest.fixture
def world(tmp_path: Path, database_url: str, encryption: EncryptionSettings, mode: str) -> Iterator[Make]:
    """`world(kind, *faults, profile=)`: a sandbox desk of that kind signing under `profile`, and the adapter's
    runtime with it as `[desks.desk-1]`."""
    stack = ExitStack()

    def make(kind: str = "card_centre", *faults: str, profile: Profile = "jws-detached") -> World:
        pace, clock = StepClock(), FakeClock(START)
        config = InstitutionConfig(kind=kind, faults=faults, seconds_per_day=1.0)
        pairing = pair_desk(tmp_path / "desk", config, profile=profile, monotonic=pace, clock=clock)
        server = pairing.serve()
        stack.callback(server.stop)
        desk = DeskSettings(
            base_url=server.url,
            signing=pairing.signing,
            institution_uscc=[BANK_USCC if kind == "card_centre" else INSURER_USCC],
            memorandum=memorandum(tracks=["general", "small_claim", "green_channel"]),
            mode="push" if mode == "push" else "poll",
        )
        runtime = build_runtime(
            Settings(database_url=database_url, encryption=encryption, desks={DESK: desk}), clock=clock
        )
        stack.callback(runtime.uow.engine.dispose)
        w = World(runtime, pairing.core, pace, clock, mode)
        if mode == "push":
            base = stack.enter_context(served(runtime))
            key = add_client(runtime.uow, "desk-1", Role.parse(f"desk:{DESK}"), utc_now())
            w.pusher = DeskPusher(pairing.core, base, DESK, api_key=key)
        return w

    with stack:
        yield make


@pytest.mark.parametrize(("kind", "track"), [("card_centre", "general"), ("green_pc", "green_channel")])
def test_the_desk_acknowledges_decides_and_the_centre_visits_and_closes(world: Make, kind: str, track: str) -> None:
    w = world(kind)
    w.receive(track=track)
    assert w.status() == "FORWARDED" and w.core.complaints[CID].status == "received"
    assert w.core.received[0].body.complaint.track.value == track  # type: ignore[union-attr]
    w.days(0.01)  # a quarter of an hour
    assert w.status() == "ACKNOWLEDGED"
    assert shown(w.runtime.uow, CID)["desk_ref"] == w.core.complaints[CID].desk_ref
    w.days(5)
    assert w.status() == "DECIDED"
    services = w.complaints.services("clerk")
    services.visit(CID, 5, "满意")
    services.close(CID)
    assert w.status() == "CLOSED"
    assert w.events() == ["received", "forward", "acknowledge", "contact", "decide", "visit", "close"]
    assert w.kept() == [] and w.complaints.reconcile() == {DESK: []}


@pytest.mark.parametrize("profile", ["sm2-sm3", "hmac-appkey"])
def test_the_desk_signs_under_each_profile(world: Make, profile: Profile) -> None:
    """The same path under the other signing profiles: our requests verified by the desk, its items by us."""
    w = world("card_centre", profile=profile)
    w.receive()
    w.days(3)
    assert w.status() == "DECIDED" and w.kept() == []
    assert w.core.signature_failures == {}


def test_reconciliation_finds_what_the_desk_lost_and_resends_the_forward(world: Make) -> None:
    w = world("card_centre")
    w.receive()
    w.core.forget(CID)  # the desk loses the complaint before answering
    found = w.complaints.reconcile()[DESK]
    assert [(d.complaint_id, d.theirs, d.action) for d in found] == [(CID, None, "resent")]
    w.exchange()  # the resent forward is delivered (the same message id: the desk forgot it) …
    w.days(3)  # … and answered
    assert w.status() == "DECIDED" and w.complaints.reconcile() == {DESK: []}
    assert [e.body.type.value for e in w.core.received].count("complaint.forward") == 2


@pytest.mark.parametrize(("faults", "stages"), [((), ["extend_30"]), (("extend_60",), ["extend_30", "extend_60"])])
def test_the_life_insurer_extends_and_then_decides(world: Make, faults: tuple[str, ...], stages: list[str]) -> None:
    w = world("life_insurer", *faults)
    w.receive()
    w.days(13)
    assert w.status() == "EXTENDED_30"
    w.days(16)
    assert w.status() == ("EXTENDED_60" if "extend_60" in faults else "DECIDED")
    w.days(25)
    assert w.status() == "DECIDED"
    assert [e for e in w.events() if e.startswith("extend")] == stages
    with w.runtime.uow.begin() as session:
        row = session.get(ComplaintRow, CID)
        assert row is not None and row.stage == (60 if "extend_60" in faults else 30)


def test_a_refusal_both_parties_take_to_mediation_becomes_a_flow_c_case(world: Make) -> None:
    w = world("green_pc", "to_mediation")
    w.receive()
    w.days(6)
    assert w.status() == "TO_MEDIATION"
    with w.runtime.uow.begin() as session:
        row = session.get(ComplaintRow, CID)
        assert row is not None and row.case_id is not None
        case = session.get(CaseRow, row.case_id)
        assert case is not None and case.flow == Flow.SELF_RECEIVED.value
        history = session.exec(
            select(CaseEventRow.event).where(CaseEventRow.case_id == row.case_id).order_by(col(CaseEventRow.id))
        ).all()
    assert list(history) == ["register", HISTORY_EVENT]  # the case's history carries the complaint's
    assert w.events() == ["received", "forward", "acknowledge", "contact", "convert_to_mediation"]
    assert w.core.received[-1].body.type.value == "complaint.forward"  # the desk is not told back: it proposed it


@pytest.mark.parametrize(("faults", "paid_after"), [((), 1), (("late_payment",), 10)])
def test_a_small_claim_is_decided_by_the_mediator_and_paid(
    world: Make, faults: tuple[str, ...], paid_after: int
) -> None:
    w = world("card_centre", *faults)
    w.receive(track="small_claim", amount_in_dispute="860.00")
    w.days(0.05)
    assert w.status() == "HANDLING"
    w.complaints.services("mediator").small_claim_decide(CID, Decimal("800.00"), "陈调解员")
    w.exchange()
    assert w.core.received[-1].body.type.value == "smallclaim.decision"
    w.days(paid_after - 0.5)
    assert w.status() == "SMALL_CLAIM_DECIDED"  # not paid yet
    w.days(1)
    assert w.status() == "PAID"
    with w.runtime.uow.begin() as session:
        row = session.get(ComplaintRow, CID)
        assert row is not None and row.paid_at is not None and row.small_claim_decided_at is not None
        waited = row.paid_at - row.small_claim_decided_at
    assert timedelta(days=paid_after - 0.5) < waited < timedelta(days=paid_after + 1)


def test_a_withdrawal_ends_handling_at_the_desk(world: Make) -> None:
    w = world("card_centre")
    w.receive()
    w.days(0.01)
    w.complaints.services("clerk").withdraw(CID, "已与银行自行和解")
    w.exchange()
    assert w.status() == "WITHDRAWN" and w.core.complaints[CID].status == "withdrawn"
    w.days(5)  # the desk decides nothing after it
    assert w.status() == "WITHDRAWN" and "decide" not in w.events()


def test_a_review_is_asked_for_and_decided(world: Make) -> None:
    w = world("card_centre")
    w.receive()
    w.days(3)
    w.complaints.services("clerk").request_review(CID, "对处理结果不满意")
    w.exchange()
    assert w.status() == "REVIEW_REQUESTED"
    w.days(11)
    assert w.status() == "REVIEW_DECIDED"


def test_a_desk_that_never_acknowledges_raises_the_deadline_alert(world: Make) -> None:
    w = world("card_centre", "never_ack")
    w.receive()
    w.days(20)  # past the institution's 15-day decision period
    assert w.status() == "FORWARDED"
    settings = w.runtime.settings.complaints.deadlines
    done = sweep_complaints(w.runtime.uow, w.clock, w.complaints.calendar, settings)
    assert done.get("complaint_alert_decision_overdue") == 1, done
    alerts = [h for h in shown(w.runtime.uow, CID)["history"] if h["event"] == "deadline_alert"]
    assert any('"decision"' in h["detail"] and '"overdue"' in h["detail"] for h in alerts)
    assert (
        sweep_complaints(w.runtime.uow, w.clock, w.complaints.calendar, settings).get(
            "complaint_alert_decision_overdue"
        )
        is None
    )  # once per deadline


def test_misbehaving_desks_are_absorbed_applied_once_or_kept(world: Make) -> None:
    """A duplicate acknowledgement is applied once (noted), a decision before the acknowledgement applied (noted),
    a message about a complaint we never forwarded and a badly signed item kept in quarantine with their bytes."""
    w = world("card_centre")
    w.core.misbehave(CID, "duplicate_ack", "unknown_complaint")
    w.core.misbehave("CP-2026-0002", "decision_before_ack")
    w.core.misbehave("CP-2026-0003", "bad_signature")
    for cid, business in ((CID, "B0302"), ("CP-2026-0002", "B0301"), ("CP-2026-0003", "B0399")):
        classification = {"table": "jrt0169", "version": "2018", "business": business, "cause": "C12"}
        w.receive(complaint_id=cid, classification=classification)
    w.days(3)
    assert w.events(CID).count("acknowledge") == 1 and "duplicate_ack" in w.events(CID)
    assert w.status(CID) == "DECIDED"
    assert w.status("CP-2026-0002") == "DECIDED" and "decided_before_ack" in w.events("CP-2026-0002")
    assert w.status("CP-2026-0003") == "FORWARDED"  # none of its items was believed
    reasons = sorted({q.reason for q in w.kept()})
    assert reasons == ["bad_signature", "unknown_complaint"]
    assert all(q.raw for q in w.kept())
