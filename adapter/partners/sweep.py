"""The partners' deadline sweep: every open partner record's due dates (its kind's spec.due_dates, on the case
deadlines' calendar — working days for police rules [P18 Art 112], calendar days for court and arbitration rules,
partners.md §0) for `docking partners deadlines` and the console, and the alerts the centre must hear of them.

A due date closing within `due_soon` (or the kind already says DUE_SOON), or passed, raises an alert once per due
date and state: a `deadline_alert` note in the record's history (its detail JSON: kind — the due date's name —,
state, last day, counting, estimated, rule), a log line, and the alert hook (adapter/alerts/causes.py
partner_deadline: one-shot per record and due date, which the alert destinations deliver). A paused clock (a
traffic case in appraisal, partners.md §2) raises nothing; nor does a party's own window (PartnerDue.duty False: an
award's correction or set-aside [P21 Arts 56, 59]) — open until it closes, then lapsed, never due soon or overdue:
a right left unused is nobody's lapse.
Nothing moves state and the version stays: what to do about a late answer is for the centre's staff.
"""

import json
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select

from adapter.alerts import causes as alerts
from adapter.deadlines.calendar import WorkCalendar, china_date
from adapter.deadlines.complaint_sweep import alert_key
from adapter.deadlines.compute import DueState, classify
from adapter.events import partner_events
from adapter.partners.spec import PartnerDue, PartnerRecord
from adapter.partners.specs import spec_for
from adapter.persistence import partner_store as store
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.partner_tables import PartnerEventRow, PartnerRecordRow
from schemas.clock import Clock, from_db

log = logging.getLogger("docking.deadlines")
ALERT, ACTOR = "deadline_alert", "deadline-sweep"
_LIVE = (DueState.OPEN, DueState.DUE_SOON, DueState.OVERDUE)


@dataclass(frozen=True)
class RecordDues:
    record: PartnerRecord
    due: list[PartnerDue]  # states as of now (_as_of): a duty DUE_SOON within the margin, OVERDUE once passed
    alerted: frozenset[tuple[str, str, str]]  # (name, state, last day) already raised


def open_record_dues(
    uow: UnitOfWork,
    calendar: WorkCalendar,
    rules: Callable[[str, str], Any],
    now: datetime,
    *,
    due_soon: timedelta = timedelta(hours=24),
    batch: int = 200,
) -> Iterator[RecordDues]:
    """Every partner record not at rest with its due dates at `now`; keyset pages, each page's history in one
    query. `rules(partner, kind)` gives the partner's rules (an instance of its kind's rules_model)."""
    after = ""
    while True:
        with uow.begin() as session:
            query = (
                select(PartnerRecordRow)
                .where(col(PartnerRecordRow.record_id) > after, col(PartnerRecordRow.closed_at).is_(None))
                .order_by(col(PartnerRecordRow.record_id))
                .limit(batch)
            )
            rows = list(session.exec(query))
            history: dict[str, list[PartnerEventRow]] = {r.record_id: [] for r in rows}
            if rows:
                of_page = select(PartnerEventRow).where(col(PartnerEventRow.record_id).in_(list(history)))
                for event in session.exec(of_page.order_by(col(PartnerEventRow.id))):
                    history[event.record_id].append(event)
        if not rows:
            return
        for row in rows:
            record, events = store.view(row), history[row.record_id]
            lines = [(from_db(e.at), e.event or e.note or "") for e in events if e.note != ALERT]
            dues = spec_for(row.kind).due_dates(record, lines, calendar, now, rules(row.partner, row.kind))
            alerted = frozenset(alert_key(e.detail) for e in events if e.note == ALERT)
            yield RecordDues(record, [_as_of(d, now, due_soon) for d in dues], alerted)
        after = rows[-1].record_id


def _as_of(due: PartnerDue, now: datetime, due_soon: timedelta) -> PartnerDue:
    """`due` on the sweep's ladder at `now` (compute.classify): a duty DUE_SOON within `due_soon` (hours) or the
    kind's own margin (days), whichever is wider, OVERDUE from `due_at`; a party's window (`duty` False) OPEN
    before `due_at` and LAPSED from it, whatever the kind said. Met, late, lapsed, paused: as the kind said."""
    if due.due_at is None or due.state not in _LIVE:
        return due
    # A live due date is unmet and binds.
    state = classify(due.due_at, None, True, now, due_soon, duty=due.duty)
    if state is DueState.OPEN and due.state is DueState.DUE_SOON and due.duty:
        state = DueState.DUE_SOON
    return replace(due, state=state)


