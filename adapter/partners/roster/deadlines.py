"""The roster's due dates (partners.md §4 "Deadlines" — settings: the rules only say "promptly"), on the case
deadlines' calendar (adapter/deadlines/calendar.py: holidays and make-up working days, China time):

- "sync"           an entry's change reaches the platform within `sync_working_days` (5) WORKING days of the change
                   (`changed_at`); met when it was queued (`sent_at`). A draft's clock runs until it is submitted.
- "certification"  the platform answers a submission within `certification_alert_working_days` (20) WORKING days
                   (no published period: an alert for an operator to chase); met at `answered_at`.
- "term_end"       a mediator's term ends at the end of `term_to` (CALENDAR dates — a term of office is not a period
                   to act in, so a rest day does not move it); due_soon from `term_alert_days` (30) calendar days
                   before; overdue once past: the entry should go EXPIRED (the `expire` action).
- "registration"   a closed self-received (flow C) case is registered within `register_working_days` (10) WORKING
                   days of closing (`closed_at`); met at `registered_at`.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta

from adapter.deadlines.calendar import Deadline, WorkCalendar, china_date
from adapter.deadlines.compute import DueState, classify
from adapter.partners.roster.facts import ENTRIES, at, entity, mediator_of
from adapter.partners.roster.rules import RosterRules
from adapter.partners.roster.states import RosterEntity
from adapter.partners.roster.states import RosterStatus as S
from adapter.partners.spec import PartnerDue, PartnerRecord
from schemas.clock import from_db

WORKING, CALENDAR = "working", "calendar"

# Where each clock binds; elsewhere an unmet one has lapsed (the record moved on without it).
_SYNC_BINDS = frozenset({S.DRAFT, S.SUBMITTED, S.CERTIFIED, S.ACTIVE, S.SUSPENDED, S.REJECTED})
_TERM_BINDS = frozenset({S.DRAFT, S.SUBMITTED, S.CERTIFIED, S.ACTIVE, S.SUSPENDED})


def roster_due_dates(
    record: PartnerRecord,
    history: Sequence[tuple[datetime, str]],
    calendar: WorkCalendar,
    now: datetime,
    rules: RosterRules,
) -> list[PartnerDue]:
    """The record's due dates now (the spec's `due_dates`); `history` is not needed — the facts carry each clock's
    start and stop. Statistics records have none. Pure."""
    what = entity(record)
    if what is RosterEntity.REGISTRATION:
        return [_registration(record, calendar, now, rules)]
    if what not in ENTRIES:
        return []
    dues = []
    sync = _sync(record, calendar, now, rules)
    if sync is not None:
        dues.append(sync)
    certification = _certification(record, calendar, now, rules)
    if certification is not None:
        dues.append(certification)
    if what is RosterEntity.MEDIATOR:
        dues.append(term_end(record, now, rules))
    return dues


def _sync(record: PartnerRecord, calendar: WorkCalendar, now: datetime, rules: RosterRules) -> PartnerDue | None:
    changed, sent = at(record.facts, "changed_at"), at(record.facts, "sent_at")
    if changed is None:
        return None
    met = sent if sent is not None and from_db(sent) >= from_db(changed) else None
    due = calendar.add_working_days(china_date(changed), rules.sync_working_days)
    rule = (
        f"a roster change reaches the SPC platform within {rules.sync_working_days} working days "
        "(setting; the rules say 'promptly' [P43 Art 10])"
    )
    return _due("sync", rule, WORKING, due, met, record.status in _SYNC_BINDS, now, rules.due_soon_days)


def _certification(
    record: PartnerRecord, calendar: WorkCalendar, now: datetime, rules: RosterRules
) -> PartnerDue | None:
    submitted, answered = at(record.facts, "submitted_at"), at(record.facts, "answered_at")
    if submitted is None:
        return None
    met = answered if answered is not None and from_db(answered) >= from_db(submitted) else None
    days = rules.certification_alert_working_days
    due = calendar.add_working_days(china_date(submitted), days)
    rule = (
        f"the platform certifies or rejects a submission within {days} working days "
        "(alert setting; no published period [P44 Art 27])"
    )
    return _due("certification", rule, WORKING, due, met, record.status == S.SUBMITTED, now, rules.due_soon_days)


def term_end(record: PartnerRecord, now: datetime, rules: RosterRules) -> PartnerDue:
    """A mediator's term: due at the end of `term_to` (China time), due_soon `term_alert_days` calendar days before
    it, overdue after it while the entry is still on the roster (then expire it). Lapsed once expired or retired."""
    term_to = mediator_of(record).term_to
    closes = Deadline(term_to, False).closes_at
    rule = (
        f"alert {rules.term_alert_days} calendar days before a mediator's term ends; past its last day the entry "
        "expires (term renewal is certified again [P45])"
    )
    # no met_at: a renewed term is a new `term_to`, not this one met
    state = classify(closes, None, record.status in _TERM_BINDS, now, timedelta(days=rules.term_alert_days))
    return PartnerDue(name="term_end", rule=rule, counting=CALENDAR, state=state, due_at=closes)


def _registration(record: PartnerRecord, calendar: WorkCalendar, now: datetime, rules: RosterRules) -> PartnerDue:
    closed = at(record.facts, "closed_at")
    registered = at(record.facts, "registered_at")
    days = rules.register_working_days
    rule = (
        f"a closed self-received case is registered with the SPC platform within {days} working days of closing "
        "(setting; partners.md §4)"
    )
    if closed is None:  # never without it (register_case requires it); shown rather than guessed
        return PartnerDue(name="registration", rule=rule, counting=WORKING, state=DueState.OPEN, due_at=None)
    due = calendar.add_working_days(china_date(closed), days)
    binds = record.status in (S.PENDING, S.REGISTRATION_REJECTED)
    return _due("registration", rule, WORKING, due, registered, binds, now, rules.due_soon_days)


def _due(
    name: str,
    rule: str,
    counting: str,
    due: Deadline,
    met: datetime | None,
    binds: bool,
    now: datetime,
    soon_days: int,
) -> PartnerDue:
    state = classify(due.closes_at, met, binds, now, timedelta(days=soon_days))
    return PartnerDue(
        name=name,
        rule=rule,
        counting=counting,
        state=state,
        due_at=due.closes_at,
        met_at=met,
        estimated=due.estimated,
    )
