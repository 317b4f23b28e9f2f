"""The JC window is decided by the one deadline engine: the use case refuses exactly when the sweep and
`docking deadlines` say the window has closed — holiday file and per-court `jc_application_days` included. On
SQLite: the sweep lists open cases from the tables (tests/unit/test_jc_window.py has the use case alone)."""

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from adapter.deadlines import DeadlineKind, DeadlinePolicy, Deadlines, DueState, Periods, WorkCalendar
from adapter.deadlines.sweep import open_case_deadlines
from adapter.errors import InvalidRequest
from adapter.persistence.case_store import SqlCaseStore
from adapter.persistence.engine import UnitOfWork
from adapter.services import CentreServices
from adapter.states import CaseStatus
from adapter.testing import FakeClock
from schemas.clock import CHINA
from tests.support import samples

HOLIDAYS_2027 = WorkCalendar.from_file(Path(__file__).parent.parent / "data" / "holidays-2027.toml")
STATUTORY = DeadlinePolicy()
GZ_20_DAYS = DeadlinePolicy(courts={"粤01": Periods(jc_application_days=20)})  # the sample case is 粤0104's
BJ_20_DAYS = DeadlinePolicy(courts={"京": Periods(jc_application_days=20)})


def _at(day: str, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=CHINA)


@pytest.mark.parametrize(
    ("policy", "calendar", "effective", "apply_at", "last_day"),
    [
        # 30 days from 2027-01-11 end on sample holiday 02-10; the holiday file runs the window to Monday 02-15,
        # where the package alone (no 2027 data) would have closed it on the 10th.
        (STATUTORY, HOLIDAYS_2027, _at("2027-01-11"), _at("2027-02-11", 12), "2027-02-15"),
        (STATUTORY, HOLIDAYS_2027, _at("2027-01-11"), _at("2027-02-15", 23, 30), "2027-02-15"),
        (STATUTORY, HOLIDAYS_2027, _at("2027-01-11"), _at("2027-02-16", 0, 30), "2027-02-15"),
        # A court's own window (粤01 prefix covers 粤0104): 20 days from 2026-03-02 end Sunday 03-22 → Monday 03-23.
        (GZ_20_DAYS, WorkCalendar(), _at("2026-03-02", 9), _at("2026-03-23", 20), "2026-03-23"),
        (GZ_20_DAYS, WorkCalendar(), _at("2026-03-02", 9), _at("2026-03-24", 9), "2026-03-23"),
        # Another court's override does not touch this case: the statutory 30 days, to Wednesday 04-01.
        (BJ_20_DAYS, WorkCalendar(), _at("2026-03-02", 9), _at("2026-03-24", 9), "2026-04-01"),
        (STATUTORY, WorkCalendar(), _at("2026-03-02", 9), _at("2026-04-02", 9), "2026-04-01"),
    ],
)
def test_the_use_case_and_the_sweep_agree_on_the_jc_window(
    uow: UnitOfWork,
    policy: DeadlinePolicy,
    calendar: WorkCalendar,
    effective: datetime,
    apply_at: datetime,
    last_day: str,
) -> None:
    """apply_jc is refused, naming the last day, exactly when the sweep's engine shows the window overdue."""
    engine = Deadlines(policy, calendar)
    clock = FakeClock(effective - timedelta(days=2))
    store = SqlCaseStore(uow)
    services = CentreServices(store, clock, deadlines=engine)
    case_id = samples.settled_case(store, services, clock, effective)

    clock.now = apply_at
    [seen] = [item for item in open_case_deadlines(uow, engine, apply_at) if item.case.id == case_id]
    [window] = [d for d in seen.due if d.kind is DeadlineKind.JC_APPLICATION]
    assert window.due.last_day.isoformat() == last_day
    if window.state is DueState.OVERDUE:
        with pytest.raises(InvalidRequest, match=f"closed at the end of {last_day}"):
            services.apply_jc(case_id, "张三", "某某银行股份有限公司")
        assert apply_at.date().isoformat() > last_day
    else:
        assert services.apply_jc(case_id, "张三", "某某银行股份有限公司") is CaseStatus.JC_APPLIED
        assert apply_at.date().isoformat() <= last_day
