"""Due dates for people are last days (issue 19): a period whose closing instant is "2026-12-05 00:00:00 CST" ends on
2026-12-04 — the console's partner list and record page say so, as the complaint pages and `docking deadlines` do;
the API keeps the instant `due_at` and adds `last_day`."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from api.console.views import environment
from schemas.clock import CHINA, last_day


@pytest.mark.parametrize(
    ("closes", "day"),
    [
        (datetime(2026, 12, 5, 0, 0, tzinfo=CHINA), date(2026, 12, 4)),
        (datetime(2026, 12, 4, 16, 0, tzinfo=UTC), date(2026, 12, 4)),  # the same instant, stored in UTC
        (datetime(2026, 12, 4, 16, 0), date(2026, 12, 4)),  # SQLite's zone-less UTC
        (datetime(2027, 1, 1, 0, 0, tzinfo=CHINA), date(2026, 12, 31)),  # across the year
        (datetime(2026, 12, 5, 9, 30, tzinfo=CHINA), date(2026, 12, 5)),  # an instant inside a day: that day
    ],
)
def test_last_day_of_a_closing_instant(closes: datetime, day: date) -> None:
    assert last_day(closes) == day
    assert environment().from_string("{{ t | last_day }}").render(t=closes) == day.isoformat()


@pytest.mark.parametrize("page", ["partner.html", "partners.html"])
def test_partner_pages_show_due_dates_as_last_days(page: str) -> None:
    text = (Path(__file__).parents[2] / "api" / "console" / "templates" / page).read_text()
    assert "due_at | last_day" in text and "due_at | cst" not in text