def alerting(due: PartnerDue) -> bool:
    """Whether the sweep raises an alert for `due` (once per name, state and last day): a duty with a date, due
    soon or overdue. Never a party's window (`duty` False; `_as_of` never ladders one past OPEN either) nor a
    paused clock."""
    return due.duty and due.due_at is not None and due.state in (DueState.DUE_SOON, DueState.OVERDUE)


def closing_within(
    uow: UnitOfWork, calendar: WorkCalendar, rules: Callable[[str, str], Any], now: datetime, horizon: timedelta,
    *, due_soon: timedelta = timedelta(hours=24),
) -> list[dict[str, Any]]:  # fmt: skip
    """One row per live due date closing within `horizon` of `now` (or passed), for `docking partners deadlines`;
    `duty` False marks a party's window (open until it closes, then lapsed: no row)."""
    rows = []
    for item in open_record_dues(uow, calendar, rules, now, due_soon=due_soon):
        r = item.record
        for due in item.due:
            if due.due_at is None or due.state not in _LIVE or due.due_at - now > horizon:
                continue
            rows.append({
                "record": r.record_id, "kind": r.kind.value, "partner": r.partner, "status": r.status,
                "due": due.name, "due_day": _day(due), "state": due.state.value, "counting": due.counting,
                "closes_in_hours": round((due.due_at - now).total_seconds() / 3600, 1),
                "estimated": due.estimated, "rule": due.rule, "duty": due.duty,
            })  # fmt: skip
    return rows


def sweep(
    uow: UnitOfWork, clock: Clock, calendar: WorkCalendar, rules: Callable[[str, str], Any],
    *, due_soon: timedelta = timedelta(hours=24),
) -> dict[str, int]:  # fmt: skip
    """One pass over the open partner records; what it did (for the job's stored result): records seen, alerts
    raised by state."""
    now = clock()
    done: dict[str, int] = {}
    for item in open_record_dues(uow, calendar, rules, now, due_soon=due_soon):
        done["records"] = done.get("records", 0) + 1
        for due in item.due:
            if alerting(due) and (due.name, due.state.value, _day(due)) not in item.alerted:
                _alert(uow, item.record.record_id, due, now)
                done[f"alert_{due.state.value}"] = done.get(f"alert_{due.state.value}", 0) + 1
    return done


def _alert(uow: UnitOfWork, record_id: str, due: PartnerDue, now: datetime) -> None:
    # the complaints' alert note's keys (adapter/deadlines/complaint_sweep.py alert_key reads both)
    detail = {"kind": due.name, "state": due.state.value, "last_day": _day(due), "counting": due.counting,
              "estimated": due.estimated, "rule": due.rule}  # fmt: skip
    with uow.begin() as session:
        row = store.find(session, record_id)
        if row is None or row.closed_at is not None:
            return  # closed since the page was read
        line = store.HistoryLine(None, ALERT, row.status, row.status, ACTOR, json.dumps(detail, ensure_ascii=False))
        store.add_history(session, record_id, line, now)
        alerts.partner_deadline(session.connection(), record_id=record_id, detail=detail, at=now)
        partner_events.deadline_alert(session.connection(), row, detail, now)  # the centre's event, with it
    log.warning("partner record %s: %s %s, due %s (%s)", record_id, due.name,
                "passed" if due.state is DueState.OVERDUE else "closing soon", _day(due), due.counting)  # fmt: skip


def _day(due: PartnerDue) -> str:
    """The last day of a due date, China time: `due_at` is the first instant after it (midnight)."""
    assert due.due_at is not None
    return china_date(due.due_at - timedelta(microseconds=1)).isoformat()


def rules_lookup(configured: Mapping[str, Any]) -> Callable[[str, str], Any]:
    """`rules(partner, kind)`: the configured partner's rules, else the kind's defaults (a partner removed from the
    settings keeps its records' due dates)."""

    def rules(partner: str, kind: str) -> Any:
        if partner in configured:
            return configured[partner]
        return spec_for(kind).rules_model()

    return rules
