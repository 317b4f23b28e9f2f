"""An arbitration record's due dates (partners.md §3 table), all counted in **calendar days** (or calendar months)
as the civil procedure counts them (domain.md §3): counting starts the day after the clock's start; a last day on a
rest day runs to the next working day [S3 Art 85]; a month period ends on the same day number of the last month, or
its last day when it has none (民法典 Arts 201–203). Pure: record facts, calendar, rules and `now` in.

| name              | period (rules default)          | clock starts                       | binds while               |
|-------------------|---------------------------------|------------------------------------|---------------------------|
| acceptance        | 5 days                          | the commission's receipt           | SUBMITTED  [P21 Art 24]   |
| fee_payment       | the notice's last day, or 7 days| acceptance                         | ACCEPTED                  |
| arbitrator_choice | 5 days (per commission)         | the acceptance notice              | ACCEPTED, FEE_PAID  [P25] |
| correction        | 30 days — a party's window      | receipt of the award               | in effect  [P21 Art 56]   |
| set_aside         | 6 months — a party's window     | receipt of the award               | in effect  [P21 Art 59]   |
| set_aside_ruling  | 2 months                        | the filing                         | SET_ASIDE_PENDING [Art 60]|
| entrusted_result  | the commission's `due`, if set  | the entrustment                    | ENTRUSTED, MEDIATING      |

A party's window (correction, set-aside) is open until it closes, then lapsed — never due soon or overdue: nobody's
duty (PartnerDue.duty False, so the deadline sweep never alerts on it, adapter/partners/sweep.py). Both
are remedies against an award (裁决书, Arts 56, 58–59) only: a 调解书 has neither.
A 调解书 takes effect when the **last** party signs for it [P21 Arts 51–52]: `statement_effective_at`.
"""

import calendar as months
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta

from adapter.deadlines.calendar import Deadline, WorkCalendar, china_date
from adapter.deadlines.compute import classify
from adapter.partners.arbitration.facts import read
from adapter.partners.arbitration.rules import CommissionRules
from adapter.partners.arbitration.states import ArbEvent, ArbStatus
from adapter.partners.spec import PartnerDue, PartnerRecord
from schemas.clock import from_db

S = ArbStatus
_IN_EFFECT = frozenset({S.EFFECTIVE, S.AWARD_ISSUED})
_AFTER_EFFECT = _IN_EFFECT | {S.SET_ASIDE_PENDING, S.UPHELD, S.SET_ASIDE, S.CLOSED}
WINDOWS = frozenset({"correction", "set_aside"})  # a party's right, not a duty: lapsed, never overdue


def statement_effective_at(parties: Sequence[str], served: Mapping[str, datetime]) -> datetime | None:
    """When a 调解书 takes effect: the last party's signature, once every party in `parties` signed for it; None
    while any has not [P21 Arts 51–52]."""
    if not parties or any(p not in served for p in parties):
        return None
    return max(from_db(served[p]) for p in parties)


def add_months(day: date, n: int) -> date:
    """The same day number `n` months on, or that month's last day (民法典 Art 203)."""
    month0 = day.month - 1 + n
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, months.monthrange(year, month)[1]))


def month_period(calendar: WorkCalendar, start: date, n: int) -> Deadline:
    """An n-month period from `start`, its last day moved off a rest day [S3 Art 85]."""
    return calendar.next_working_day(add_months(start, n))


def due_dates(
    record: PartnerRecord,
    history: Sequence[tuple[datetime, str]],
    calendar: WorkCalendar,
    now: datetime,
    rules: CommissionRules,
) -> list[PartnerDue]:
    """The record's due dates now, in the table's order; those whose clock has not started are left out."""
    facts, status = read(record.facts), S(record.status)
    submitted = facts.submitted_at or next((at for at, e in history if e == ArbEvent.SUBMIT), None)
    dues: list[PartnerDue] = []

    def add(name: str, rule: str, due: Deadline, done: datetime | None, binds: bool) -> None:
        duty = name not in WINDOWS
        state = classify(due.closes_at, done, binds, now, timedelta(days=rules.warn_within_days), duty=duty)
        dues.append(PartnerDue(name, rule, "calendar", state, due.closes_at, done, due.estimated, duty=duty))

    received = facts.received_at or submitted
    if received is not None:
        done = facts.accepted_at or (facts.refused.refused_at if facts.refused else None)
        days = rules.acceptance_days
        rule = f"accept or refuse within {days} calendar days of receipt ({rules.cite('acceptance', received)})"
        due = calendar.calendar_days(china_date(received), days)
        add("acceptance", rule, due, done, status is S.SUBMITTED)
    if facts.accepted_at is not None:
        accepted = china_date(facts.accepted_at)
        last = facts.fee_notice.due if facts.fee_notice else None
        if last is not None:
            rule, due = "pay the fee by the notice's last day", calendar.next_working_day(last)
        else:
            days = rules.fee_payment_days
            rule = f"pay the fee within {days} calendar days of acceptance (*unconfirmed*)"
            due = calendar.calendar_days(accepted, days)
        add("fee_payment", rule, due, facts.fee_paid_at, status is S.ACCEPTED)
        days = rules.arbitrator_choice_days
        rule = f"choose arbitrators within {days} calendar days of the notice, else the chairman appoints [P25]"
        due = calendar.calendar_days(accepted, days)
        add("arbitrator_choice", rule, due, facts.tribunal_formed_at, status in (S.ACCEPTED, S.FEE_PAID))
    served = facts.award_received_at  # None for a 调解书: no correction or set-aside window [P21 Arts 56, 58]
    if served is not None and status in _AFTER_EFFECT:
        corrected = facts.corrections[-1].corrected_at if facts.corrections else None
        days = rules.correction_days
        rule = f"correction asked within {days} calendar days of receipt ({rules.cite('correction', served)})"
        add("correction", rule, calendar.calendar_days(china_date(served), days), corrected, status in _IN_EFFECT)
        filed = facts.set_aside.filed_at if facts.set_aside else None
        n = rules.set_aside_months
        rule = f"set-aside applied for within {n} months of receipt ({rules.cite('set_aside', served)})"
        add("set_aside", rule, month_period(calendar, china_date(served), n), filed, status in _IN_EFFECT)
    if facts.set_aside is not None:
        filed_at, n = facts.set_aside.filed_at, rules.set_aside_ruling_months
        rule = f"the court rules within {n} months of the filing ({rules.cite('set_aside_ruling', filed_at)})"
        due = month_period(calendar, china_date(filed_at), n)
        add("set_aside_ruling", rule, due, facts.set_aside.ruled_at, status is S.SET_ASIDE_PENDING)
    if facts.entrusted is not None and facts.entrusted.due is not None:
        done = facts.result.at if facts.result else None
        due = Deadline(china_date(facts.entrusted.due), False)
        rule = "the entrusted mediation's result reported by the commission's date"
        add("entrusted_result", rule, due, done, status in (S.ENTRUSTED, S.MEDIATING))
    return dues
