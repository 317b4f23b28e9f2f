"""A traffic case's due dates, table-driven (partners.md §2 table): the offer answer in working days across
weekends, make-up working days and National Day 2026; the mediation period with appraisal and liability-review
pauses replayed from the history; the JC window; the insurer's 30/10-day periods of 保险法 Art 23 met, late and
overdue; a year the holiday calendar lacks (estimated).

2026 as the installed chinesecalendar has it: Mid-Autumn 09-25..27 and National Day 10-01..07 rest, 09-20 (Sun)
and 10-10 (Sat) are make-up working days. The operator's holiday file overrides it (one row below rests 10-08)."""

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from adapter.deadlines.calendar import WorkCalendar
from adapter.deadlines.compute import DueState
from adapter.deadlines.holiday_file import HolidayTable
from adapter.partners.spec import PartnerDue, PartnerRecord
from adapter.partners.traffic.deadlines import due_dates, timeline
from adapter.partners.traffic.rules import TrafficRules
from tests.support.traffic_records import partner_record
from tests.support.traffic_samples import CST

D = DueState


def at(text: str) -> datetime:
    """'09-18 10:00' in 2026, or a full 'YYYY-MM-DD HH:MM', China time."""
    full = text if len(text) > 11 else f"2026-{text}"
    return datetime.strptime(full, "%Y-%m-%d %H:%M").replace(tzinfo=CST)


def closes(day: str) -> datetime:
    """The first instant after the last day `day` (2026 unless given)."""
    full = day if len(day) > 5 else f"2026-{day}"
    return datetime.combine(date.fromisoformat(full) + timedelta(days=1), datetime.min.time(), tzinfo=CST)


def record(status: str, offered: str, facts: dict[str, Any] | None = None) -> PartnerRecord:
    return partner_record(status, {"offered_at": at(offered).isoformat(), **(facts or {})}, at(offered))


def due(found: list[PartnerDue], name: str) -> PartnerDue:
    return next(d for d in found if d.name == name)


# ---- the offer answer: 3 working days ------------------------------------------------------------------------------

OFFER_ROWS = [
    # (offered, history, status, now, last day, state)
    # Fri → the Sun make-up day counts: Sun 09-20, Mon, Tue.
    ("09-18 10:00", [("09-21 09:00", "accept")], "ACCEPTED", "09-21 09:00", "09-22", D.MET),
    ("09-18 10:00", [("09-23 09:00", "accept")], "ACCEPTED", "09-23 09:00", "09-22", D.LATE),
    # Wed before National Day: 10-01..07 rest, Thu 10-08, Fri 10-09, the Sat make-up 10-10.
    ("09-30 16:00", [], "OFFERED", "10-05 12:00", "10-10", D.OPEN),
    ("09-30 16:00", [], "OFFERED", "10-09 12:00", "10-10", D.DUE_SOON),
    ("09-30 16:00", [("10-11 08:00", "offer_overdue")], "OFFER_OVERDUE", "10-12 08:00", "10-10", D.OVERDUE),
    (
        "09-30 16:00",
        [("10-11 08:00", "offer_overdue"), ("10-12 08:00", "decline")],
        "DECLINED",
        "10-12 09:00",
        "10-10",
        D.LATE,
    ),
    # An ordinary weekend: Fri → Mon, Tue, Wed.
    ("11-27 17:30", [], "OFFERED", "11-28 09:00", "12-02", D.OPEN),
    # Taken back by the platform unanswered: nothing to chase.
    (
        "11-27 17:30",
        [("12-03 08:00", "offer_overdue"), ("12-04 08:00", "close")],
        "CLOSED",
        "12-05 09:00",
        "12-02",
        D.LAPSED,
    ),
]


@pytest.mark.parametrize(("offered", "history", "status", "now", "last_day", "state"), OFFER_ROWS)
def test_the_offer_is_answered_within_three_working_days(
    offered: str, history: list[tuple[str, str]], status: str, now: str, last_day: str, state: DueState
) -> None:
    found = due_dates(
        record(status, offered), [(at(t), e) for t, e in history], WorkCalendar(), at(now), TrafficRules()
    )
    answer = due(found, "offer_answer")
    assert (answer.counting, answer.due_at, answer.state, answer.estimated) == (
        "working",
        closes(last_day),
        state,
        False,
    )
    assert "3 working days" in answer.rule and "[P44 Art 12]" in answer.rule


def test_the_platform_period_is_a_setting() -> None:
    """5 working days from Wed 09-30: 10-08, 10-09, 10-10, 10-12, 10-13."""
    found = due_dates(
        record("OFFERED", "09-30 16:00"),
        [],
        WorkCalendar(),
        at("10-05 12:00"),
        TrafficRules(offer_answer_working_days=5),
    )
    assert due(found, "offer_answer").due_at == closes("10-13")


# ---- mediation: 30 calendar days, pauses excluded ------------------------------------------------------------------

