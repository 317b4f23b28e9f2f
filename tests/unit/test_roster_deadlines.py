"""The roster's due dates, table-driven (partners.md §4 "Deadlines", settings with the suggested defaults): a term
expiring (alert 30 calendar days before, across month ends and a holiday, which does not move a term's end), a
registration within 10 working days of closing across the Spring Festival 2026 holiday (15–23 Feb, make-up working
days 14 and 28 Feb), a roster change synced within 5 working days (across National Day 2026, make-up 10 Oct), and
the certification alert. Expected days counted by hand from the 2026 holiday notice, not by the calendar."""

from datetime import UTC, date, datetime, timedelta

import pytest

from adapter.deadlines.calendar import WorkCalendar
from adapter.deadlines.compute import DueState
from adapter.partners.roster.inbound import on_message
from adapter.partners.roster.rules import RosterRules
from adapter.partners.roster.spec import ROSTER
from adapter.partners.spec import PartnerDue, PartnerRecord
from schemas.clock import CHINA
from schemas.partner import PartnerEnvelope
from tests.support.roster_samples import applied, mediator, mediator_record, org_record, registration_record

CAL = WorkCalendar()
MINUTE = timedelta(minutes=1)
RULES = RosterRules()


def cst(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CHINA)


def due(record: PartnerRecord, name: str, now: datetime, rules: RosterRules = RULES) -> PartnerDue:
    (found,) = [d for d in ROSTER.due_dates(record, [], CAL, now, rules) if d.name == name]
    return found


def midnight_after(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=CHINA) + timedelta(days=1)


# ---- term end: calendar dates; due_soon from 30 days before the end of term_to ------------------------------------

TERMS = [
    # (term_to, now, state) — the alert window opens 30 calendar days before the first instant after term_to
    ("2026-03-01", "2026-01-30T23:59:59", DueState.OPEN),  # Mar 2 00:00 − 30 days = Jan 31 00:00 (February: 28)
    ("2026-03-01", "2026-01-31T00:00:00", DueState.DUE_SOON),
    ("2026-03-01", "2026-03-01T23:59:59", DueState.DUE_SOON),  # the last day of the term still counts
    ("2026-03-01", "2026-03-02T00:00:00", DueState.OVERDUE),  # past it: the entry should go EXPIRED
    ("2026-12-31", "2026-12-01T23:59:59", DueState.OPEN),  # Jan 1 00:00 (next year) − 30 days = Dec 2 00:00
    ("2026-12-31", "2026-12-02T00:00:00", DueState.DUE_SOON),
    # A term ending in the National Day holiday (1–7 Oct) ends on its day: a term of office is not moved by rest days.
    ("2026-10-03", "2026-10-04T00:00:00", DueState.OVERDUE),
    ("2026-10-03", "2026-09-03T23:59:59", DueState.OPEN),  # Oct 4 − 30 days = Sep 4
    ("2026-10-03", "2026-09-04T00:00:00", DueState.DUE_SOON),
]


@pytest.mark.parametrize(("term_to", "now", "state"), TERMS)
def test_a_term_is_due_soon_30_days_before_it_ends_and_overdue_after(term_to: str, now: str, state: DueState) -> None:
    record = mediator_record("ACTIVE", mediator(1, term_from=date(2025, 1, 1), term_to=date.fromisoformat(term_to)))
    found = due(record, "term_end", cst(now))
    assert found.state is state
    assert found.due_at == midnight_after(term_to) and found.counting == "calendar"
    assert "30 calendar days" in found.rule


@pytest.mark.parametrize(
    ("status", "state"),
    [("EXPIRED", DueState.LAPSED), ("RETIRED", DueState.LAPSED), ("SUSPENDED", DueState.OVERDUE)],
)
def test_an_expired_or_retired_entry_has_no_term_left_to_watch(status: str, state: DueState) -> None:
    record = mediator_record(status, mediator(1, term_from=date(2025, 1, 1), term_to=date(2026, 3, 1)))
    assert due(record, "term_end", cst("2026-03-05T09:00")).state is state


def test_the_alert_window_is_a_setting() -> None:
    record = mediator_record("ACTIVE", mediator(1, term_from=date(2025, 1, 1), term_to=date(2026, 3, 1)))
    assert due(record, "term_end", cst("2026-02-10T09:00"), RosterRules(term_alert_days=10)).state is DueState.OPEN
    assert due(record, "term_end", cst("2026-02-20T09:00"), RosterRules(term_alert_days=10)).state is DueState.DUE_SOON


# ---- registration: 10 working days from the China-time day the case closed ----------------------------------------

REGISTRATIONS = [
    # (closed_at, last day) — working days counted by hand over the 2026 Spring Festival notice
    ("2026-02-12T17:00:00+08:00", "2026-03-04"),  # 13, 14*, 24, 25, 26, 27, 28*, Mar 2, 3, 4 (* make-up Saturdays)
    ("2026-02-06T10:00:00+08:00", "2026-02-27"),  # 9, 10, 11, 12, 13, 14*, 24, 25, 26, 27
    ("2026-02-16T10:00:00+08:00", "2026-03-06"),  # closed in the holiday: 24, 25, 26, 27, 28*, Mar 2–6
    ("2026-02-12T16:30:00+00:00", "2026-03-05"),  # 00:30 CST on the 13th: counted from the 13th
]


