"""A complaint's due dates (partners.md §1 table) on the case deadlines' calendar: which apply, when each closes,
and where each stands now. Pure: facts, calendar, settings and `now` in; ComplaintDueDates out. No database.

| kind            | period (settings default)                       | clock starts              | source          |
|-----------------|-------------------------------------------------|---------------------------|-----------------|
| forward         | same day; after hours / rest day: next work day | receipt at the centre     | [P67a]          |
| centre_target   | undisputed: same day; general: 8 working days   | receipt at the centre     | [P67a]          |
| decision        | 15 / 30 / 60 days by stage, appraisal excluded  | the institution's receipt | Order 2020 No 3 |
| review_request  | 30 days (*unconfirmed*)                         | the decision              | [P34][P42b]     |
| review_decision | 30 days (*unconfirmed*)                         | the review request        | [P34][P42b]     |
| mediation       | 30 days                                         | acceptance of mediation   | [P67a]          |

Days are calendar days counted as domain.md §3 counts them (from the next day; a last day on a rest day runs to
the next working day) — reading complaint-rule days as calendar days is an *inference* (partners.md §0), no source
says so. Working days and "estimated" (a year the holiday calendar lacks) come from adapter/deadlines/calendar.py.
States are the case deadlines' DueState (open, due_soon, overdue, met, late, lapsed) plus `paused`: an external
appraisal is running, so the decision clock stands still and no due date can be given [P33]. The review request
is the complainant's window, not a duty: open, then lapsed if unused (COMPLAINANT_WINDOWS), never an alert.
partners.md's flags: FORWARD_LATE is a late/overdue `forward`, CENTRE_TARGET_MISSED `centre_target`,
INSTITUTION_OVERDUE `decision`. Working-day clocks and the small-claim average: adapter/complaints/working_days.py.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from adapter.complaints.deadline_settings import ComplaintDeadlineSettings
from adapter.complaints.states import ComplaintStatus
from adapter.complaints.working_days import centre_target_due, forward_due, forward_rule
from adapter.deadlines.calendar import Deadline, WorkCalendar, china_date
from adapter.deadlines.compute import DueState, classify
from schemas.clock import china_text, from_db
from schemas.complaint import Track

S = ComplaintStatus
Pause = tuple[datetime, datetime | None]  # (external appraisal started, ended or None while it runs)
STAGES = (15, 30, 60)  # the decision period's stages: simple, complex (EXTENDED_30), especially complex (EXTENDED_60)


class ComplaintDeadlineKind(StrEnum):
    FORWARD = "forward"
    CENTRE_TARGET = "centre_target"
    DECISION = "decision"
    REVIEW_REQUEST = "review_request"
    REVIEW_DECISION = "review_decision"
    MEDIATION = "mediation"


K = ComplaintDeadlineKind
_AT_DESK = frozenset({S.FORWARDED, S.ACKNOWLEDGED, S.HANDLING, S.EXTENDED_30, S.EXTENDED_60})
# The statuses in which each deadline binds; outside them, undone, it has lapsed (withdrawn, merged, …).
BINDS_WHILE: dict[ComplaintDeadlineKind, frozenset[ComplaintStatus]] = {
    K.FORWARD: frozenset({S.RECEIVED, S.FORWARDED}),  # FORWARDED: queued; met once the desk's receipt is in
    K.CENTRE_TARGET: _AT_DESK | {S.RECEIVED},
    K.DECISION: _AT_DESK,
    K.REVIEW_REQUEST: frozenset({S.DECIDED, S.VISITED}),
    K.REVIEW_DECISION: frozenset({S.REVIEW_REQUESTED}),
    K.MEDIATION: frozenset({S.TO_MEDIATION}),  # final for the complaint; the mediation runs on as a flow-C case
}
# The complainant's own window, nobody's duty: open until it closes, then lapsed — never due_soon or overdue, so the
# sweep raises no alert for a right left unused. A request after it closed is `late` (for the guard to judge).
COMPLAINANT_WINDOWS = frozenset({K.REVIEW_REQUEST})


@dataclass(frozen=True)
class ComplaintFacts:
    """What a complaint's deadlines depend on, as the store reads them from its row and history. Times are aware
    (or zone-less UTC, as SQLite returns them). ValueError naming the field for a stage other than 15/30/60 or a
    pause that ends before it starts."""

    status: ComplaintStatus
    received_at: datetime  # the complaint reached the centre
    track: Track = Track.GENERAL  # no period depends on it: the small-claim target is reported, not enforced
    undisputed: bool = False  # the centre's same-day target applies
    forwarded_at: datetime | None = None  # delivered to the desk: the institution's receipt
    acknowledged_at: datetime | None = None  # stands in for forwarded_at if that is missing
    stage: int = 15  # 15, 30 or 60 (the extensions granted in the current round); EXTENDED_* statuses imply it
    pauses: tuple[Pause, ...] = ()  # external appraisal or valuation [P33]
    restarted_at: datetime | None = None  # a repeat with new facts: the new material's receipt [P33]
    decided_at: datetime | None = None  # the institution's decision notice
    small_claim_decided_at: datetime | None = None  # the mediator's decision within the delegated authority
    paid_at: datetime | None = None  # the institution confirmed the small-claim payment
    review_requested_at: datetime | None = None
    review_decided_at: datetime | None = None
    mediation_accepted_at: datetime | None = None  # converted to mediation: the flow-C case accepted
    mediation_ended_at: datetime | None = None  # that case's mediation ended (agreement or failure)

    def __post_init__(self) -> None:
        if self.stage not in STAGES:
            raise ValueError(f"stage: {self.stage!r} is not a decision stage; use 15, 30 or 60")
        for number, (began, ended) in enumerate(self.pauses, start=1):
            if ended is not None and from_db(ended) < from_db(began):
                raise ValueError(
                    f"pauses[{number}]: the appraisal ends ({china_text(ended)}) before it starts ({china_text(began)})"
                )


@dataclass(frozen=True)
class ComplaintDueDate:
    """One complaint deadline: `due` is None only while `state` is paused (the clock stands still)."""

    kind: ComplaintDeadlineKind
    due: Deadline | None
    state: DueState
    rule: str  # e.g. "15 days from the institution's receipt … [P31][P32]"
    starts_at: datetime
    notes: tuple[str, ...] = ()

    @property
    def estimated(self) -> bool:
        return self.due is not None and self.due.estimated


def complaint_deadlines(
    facts: ComplaintFacts, calendar: WorkCalendar, settings: ComplaintDeadlineSettings, now: datetime
) -> list[ComplaintDueDate]:
    """Every deadline of the complaint whose clock has started, in the order of the table above, with its state at
    `now` (aware, or zone-less UTC): forward and centre_target always (their clock is the receipt), the others once
    their start is known. Each `due` is a China-time last day (closing at the following midnight, CST), marked
    estimated where the holiday calendar lacked a year. Raises nothing: the facts were checked when built."""
    now = from_db(now)
    received = from_db(facts.received_at)
    decided = _first(facts.decided_at, facts.small_claim_decided_at)
    forward, notes = forward_due(received, calendar, settings)
    rule = forward_rule(settings)
    results = [_dated(K.FORWARD, forward, rule, received, facts.forwarded_at, facts, now, settings, notes)]
    target, rule = centre_target_due(received, facts.undisputed, calendar, settings)
    results.append(_dated(K.CENTRE_TARGET, target, rule, received, decided, facts, now, settings))
    start = _decision_start(facts)
    if start is not None:
        results.append(_decision(facts, start, _after(decided, start), calendar, settings, now))
    institution_decided = _after(facts.decided_at, start)
    windows = (
        (K.REVIEW_REQUEST, institution_decided, settings.review_request_days, facts.review_requested_at),
        (K.REVIEW_DECISION, facts.review_requested_at, settings.review_decision_days, facts.review_decided_at),
        (K.MEDIATION, facts.mediation_accepted_at, settings.mediation_days, facts.mediation_ended_at),
    )
    for kind, began, days, done in windows:
        if began is not None:
            due, rule = calendar.calendar_days(china_date(began), days), _RULES[kind].format(days=days)
            results.append(_dated(kind, due, rule, from_db(began), done, facts, now, settings))
    return results


def stage_of(facts: ComplaintFacts) -> int:
    """The decision stage: the facts' own, or the one the status implies if later (an extension not yet stored)."""
    implied = {S.EXTENDED_30: 30, S.EXTENDED_60: 60}.get(facts.status, 15)
    return max(facts.stage, implied)


