"""Complaints in the deadline sweep and `docking deadlines` (adapter/deadlines/complaint_sweep.py) on a real
database: an institution that never answers raises one alert per deadline and state through the alert hooks, with a
note in the complaint's history; a paused decision clock (appraisal) raises none; the CLI lists complaints beside
cases with a kind column."""

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from adapter.complaints import inbound
from adapter.complaints.deadline_settings import ComplaintDeadlineSettings
from adapter.complaints.directory import Desk, DeskDirectory
from adapter.complaints.service import ComplaintServices
from adapter.deadlines import WorkCalendar
from adapter.deadlines.complaint_sweep import complaints_closing_within, sweep_complaints
from adapter.persistence.complaint_tables import ComplaintEventRow
from adapter.persistence.engine import UnitOfWork, create_schema, make_engine
from adapter.persistence.ops_tables import AlertRow
from adapter.testing import FakeClock
from connectors.fake_desk import FakeComplaintDesk
from schemas.clock import CHINA
from schemas.complaint import AckBody, AppraisalBody, ComplaintBody, ComplaintEnvelope
from tests.support.cli import docking
from tests.support.complaint_samples import BANK_USCC, complaint, memorandum
from tests.support.complaint_store import deliver_all

pytestmark = pytest.mark.integration
DESK = "card-centre"
RECEIVED = datetime(2026, 11, 2, 10, 0, tzinfo=CHINA)  # a Monday; November 2026 has no holiday
SETTINGS = ComplaintDeadlineSettings()


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "d.db"


@pytest.fixture
def uow(database: Path) -> Iterator[UnitOfWork]:
    engine = make_engine(f"sqlite:///{database}")
    create_schema(engine)
    yield UnitOfWork(engine)
    engine.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(RECEIVED)


def _receive(uow: UnitOfWork, clock: FakeClock, cid: str = "CP-1") -> str:
    desks = DeskDirectory.of([Desk(DESK, (BANK_USCC,), memorandum())])
    ComplaintServices(uow, clock, "clerk", desks=desks).receive(complaint(complaint_id=cid, received_at=RECEIVED))
    assert deliver_all(uow, clock, FakeComplaintDesk(DESK)) == {"delivered": 1}  # the desk's receipt: its clock runs
    return cid


def _desk(uow: UnitOfWork, clock: FakeClock, cid: str, n: int, body: ComplaintBody) -> None:
    envelope = ComplaintEnvelope(message_id=f"M-{n}", complaint_id=cid, sent_at=clock(), body=body)
    assert inbound.apply(uow, DESK, envelope, clock) == inbound.APPLIED


def _alerts(uow: UnitOfWork) -> list[tuple[str, str]]:
    with uow.begin() as session:
        return [(a.kind, a.subject) for a in session.exec(select(AlertRow).order_by(col(AlertRow.id)))]


def _notes(uow: UnitOfWork, cid: str) -> list[dict[str, object]]:
    with uow.begin() as session:
        rows = session.exec(
            select(ComplaintEventRow).where(
                ComplaintEventRow.complaint_id == cid, ComplaintEventRow.event == "deadline_alert"
            )
        )
        return [json.loads(r.detail) for r in rows]


def test_an_institution_that_never_answers_raises_each_alert_once(uow: UnitOfWork, clock: FakeClock) -> None:
    """Day 20: the 15-day decision and the centre's 8-working-day target have passed — one alert each, once."""
    cid = _receive(uow, clock)
    clock.now = RECEIVED + timedelta(days=20)
    done = sweep_complaints(uow, clock, WorkCalendar(), SETTINGS)
    assert done["complaints"] == 1
    assert done["complaint_alert_decision_overdue"] == done["complaint_alert_centre_target_overdue"] == 1
    assert sorted(_alerts(uow)) == [
        ("complaint_deadline_passed", f"{cid}:centre_target"),
        ("complaint_deadline_passed", f"{cid}:decision"),
    ]
    decision = next(n for n in _notes(uow, cid) if n["kind"] == "decision")
    assert decision["state"] == "overdue" and decision["last_day"] == "2026-11-17"  # forwarded 11-02 + 15 days
    again = sweep_complaints(uow, clock, WorkCalendar(), SETTINGS)
    assert again == {"complaints": 1} and len(_alerts(uow)) == 2


