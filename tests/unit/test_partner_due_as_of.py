"""The partners' deadline sweep's ladder (adapter/partners/sweep.py `_as_of`, `alerting`): a duty goes due soon
within the sweep's 24 hours (or the kind's own wider margin) and overdue from its close, and is alerted; a party's
own window (PartnerDue.duty False — an award's correction or set-aside [P21 Arts 56, 59]) stays open until it
closes, then lapses: never due soon, never overdue, never alerted — whatever the kind said.

The due date below: a period whose last day is Mon 1 June 2026 (China time), so `due_at` is midnight CST after it.
"""

from datetime import datetime, timedelta

import pytest

from adapter.deadlines.calendar import WorkCalendar
from adapter.deadlines.compute import DueState
from adapter.partners.arbitration.deadlines import due_dates
from adapter.partners.arbitration.facts import dump
from adapter.partners.arbitration.rules import CommissionRules
from adapter.partners.spec import PartnerDue
from adapter.partners.sweep import _as_of, alerting
from schemas.clock import CHINA
from tests.support.arb_samples import digest, record

DUE = datetime(2026, 6, 2, tzinfo=CHINA)
SOON = timedelta(hours=24)  # the sweep's default due_soon_hours
H = timedelta(hours=1)
OP, DS, OD, LA, M, L = DueState.OPEN, DueState.DUE_SOON, DueState.OVERDUE, DueState.LAPSED, DueState.MET, DueState.LATE
DUTY, WINDOW = True, False

# (why, duty, the kind's state, now, the sweep's state, alerted)
CASES: list[tuple[str, bool, DueState, datetime, DueState, bool]] = [
    # before the sweep's margin
    ("duty, 48 h before", DUTY, OP, DUE - 48 * H, OP, False),
    ("window, 48 h before", WINDOW, OP, DUE - 48 * H, OP, False),
    ("duty the kind says due soon (its days margin), 48 h before", DUTY, DS, DUE - 48 * H, DS, True),
    ("window a kind mislabelled due soon, 48 h before", WINDOW, DS, DUE - 48 * H, OP, False),
    # within the sweep's margin: 24 h before (inclusive) to a tick before the close
    ("duty, exactly 24 h before", DUTY, OP, DUE - SOON, DS, True),
    ("window, exactly 24 h before", WINDOW, OP, DUE - SOON, OP, False),
    ("duty, 1 h before", DUTY, OP, DUE - H, DS, True),
    ("window, 1 h before (the defect: was due soon and alerted)", WINDOW, OP, DUE - H, OP, False),
    ("window a kind mislabelled due soon, 1 h before", WINDOW, DS, DUE - H, OP, False),
    # at the close exactly
    ("duty at the close, the kind still open", DUTY, OP, DUE, OD, True),
    ("duty at the close", DUTY, OD, DUE, OD, True),
    ("window at the close, the kind still open", WINDOW, OP, DUE, LA, False),
    ("window a kind mislabelled overdue, at the close", WINDOW, OD, DUE, LA, False),
    ("window at the close, lapsed by the kind", WINDOW, LA, DUE, LA, False),
    # after the close
    ("duty a day after", DUTY, OD, DUE + 24 * H, OD, True),
    ("window a day after, the kind still open", WINDOW, OP, DUE + 24 * H, LA, False),
    ("window a day after", WINDOW, LA, DUE + 24 * H, LA, False),
    # not live: as the kind said
    ("duty met", DUTY, M, DUE + 24 * H, M, False),
    ("window used late", WINDOW, L, DUE + 24 * H, L, False),
    ("duty lapsed (the record moved on)", DUTY, LA, DUE - H, LA, False),
]


@pytest.mark.parametrize(
    ("duty", "said", "now", "expected", "alerted"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_the_sweep_ladders_a_duty_and_leaves_a_window_open_then_lapsed(
    duty: bool, said: DueState, now: datetime, expected: DueState, alerted: bool
) -> None:
    due = PartnerDue("x", "a rule (calendar days)", "calendar", said, DUE, None, False, duty=duty)
    swept = _as_of(due, now, SOON)
    assert (swept.state, alerting(swept)) == (expected, alerted)
    assert (swept.name, swept.due_at, swept.duty) == ("x", DUE, duty)  # only the state moves


def test_the_table_covers_duty_and_window_at_every_moment() -> None:
    moments = {(c[1], c[3] - DUE) for c in CASES}
    for duty in (DUTY, WINDOW):
        assert {(duty, -48 * H), (duty, -SOON), (duty, -H), (duty, timedelta(0)), (duty, 24 * H)} <= moments


@pytest.mark.parametrize("duty", [DUTY, WINDOW])
def test_a_paused_clock_is_left_alone(duty: bool) -> None:
    paused = PartnerDue("mediation", "r", "calendar", DueState.PAUSED, None, duty=duty)
    assert _as_of(paused, DUE, SOON) == paused and not alerting(paused)


def _award(received: datetime, status: str, now: datetime) -> dict[str, PartnerDue]:
    instrument = {"kind": "award", "number": "(2026)穗仲案字第1号", "issued_at": received.isoformat(), "pdf": digest(9)}
    facts = dump(instrument=instrument, effective_at=received, served={"A1": received})
    if status == "SET_ASIDE_PENDING":
        facts |= dump(set_aside={"filed_at": (received + timedelta(days=40)).isoformat()})
    found = due_dates(record(status, facts), [], WorkCalendar(), now, CommissionRules())
    return {d.name: _as_of(d, now, SOON) for d in found}


def test_an_awards_correction_window_in_its_last_hours_is_open_and_unalerted_then_lapses() -> None:
    """The arbitration kind marks correction and set-aside as windows: on the correction window's last evening
    (30 calendar days from receipt on Mon 4 May 2026: last day Wed 3 June) the sweep leaves it open, unalerted."""
    received = datetime(2026, 5, 4, 10, tzinfo=CHINA)
    last_evening = datetime(2026, 6, 3, 20, tzinfo=CHINA)
    dues = _award(received, "EFFECTIVE", last_evening)
    correction = dues["correction"]
    assert correction.due_at == datetime(2026, 6, 4, tzinfo=CHINA) and not correction.duty
    assert correction.state is DueState.OPEN and not alerting(correction)
    assert not dues["set_aside"].duty and dues["set_aside"].state is DueState.OPEN
    after = _award(received, "EFFECTIVE", datetime(2026, 6, 4, 0, 0, tzinfo=CHINA))["correction"]
    assert after.state is DueState.LAPSED and not alerting(after)


def test_only_the_parties_windows_are_windows_in_arbitration() -> None:
    received = datetime(2026, 5, 4, 10, tzinfo=CHINA)
    dues = _award(received, "SET_ASIDE_PENDING", datetime(2026, 8, 1, tzinfo=CHINA))
    assert {name: d.duty for name, d in dues.items()} == {
        "correction": False,
        "set_aside": False,
        "set_aside_ruling": True,  # the court's duty [P21 Art 60]: due soon, overdue, alerted
    }
