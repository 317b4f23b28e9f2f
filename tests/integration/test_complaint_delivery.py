"""Complaint messages delivered to a desk (FakeComplaintDesk) over the outbox protocol, the desk's feed polled, and
reconciliation by complaint — on SQLite and PostgreSQL: retry, dead letter and audited replay; a bad signature and
a message about an unknown complaint quarantined with their raw bytes; a forgotten forward resent."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from adapter.complaints import delivery, desk_feed
from adapter.errors import InvalidRequest
from adapter.persistence.tables import AuditRow, QuarantineRow
from adapter.platforms.retry import RetryPolicy
from connectors.desk_port import DeskStatus
from connectors.fake_desk import FakeComplaintDesk
from connectors.port import TransientError
from schemas.complaint import AckBody, DecidedBody, DecisionResult
from tests.support.complaint_samples import complaint
from tests.support.complaint_store import DESK, World, world

pytestmark = pytest.mark.integration
POLICY = RetryPolicy(base=1.0, cap=2.0, give_up_after=timedelta(hours=1))
CID = "CP-2026-0001"


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def w(database_url: str) -> Iterator[World]:
    yield from world(database_url)


@pytest.fixture
def desk() -> FakeComplaintDesk:
    return FakeComplaintDesk(DESK)


def _deliver(w: World, desk: FakeComplaintDesk) -> dict[str, int]:
    return dict(
        delivery.deliver(w.uow, {DESK: desk}, w.clock, POLICY, retrying=_once, jitter=lambda: 0.5, max_rounds=1)
    )


def _once():  # type: ignore[no-untyped-def]
    from tenacity import Retrying, stop_after_attempt

    return Retrying(stop=stop_after_attempt(1), reraise=True)


def test_the_forward_is_delivered_and_the_desks_answers_are_read_from_its_feed(
    w: World, desk: FakeComplaintDesk
) -> None:
    w.services.receive(complaint())
    assert _deliver(w, desk) == {"delivered": 1}
    assert [e.complaint_id for e in desk.sent] == [CID] and w.row(CID).desk_ref == "FD000001"
    assert "address" not in desk.sent[0].body.complaint.complainant.model_dump(exclude_none=True)  # type: ignore[union-attr]
    desk.publish(w.message(CID, AckBody(desk_ref="FD000001", acknowledged_at=w.clock.advance(minutes=30))))
    desk.publish(w.message(CID, AckBody(desk_ref="FD000001", acknowledged_at=w.clock())), tamper=True)
    desk.publish(w.message("CP-UNKNOWN", DecidedBody(result=DecisionResult.UPHELD, notified_at=w.clock())))
    counts = desk_feed.poll(w.uow, desk, w.clock)
    assert dict(counts) == {"applied": 1, "quarantined": 2}
    assert desk_feed.poll(w.uow, desk, w.clock) == {}  # the cursor moved past them
    assert w.row(CID).status == "ACKNOWLEDGED"
    with w.uow.begin() as session:
        kept = session.exec(select(QuarantineRow).order_by(QuarantineRow.id)).all()  # type: ignore[arg-type]
    assert [(q.feed, q.reason) for q in kept] == [("complaints", "bad_signature"), ("complaints", "unknown_complaint")]
    assert b"CP-UNKNOWN" in kept[1].raw


def test_a_refused_forward_goes_dead_and_an_audited_replay_delivers_it(w: World, desk: FakeComplaintDesk) -> None:
    w.services.receive(complaint())
    desk.fail_next(TransientError(DESK, "timeout"))
    assert _deliver(w, desk) == {"retried": 1}
    desk.refuse(CID, "bad_request", "missing field")
    w.clock.advance(seconds=5)
    assert _deliver(w, desk) == {"dead": 1}
    w.services.withdraw(CID, "the complainant settled")  # queued behind the dead forward: waits
    assert _deliver(w, desk) == {}
    (dead,) = delivery.dead(w.uow)
    with pytest.raises(InvalidRequest, match="reason"):
        delivery.replay(w.uow, [dead.message_id], actor="op", reason=" ", now=w.clock())
    with pytest.raises(InvalidRequest, match="no complaint message"):
        delivery.replay(w.uow, ["CM-nope"], actor="op", reason="fixed", now=w.clock())
    desk.accept(CID)
    assert delivery.replay(w.uow, None, actor="op", reason="desk fixed its schema", now=w.clock()) == [dead.message_id]
    assert _deliver(w, desk) == {"delivered": 1}  # the forward; the withdrawal was waiting behind it
    assert _deliver(w, desk) == {"delivered": 1}
    assert [e.body.type.value for e in desk.sent] == ["complaint.forward", "complaint.withdrawn"]
    with w.uow.begin() as session:
        (audit,) = session.exec(select(AuditRow)).all()
    assert (audit.action, audit.subject, audit.actor) == ("replay_complaint", dead.message_id, "op")


def test_reconciliation_resends_a_forward_the_desk_lost_and_reports_other_differences(
    w: World, desk: FakeComplaintDesk
) -> None:
    w.services.receive(complaint())
    w.services.receive(complaint(complaint_id="CP-2026-0002", classification={
        "table": "jrt0169", "version": "2018", "business": "B0302", "cause": "C01"}))  # fmt: skip
    _deliver(w, desk)
    assert desk_feed.reconcile(w.uow, desk, w.clock) == []
    desk.forget(CID)
    desk.set_status("CP-2026-0002", DeskStatus.DECIDED)  # an answer we have not read yet
    found = {d.complaint_id: (d.theirs, d.action) for d in desk_feed.reconcile(w.uow, desk, w.clock)}
    assert found == {CID: (None, "resent"), "CP-2026-0002": ("decided", "report")}
    assert _deliver(w, desk) == {"delivered": 1}
    assert desk.statuses[CID] is DeskStatus.RECEIVED
    with w.uow.engine.connect() as connection:
        assert connection.execute(text("SELECT action FROM audit")).scalar_one() == "resend_complaint"


def test_a_desk_failing_again_and_again_is_left_alone_until_its_breaker_lets_a_probe_through(
    w: World, desk: FakeComplaintDesk
) -> None:
    from adapter.complaints.guarded_desk import GuardedDesk
    from adapter.platforms.breaker import CircuitBreaker

    guarded = GuardedDesk(desk, CircuitBreaker(DESK, failures=2, cooldown=timedelta(seconds=60)), w.clock)
    w.services.receive(complaint())
    desk.fail_next(TransientError(DESK, "timeout"), TransientError(DESK, "timeout"))
    run = lambda: dict(  # noqa: E731
        delivery.deliver(w.uow, {DESK: guarded}, w.clock, POLICY, retrying=_once, jitter=lambda: 0.5, max_rounds=1)
    )
    assert run() == {"retried": 1}
    w.clock.advance(seconds=5)
    assert run() == {"retried": 1}  # the second failure opens the circuit
    w.clock.advance(seconds=5)
    assert run() == {"retried": 1} and desk.sent == []  # refused by the open circuit, not sent: backed off
    (row,) = w.outbox(CID)
    assert "circuit open" in (row.last_error or "") and row.status == "pending"
    w.clock.advance(seconds=30)
    assert run() == {"retried": 1} and desk.sent == []  # still open: the desk is not called
    w.clock.advance(seconds=61)
    assert run() == {"delivered": 1} and len(desk.sent) == 1


def test_a_message_about_a_complaint_not_yet_received_is_applied_once_reprocessed(
    w: World, desk: FakeComplaintDesk
) -> None:
    from adapter.complaints.reprocess import reprocess

    desk.publish(w.message(CID, AckBody(desk_ref="FD000001", acknowledged_at=w.clock())))
    assert dict(desk_feed.poll(w.uow, desk, w.clock)) == {"quarantined": 1}
    with w.uow.begin() as session:
        (kept,) = session.exec(select(QuarantineRow)).all()
    assert kept.id is not None
    from adapter.inbox import quarantine

    with pytest.raises(InvalidRequest, match=f"docking complaints reprocess {kept.id} --desk {DESK}"):
        quarantine.reprocess(w.uow, {}, kept.id, actor="op", note="", clock=w.clock)  # the courts' command
    again = reprocess(w.uow, desk, kept.id, actor="op", note="", clock=w.clock)
    assert again.startswith("still refused: unknown_complaint")
    w.services.receive(complaint())
    assert reprocess(w.uow, desk, kept.id, actor="op", note="arrived", clock=w.clock).startswith("applied")
    assert w.row(CID).status == "ACKNOWLEDGED"
    with pytest.raises(InvalidRequest, match="reprocessed"):
        reprocess(w.uow, desk, kept.id, actor="op", note="", clock=w.clock)


def test_delivered_messages_of_complaints_at_rest_are_pruned_and_an_open_ones_kept(
    w: World, desk: FakeComplaintDesk
) -> None:
    from adapter.prune import prune

    w.services.receive(complaint())
    w.services.receive(complaint(complaint_id="CP-2026-0002", classification={
        "table": "jrt0169", "version": "2018", "business": "B0302", "cause": "C01"}))  # fmt: skip
    w.services.withdraw("CP-2026-0002", "settled")
    _deliver(w, desk)
    _deliver(w, desk)
    assert prune(w.uow, w.clock() + timedelta(days=1), timedelta(days=30))["complaint_messages"] == 0
    assert prune(w.uow, w.clock() + timedelta(days=31), timedelta(days=30))["complaint_messages"] == 2
    assert [m.complaint_id for m in w.outbox()] == [CID]  # the open complaint's forward stays


@pytest.mark.parametrize(("offset", "reason"), [(timedelta(days=-30), None), (timedelta(hours=2), "future")])
def test_a_pulled_item_sent_ahead_of_our_clock_is_quarantined_a_late_one_applied(
    w: World, desk: FakeComplaintDesk, offset: timedelta, reason: str | None
) -> None:
    w.services.receive(complaint())
    now = w.clock()
    desk.publish(w.message(CID, AckBody(desk_ref="FD1", acknowledged_at=now), sent_at=now + offset))
    if reason is None:  # a late answer is still the institution's answer
        assert dict(desk_feed.poll(w.uow, desk, w.clock)) == {"applied": 1}
        return
    assert dict(desk_feed.poll(w.uow, desk, w.clock)) == {"quarantined": 1}
    with w.uow.begin() as session:
        (kept,) = session.exec(select(QuarantineRow)).all()
    assert kept.reason == reason and w.row(CID).status == "FORWARDED"
