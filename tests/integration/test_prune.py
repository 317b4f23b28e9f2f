"""Pruning past retention keeps what reconciliation may still need: only cases at rest lose delivered messages."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select, update

from adapter.persistence.engine import UnitOfWork
from adapter.persistence.event_tables import CentreEventRow
from adapter.persistence.repository import create_case, enqueue, transition
from adapter.persistence.tables import CaseRow, OutboxRow
from adapter.prune import prune
from adapter.states import CaseStatus, Event
from schemas.envelope import ProgressBody
from schemas.progress import ProgressUpdate
from tests.support import samples

pytestmark = pytest.mark.integration

T0 = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)


def _case_with_messages(uow: UnitOfWork, ident: str, status: CaseStatus, delivered: bool) -> str:
    with uow.begin() as session:
        case = create_case(session, samples.dispatch(platform_case_id=ident), "p1", T0)
        transition(session, case, Event.REGISTER, actor="test", at=T0)
        for _ in range(2):
            update_ = ProgressUpdate(kind="accepted", at=T0)
            enqueue(session, case, ProgressBody(progress=update_), T0)
        case.status = status.value
        case_id = case.id
    with uow.begin() as session:
        session.exec(
            update(OutboxRow)
            .where(col(OutboxRow.case_id) == case_id)
            .values(status="delivered" if delivered else "pending", delivered_at=T0 if delivered else None)
        )
    return case_id


def _messages(uow: UnitOfWork, case_id: str) -> int:
    with uow.begin() as session:
        return len(session.exec(select(OutboxRow.id).where(OutboxRow.case_id == case_id)).all())


def test_only_delivered_messages_of_cases_at_rest_go_after_retention(uow: UnitOfWork) -> None:
    at_rest = _case_with_messages(uow, "a", CaseStatus.JC_CONFIRMED, delivered=True)
    open_case = _case_with_messages(uow, "b", CaseStatus.IN_MEDIATION, delivered=True)
    waiting = _case_with_messages(uow, "c", CaseStatus.JC_CONFIRMED, delivered=False)
    retention = timedelta(days=90)
    assert prune(uow, T0 + timedelta(days=89), retention)["messages"] == 0, "inside retention: kept"
    done = prune(uow, T0 + timedelta(days=91), retention)
    assert done["messages"] == 2 and _messages(uow, at_rest) == 0
    assert _messages(uow, open_case) == 2, "an open case may still need its messages re-sent"
    assert _messages(uow, waiting) == 2, "pending messages are never pruned"
    with uow.begin() as session:
        assert len(session.exec(select(CaseRow.id)).all()) == 3, "cases themselves are kept"


def test_centre_events_go_once_delivered_past_retention_never_pending_or_dead(uow: UnitOfWork) -> None:
    """A delivered centre event older than the retention period is pruned, whatever its case; one delivered inside
    it stays, and a pending or dead one (still owed to the centre) stays however old it is."""
    old, recent = T0, T0 + timedelta(days=60)

    def event(name: str, status: str, at: datetime) -> None:
        with uow.begin() as session:
            session.add(
                CentreEventRow(
                    event_id=name, type="case.updated", case_id=None, at=at, data_json="{}", status=status,
                    next_attempt_at=at, queued_at=at, delivered_at=at if status == "delivered" else None,
                )
            )  # fmt: skip

    event("delivered-old", "delivered", old)
    event("delivered-recent", "delivered", recent)
    event("pending-old", "pending", old)
    event("dead-old", "dead", old)
    retention = timedelta(days=90)
    assert prune(uow, T0 + timedelta(days=89), retention)["events"] == 0, "inside retention: kept"
    assert prune(uow, T0 + timedelta(days=91), retention)["events"] == 1
    with uow.begin() as session:
        kept = sorted(session.exec(select(CentreEventRow.event_id)).all())
    assert kept == ["dead-old", "delivered-recent", "pending-old"]


def test_with_the_centre_polling_events_go_by_their_age(uow: UnitOfWork) -> None:
    """No webhook configured ([events] urls empty): the centre reads GET /events and nothing is ever delivered, so a
    pending event older than the retention period goes as a delivered one would (else the table only grows)."""
    for name, at in (("old", T0), ("recent", T0 + timedelta(days=60))):
        with uow.begin() as session:
            session.add(
                CentreEventRow(
                    event_id=name, type="case.updated", case_id=None, at=at, data_json="{}", status="pending",
                    next_attempt_at=at, queued_at=at, delivered_at=None,
                )
            )  # fmt: skip
    retention = timedelta(days=90)
    assert prune(uow, T0 + timedelta(days=91), retention)["events"] == 0, "a webhook is owed them: kept"
    assert prune(uow, T0 + timedelta(days=91), retention, events_polled=True)["events"] == 1
    with uow.begin() as session:
        assert session.exec(select(CentreEventRow.event_id)).all() == ["recent"]
