"""A traffic case's due dates (partners.md §2 table) on the one calendar (adapter/deadlines/calendar.py). Pure:
record, history, calendar, rules and `now` in; PartnerDue out.

| name                 | period (TrafficRules) | counting      | clock starts               | source            |
|----------------------|-----------------------|---------------|----------------------------|-------------------|
| offer_answer         | 3                     | working days  | our receipt of the offer   | [P44 Art 12]      |
| mediation            | 30, pauses excluded   | calendar days | acceptance                 | [P44 Arts 24, 26] |
| jc_application       | 30                    | calendar days | the agreement takes effect | domain.md §3      |
| jc_ruling            | 30                    | calendar days | the JC application filed   | [S3 Art 187]      |
| claim_assess:<claim> | 30                    | calendar days | the insurer's receipt *    | 保险法 Art 23     |
| claim_pay:<claim>    | 10                    | calendar days | the amount agreed          | 保险法 Art 23     |

offer_answer runs from the offer's arrival with us (facts.received_at; records older than it: opened_at, the same
instant), not from the platform's `offered_at` — partners.md §2 says "receipt"; offered_at stays in the facts, shown.
* claim_assess: Art 23 counts from the insurer's receipt of the claim. Its acknowledgement (a claim_update
"received", facts claims.<id>.received_at) starts the clock when it has come; until then the clock runs from our
request's sending (requested_at) — the strict side: never later than the true date, so never a missed alert.
jc_ruling: the court examines a JC application within 30 days of filing (domain.md §3, [S3 Art 187]; the court
president may extend) — an overdue ruling is alerted; the clerk records it (record_jc_result), or withdraw_jc / close.

claim_pay is met by a payment of the amount agreed; a part payment short of it (paid_amount < agreed_amount) leaves
the duty binding, so it still falls due and goes overdue.

Counting as domain.md §3: from the day after the start; a calendar-day period whose last day is a rest day runs to
the next working day; working days skip weekends and holidays and count make-up working days (调休). `due_at` is the
first instant after the period (midnight CST after the last day). `estimated`: a year the holiday calendar lacks.

Pauses come from the history: the record is replayed through the Machine, and each stretch spent in
APPRAISAL_PENDING or LIABILITY_UNDER_REVIEW (the review only if `review_pauses_mediation`) moves the mediation
deadline by the whole days it lasted (elapsed time ÷ 24 h, rounded down, per pause — as external appraisal moves a
complaint's decision, adapter/complaints/deadlines.py), so the date shown is never later than the true one. While a
pause runs the clock stands still: `paused`, no due date. A pause begun after the period closed moves nothing.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from adapter.deadlines.calendar import Deadline, WorkCalendar, china_date
from adapter.deadlines.compute import DueState, classify
from adapter.partners.machine import IllegalPartnerTransition
from adapter.partners.spec import PartnerDue, PartnerRecord
from adapter.partners.traffic.rules import TrafficRules
from adapter.partners.traffic.states import MACHINE, TrafficEvent, TrafficStatus
from schemas.clock import from_db

S, E = TrafficStatus, TrafficEvent
Span = tuple[datetime, datetime | None]
_EVENTS = frozenset(e.value for e in TrafficEvent)
_MEDIATION_OPEN = frozenset({S.ACCEPTED, S.MEDIATING, S.APPRAISAL_PENDING, S.LIABILITY_UNDER_REVIEW})
CLAIM_OPEN = frozenset({"requested", "received", "assessing"})  # a claim's statuses before the insurer's answer
_JC_ENDS = frozenset({E.JC_CONFIRM, E.JC_REJECT, E.JC_WITHDRAW, E.CLOSE})  # what answers a JC application


@dataclass(frozen=True)
class Timeline:
    """The record's history replayed: when each event first happened, and the pauses (start, end or None)."""

    first: Mapping[str, datetime] = field(default_factory=dict)
    pauses: tuple[Span, ...] = ()