_START = [("09-10 10:00", "accept"), ("09-10 11:00", "start_mediation")]
_APPRAISAL = [("09-25 10:00", "request_appraisal"), ("10-09 10:00", "appraisal_done")]  # 14 days, across the holiday

MEDIATION_ROWS = {
    # 09-10 + 30 = 10-10, a Saturday worked (make-up): the last day stays.
    "no_pause_ends_on_a_make_up_day": (_START, "MEDIATING", "10-01 12:00", "10-10", D.OPEN, True),
    # 14 days of appraisal across Mid-Autumn and National Day: 10-24 (Sat, rest) runs to Mon 10-26.
    "appraisal_across_the_holiday": (_START + _APPRAISAL, "MEDIATING", "10-20 12:00", "10-26", D.OPEN, True),
    "appraisal_running_pauses_the_clock": (
        _START + _APPRAISAL[:1],
        "APPRAISAL_PENDING",
        "10-05 12:00",
        None,
        D.PAUSED,
        True,
    ),
    "agreed_within_the_moved_period": (
        [*_START, *_APPRAISAL, ("10-25 15:00", "agree")],
        "AGREEMENT_EFFECTIVE",
        "10-25 16:00",
        "10-26",
        D.MET,
        True,
    ),
    "overdue_after_the_moved_period": (_START + _APPRAISAL, "MEDIATING", "10-27 00:00", "10-26", D.OVERDUE, True),
    # A review inside the appraisal makes one pause, not two: the same 14 days.
    "review_inside_the_appraisal": (
        [
            *_START,
            ("09-25 10:00", "request_appraisal"),
            ("10-01 09:00", "review_requested"),
            ("10-05 09:00", "review_closed_appraisal_open"),
            ("10-09 10:00", "appraisal_done"),
        ],
        "MEDIATING",
        "10-20 12:00",
        "10-26",
        D.OPEN,
        True,
    ),
    # A liability review alone, 09-20 → 10-05 (15 days): 09-10 + 15 + 30 = 10-25 (Sun) → Mon 10-26.
    "liability_review_pause": (
        [*_START, ("09-20 09:00", "review_requested"), ("10-05 09:00", "review_closed")],
        "MEDIATING",
        "10-20 12:00",
        "10-26",
        D.OPEN,
        True,
    ),
    # With the review not pausing (the setting off): 10-10 as without a pause.
    "review_not_pausing_when_set_off": (
        [*_START, ("09-20 09:00", "review_requested"), ("10-05 09:00", "review_closed")],
        "MEDIATING",
        "10-01 12:00",
        "10-10",
        D.OPEN,
        False,
    ),
    "terminated_during_a_pause_counts_the_pause_to_then": (
        [*_START, ("09-25 10:00", "request_appraisal"), ("10-01 10:00", "terminate")],
        "TERMINATED",
        "10-02 12:00",
        "10-16",
        D.MET,
        True,
    ),
    # Begun after the period had closed (10-10): a pause revives nothing.
    "pause_after_the_period_closed": (
        [*_START, ("10-12 10:00", "request_appraisal"), ("10-20 10:00", "appraisal_done")],
        "MEDIATING",
        "10-21 12:00",
        "10-10",
        D.OVERDUE,
        True,
    ),
}


@pytest.mark.parametrize(
    ("history", "status", "now", "last_day", "state", "review_pauses"), MEDIATION_ROWS.values(), ids=MEDIATION_ROWS
)
def test_mediation_runs_30_calendar_days_with_the_pauses_excluded(
    history: list[tuple[str, str]], status: str, now: str, last_day: str | None, state: DueState, review_pauses: bool
) -> None:
    rules = TrafficRules(review_pauses_mediation=review_pauses)
    found = due_dates(record(status, "09-09 10:00"), [(at(t), e) for t, e in history], WorkCalendar(), at(now), rules)
    mediation = due(found, "mediation")
    assert mediation.counting == "calendar" and "[P44 Arts 24, 26]" in mediation.rule
    assert mediation.state is state
    assert mediation.due_at == (closes(last_day) if last_day else None)


def test_the_holiday_file_overrides_the_package() -> None:
    """An operator's file resting 10-08 too (the brief's reading of National Day 2026): the offer answer from Wed
    09-30 runs to 10-12 (10-09, the make-up 10-10, 10-12)."""
    table = HolidayTable(years=frozenset({2026}), days={date(2026, 10, 8): ("holiday", "国庆节")})
    found = due_dates(record("OFFERED", "09-30 16:00"), [], WorkCalendar(table), at("10-05 12:00"), TrafficRules())
    assert due(found, "offer_answer").due_at == closes("10-12")


def test_timeline_skips_notes_and_moves_the_table_refuses() -> None:
    line = timeline([(at("09-10 10:00"), "offered"), (at("09-10 11:00"), "agree"), (at("09-11 10:00"), "accept")])
    assert set(line.first) == {"accept"} and line.pauses == ()


# ---- the JC window -------------------------------------------------------------------------------------------------


