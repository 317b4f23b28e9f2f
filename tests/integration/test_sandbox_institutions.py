"""The sandbox institutions (sandbox/institution/): what each desk answers to a forward and when, every
misbehaviour, and the pushing desk's delivery and retry ladder — through the real REST connector on loopback."""

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from adapter.platforms.signers import build_signer, build_verifier
from connectors.complaint_desk import ComplaintDeskRest
from connectors.desk_port import DeskStatus
from connectors.port import PayloadError, RawInbound
from sandbox.institution import InstitutionConfig
from sandbox.institution.desk import DeskCore
from sandbox.institution.pairing import pair_desk
from sandbox.institution.push import LADDER, DeskPusher
from schemas.clock import utc_now
from schemas.complaint import (
    ComplaintEnvelope,
    ComplaintMessageType,
    ExtendedBody,
    ReviewRequestedBody,
    SmallClaimDecisionBody,
    SmallClaimPerformedBody,
    Track,
    WithdrawnBody,
)
from tests.support import desk_samples as s
from tests.support.step_clock import StepClock

pytestmark = pytest.mark.integration

M = ComplaintMessageType


@dataclass
class Institution:
    core: DeskCore
    desk: ComplaintDeskRest
    clock: StepClock

    def days(self, n: float) -> None:
        self.clock.now += n  # seconds_per_day = 1: one stepped second is a simulated day
        self.core.tick()

    def answers(self) -> list[ComplaintEnvelope]:
        return [self.desk.decode(item) for item in self.desk.fetch("", 500).items]


@pytest.fixture
def institution(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Institution]:
    kind, faults = getattr(request, "param", ("card_centre", ()))
    clock = StepClock()
    pairing = pair_desk(tmp_path, InstitutionConfig(kind=kind, faults=faults, seconds_per_day=1.0), monotonic=clock)
    server = pairing.serve()
    signer, verifier = build_signer(pairing.signing, platform="desk"), build_verifier(pairing.signing, platform="desk")
    try:
        yield Institution(pairing.core, ComplaintDeskRest("desk", server.url, signer, verifier), clock)
    finally:
        server.stop()


PATHS = [  # (kind, server-wide faults, the desk's answers after 60 days, its final status)
    ("card_centre", (), [M.ACK, M.CONTACTED, M.DECIDED], DeskStatus.DECIDED),
    ("life_insurer", (), [M.ACK, M.CONTACTED, M.EXTENDED, M.DECIDED], DeskStatus.DECIDED),
    ("green_pc", (), [M.ACK, M.CONTACTED, M.DECIDED], DeskStatus.DECIDED),
    ("card_centre", ("never_ack",), [], DeskStatus.RECEIVED),
    ("life_insurer", ("extend_60",), [M.ACK, M.CONTACTED, M.EXTENDED, M.EXTENDED, M.DECIDED], DeskStatus.DECIDED),
    ("green_pc", ("to_mediation",), [M.ACK, M.CONTACTED, M.TO_MEDIATION], DeskStatus.TO_MEDIATION),
    ("card_centre", ("duplicate_ack",), [M.ACK, M.ACK, M.CONTACTED, M.DECIDED], DeskStatus.DECIDED),
    ("card_centre", ("decision_before_ack",), [M.DECIDED, M.ACK], DeskStatus.DECIDED),
    ("green_pc", ("unknown_complaint",), [M.ACK, M.ACK, M.CONTACTED, M.DECIDED], DeskStatus.DECIDED),
]


@pytest.mark.parametrize(
    ("institution", "expected", "status"),
    [((kind, faults), expected, status) for kind, faults, expected, status in PATHS],
    indirect=["institution"],
    ids=[f"{kind}-{'+'.join(faults) or 'as agreed'}" for kind, faults, *_ in PATHS],
)
def test_each_desk_answers_a_forward_as_scripted(
    institution: Institution, expected: list[ComplaintMessageType], status: DeskStatus
) -> None:
    receipt = institution.desk.send(s.forward("TS-1", "F-1"))
    institution.days(60)
    answers = institution.answers()
    assert [a.body.type for a in answers] == expected
    assert institution.desk.query_status(["TS-1"]) == {"TS-1": status}
    about = [a for a in answers if a.complaint_id == "TS-1"]
    assert all(a.correlates_to == "F-1" and a.desk_ref == receipt.desk_ref for a in about)
    assert len({a.message_id for a in answers}) == len(answers)  # every item its own message id
    extensions = [a.body for a in answers if isinstance(a.body, ExtendedBody)]
    assert [e.stage for e in extensions] == [30, 60][: len(extensions)]  # 15 → 30 → 60, never more
    strangers = {a.complaint_id for a in answers} - {"TS-1"}
    assert strangers == ({"UNKNOWN-TS-1"} if "unknown_complaint" in institution.core.config.faults else set())
    if "duplicate_ack" in institution.core.config.faults:
        first, second = (a for a in answers if a.body.type is M.ACK)
        assert first.body == second.body and first.message_id != second.message_id