def timeline(history: Sequence[tuple[datetime, str]], *, review_pauses: bool = True) -> Timeline:
    """Replay `history` ((at, event or note), oldest first) from OFFERED. Notes and entries the table refuses (a
    history older than the table) are skipped; consecutive paused statuses make one pause."""
    pausing = {S.APPRAISAL_PENDING} | ({S.LIABILITY_UNDER_REVIEW} if review_pauses else set())
    status, first, pauses = MACHINE.initial.value, dict[str, datetime](), list[Span]()
    began: datetime | None = None
    for at, name in history:
        if name not in _EVENTS:
            continue
        try:
            after = MACHINE.advance(status, name)
        except IllegalPartnerTransition:
            continue
        at = from_db(at)
        first.setdefault(name, at)
        if began is None and after in pausing:
            began = at
        elif began is not None and after not in pausing:
            pauses.append((began, at))
            began = None
        status = after
    if began is not None:
        pauses.append((began, None))
    return Timeline(first, tuple(pauses))


def due_dates(
    record: PartnerRecord,
    history: Sequence[tuple[datetime, str]],
    calendar: WorkCalendar,
    now: datetime,
    rules: TrafficRules,
) -> list[PartnerDue]:
    """Every due date whose clock has started, in the order of the module table, with its state at `now`."""
    now, status = from_db(now), S(record.status)
    line = timeline(history, review_pauses=rules.review_pauses_mediation)
    received = _time(record.facts.get("received_at")) or from_db(record.opened_at)
    answered = _first(line, E.ACCEPT, E.DECLINE)
    due = calendar.add_working_days(china_date(received), rules.offer_answer_working_days)
    rule = (
        f"answer the offer within {rules.offer_answer_working_days} working days of our receipt of it, not the "
        "platform's offered_at (the platform's value unconfirmed) [P44 Art 12]"
    )
    binding = status in (S.OFFERED, S.OFFER_OVERDUE)
    results = [_dated("offer_answer", rule, "working", due, answered, binding, now, rules)]
    accepted = line.first.get(E.ACCEPT)
    if accepted is not None:
        results.append(_mediation(status, accepted, line, calendar, now, rules))
    agreed = line.first.get(E.AGREE)
    if agreed is not None:
        due = calendar.calendar_days(china_date(agreed), rules.jc_application_days)
        rule = (
            f"apply for judicial confirmation within {rules.jc_application_days} calendar days of the agreement "
            "taking effect (domain.md §3)"
        )
        applied = line.first.get(E.APPLY_JC)
        results.append(
            _dated("jc_application", rule, "calendar", due, applied, status is S.AGREEMENT_EFFECTIVE, now, rules)
        )
    ruling = _jc_ruling(status, history, calendar, now, rules)
    if ruling is not None:
        results.append(ruling)
    claims: Mapping[str, Any] = record.facts.get("claims") or {}
    for claim_id, claim in claims.items():
        results.extend(_claim(claim_id, claim, calendar, now, rules))
    return results


def _mediation(
    status: TrafficStatus,
    accepted: datetime,
    line: Timeline,
    calendar: WorkCalendar,
    now: datetime,
    rules: TrafficRules,
) -> PartnerDue:
    """The mediation period [P44 Arts 24, 26], moved by the pauses (module docstring)."""
    days = rules.mediation_days
    what = "appraisal and liability review" if rules.review_pauses_mediation else "appraisal"
    rule = f"mediate within {days} calendar days of acceptance, {what} time excluded [P44 Arts 24, 26]"
    done = _first(line, E.AGREE, E.TERMINATE)
    first_day, moved = china_date(accepted), 0
    for began, ended in line.pauses:
        if began >= calendar.calendar_days(first_day + timedelta(days=moved), days).closes_at:
            continue  # begun after the period had closed: a pause cannot revive it
        until = ended if ended is not None else done
        if until is None:  # running now: the clock stands still
            binding = status in _MEDIATION_OPEN
            if binding:
                return PartnerDue("mediation", rule, "calendar", DueState.PAUSED, None)
            break
        moved += max(until - max(began, accepted), timedelta(0)).days
    due = calendar.calendar_days(first_day + timedelta(days=moved), days)
    return _dated("mediation", rule, "calendar", due, done, status in _MEDIATION_OPEN, now, rules)