def test_a_decision_closing_soon_is_at_risk_not_passed(uow: UnitOfWork, clock: FakeClock) -> None:
    """Acknowledged and contacted in time; a day before the decision's last day it is at risk."""
    cid = _receive(uow, clock)
    _desk(uow, clock, cid, 1, AckBody(desk_ref="KF-1", acknowledged_at=RECEIVED))
    clock.now = datetime(2026, 11, 16, 10, 0, tzinfo=CHINA)
    sweep_complaints(uow, clock, WorkCalendar(), SETTINGS)
    assert ("complaint_deadline_at_risk", f"{cid}:decision") in _alerts(uow)


def test_a_paused_decision_clock_raises_no_decision_alert(uow: UnitOfWork, clock: FakeClock) -> None:
    """An external appraisal runs: its time is not counted [P33], no due date can be given, nothing is raised."""
    cid = _receive(uow, clock)
    clock.now = RECEIVED + timedelta(days=3)
    _desk(uow, clock, cid, 1, AckBody(desk_ref="KF-1", acknowledged_at=clock()))
    _desk(uow, clock, cid, 2, AppraisalBody(phase="started", at=clock()))
    clock.now = RECEIVED + timedelta(days=40)
    sweep_complaints(uow, clock, WorkCalendar(), SETTINGS)
    assert all(not subject.endswith(":decision") for _, subject in _alerts(uow))
    rows = complaints_closing_within(uow, WorkCalendar(), SETTINGS, clock(), timedelta(days=7))
    assert "decision" not in {r["deadline"] for r in rows}


def test_docking_deadlines_lists_complaints_beside_cases(uow: UnitOfWork, clock: FakeClock, database: Path) -> None:
    cid = _receive(uow, clock)
    config = database.parent / "c.toml"
    config.write_text(f'database_url = "sqlite:///{database}"\n')
    listed = docking("deadlines", "--within", "9999d", "--format", "json", "-c", str(config))
    assert listed.returncode == 0, listed.stderr
    rows = [r for r in json.loads(listed.stdout) if r["case"] == cid]
    assert {r["kind"] for r in rows} == {"complaint"} and {r["deadline"] for r in rows} >= {"centre_target", "decision"}
    assert all(r["court_case"] == f"{DESK} FD000001" and r["status"] == "FORWARDED" for r in rows)
    table = docking("deadlines", "--within", "9999d", "--format", "csv", "-c", str(config))
    assert table.returncode == 0 and table.stdout.splitlines()[0].endswith(",rule,kind")


def test_a_forward_the_desk_never_received_is_late_and_starts_no_decision_clock(
    uow: UnitOfWork, clock: FakeClock
) -> None:
    """Queued at 10:00 but the desk unreachable: the same-day forward is overdue the next day (alerted), and the
    institution's 15 days have not started — they run from its receipt (CBIRC Order 2020 No 3)."""
    desks = DeskDirectory.of([Desk(DESK, (BANK_USCC,), memorandum())])
    ComplaintServices(uow, clock, "clerk", desks=desks).receive(complaint(complaint_id="CP-9", received_at=RECEIVED))
    clock.now = RECEIVED + timedelta(days=1)
    sweep_complaints(uow, clock, WorkCalendar(), SETTINGS)
    assert ("complaint_deadline_passed", "CP-9:forward") in _alerts(uow)
    assert all(not subject.endswith(":decision") for _, subject in _alerts(uow))
    assert deliver_all(uow, clock, FakeComplaintDesk(DESK)) == {"delivered": 1}
    rows = complaints_closing_within(uow, WorkCalendar(), SETTINGS, clock(), timedelta(days=30))
    assert "decision" in {r["deadline"] for r in rows if r["case"] == "CP-9"}