_RULES = {
    K.REVIEW_REQUEST: "{days} days from the decision to ask for a review (核查); unconfirmed for the 2020 rule "
    "[P34][P42b]",
    K.REVIEW_DECISION: "{days} days from the review request to decide it; unconfirmed for the 2020 rule [P34][P42b]",
    K.MEDIATION: "{days} days from acceptance of the mediation the complaint was converted to [P67a]",
}


def _decision(
    facts: ComplaintFacts,
    start: datetime,
    done: datetime | None,
    calendar: WorkCalendar,
    settings: ComplaintDeadlineSettings,
    now: datetime,
) -> ComplaintDueDate:
    """The institution's decision (CBIRC Order 2020 No 3 [P31][P32]), moved by external appraisal [P33].

    Paused time: each appraisal moves the deadline by the whole days it lasted (elapsed time divided by 24 hours,
    rounded down, per pause), as suspensions move a case's mediation period (adapter/deadlines/compute.py), so the
    date shown is never later than the true one. An appraisal still running stops the clock: `paused`, no due date
    (a decision made during it counts the appraisal up to the decision). An appraisal begun after the period had
    closed moves nothing: a pause cannot revive a closed period."""
    stage = stage_of(facts)
    days = settings.decision_days(stage)
    rule = (
        f"{days} days from the institution's receipt (stage {stage}); external appraisal not counted; days read "
        "as calendar days (an inference, partners.md §0) [CBIRC Order 2020 No 3][P31][P32][P33]"
    )
    first_day, closed, running_since = china_date(start), 0, None
    for began, ended in sorted(facts.pauses, key=lambda pause: from_db(pause[0])):
        began = max(from_db(began), start)  # an appraisal from before a restart counts from the restart
        if began >= calendar.calendar_days(first_day + timedelta(days=closed), days).closes_at:
            continue  # begun after the period had closed: a pause cannot revive it
        if ended is None and done is None:
            running_since = began
            break
        until = from_db(ended) if ended is not None else done
        assert until is not None
        closed += max(until - began, timedelta(0)).days
    notes = [f"moved {closed} day(s) for external appraisal [P33]"] if closed else []
    due = calendar.calendar_days(first_day + timedelta(days=closed), days)
    if running_since is not None:
        left = max((due.last_day - china_date(running_since)).days, 0)
        notes.append(f"appraisal running since {china_text(running_since)}: clock paused with {left} day(s) left [P33]")
        binding = facts.status in BINDS_WHILE[K.DECISION]
        state = DueState.PAUSED if binding else DueState.LAPSED
        return ComplaintDueDate(K.DECISION, None if binding else due, state, rule, start, tuple(notes))
    return _dated(K.DECISION, due, rule, start, done, facts, now, settings, tuple(notes))


