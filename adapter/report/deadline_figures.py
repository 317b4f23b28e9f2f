"""The deadline figures of the monthly report: deadlines (adapter/deadlines, the configured engine) that came to
rest in the month — met or late — judged as they stood at the month's start and end."""

from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta

from adapter.deadlines import DeadlineKind, Deadlines, DueDate, DueState
from adapter.report.model import Month
from adapter.report.reading import ReportCase, ReportEvent, ordered
from adapter.states import CaseStatus
from schemas.clock import from_db

_AT_REST = (DueState.MET, DueState.LATE, DueState.LAPSED)
_JUST_AFTER = timedelta(microseconds=1)


def deadline_figures(
    engine: Deadlines, cases: list[ReportCase], history: dict[str, list[ReportEvent]], month: Month
) -> tuple[int, int, dict[str, int]]:
    """(met, late, counts by "kind: met|late") of the deadlines that came to rest in the month. A deadline the
    case's course ended (compute.py LAPSED: a decline answers the acceptance, a failure ends the mediation
    period) is met if it ended before its last day was over, late if after."""
    counts: Counter[str] = Counter()
    for case in cases:
        events = ordered(history.get(case.id, []))
        before = {d.kind: d.state for d in _as_of(engine, case, events, month.start)}
        for due in _as_of(engine, case, events, month.end):
            if due.state not in _AT_REST or before.get(due.kind) in _AT_REST:
                continue
            if due.state is DueState.LAPSED:
                ended = _lapsed_at(engine, case, events, due.kind, month)
                late = ended is None or ended >= due.due.closes_at
            else:
                late = due.state is DueState.LATE
            counts[f"{due.kind.value}: {'late' if late else 'met'}"] += 1
    met = sum(n for key, n in counts.items() if key.endswith(": met"))
    return met, sum(counts.values()) - met, counts


def _lapsed_at(
    engine: Deadlines, case: ReportCase, events: list[ReportEvent], kind: DeadlineKind, month: Month
) -> datetime | None:
    """When, in the month, the event that ended a deadline `kind` happened."""
    for e in events:
        at = from_db(e.at)
        if month.start <= at < month.end:
            states = {d.kind: d.state for d in _as_of(engine, case, events, at + _JUST_AFTER)}
            if states.get(kind) is DueState.LAPSED:
                return at
    return None


def _as_of(engine: Deadlines, case: ReportCase, events: list[ReportEvent], at: datetime) -> list[DueDate]:
    """The case's deadlines as they stood at `at`: its history before then, its status then."""
    earlier = [e for e in ordered(events) if from_db(e.at) < at]
    if not earlier:
        return []
    effective = case.agreement_effective_at
    then = replace(
        case,
        status=CaseStatus(earlier[-1].to_status),
        agreement_effective_at=effective if effective is not None and from_db(effective) < at else None,
    )
    return engine.for_case(then, earlier, at)
