"""Operational figures straight from the database, all time: cases by outcome, messages by delivery state.
A month's figures are the monthly report's (adapter/report/monthly.py), defined there once; monthly() gives some
of them under the names it used before the report.

Figures from the case history are counted by the enum members of adapter/states.py, named once in the table
below (REACHED; the report's COUNTED and CLOSING), so renaming an event cannot silently zero a figure
(tests/unit/test_stats_names.py holds every counted name to the enums).
"""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import distinct, func
from sqlmodel import col, select

from adapter.complaints.states import FINAL as COMPLAINT_FINAL
from adapter.complaints.states import ComplaintStatus
from adapter.complaints.working_days import small_claim_working_days
from adapter.deadlines.calendar import WorkCalendar
from adapter.persistence.complaint_tables import ComplaintEventRow, ComplaintOutboxRow, ComplaintRow
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import CaseEventRow, CaseRow, OutboxRow, OutboxStatus, QuarantineRow
from adapter.report.complaint_figures import complaint_figures
from adapter.report.model import Month
from adapter.report.monthly import FLOWS, compute
from adapter.report.reading import complaint_events, complaints_received
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


def summarize_complaints(uow: UnitOfWork, calendar: WorkCalendar) -> dict[str, Any]:
    """The complaint figures all time, counted as the monthly report counts them in a month
    (adapter/report/complaint_figures.py, defined there once: forwarded the same China day as received; settled =
    decided upheld, partly or settled, or a small claim paid; small claims = mediator's decisions; their working
    days from receipt to the confirmed payment by adapter/complaints/working_days.py on `calendar`, mean half up to
    0.1, None without a paid one) — plus where they rest: `complaints_at_rest` (a final status), the messages to
    the desks by delivery state. Shape: a flat dict of ints (and the one float or None), `complaints_by_status`."""
    everything = (datetime(1900, 1, 1, tzinfo=UTC), datetime(9999, 1, 1, tzinfo=UTC))
    with uow.begin() as session:
        received = complaints_received(session, *everything)
        events = complaint_events(session, *everything)
        by_status = dict(session.exec(select(ComplaintRow.status, func.count()).group_by(ComplaintRow.status)).all())
        messages = dict(
            session.exec(select(ComplaintOutboxRow.status, func.count()).group_by(ComplaintOutboxRow.status)).all()
        )
        histories = session.exec(select(func.count(col(ComplaintEventRow.id)))).one()
    figures = complaint_figures(
        Month.containing(utc_now()),  # unused by the counts: every complaint and event is passed in
        received,
        {c.id: c for c in received},
        events,
        lambda start, paid: small_claim_working_days(start, paid, calendar).days,
    )
    average = figures.small_claim_days_avg
    return {
        "complaints": figures.received,
        "complaints_forwarded": figures.forwarded,
        "complaints_forwarded_same_day": figures.forwarded_same_day,
        "complaints_settled": figures.settled,
        "complaints_settled_amount": str(figures.settled_amount),
        "complaints_to_mediation": figures.to_mediation,
        "small_claims": figures.small_claims,
        "small_claim_working_days_avg": None if average is None else float(average),
        "complaints_at_rest": sum(int(n) for s, n in by_status.items() if ComplaintStatus(s) in COMPLAINT_FINAL),
        "complaint_history_entries": int(histories),
        "complaint_messages_sent": sum(int(n) for n in messages.values()),
        "complaint_messages_delivered": int(messages.get(OutboxStatus.DELIVERED, 0)),
        "complaint_messages_pending": int(messages.get(OutboxStatus.PENDING, 0)),
        "complaint_messages_dead": int(messages.get(OutboxStatus.DEAD, 0)),
        "complaints_by_status": {str(s): int(n) for s, n in by_status.items()},
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