def _claim(
    claim_id: str, claim: Mapping[str, Any], calendar: WorkCalendar, now: datetime, rules: TrafficRules
) -> list[PartnerDue]:
    """The insurer's two periods of 保险法 Art 23 for one claim: assess within 30 calendar days of receiving the
    claim (a complex claim; the statute's outer bound) — from its acknowledgement (`received_at`) once it has come,
    until then from our request's sending (`requested_at`), the strict side (module docstring); pay within 10
    calendar days of agreeing the amount (`agreed_at`)."""
    results = []
    receipt = _time(claim.get("received_at"))
    requested = receipt or _time(claim.get("requested_at"))
    state = str(claim.get("status", "requested"))
    if requested is not None:
        due = calendar.calendar_days(china_date(requested), rules.claim_assess_days)
        since = "the insurer's receipt of it" if receipt else "our request (its receipt not yet acknowledged)"
        rule = (
            f"the insurer assesses the claim within {rules.claim_assess_days} calendar days of {since} (保险法 Art 23)"
        )
        answered = _time(claim.get("answered_at"))
        results.append(
            _dated(f"claim_assess:{claim_id}", rule, "calendar", due, answered, state in CLAIM_OPEN, now, rules)
        )
    agreed = _time(claim.get("agreed_at"))
    if agreed is not None:
        due = calendar.calendar_days(china_date(agreed), rules.claim_pay_days)
        rule = f"the insurer pays within {rules.claim_pay_days} calendar days of agreeing the amount (保险法 Art 23)"
        # Art 23 is met by paying the amount agreed: a part payment short of it leaves the duty running.
        short = state == "part_paid" and _short(claim)
        paid = None if short else _time(claim.get("paid_at"))
        binding = state == "agreed" or short
        results.append(_dated(f"claim_pay:{claim_id}", rule, "calendar", due, paid, binding, now, rules))
    return results


def _jc_ruling(
    status: TrafficStatus,
    history: Sequence[tuple[datetime, str]],
    calendar: WorkCalendar,
    now: datetime,
    rules: TrafficRules,
) -> PartnerDue | None:
    """The court's ruling on the last JC application, due `jc_ruling_days` (30) calendar days after its filing
    (domain.md §3 "JC review by the court", [S3 Art 187]); met by the ruling recorded, the application withdrawn or
    not accepted (withdraw_jc), or the case closed. None before any application."""
    applied: datetime | None = None
    ended: datetime | None = None
    for at, name in history:
        if name == E.APPLY_JC:
            applied, ended = from_db(at), None  # a new application (after a withdrawal) has its own clock
        elif applied is not None and ended is None and name in _JC_ENDS:
            ended = from_db(at)
    if applied is None:
        return None
    due = calendar.calendar_days(china_date(applied), rules.jc_ruling_days)
    rule = (
        f"the court rules on the judicial confirmation within {rules.jc_ruling_days} calendar days of the "
        "application's filing (the court president may extend) (domain.md §3, [S3 Art 187])"
    )
    return _dated("jc_ruling", rule, "calendar", due, ended, status is S.JC_APPLIED, now, rules)


def _short(claim: Mapping[str, Any]) -> bool:
    """A payment (yuan, stored as text) below the amount agreed; False when either amount is not recorded."""
    agreed, paid = claim.get("agreed_amount"), claim.get("paid_amount")
    return agreed is not None and paid is not None and Decimal(str(paid)) < Decimal(str(agreed))


def _dated(
    name: str,
    rule: str,
    counting: str,
    due: Deadline,
    done: datetime | None,
    binding: bool,
    now: datetime,
    rules: TrafficRules,
) -> PartnerDue:
    """The due date with its state at `now`, on a case's ladder (adapter/deadlines/compute.py classify)."""
    state = classify(due.closes_at, done, binding, now, timedelta(days=rules.warn_within_days))
    return PartnerDue(name, rule, counting, state, due.closes_at, done, due.estimated)


def _first(line: Timeline, *events: TrafficEvent) -> datetime | None:
    found = [line.first[e] for e in events if e in line.first]
    return min(found) if found else None


def _time(value: object) -> datetime | None:
    """A stored ISO time (facts hold times as text with offset), or None."""
    if isinstance(value, datetime):
        return from_db(value)
    return from_db(datetime.fromisoformat(value)) if isinstance(value, str) and value else None
