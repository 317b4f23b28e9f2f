"""Operational figures straight from the database, all time: cases by outcome, messages by delivery state.
A month's figures are the monthly report's (adapter/report/monthly.py), defined there once; monthly() gives some
of them under the names it used before the report.

Figures from the case history are counted by the enum members of adapter/states.py, named once in the table
below (REACHED; the report's COUNTED and CLOSING), so renaming an event cannot silently zero a figure
(tests/unit/test_stats_names.py holds every counted name to the enums).
"""

from datetime import datetime
from typing import Any

from sqlalchemy import distinct, func
from sqlmodel import col, select

from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import CaseEventRow, CaseRow, OutboxRow, OutboxStatus, QuarantineRow
from adapter.report.model import Month
from adapter.report.monthly import FLOWS, compute
from adapter.states import CaseStatus, Event, HistoryEvent
from schemas.clock import to_utc, utc_now
from schemas.enums import Flow

# summarize(): cases that reached each event at least once.
REACHED: dict[str, HistoryEvent] = {
    "accepted": Event.ACCEPT,
    "settled": Event.LAST_PARTY_SIGNS,
    "failed": Event.TERMINATE,
    "jc_requested": Event.APPLY_JC,
}


def summarize(uow: UnitOfWork) -> dict[str, Any]:
    with uow.begin() as session:
        by_status = dict(session.exec(select(CaseRow.status, func.count()).group_by(CaseRow.status)).all())
        by_flow = dict(session.exec(select(CaseRow.flow, func.count()).group_by(CaseRow.flow)).all())
        reached = dict(
            session.exec(
                select(CaseEventRow.event, func.count(distinct(col(CaseEventRow.case_id)))).group_by(CaseEventRow.event)
            ).all()
        )
        messages = dict(session.exec(select(OutboxRow.status, func.count()).group_by(OutboxRow.status)).all())
        quarantined = session.exec(select(func.count(col(QuarantineRow.id)))).one()
    status = lambda s: int(by_status.get(s.value, 0))  # noqa: E731
    return {
        "cases": sum(by_status.values()),
        "dispatched": sum(n for flow, n in by_flow.items() if flow != Flow.SELF_RECEIVED.value),
        "self_received": int(by_flow.get(Flow.SELF_RECEIVED.value, 0)),
        "by_flow": by_flow,
        "accepted": int(reached.get(REACHED["accepted"], 0)),
        "declined": status(CaseStatus.DECLINED),
        "settled": int(reached.get(REACHED["settled"], 0)),
        "failed": int(reached.get(REACHED["failed"], 0)),
        "jc_requested": int(reached.get(REACHED["jc_requested"], 0)),
        "jc_confirmed": status(CaseStatus.JC_CONFIRMED),
        "jc_rejected": status(CaseStatus.JC_REJECTED),
        "jc_not_accepted": status(CaseStatus.JC_NOT_ACCEPTED),
        "mediation_docs_issued": status(CaseStatus.MEDIATION_DOC_ISSUED),
        "closed_performed": status(CaseStatus.CLOSED_PERFORMED),
        "messages_sent": sum(messages.values()),
        "messages_delivered": int(messages.get(OutboxStatus.DELIVERED, 0)),
        "messages_pending": int(messages.get(OutboxStatus.PENDING, 0)),
        "messages_dead": int(messages.get(OutboxStatus.DEAD, 0)),
        "quarantined": int(quarantined),
        "by_status": by_status,
    }


def monthly(uow: UnitOfWork, start: datetime, end: datetime) -> dict[str, Any]:
    """The monthly report's figures (adapter/report/monthly.py, where each is defined) under the names this
    function gave before the report replaced it, for callers written against them: `start` and `end` bound one
    China-time month (its first midnight and the next month's), else ValueError. New code reads the report:
    adapter.report.monthly_report(), and publish() for anything shown outside operations."""
    month = Month.containing(start)
    if to_utc(start) != to_utc(month.start) or to_utc(end) != to_utc(month.end):
        raise ValueError(f"monthly() takes one China-time month's bounds, not {start.isoformat()} – {end.isoformat()}")
    report = compute(uow, month, clock=utc_now)
    flows = {label: flow.value for flow, label in FLOWS.items()}
    return {
        "received": report.received,
        "received_by_flow": {flows.get(label, label): n for label, n in report.table("received_by_flow").rows},
        "accepted": report.accepted,
        "declined": report.declined,
        "acceptance_overdue": report.acceptance_overdue,
        "settled": report.successful,
        "failed": report.closed - report.successful,
        "jc_applied": report.jc_applied,
        "jc_confirmed": report.jc_confirmed,
        "jc_rejected": report.jc_rejected,
        "jc_not_accepted": report.jc_not_accepted,
        "deadline_alerts": report.deadline_alerts,
        "messages_delivered": report.messages_delivered,
        "messages_dead": report.messages_dead,
        "quarantined": report.quarantined,
    }