def test_the_card_centre_acknowledges_within_minutes_and_decides_in_two_days(institution: Institution) -> None:
    institution.desk.send(s.forward("TS-1", "F-1"))
    institution.days(0.01)  # about a quarter of an hour
    assert [a.body.type for a in institution.answers()] == [M.ACK]
    institution.days(1.5)
    assert M.DECIDED not in [a.body.type for a in institution.answers()]
    institution.days(0.5)
    decided = institution.answers()[-1]
    assert decided.body.type is M.DECIDED
    ack = institution.answers()[0]
    assert timedelta(days=1.9) < decided.sent_at - ack.sent_at < timedelta(days=2.1)


def test_a_live_desk_never_dates_a_message_ahead_of_the_clock_nor_reuses_ids_after_a_restart(tmp_path: Path) -> None:
    """Standalone (`docking sandbox institution`, live) the desk's compressed days run ahead of the real calendar: its
    decision "two days later" is published within minutes, dated then — not two days ahead, which the adapter
    quarantines as `future`."""
    clock = StepClock()
    config = InstitutionConfig(kind="card_centre", seconds_per_day=1.0, live=True)
    pairing = pair_desk(tmp_path, config, monotonic=clock)
    server = pairing.serve()
    signer, verifier = build_signer(pairing.signing, platform="desk"), build_verifier(pairing.signing, platform="desk")
    try:
        desk = ComplaintDeskRest("desk", server.url, signer, verifier)
        desk.send(s.forward("TS-1", "F-1"))
        clock.now += 3
        pairing.core.tick()
        answers = [desk.decode(item) for item in desk.fetch("", 50).items]
        assert [a.body.type for a in answers] == [M.ACK, M.CONTACTED, M.DECIDED]
        assert all(a.sent_at <= utc_now() for a in answers)
    finally:
        server.stop()
    # the desk restarted: its new run never reuses a message id of the last, which the adapter's inbox holds
    again = pair_desk(tmp_path / "again", config, monotonic=clock)
    server = again.serve()
    try:
        signer = build_signer(again.signing, platform="desk")
        desk = ComplaintDeskRest("desk", server.url, signer, build_verifier(again.signing, platform="desk"))
        desk.send(s.forward("TS-1", "F-1"))
        clock.now += 3
        again.core.tick()
        second = {desk.decode(item).message_id for item in desk.fetch("", 50).items}
        assert len(second) == 3 and not second & {a.message_id for a in answers}
    finally:
        server.stop()


@pytest.mark.parametrize("institution", [("card_centre", ("bad_signature",))], indirect=True)
def test_a_desk_with_a_bad_signature_is_refused_item_by_item(institution: Institution) -> None:
    institution.desk.send(s.forward("TS-1", "F-1"))
    institution.days(3)
    items = institution.desk.fetch("", 50).items
    assert len(items) == 3
    for item in items:
        with pytest.raises(PayloadError) as refused:
            institution.desk.decode(item)
        assert refused.value.reason == "bad_signature"


@pytest.mark.parametrize(("faults", "after"), [((), 1), (("late_payment",), 10)])
def test_a_small_claim_is_paid_after_the_mediators_decision(
    tmp_path: Path, faults: tuple[str, ...], after: int
) -> None:
    clock = StepClock()
    pairing = pair_desk(tmp_path, InstitutionConfig(seconds_per_day=1.0), monotonic=clock)
    server = pairing.serve()
    try:
        signer, verifier = build_signer(pairing.signing, platform="d"), build_verifier(pairing.signing, platform="d")
        desk = ComplaintDeskRest("d", server.url, signer, verifier)
        pairing.core.misbehave("TS-S", *faults)  # chosen per complaint, before it arrives
        desk.send(s.forward("TS-S", "F-S", track=Track.SMALL_CLAIM))
        clock.now += 1
        decision = SmallClaimDecisionBody(
            amount=Decimal("450.00"), cap=Decimal("5000.00"), decided_at=s.T0, mediator="甲"
        )
        desk.send(s.envelope(decision, "TS-S", "SC-1"))
        clock.now += after - 0.5
        assert M.SMALL_CLAIM_PERFORMED not in [desk.decode(i).body.type for i in desk.fetch("", 50).items]
        clock.now += 1
        paid = [desk.decode(i) for i in desk.fetch("", 50).items][-1]
        assert isinstance(paid.body, SmallClaimPerformedBody) and paid.body.amount == Decimal("450.00")
        assert desk.query_status(["TS-S"]) == {"TS-S": DeskStatus.PAID}
    finally:
        server.stop()


