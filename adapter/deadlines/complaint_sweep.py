"""The deadline sweep's complaints: every open complaint's due dates (adapter/complaints/deadlines.py, on the case
deadlines' calendar) for `docking deadlines` and the console, and the alerts the centre must hear of them.

- A complaint deadline closing within the warning window, or passed, raises an alert once per deadline and state:
  a `deadline_alert` note in the complaint's history (its detail the JSON below: kind, state, last day, estimated,
  rule), a log line, and the alert hook (adapter/alerts/causes.py `complaint_deadline`: a one-shot alert condition
  per complaint and deadline, which the alert destinations deliver). A paused decision clock (an external
  appraisal) raises nothing: no due date can be given [P33].
- Nothing moves state: an overdue institution (INSTITUTION_OVERDUE), a late forward (FORWARD_LATE) or a missed
  centre target (CENTRE_TARGET_MISSED, partners.md §1 flags) is for the centre's staff to act on.

Reads the unsealed columns only (the complaint record stays sealed), so a data-key problem cannot stop alerts.
"""

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import defer
from sqlmodel import col, func, select

from adapter.alerts import causes as alerts
from adapter.complaints.deadline_settings import ComplaintDeadlineSettings
from adapter.complaints.deadlines import ComplaintDueDate, complaint_deadlines
from adapter.complaints.facts import facts_of
from adapter.complaints.states import FINAL, ComplaintNote
from adapter.deadlines.calendar import WorkCalendar
from adapter.deadlines.compute import DueState
from adapter.persistence.complaint_tables import ComplaintEventRow, ComplaintRow
from adapter.persistence.engine import UnitOfWork
from schemas.clock import Clock, to_utc

log = logging.getLogger("docking.deadlines")

ALERT = ComplaintNote.DEADLINE_ALERT
ACTOR = "deadline-sweep"
LIVE = (DueState.OPEN, DueState.DUE_SOON, DueState.OVERDUE)
_ALERTING = (DueState.DUE_SOON, DueState.OVERDUE)
_AT_REST = [s.value for s in FINAL]


@dataclass(frozen=True)
class ComplaintDeadlines:
    complaint: ComplaintRow  # the unsealed columns (complaint_json deferred, never opened)
    due: list[ComplaintDueDate]
    alerted: frozenset[tuple[str, str, str]]  # (kind, state, last day) already raised


def count_open_complaints(uow: UnitOfWork) -> int:
    with uow.begin() as session:
        query = select(func.count(col(ComplaintRow.complaint_id))).where(col(ComplaintRow.status).not_in(_AT_REST))
        return int(session.exec(query).one())


def open_complaint_deadlines(
    uow: UnitOfWork,
    calendar: WorkCalendar,
    settings: ComplaintDeadlineSettings,
    now: datetime,
    *,
    batch: int = 500,
    progress: Callable[[int], None] = lambda n: None,
) -> Iterator[ComplaintDeadlines]:
    """Every complaint not at rest, with its deadlines at `now`; keyset pages, each page's history in one query."""
    after = ""
    while True:
        with uow.begin() as session:
            query = (
                select(ComplaintRow)
                .where(col(ComplaintRow.complaint_id) > after, col(ComplaintRow.status).not_in(_AT_REST))
                .order_by(col(ComplaintRow.complaint_id))
                .limit(batch)
                .options(defer(ComplaintRow.complaint_json, raiseload=True))  # type: ignore[arg-type]
            )
            rows = list(session.exec(query))
            history: dict[str, list[ComplaintEventRow]] = {r.complaint_id: [] for r in rows}
            if rows:
                of_page = select(ComplaintEventRow).where(col(ComplaintEventRow.complaint_id).in_(list(history)))
                for event in session.exec(of_page.order_by(col(ComplaintEventRow.id))):
                    history[event.complaint_id].append(event)
        if not rows:
            return
        for row in rows:
            events = history[row.complaint_id]
            alerted = frozenset(alert_key(e.detail) for e in events if e.event == ALERT)
            yield ComplaintDeadlines(row, complaint_deadlines(facts_of(row, events), calendar, settings, now), alerted)
        progress(len(rows))
        after = rows[-1].complaint_id


