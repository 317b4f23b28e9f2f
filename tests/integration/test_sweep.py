"""The deadline sweep on a real SQLite database: overdue acceptance, mediation past its period, alerts once."""

import json
from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from adapter.deadlines import DeadlinePolicy, Deadlines, WorkCalendar
from adapter.deadlines.sweep import ALERT, sweep
from adapter.persistence.case_store import SqlCaseStore
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.repository import create_case, transition
from adapter.persistence.tables import CaseEventRow, CaseRow
from adapter.services import CentreServices
from adapter.states import CaseStatus, Event
from adapter.testing import FakeClock
from schemas.clock import CHINA
from schemas.enums import DeclineReason, Flow
from tests.support import samples

pytestmark = pytest.mark.integration

# Monday 2026-11-16, 10:00 China time: three working days later is Thursday the 19th.
RECEIVED = datetime(2026, 11, 16, 10, 0, tzinfo=CHINA)


def _dispatched(uow: UnitOfWork, flow: Flow = Flow.DELEGATED, ident: str = "c1") -> str:
    with uow.begin() as session:
        case = create_case(session, samples.dispatch(flow, platform_case_id=ident), "p1", RECEIVED)
        transition(session, case, Event.REGISTER, actor="test", at=RECEIVED)
        return case.id


def _status(uow: UnitOfWork, case_id: str) -> str:
    with uow.begin() as session:
        row = session.get(CaseRow, case_id)
        assert row is not None
        return row.status


def _alerts(uow: UnitOfWork, case_id: str) -> list[dict[str, str]]:
    with uow.begin() as session:
        rows = session.exec(select(CaseEventRow).where(CaseEventRow.case_id == case_id, CaseEventRow.event == ALERT))
        return [json.loads(r.detail) for r in rows]


ENGINE = Deadlines(DeadlinePolicy(), WorkCalendar())


def test_an_acceptance_closing_soon_alerts_once(uow: UnitOfWork) -> None:
    case_id = _dispatched(uow)
    clock = FakeClock(datetime(2026, 11, 18, 9, 0, tzinfo=CHINA))
    assert sweep(uow, clock, ENGINE)["alert_acceptance_due_soon"] == 1
    assert sweep(uow, clock, ENGINE).get("alert_acceptance_due_soon") is None, "said once"
    (alert,) = _alerts(uow, case_id)
    assert alert["last_day"] == "2026-11-19" and alert["state"] == "due_soon" and "S2 Art 12" in alert["rule"]
    assert _status(uow, case_id) == CaseStatus.PENDING_ACCEPTANCE


def test_an_unanswered_dispatch_becomes_acceptance_overdue_after_three_working_days(uow: UnitOfWork) -> None:
    case_id = _dispatched(uow)
    clock = FakeClock(datetime(2026, 11, 19, 23, 59, tzinfo=CHINA))
    sweep(uow, clock, ENGINE)
    assert _status(uow, case_id) == CaseStatus.PENDING_ACCEPTANCE, "the last day is not over yet"
    clock.now = datetime(2026, 11, 20, 0, 1, tzinfo=CHINA)
    done = sweep(uow, clock, ENGINE)
    assert done["acceptance_overdue"] == 1 and _status(uow, case_id) == CaseStatus.ACCEPTANCE_OVERDUE
    assert {a["state"] for a in _alerts(uow, case_id)} == {"due_soon", "overdue"}
    assert sweep(uow, clock, ENGINE).get("acceptance_overdue") is None


def test_a_mediation_past_its_period_is_flagged_for_outcome_6_not_terminated(uow: UnitOfWork) -> None:
    case_id = _dispatched(uow, Flow.ENTRUSTED)  # post-filing, simple procedure: 7 days [S2 Art 24]
    clock = FakeClock(RECEIVED + timedelta(hours=1))
    services = CentreServices(SqlCaseStore(uow), clock)
    services.accept(case_id)
    services.assign_mediator(case_id, "陈调解员")
    clock.now = datetime(2026, 11, 24, 9, 0, tzinfo=CHINA)  # 7 days from Monday 11-16 end Monday 11-23
    sweep(uow, clock, ENGINE)
    (alert,) = [a for a in _alerts(uow, case_id) if a["kind"] == "mediation"]
    assert alert["state"] == "overdue" and alert["last_day"] == "2026-11-23" and "outcome 6" in alert["suggest"]
    assert _status(uow, case_id) == CaseStatus.MEDIATOR_ASSIGNED


def test_cases_at_rest_are_not_swept(uow: UnitOfWork) -> None:
    case_id = _dispatched(uow)
    CentreServices(SqlCaseStore(uow), FakeClock(RECEIVED)).decline(case_id, DeclineReason.OUTSIDE_CHARTER)
    done = sweep(uow, FakeClock(RECEIVED + timedelta(days=40)), ENGINE)
    assert done.get("cases", 0) == 0 and _alerts(uow, case_id) == []