def test_a_withdrawal_ends_the_desks_handling(institution: Institution) -> None:
    institution.desk.send(s.forward("TS-1", "F-1"))
    institution.days(0.05)
    institution.desk.send(s.envelope(WithdrawnBody(withdrawn_at=s.T0), "TS-1", "W-1"))
    institution.days(30)
    assert [a.body.type for a in institution.answers()] == [M.ACK, M.CONTACTED]  # no decision after it
    assert institution.desk.query_status(["TS-1"]) == {"TS-1": DeskStatus.WITHDRAWN}


def test_a_review_is_decided_ten_days_after_it_is_asked_for(institution: Institution) -> None:
    institution.desk.send(s.forward("TS-1", "F-1"))
    institution.days(3)
    institution.desk.send(s.envelope(ReviewRequestedBody(requested_at=s.T0, grounds="不服"), "TS-1", "R-1"))
    institution.days(9)
    assert institution.answers()[-1].body.type is M.DECIDED
    institution.days(1.5)
    assert institution.answers()[-1].body.type is M.REVIEW_DECIDED


# ---- the pushing desk


class Centre(ThreadingHTTPServer):
    """The centre's push endpoint, as far as the desk can tell: records each call, answers from a script."""

    def __init__(self, answers: list[int]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, bytes, dict[str, str]]] = []
        super().__init__(("127.0.0.1", 0), _CentreHandler)
        threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _CentreHandler(BaseHTTPRequestHandler):
    server: Centre

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.calls.append((self.path, body, dict(self.headers.items())))
        status = self.server.answers.pop(0) if self.server.answers else 200
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()


def test_a_pushing_desk_delivers_each_item_as_its_feed_carries_it_retrying_on_the_ladder(
    institution: Institution,
) -> None:
    centre = Centre([503, 200, 200, 503])  # the first item fails twice, the others go through at once
    pusher = DeskPusher(institution.core, centre.url, "card-centre", api_key="k-1")
    try:
        institution.desk.send(s.forward("TS-1", "F-1"))
        institution.days(3)
        pusher.push_once()  # the first item fails (503); the next two go through
        assert [d.attempts for d in pusher.deliveries.values()] == [1, 1, 1]
        institution.clock.now += LADDER[0] / 86400 * 0.9  # not yet time for the first rung
        pusher.push_once()
        assert pusher.deliveries[1].attempts == 1
        institution.clock.now += LADDER[0] / 86400 * 0.2
        pusher.push_once()  # 503 again
        institution.clock.now += LADDER[1] / 86400 * 1.1
        pusher.push_once()
        assert pusher.pending() == [] and pusher.deliveries[1].attempts == 3
        feed = {item.position: item for item in institution.desk.fetch("", 50).items}
        for path, body, headers in centre.calls:
            assert path == "/api/desks/v1/card-centre/messages"
            assert headers["Authorization"] == "Bearer k-1"
            pushed = institution.desk.decode(RawInbound(body, headers))  # verified with the desk's key
            assert body in {item.body for item in feed.values()}  # the exact bytes the feed carries
            assert pushed.complaint_id == "TS-1"
    finally:
        centre.shutdown()


def test_a_refused_push_is_not_repeated_and_a_silent_centre_is_given_up(institution: Institution) -> None:
    centre = Centre([400] + [503] * 100)
    pusher = DeskPusher(institution.core, centre.url, "card-centre")
    try:
        institution.desk.send(s.forward("TS-1", "F-1"))
        institution.days(0.01)  # the acknowledgement only
        pusher.push_once()
        assert pusher.deliveries[1].answer == 400 and len(centre.calls) == 1  # refused: done, never resent
        institution.days(0.03)  # the contact note: every attempt fails
        for _ in range(len(LADDER) + 2):
            institution.clock.now += max(LADDER) / 86400 + 0.001
            pusher.push_once()
        assert pusher.deliveries[2].given_up and pusher.deliveries[2].attempts == len(LADDER) + 1
    finally:
        centre.shutdown()
