"""Requeued messages (an operator's replay, a reconciliation repair) get a new retry window from the requeue."""

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlmodel import select
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt

from adapter.outbox.dead_letters import replay_dead, replay_message
from adapter.outbox.delivery import deliver_due
from adapter.persistence.case_store import SqlCaseStore
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.repository import create_case, transition
from adapter.persistence.tables import AuditRow, OutboxRow
from adapter.platforms.registry import PlatformLink, Platforms
from adapter.platforms.retry import RetryPolicy
from adapter.reconcile import Action, Kind, reconcile
from adapter.services import CentreServices
from adapter.states import Event
from connectors.fake import FakeCourtPlatform
from connectors.port import RejectedError, TransientError
from schemas.clock import from_db, to_utc
from schemas.enums import CourtStatus, Flow
from signing.base import PublicKeyEntry
from signing.jws import JwsSigner, JwsVerifier
from tests.support import samples

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
DAY = timedelta(hours=24)
KEY = Ed25519PrivateKey.generate()


def one_try() -> Retrying:
    return Retrying(retry=retry_if_exception_type(TransientError), stop=stop_after_attempt(1), reraise=True)


def _world(uow: UnitOfWork) -> tuple[Platforms, FakeCourtPlatform, str]:
    court = FakeCourtPlatform("court", JwsSigner(KEY, "court-key"))
    verifier = JwsVerifier({"court-key": PublicKeyEntry("court-key", KEY.public_key(), "EdDSA")})
    platforms = {"court": PlatformLink(court, verifier, retry=RetryPolicy(give_up_after=DAY))}
    with uow.begin() as session:
        case = create_case(session, samples.dispatch(Flow.DELEGATED, "A-1"), "court", T0)
        transition(session, case, Event.REGISTER, actor="test", at=T0)
    court.statuses["A-1"] = CourtStatus.PENDING
    return platforms, court, case.id


def _deliver(uow: UnitOfWork, platforms: Platforms, at: datetime) -> Counter[str]:
    return deliver_due(uow, platforms, lambda: at, retrying=one_try, jitter=lambda: 1.0)


def _row(uow: UnitOfWork, message_id: str) -> OutboxRow:
    with uow.begin() as session:
        return session.exec(select(OutboxRow).where(OutboxRow.message_id == message_id)).one()


def _stale_claim(uow: UnitOfWork, message_id: str) -> None:
    """A claim token left on the row (e.g. by a hand edit or a worker's lost write): requeue must clear it."""
    with uow.begin() as session:
        row = session.exec(select(OutboxRow).where(OutboxRow.message_id == message_id)).one()
        row.claimed_by, row.claimed_until = "stale-token", to_utc(T0)
        session.add(row)


def _replayed_after_an_outage(uow: UnitOfWork, platforms: Platforms, court: FakeCourtPlatform, case_id: str) -> str:
    """Dead after a rejection on day 0; the operator replays it two days later."""
    CentreServices(SqlCaseStore(uow), lambda: T0).accept(case_id)
    court.fail_next(RejectedError("court", "E500", "court system migrating"))
    assert _deliver(uow, platforms, T0) == Counter({"dead": 1})
    (message_id,) = [r.message_id for r in _all(uow)]
    _stale_claim(uow, message_id)
    replay_message(uow, message_id, actor="ops-zhang", reason="court migrated", now=T0 + 2 * DAY)
    return message_id


def _replayed_in_bulk(uow: UnitOfWork, platforms: Platforms, court: FakeCourtPlatform, case_id: str) -> str:
    """As above, with `docking outbox replay --platform court`."""
    CentreServices(SqlCaseStore(uow), lambda: T0).accept(case_id)
    court.fail_next(RejectedError("court", "E500", "court system migrating"))
    assert _deliver(uow, platforms, T0) == Counter({"dead": 1})
    (message_id,) = [r.message_id for r in _all(uow)]
    _stale_claim(uow, message_id)
    assert replay_dead(uow, platform="court", since=None, actor="ops-zhang", reason="migrated", now=T0 + 2 * DAY) == [
        message_id
    ]
    return message_id


