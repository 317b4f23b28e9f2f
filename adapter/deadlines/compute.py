"""A case's due dates from its facts: which deadlines apply, when each closes, and where each stands now.

Pure: facts, policy, calendar and `now` in; DueDates out. States (`classify`, the one ladder every deadline uses):

    open      the deadline binds now and closes later than `warn_within_days` from now (or its clock is stopped)
    due_soon  it binds now and closes within `warn_within_days` — `at_risk()` is true
    overdue   it binds now and has closed — `at_risk()` is true
    met       the act was done before it closed
    late      the act was done, after it closed
    lapsed    the case moved on without the act (declined, terminated, …); nothing to chase
    paused    the clock stands still and no due date can be given — complaints only, during an external
              appraisal (adapter/complaints/deadlines.py); a suspended case stays open with a moving date
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from adapter.deadlines.calendar import Deadline, WorkCalendar, china_date
from adapter.deadlines.config import DeadlinePolicy, Periods
from adapter.deadlines.rules import Counting, DeadlineKind, Rule, max_extension_days, rules_for
from adapter.states import CaseStatus
from schemas.clock import from_db
from schemas.enums import Flow, Procedure

S = CaseStatus
_MEDIATING = frozenset({S.ACCEPTED, S.MEDIATOR_ASSIGNED, S.IN_MEDIATION, S.EXTENDED, S.SUSPENDED})
# The statuses in which each deadline binds. ACCEPTANCE_OVERDUE is included so a late case shows `overdue`.
BINDS_WHILE: dict[DeadlineKind, frozenset[CaseStatus]] = {
    DeadlineKind.ACCEPTANCE: frozenset({S.RECEIVED, S.PENDING_ACCEPTANCE, S.ACCEPTANCE_OVERDUE}),
    DeadlineKind.CONTACT: _MEDIATING,
    DeadlineKind.MEDIATION: _MEDIATING | {S.AGREEMENT_DRAFTED, S.SIGNING},
    DeadlineKind.JC_APPLICATION: frozenset({S.AGREEMENT_EFFECTIVE}),
    DeadlineKind.JC_REVIEW: frozenset({S.JC_APPLIED}),
}


class DueState(StrEnum):
    OPEN = "open"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    MET = "met"
    LATE = "late"
    LAPSED = "lapsed"
    PAUSED = "paused"  # never for a case (see the module docstring)


@dataclass(frozen=True)
class Extension:
    """An extension of the mediation period agreed by all parties [S2 Art 24]: by `days`, or — as the
    centre's `extend` records it — to a `new_due` last day (converted to days against the running deadline)."""

    granted_at: datetime
    days: int | None = None
    new_due: date | None = None


Suspension = tuple[datetime, datetime | None]  # (suspended, resumed or None while still suspended)


@dataclass(frozen=True)
class CaseFacts:
    """What the deadlines depend on; every time an aware datetime (or zone-less UTC, as SQLite returns it)."""

    flow: Flow
    procedure: Procedure
    status: CaseStatus
    court_code: str | None = None
    received_at: datetime | None = None  # the dispatch reached the centre [S3 Art 90]
    accepted_at: datetime | None = None
    contacted_at: datetime | None = None  # the other party first reached [S2 Art 15]
    suspensions: tuple[Suspension, ...] = ()
    extensions: tuple[Extension, ...] = ()
    agreement_effective_at: datetime | None = None  # the last party's e-signature [S2 Art 19]
    jc_applied_at: datetime | None = None
    jc_decided_at: datetime | None = None
    remediated_at: datetime | None = None  # mediation restarted after a rejected JC [S3 Art 206]


@dataclass(frozen=True)
class DueDate:
    kind: DeadlineKind
    due: Deadline
    state: DueState
    rule: str  # e.g. "3 working days from receipt of the dispatch [S2 Art 12]"
    starts_at: datetime
    stopped: bool = False  # mediation suspended now: the clock is stopped, the due date moves on daily
    capped: bool = False  # an extension or the period was cut to a configured maximum; `notes` say which
    notes: tuple[str, ...] = field(default=())

    @property
    def estimated(self) -> bool:
        return self.due.estimated


def at_risk(due_dates: list[DueDate]) -> bool:
    """Whether any deadline needs someone now: due soon or overdue."""
    return any(d.state in (DueState.DUE_SOON, DueState.OVERDUE) for d in due_dates)


def case_deadlines(facts: CaseFacts, policy: DeadlinePolicy, calendar: WorkCalendar, now: datetime) -> list[DueDate]:
    """Every deadline of the case whose clock has started, in the order of §3, with its state at `now`."""
    now = from_db(now)
    periods = policy.for_court(facts.court_code)
    rules = rules_for(facts.flow, facts.procedure, periods)
    since = facts.remediated_at or facts.accepted_at  # the mediation clock's start
    starts: dict[DeadlineKind, datetime | None] = {
        DeadlineKind.ACCEPTANCE: facts.received_at,
        DeadlineKind.CONTACT: facts.accepted_at,
        DeadlineKind.MEDIATION: since,
        DeadlineKind.JC_APPLICATION: _after(facts.agreement_effective_at, facts.remediated_at),
        DeadlineKind.JC_REVIEW: _after(facts.jc_applied_at, facts.remediated_at),
    }
    done: dict[DeadlineKind, datetime | None] = {
        DeadlineKind.ACCEPTANCE: facts.accepted_at,
        DeadlineKind.CONTACT: facts.contacted_at,
        DeadlineKind.MEDIATION: starts[DeadlineKind.JC_APPLICATION],
        DeadlineKind.JC_APPLICATION: starts[DeadlineKind.JC_REVIEW],
        DeadlineKind.JC_REVIEW: _after(facts.jc_decided_at, facts.remediated_at),
    }
    results = []
    for kind, rule in rules.items():
        start = starts[kind]
        if start is None:
            continue  # the clock has not started
        start = from_db(start)
        stopped, capped = False, False
        notes: tuple[str, ...] = ()
        if kind is DeadlineKind.MEDIATION:
            due, stopped, capped, notes = _mediation(facts, rule, periods, calendar, start, now)
        elif rule.counting is Counting.WORKING_DAYS:
            due = calendar.add_working_days(china_date(start), rule.days)
        else:
            due = calendar.calendar_days(china_date(start), rule.days)
        binds = facts.status in BINDS_WHILE[kind]
        soon = timedelta(days=policy.warn_within_days)
        state = classify(due.closes_at, done[kind], binds, now, soon, running=not stopped)
        results.append(DueDate(kind, due, state, rule.describe(), start, stopped, capped, notes))
    return results