def test_the_jc_application_window_is_30_calendar_days_from_the_agreement() -> None:
    history = [(at(t), e) for t, e in [*_START, ("10-12 10:00", "agree")]]
    found = due_dates(
        record("AGREEMENT_EFFECTIVE", "09-09 10:00"), history, WorkCalendar(), at("11-12 00:00"), TrafficRules()
    )
    window = due(found, "jc_application")
    assert (window.counting, window.due_at, window.state) == ("calendar", closes("11-11"), D.OVERDUE)
    applied = [*history, (at("11-02 10:00"), "apply_jc")]
    found = due_dates(record("JC_APPLIED", "09-09 10:00"), applied, WorkCalendar(), at("11-12 00:00"), TrafficRules())
    assert due(found, "jc_application").state is D.MET


# ---- the insurer: assess within 30 days, pay within 10 days of agreeing (保险法 Art 23) ----------------------------

CLAIM_ROWS = {
    # requested Mon 11-02: assess by Wed 12-02.
    "assessed_in_time": (
        {"status": "agreed", "answered_at": "11-20 10:00", "agreed_at": "11-20 10:00"},
        "11-21 09:00",
        D.MET,
        "12-02",
    ),
    "assessed_late": ({"status": "refused", "answered_at": "12-03 10:00"}, "12-03 11:00", D.LATE, "12-02"),
    "assessment_overdue": ({"status": "assessing"}, "12-03 00:00", D.OVERDUE, "12-02"),
    "assessment_due_soon": ({"status": "received"}, "11-30 10:00", D.DUE_SOON, "12-02"),
    "assessment_open": ({"status": "requested"}, "11-10 10:00", D.OPEN, "12-02"),
}


@pytest.mark.parametrize(("claim", "now", "state", "last_day"), CLAIM_ROWS.values(), ids=CLAIM_ROWS)
def test_the_insurer_assesses_within_30_days(claim: dict[str, str], now: str, state: DueState, last_day: str) -> None:
    stored = {
        k: at(v).isoformat() if k.endswith("_at") else v for k, v in {**claim, "requested_at": "11-02 10:00"}.items()
    }
    found = due_dates(
        record("CLAIM_ASSESSING", "09-01 10:00", {"claims": {"C1": stored}}),
        [],
        WorkCalendar(),
        at(now),
        TrafficRules(),
    )
    assess = due(found, "claim_assess:C1")
    assert (assess.counting, assess.due_at, assess.state) == ("calendar", closes(last_day), state)
    assert "保险法 Art 23" in assess.rule and "30 calendar days" in assess.rule


PAY_ROWS = {
    # agreed Fri 11-20: pay by Mon 11-30.
    "paid_in_time": ({"status": "paid", "paid_at": "11-27 10:00"}, "11-28 09:00", D.MET, "11-30"),
    "paid_late": ({"status": "paid", "paid_at": "12-01 10:00"}, "12-01 11:00", D.LATE, "11-30"),
    "part_paid_late": ({"status": "part_paid", "paid_at": "12-04 10:00"}, "12-04 11:00", D.LATE, "11-30"),
    "payment_overdue": ({"status": "agreed"}, "12-01 00:00", D.OVERDUE, "11-30"),
    # agreed 09-28: 10-08 is a working day (the package), the last day stays.
    "across_national_day": ({"status": "agreed", "agreed_at": "09-28 10:00"}, "10-05 10:00", D.OPEN, "10-08"),
}


@pytest.mark.parametrize(("claim", "now", "state", "last_day"), PAY_ROWS.values(), ids=PAY_ROWS)
def test_the_insurer_pays_within_10_days_of_agreeing(
    claim: dict[str, str], now: str, state: DueState, last_day: str
) -> None:
    base = {"requested_at": "09-01 10:00", "answered_at": "09-02 10:00", "agreed_at": "11-20 10:00"}
    stored = {k: at(v).isoformat() if k.endswith("_at") else v for k, v in {**base, **claim}.items()}
    found = due_dates(
        record("CLAIM_AGREED", "08-01 10:00", {"claims": {"C1": stored}}), [], WorkCalendar(), at(now), TrafficRules()
    )
    pay = due(found, "claim_pay:C1")
    assert (pay.counting, pay.due_at, pay.state) == ("calendar", closes(last_day), state)
    assert "10 calendar days of agreeing" in pay.rule


# ---- a year without holiday data -----------------------------------------------------------------------------------


def test_a_year_without_holiday_data_is_estimated() -> None:
    """2027 is in neither the package nor a file: weekends only, every date marked estimated."""
    claim = {"status": "requested", "requested_at": at("2027-03-01 10:00").isoformat()}
    found = due_dates(
        record("CLAIM_REQUESTED", "2027-02-01 10:00", {"claims": {"C1": claim}}),
        [],
        WorkCalendar(),
        at("2027-03-02 10:00"),
        TrafficRules(),
    )
    offer, assess = due(found, "offer_answer"), due(found, "claim_assess:C1")
    assert offer.estimated and offer.due_at == closes("2027-02-04")
    assert assess.estimated and assess.due_at == closes("2027-03-31")
