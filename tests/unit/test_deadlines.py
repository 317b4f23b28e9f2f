"""Day-counted deadlines roll past weekends and statutory holidays, and honour make-up working days (调休)."""

import logging
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from adapter.deadlines import Deadline, WorkCalendar, china_date
from schemas.clock import CHINA


def calendar_period(start: datetime, days: int, calendar: WorkCalendar | None = None) -> Deadline:
    """A `days`-day period from `start`, on the package calendar alone unless one is given."""
    return (calendar or WorkCalendar()).calendar_days(china_date(start), days)


@pytest.mark.parametrize(
    ("effective", "days", "last_day"),
    [
        # 2026-04-01 is a Wednesday: no roll-over.
        (datetime(2026, 3, 2, 9, 0, tzinfo=CHINA), 30, date(2026, 4, 1)),
        # Day 30 is National Day 2025 (10-01…10-08 off): the window runs to Thursday 10-09.
        (datetime(2025, 9, 1, 15, 0, tzinfo=CHINA), 30, date(2025, 10, 9)),
        # Day 30 is Spring Festival 2026 (02-15…02-23 off): the window runs to Tuesday 02-24.
        (datetime(2026, 1, 16, 10, 0, tzinfo=CHINA), 30, date(2026, 2, 24)),
        # Day 30 is Sunday 2026-02-01, an ordinary weekend: Monday 02-02.
        (datetime(2026, 1, 2, 10, 0, tzinfo=CHINA), 30, date(2026, 2, 2)),
        # Day 30 is Saturday 2025-10-11, a make-up working day (调休): no roll-over.
        (datetime(2025, 9, 11, 10, 0, tzinfo=CHINA), 30, date(2025, 10, 11)),
        # Counted in China time: 20:00 UTC on 03-01 is already 03-02 in Beijing.
        (datetime(2026, 3, 1, 20, 0, tzinfo=UTC), 30, date(2026, 4, 1)),
    ],
)
def test_period_end_rolls_past_rest_days(effective: datetime, days: int, last_day: date) -> None:
    """A period ending on a rest day runs to the next working day [S3 Art 85]."""
    deadline = calendar_period(effective, days)
    assert deadline.last_day == last_day and not deadline.estimated
    assert deadline.closes_at == datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=CHINA)


def test_a_year_without_calendar_data_is_estimated_and_said_loudly(caplog: pytest.LogCaptureFixture) -> None:
    """Beyond the calendar's years weekends still roll over; the deadline is marked estimated, the year named."""
    with caplog.at_level(logging.WARNING, logger="docking.deadlines"):
        deadline = calendar_period(datetime(2029, 12, 2, 10, 0, tzinfo=CHINA), 30)  # day 30: Tuesday 2030-01-01
    assert deadline.estimated
    assert deadline.last_day == date(2030, 1, 1)
    assert "2030" in caplog.text


def test_a_period_honours_the_operator_calendar_when_given_one() -> None:
    """With the operator's 2027 file, 30 days from 2027-01-11 end on sample holiday 02-10 and run to Mon 02-15."""
    calendar = WorkCalendar.from_file(Path(__file__).parent.parent / "data" / "holidays-2027.toml")
    deadline = calendar_period(datetime(2027, 1, 11, 10, 0, tzinfo=CHINA), 30, calendar)
    assert (deadline.last_day, deadline.estimated) == (date(2027, 2, 15), False)
    guessed = calendar_period(datetime(2027, 1, 11, 10, 0, tzinfo=CHINA), 30)  # without it: a guessed Wednesday
    assert (guessed.last_day, guessed.estimated) == (date(2027, 2, 10), True)