def _mediation(
    facts: CaseFacts, rule: Rule, periods: Periods, calendar: WorkCalendar, start: datetime, now: datetime
) -> tuple[Deadline, bool, bool, tuple[str, ...]]:
    """The mediation period [S2 Art 24]: extended by agreed extensions (capped), moved by suspensions.

    Suspended time: each suspension moves the deadline by the *whole* days it lasted — elapsed time divided
    by 24 hours, rounded down, per suspension (suspended Mon 10:00, resumed Wed 09:00 → 1 day). A partial day
    is never given, so the deadline shown is never later than the true one. A suspension still running counts
    up to `now` and the clock is `stopped`: the state stays open and the due date moves on daily.
    """
    first_day = china_date(start)
    whole_days: list[tuple[datetime, int]] = []  # (suspended at, whole days it moves the deadline)
    stopped = False
    for began, ended in facts.suspensions:
        began = from_db(began)
        if began < start:
            continue  # a suspension before this mediation began (re-mediation) does not move it
        stopped = stopped or ended is None
        whole_days.append((began, max((from_db(ended) if ended is not None else now) - began, timedelta(0)).days))
    suspended = sum(days for _, days in whole_days)

    notes: list[str] = []
    capped, extra = False, 0
    for extension in sorted(facts.extensions, key=lambda e: from_db(e.granted_at)):
        granted = from_db(extension.granted_at)
        if granted < start:
            continue
        if extension.days is not None:
            extra += max(extension.days, 0)
        elif extension.new_due is not None:
            # Days between the deadline as it stood when the parties agreed and the day they agreed on; a
            # suspension after that still moves the agreed day.
            before = sum(days for began, days in whole_days if began < granted)
            running = calendar.calendar_days(first_day + timedelta(days=before), rule.days + extra).last_day
            extra += max((extension.new_due - running).days, 0)
    limit = max_extension_days(facts.flow, periods)
    if limit is not None and extra > limit:
        notes.append(f"extensions of {extra} days capped at {limit} (max_extension_days) [S8]")
        capped, extra = True, limit
    total = rule.days + extra
    cap = periods.mediation_days_cap
    if cap is not None and total > cap:
        notes.append(f"{total}-day mediation period capped at the court's {cap} days (mediation_days_cap)")
        capped, total = True, cap
    if suspended:
        notes.append(f"moved {suspended} day(s) for suspension [S2 Art 26]")
    return calendar.calendar_days(first_day + timedelta(days=suspended), total), stopped, capped, tuple(notes)


def classify(
    due_at: datetime,
    met_at: datetime | None,
    binds: bool,
    now: datetime,
    soon: timedelta,
    *,
    duty: bool = True,
    running: bool = True,
) -> DueState:
    """Where one due date stands at `now`: the ladder every deadline climbs (a case's here, a complaint's, each
    partner kind's and the partners' sweep). The first rung that matches wins:

        met_at given          MET if met_at < due_at, else LATE — met exactly at `due_at` is LATE; met counts
                              whether or not the duty still binds
        not binds             LAPSED: the record moved on without the act (declined, terminated, expired, …)
        not running           OPEN: the clock stands still (a suspended case; its due date moves on daily)
        not duty              a party's own window (a complainant's review request, an award's correction or
                              set-aside): OPEN before `due_at`, LAPSED from it — never DUE_SOON or OVERDUE
        now >= due_at         OVERDUE (at `due_at` exactly: overdue)
        now >= due_at - soon  DUE_SOON (exactly `soon` before `due_at`: due soon; a zero margin: never)
        otherwise             OPEN

    `due_at` is the first instant after the period (midnight China time after its last day, Deadline.closes_at).
    Times: aware datetimes in any zone — UTC or China time, instants are compared; a zone-less one is read as UTC,
    as SQLite returns it. `soon` is the caller's margin as a duration: `timedelta(days=N)` for N calendar days (the
    period's last N days, as `warn_within_days`), or hours (the partners' sweep's `due_soon_hours`). PAUSED is never
    returned: a clock stopped with no due date (a traffic appraisal, a complaint's external appraisal) is the
    caller's to show. Pure; raises nothing."""
    if met_at is not None:
        return DueState.MET if from_db(met_at) < from_db(due_at) else DueState.LATE
    if not binds:
        return DueState.LAPSED
    if not running:
        return DueState.OPEN
    closed = from_db(now) >= from_db(due_at)
    if not duty:
        return DueState.LAPSED if closed else DueState.OPEN
    if closed:
        return DueState.OVERDUE
    return DueState.DUE_SOON if from_db(now) >= from_db(due_at) - soon else DueState.OPEN


def _after(at: datetime | None, since: datetime | None) -> datetime | None:
    """`at`, unless it belongs to an earlier round of mediation than `since`."""
    if at is None or since is None:
        return at
    return at if from_db(at) >= from_db(since) else None