@pytest.mark.parametrize(("closed_at", "last_day"), REGISTRATIONS)
def test_a_closed_case_is_registered_within_10_working_days_across_the_spring_festival(
    closed_at: str, last_day: str
) -> None:
    closed = datetime.fromisoformat(closed_at)
    record = registration_record("PENDING", closed_at=closed)
    closes = midnight_after(last_day)
    found = due(record, "registration", closes - MINUTE)
    assert found.due_at == closes and found.counting == "working" and "10 working days" in found.rule
    assert found.state is DueState.DUE_SOON  # a minute before it closes
    assert due(record, "registration", closes).state is DueState.OVERDUE
    assert due(record, "registration", closed).state is DueState.OPEN


@pytest.mark.parametrize(
    ("status", "registered_at", "state"),
    [
        ("REGISTERED", "2026-03-04T23:59:00+08:00", DueState.MET),
        ("REGISTERED", "2026-03-05T00:00:00+08:00", DueState.LATE),
        ("REGISTRATION_REJECTED", None, DueState.OVERDUE),  # refused: still ours to register
        ("PENDING", None, DueState.OVERDUE),
    ],
)
def test_a_registration_is_met_when_the_platform_registers_it(
    status: str, registered_at: str | None, state: DueState
) -> None:
    record = registration_record(status, closed_at=cst("2026-02-12T17:00"), registered_at=registered_at)
    assert due(record, "registration", cst("2026-03-10T09:00")).state is state


# ---- sync: 5 working days from the change to its sending ----------------------------------------------------------

SYNCS = [
    # (changed_at, last day)
    ("2026-03-02T09:00:00+08:00", "2026-03-09"),  # 3, 4, 5, 6, 9
    ("2026-09-30T18:00:00+08:00", "2026-10-13"),  # National Day: Oct 8, 9, 10*, 12, 13
    ("2026-02-13T12:00:00+08:00", "2026-02-27"),  # 14*, 24, 25, 26, 27
]


@pytest.mark.parametrize(("changed_at", "last_day"), SYNCS)
def test_a_roster_change_is_synced_within_5_working_days(changed_at: str, last_day: str) -> None:
    closes = midnight_after(last_day)
    draft = mediator_record("DRAFT", changed_at=changed_at)
    found = due(draft, "sync", datetime.fromisoformat(changed_at))
    assert found.due_at == closes and found.state is DueState.OPEN and found.counting == "working"
    assert due(draft, "sync", closes).state is DueState.OVERDUE
    sent_in_time = mediator_record("SUBMITTED", changed_at=changed_at, sent_at=(closes - MINUTE).isoformat())
    assert due(sent_in_time, "sync", closes).state is DueState.MET
    sent_late = mediator_record("ACTIVE", changed_at=changed_at, sent_at=closes.isoformat())
    assert due(sent_late, "sync", closes).state is DueState.LATE


def test_a_change_after_the_last_sending_restarts_the_clock_and_a_discarded_draft_has_none() -> None:
    record = org_record("ACTIVE", changed_at="2026-03-05T09:00:00+08:00", sent_at="2026-03-02T09:00:00+08:00")
    assert due(record, "sync", cst("2026-03-16T09:00")).state is DueState.OVERDUE
    retired = org_record("RETIRED", changed_at=None)
    assert [d.name for d in ROSTER.due_dates(retired, [], CAL, cst("2026-03-16T09:00"), RULES)] == []


# ---- certification: an alert when the platform has not answered -----------------------------------------------------


def test_certification_is_chased_after_the_configured_working_days() -> None:
    rules = RosterRules(certification_alert_working_days=3)
    submitted = {"submitted_at": "2026-03-02T09:00:00+08:00", "sent_at": "2026-03-02T09:00:00+08:00"}
    waiting = org_record("SUBMITTED", **submitted)
    found = due(waiting, "certification", cst("2026-03-06T09:00"), rules)
    assert found.state is DueState.OVERDUE and found.due_at == midnight_after("2026-03-05")
    answered = org_record("CERTIFIED", **submitted, answered_at="2026-03-04T10:00:00+08:00")
    assert due(answered, "certification", cst("2026-03-06T09:00"), rules).state is DueState.MET


def test_statistics_have_no_due_dates() -> None:
    envelope = PartnerEnvelope(
        message_id="m1", kind="roster", partner="spc", type="stats.snapshot", sent_at=datetime(2026, 3, 1, tzinfo=UTC),
        body={"month": "2026-02", "counts": {"mediators": 3}, "taken_at": "2026-03-01T08:00:00+08:00"},
    )  # fmt: skip
    record = applied(on_message(None, envelope, datetime(2026, 3, 1, tzinfo=UTC), RULES), status="RECORDED")
    assert ROSTER.due_dates(record, [], CAL, cst("2026-03-02T09:00"), RULES) == []
