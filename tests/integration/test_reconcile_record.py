"""A run's differences stored a page at a time (adapter/reconcile/runs.py → events.reconcile_differences): one event
per difference, in order, and each platform's alert condition opened once — as one call per difference did."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from adapter.alerts.conditions import ALERTS, CONDITIONS
from adapter.events.store import EVENTS
from adapter.persistence.engine import UnitOfWork
from adapter.reconcile import runs
from adapter.reconcile.classify import Action, Kind
from adapter.reconcile.report import Difference, ReconcileReport
from schemas.enums import CourtStatus

pytestmark = pytest.mark.integration

AT = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _difference(case_id: str | None, platform: str, kind: Kind) -> Difference:
    ours = None if case_id is None else CourtStatus.ACCEPTED
    return Difference(case_id, platform, f"AJ-{case_id}", ours, CourtStatus.PENDING, kind, Action.REPORT, detail="d")


def test_each_difference_is_an_event_in_order_and_each_platform_alerts_once(uow: UnitOfWork) -> None:
    run_id = runs.start(uow, ReconcileReport(), actor="test", at=AT)
    first = [
        _difference("C-1", "gz", Kind.BEHIND),
        _difference(None, "sz", Kind.MISSING_HERE),
        _difference("C-2", "gz", Kind.MISSING_AT_PLATFORM),
    ]
    runs.record(uow, run_id, first, at=AT)
    runs.record(uow, run_id, [_difference("C-3", "gz", Kind.STATE_MISMATCH)], at=AT + timedelta(minutes=1))
    with uow.begin() as session:
        connection = session.connection()
        events = connection.execute(
            select(EVENTS.c.event_id, EVENTS.c.case_id, EVENTS.c.data_json).order_by(EVENTS.c.id)
        )
        events = events.all()
        conditions = connection.execute(select(CONDITIONS.c.subject, CONDITIONS.c.open, CONDITIONS.c.detail)).all()
        alerts = connection.execute(select(ALERTS.c.subject, ALERTS.c.state).order_by(ALERTS.c.id)).all()
    assert [(case_id, json.loads(data)["kind"]) for _, case_id, data in events] == [
        ("C-1", "behind"),
        (None, "missing_here"),
        ("C-2", "missing_at_platform"),
        ("C-3", "state_mismatch"),
    ]
    assert len({event_id for event_id, _, _ in events}) == 4
    assert json.loads(events[0][2]) == {
        "platform": "gz",
        "court_case_id": "AJ-C-1",
        "ours": "accepted",
        "theirs": "pending",
        "kind": "behind",
        "action": "report",
        "repaired": False,
        "detail": "d",
        "run_id": run_id,
    }
    # the first difference of each platform opens its condition; the rest find it open, as before
    assert sorted(conditions) == [("gz", True, "e.g. behind"), ("sz", True, "e.g. missing_here")]
    assert alerts == [("gz", "opened"), ("sz", "opened")]