def _dated(
    kind: ComplaintDeadlineKind,
    due: Deadline,
    rule: str,
    start: datetime,
    done_at: datetime | None,
    facts: ComplaintFacts,
    now: datetime,
    settings: ComplaintDeadlineSettings,
    notes: tuple[str, ...] = (),
) -> ComplaintDueDate:
    """The deadline with its state at `now`, on the cases' ladder (compute.classify)."""
    binds, soon = facts.status in BINDS_WHILE[kind], timedelta(days=settings.warn_within_days)
    state = classify(due.closes_at, done_at, binds, now, soon, duty=kind not in COMPLAINANT_WINDOWS)
    return ComplaintDueDate(kind, due, state, rule, start, notes)


def _decision_start(facts: ComplaintFacts) -> datetime | None:
    """The institution's receipt (forwarded, else acknowledged), or the new material's if the clock restarted."""
    received = facts.forwarded_at or facts.acknowledged_at
    if received is None:
        return None
    start = from_db(received)
    if facts.restarted_at is not None:
        start = max(start, from_db(facts.restarted_at))
    return start


def _first(*times: datetime | None) -> datetime | None:
    present = [from_db(t) for t in times if t is not None]
    return min(present) if present else None


def _after(at: datetime | None, since: datetime | None) -> datetime | None:
    """`at`, unless it belongs to a round of the clock before a restart at `since`."""
    if at is None:
        return None
    return from_db(at) if since is None or from_db(at) >= since else None