def complaints_closing_within(
    uow: UnitOfWork,
    calendar: WorkCalendar,
    settings: ComplaintDeadlineSettings,
    now: datetime,
    horizon: timedelta,
    *,
    progress: Callable[[int], None] = lambda n: None,
) -> list[dict[str, Any]]:
    """One row per live complaint deadline closing within `horizon` of `now` (or passed), in the columns of the
    case rows of `docking deadlines` (adapter/deadlines/closing.py): `case` is the complaint id, `court_case` the
    desk and its reference, `kind` "complaint"."""
    rows = []
    for item in open_complaint_deadlines(uow, calendar, settings, now, progress=progress):
        c = item.complaint
        for due in item.due:
            if due.due is None or due.state not in LIVE:
                continue  # paused: no due date while an appraisal runs
            left = due.due.closes_at - now
            if left <= horizon:
                rows.append(
                    {
                        "case": c.complaint_id,
                        "court_case": f"{c.desk} {c.desk_ref}" if c.desk_ref else c.desk,
                        "status": c.status,
                        "deadline": due.kind.value,
                        "last_day": due.due.last_day.isoformat(),
                        "state": due.state.value,
                        "closes_in_hours": round(left.total_seconds() / 3600, 1),
                        "estimated": due.estimated,
                        "rule": due.rule,
                        "kind": "complaint",
                    }
                )
    return rows


def sweep_complaints(
    uow: UnitOfWork, clock: Clock, calendar: WorkCalendar, settings: ComplaintDeadlineSettings
) -> dict[str, int]:
    """One pass over the open complaints; what it did, by kind (for the job's stored result)."""
    now = clock()
    done: dict[str, int] = {}
    for item in open_complaint_deadlines(uow, calendar, settings, now):
        done["complaints"] = done.get("complaints", 0) + 1
        for due in item.due:
            if due.due is None or due.state not in _ALERTING:
                continue
            key = (due.kind.value, due.state.value, due.due.last_day.isoformat())
            if key not in item.alerted:
                _alert(uow, item.complaint.complaint_id, due, now)
                name = f"complaint_alert_{due.kind.value}_{due.state.value}"
                done[name] = done.get(name, 0) + 1
    return done


def _alert(uow: UnitOfWork, complaint_id: str, due: ComplaintDueDate, now: datetime) -> None:
    assert due.due is not None  # the caller skips paused clocks
    detail = {
        "kind": due.kind.value,
        "state": due.state.value,
        "last_day": due.due.last_day.isoformat(),
        "estimated": due.estimated,
        "rule": due.rule,
    }
    with uow.begin() as session:
        row = session.get(ComplaintRow, complaint_id, options=[defer(ComplaintRow.complaint_json, raiseload=True)])  # type: ignore[arg-type]
        if row is None or row.status in _AT_REST:
            return  # closed since the page was read
        session.add(
            ComplaintEventRow(
                complaint_id=complaint_id,
                at=to_utc(now),
                event=ALERT.value,
                from_status=row.status,
                to_status=row.status,
                actor=ACTOR,
                detail=json.dumps(detail, ensure_ascii=False),
            )
        )
        alerts.complaint_deadline(session.connection(), complaint_id=complaint_id, detail=detail, at=now)
    log.warning(
        "complaint %s: %s deadline %s, last day %s%s",
        complaint_id,
        due.kind.value,
        "passed" if due.state is DueState.OVERDUE else "closing soon",
        due.due.last_day,
        " (estimated: no holiday data for that year)" if due.estimated else "",
    )


def alert_key(detail: str) -> tuple[str, str, str]:
    """(kind, state, last day) of an alert note's JSON detail (also the partners' sweep's, adapter/partners/sweep.py);
    empty strings for a detail that is not such JSON."""
    try:
        body = json.loads(detail)
    except ValueError:
        return "", "", ""
    if not isinstance(body, dict):
        return "", "", ""
    return str(body.get("kind", "")), str(body.get("state", "")), str(body.get("last_day", ""))