def _redelivered_by_repair(uow: UnitOfWork, platforms: Platforms, court: FakeCourtPlatform, case_id: str) -> str:
    """Delivered on day 0; two days later the court has rolled back past it and reconciliation re-delivers it."""
    services = CentreServices(SqlCaseStore(uow), lambda: T0)
    services.accept(case_id)
    services.assign_mediator(case_id, "陈调解员")
    assert _deliver(uow, platforms, T0) == Counter({"delivered": 2})
    court.statuses["A-1"] = CourtStatus.ACCEPTED  # the mediator message was lost at the court
    later = T0 + 2 * DAY
    report = reconcile(uow, platforms, repair=True, actor="ops-li", clock=lambda: later, retrying=one_try)
    (difference,) = report.differences
    assert (difference.kind, difference.action, difference.repaired) == (Kind.BEHIND, Action.REDELIVER, True)
    return _all(uow)[-1].message_id


def _all(uow: UnitOfWork) -> list[OutboxRow]:
    with uow.begin() as session:
        return list(session.exec(select(OutboxRow).order_by(OutboxRow.id)).all())


REQUEUES: dict[str, Callable[[UnitOfWork, Platforms, FakeCourtPlatform, str], str]] = {
    "replay": _replayed_after_an_outage,
    "replay-bulk": _replayed_in_bulk,
    "reconcile-repair": _redelivered_by_repair,
}


@pytest.mark.parametrize("requeued", REQUEUES.values(), ids=REQUEUES.keys())
def test_a_requeued_message_is_retried_on_a_transient_failure_not_given_up(
    uow: UnitOfWork, requeued: Callable[[UnitOfWork, Platforms, FakeCourtPlatform, str], str]
) -> None:
    """Requeued 2 days after creation (give-up 24 h): the first 503 retries it; it dies only 24 h after requeue."""
    platforms, court, case_id = _world(uow)
    message_id = requeued(uow, platforms, court, case_id)
    requeued_at = T0 + 2 * DAY
    row = _row(uow, message_id)
    assert (row.status, row.claimed_by, row.claimed_until) == ("pending", None, None)
    assert from_db(row.queued_at) == requeued_at and from_db(row.created_at) < requeued_at

    court.fail_next(TransientError("court", "503 service unavailable"))
    assert _deliver(uow, platforms, requeued_at) == Counter({"retried": 1})
    assert _row(uow, message_id).status == "pending"

    court.fail_next(TransientError("court", "503 service unavailable"))
    assert _deliver(uow, platforms, requeued_at + DAY) == Counter({"dead": 1})  # its own window, from the requeue
    assert "gave up" in (_row(uow, message_id).last_error or "")


@pytest.mark.parametrize("requeued", REQUEUES.values(), ids=REQUEUES.keys())
def test_every_requeue_is_audited_and_keeps_the_earlier_error_readable(
    uow: UnitOfWork, requeued: Callable[[UnitOfWork, Platforms, FakeCourtPlatform, str], str]
) -> None:
    """Each path leaves one audit row naming who and which message, and the row says why it was requeued."""
    platforms, court, case_id = _world(uow)
    message_id = requeued(uow, platforms, court, case_id)
    with uow.begin() as session:
        audit = session.exec(select(AuditRow).where(AuditRow.subject == message_id)).all()
    assert [(a.actor in ("ops-zhang", "ops-li"), a.at) for a in audit] == [(True, from_db(audit[0].at))]
    assert from_db(audit[0].at) == T0 + 2 * DAY
    note = _row(uow, message_id).last_error or ""
    assert note.startswith(("replayed by ops-zhang", "redeliver by reconciliation (ops-li)"))
    if note.startswith("replayed"):
        assert "(was: court: rejected (E500): court system migrating)" in note
