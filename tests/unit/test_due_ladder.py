"""The one due-state ladder (adapter/deadlines/compute.py classify): every state and every boundary, as a table.

The due date below: a period whose last day is Mon 1 June 2026 (China time), so `due_at` is midnight CST after it.
"""

from datetime import UTC, datetime, timedelta

import pytest

from adapter.deadlines.compute import DueState, classify
from schemas.clock import CHINA

DUE = datetime(2026, 6, 2, tzinfo=CHINA)  # Deadline.closes_at: the first instant after the last day
TICK = timedelta(microseconds=1)
DAYS3 = timedelta(days=3)  # a case's warn_within_days: the period's last 3 calendar days (from 30 May 00:00 CST)
HOURS24 = timedelta(hours=24)  # the partners' sweep's due_soon_hours
BEFORE = DUE - timedelta(days=10)  # long before: open
M, L, LA, OD, DS, OP = DueState.MET, DueState.LATE, DueState.LAPSED, DueState.OVERDUE, DueState.DUE_SOON, DueState.OPEN

# (why, met_at, binds, now, soon, duty, running, expected)
CASES: list[tuple[str, datetime | None, bool, datetime, timedelta, bool, bool, DueState]] = [
    # met: before due_at is met, at or after it late — whatever else holds
    ("met a tick before due_at", DUE - TICK, True, DUE + DAYS3, DAYS3, True, True, M),
    ("met exactly at due_at is late", DUE, True, DUE + DAYS3, DAYS3, True, True, L),
    ("met after due_at", DUE + timedelta(hours=1), True, DUE + DAYS3, DAYS3, True, True, L),
    ("met, then the duty stopped binding", DUE - TICK, False, DUE + DAYS3, DAYS3, True, True, M),
    ("met late, no longer binding", DUE + TICK, False, DUE + DAYS3, DAYS3, True, True, L),
    ("met while the clock stands still", DUE - TICK, True, BEFORE, DAYS3, True, False, M),
    ("a party's window used in time", DUE - TICK, True, DUE + DAYS3, DAYS3, False, True, M),
    ("a party's window used after it closed", DUE, True, DUE + DAYS3, DAYS3, False, True, L),
    ("met in UTC at the CST instant of due_at", DUE.astimezone(UTC), True, BEFORE, DAYS3, True, True, L),
    (
        "met zone-less (UTC, as SQLite) 23:59:59 CST",
        datetime(2026, 6, 1, 15, 59, 59),
        True,
        BEFORE,
        DAYS3,
        True,
        True,
        M,
    ),
    ("met zone-less (UTC) at midnight CST", datetime(2026, 6, 1, 16, 0), True, BEFORE, DAYS3, True, True, L),
    # lapsed: unmet and no longer binding, before or after due_at, running or not, duty or window
    ("no longer binds, before due_at", None, False, BEFORE, DAYS3, True, True, LA),
    ("no longer binds, past due_at", None, False, DUE + DAYS3, DAYS3, True, True, LA),
    ("no longer binds, clock stopped", None, False, DUE + DAYS3, DAYS3, True, False, LA),
    ("a window no longer binding", None, False, BEFORE, DAYS3, False, True, LA),
    # a stopped clock: open however near or past due_at
    ("stopped, within the margin", None, True, DUE - TICK, DAYS3, True, False, OP),
    ("stopped, past due_at", None, True, DUE + DAYS3, DAYS3, True, False, OP),
    # a party's window: open until due_at, then lapsed — never due soon, never overdue
    ("a window inside the margin", None, True, DUE - TICK, DAYS3, False, True, OP),
    ("a window at due_at", None, True, DUE, DAYS3, False, True, LA),
    ("a window past due_at", None, True, DUE + DAYS3, DAYS3, False, True, LA),
    # overdue from due_at exactly
    ("at due_at exactly", None, True, DUE, DAYS3, True, True, OD),
    ("past due_at", None, True, DUE + DAYS3, DAYS3, True, True, OD),
    ("at due_at in UTC", None, True, DUE.astimezone(UTC), DAYS3, True, True, OD),
    ("at due_at zone-less (UTC)", None, True, datetime(2026, 6, 1, 16, 0), DAYS3, True, True, OD),
    # due soon: from `soon` before due_at (inclusive) to a tick before it
    ("a tick before due_at", None, True, DUE - TICK, DAYS3, True, True, DS),
    ("exactly 3 days before (30 May 00:00 CST)", None, True, DUE - DAYS3, DAYS3, True, True, DS),
    ("a tick before the 3-day margin", None, True, DUE - DAYS3 - TICK, DAYS3, True, True, OP),
    ("exactly 24 hours before, hours margin", None, True, DUE - HOURS24, HOURS24, True, True, DS),
    ("a tick before the 24-hour margin", None, True, DUE - HOURS24 - TICK, HOURS24, True, True, OP),
    ("zero margin: never due soon", None, True, DUE - TICK, timedelta(0), True, True, OP),
    ("zero margin, at due_at", None, True, DUE, timedelta(0), True, True, OD),
    ("zone-less now inside the margin", None, True, datetime(2026, 6, 1, 15, 59), DAYS3, True, True, DS),
    # open
    ("long before due_at", None, True, BEFORE, DAYS3, True, True, OP),
]


@pytest.mark.parametrize(
    ("met_at", "binds", "now", "soon", "duty", "running", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_ladder(
    met_at: datetime | None,
    binds: bool,
    now: datetime,
    soon: timedelta,
    duty: bool,
    running: bool,
    expected: DueState,
) -> None:
    assert classify(DUE, met_at, binds, now, soon, duty=duty, running=running) is expected


def test_the_table_reaches_every_state_but_paused() -> None:
    # PAUSED has no due date: the callers with a pause (traffic, complaints) say it themselves
    assert {case[-1] for case in CASES} == set(DueState) - {DueState.PAUSED}


def test_a_zone_less_due_at_is_read_as_utc() -> None:
    naive_due = datetime(2026, 6, 1, 16, 0)  # = DUE
    assert classify(naive_due, None, True, DUE - TICK, DAYS3) is DueState.DUE_SOON
    assert classify(naive_due, None, True, DUE, DAYS3) is DueState.OVERDUE
