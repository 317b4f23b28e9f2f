"""Pruning past retention: delivered messages of cases at rest, delivered messages of complaints at rest (closed,
withdrawn, merged, converted: never an open complaint's, whose forward reconciliation may resend), delivered messages
of partner records at rest (closed_at set: reconciliation's repair resends only an open record's), delivered centre
events, expired nonces, old job and reconcile runs.

Only cases at rest lose their delivered messages: an open case may still need them re-sent by reconciliation
(a court that lost a case), and pending or dead messages are never pruned. Centre events (adapter/events/) go
once delivered to the centre's webhook longer ago than the retention period, whatever their case's state: the
centre has them, and a reader of GET /events?after=CURSOR that is further behind than the retention period starts
from the oldest kept event. A pending or dead event is never pruned (it is still owed; `docking events replay`
needs the dead) — but where no webhook is configured (`events_polled`: the centre reads GET /events), a pending
event goes by its age, as a delivered one would. Deleted in bounded batches, each its own transaction, so a large
first prune never holds a long lock on the outbox or the event table.
"""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlmodel import col, select

from adapter.complaints.states import FINAL as COMPLAINT_FINAL
from adapter.inbox.replay_guard import prune_nonces
from adapter.persistence.complaint_tables import ComplaintOutboxRow, ComplaintRow
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.event_tables import CentreEventRow
from adapter.persistence.partner_tables import PartnerOutboxRow, PartnerRecordRow
from adapter.persistence.tables import CaseRow, JobRunRow, JobRunStatus, OutboxRow, OutboxStatus
from adapter.reconcile import runs as reconcile_runs
from adapter.states import FINAL, TRANSITIONS
from schemas.clock import to_utc

BATCH = 2000
# At rest for good: final statuses no event leads out of (a rejected JC agreement may be mediated again).
_FOR_GOOD = [s.value for s in FINAL if not any(state is s for state, _ in TRANSITIONS)]


def prune(uow: UnitOfWork, now: datetime, retention: timedelta, *, events_polled: bool = False) -> dict[str, int]:
    """Prune what passed `retention` at `now` (module doc); how many rows of each kind went: messages,
    complaint_messages, partner_messages (delivered, of a record at rest), events, nonces, job_runs,
    reconcile_runs."""
    cutoff = to_utc(now) - retention
    at_rest = select(CaseRow.id).where(col(CaseRow.status).in_(_FOR_GOOD))
    delivered = OutboxRow.status == OutboxStatus.DELIVERED, col(OutboxRow.delivered_at) < cutoff
    messages = _batches(uow, select(OutboxRow.id).where(*delivered, col(OutboxRow.case_id).in_(at_rest)), OutboxRow)
    done = select(ComplaintRow.complaint_id).where(col(ComplaintRow.status).in_([s.value for s in COMPLAINT_FINAL]))
    complaint_messages = _batches(
        uow,
        select(ComplaintOutboxRow.id).where(
            ComplaintOutboxRow.status == OutboxStatus.DELIVERED,
            col(ComplaintOutboxRow.delivered_at) < cutoff,
            col(ComplaintOutboxRow.complaint_id).in_(done),
        ),
        ComplaintOutboxRow,
    )
    closed = select(PartnerRecordRow.record_id).where(col(PartnerRecordRow.closed_at).is_not(None))
    partner_messages = _batches(
        uow,
        select(PartnerOutboxRow.id).where(
            PartnerOutboxRow.status == OutboxStatus.DELIVERED,
            col(PartnerOutboxRow.delivered_at) < cutoff,
            col(PartnerOutboxRow.record_id).in_(closed),
        ),
        PartnerOutboxRow,
    )
    # With no webhook ([events] urls empty) the centre reads GET /events: nothing is ever "delivered", so an event
    # goes by its age instead — else the table grows without end (operator review). The reader's cursor rule holds.
    owed = (
        (CentreEventRow.status == OutboxStatus.PENDING, col(CentreEventRow.at) < cutoff)
        if events_polled
        else (CentreEventRow.status == OutboxStatus.DELIVERED, col(CentreEventRow.delivered_at) < cutoff)
    )
    events = _batches(uow, select(CentreEventRow.id).where(*owed), CentreEventRow)
    with uow.begin() as session:
        runs = session.exec(
            delete(JobRunRow).where(col(JobRunRow.started_at) < cutoff, col(JobRunRow.status) != JobRunStatus.RUNNING)
        )
        job_runs = int(runs.rowcount or 0)
    return {
        "messages": messages,
        "complaint_messages": complaint_messages,
        "partner_messages": partner_messages,
        "events": events,
        "nonces": prune_nonces(uow, now),
        "job_runs": job_runs,
        "reconcile_runs": reconcile_runs.prune(uow, cutoff),
    }


def _batches(uow: UnitOfWork, ids: Any, model: Any) -> int:
    """Delete the rows of `model` whose ids `ids` selects, BATCH at a time, each batch its own transaction."""
    deleted = 0
    while True:
        with uow.begin() as session:
            batch = session.exec(ids.limit(BATCH)).all()
            if batch:
                session.exec(delete(model).where(col(model.id).in_(batch)))
        deleted += len(batch)
        if len(batch) < BATCH:
            return deleted
