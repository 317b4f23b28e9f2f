"""Pruning past retention: delivered messages of cases at rest, expired nonces, old job and reconcile runs.

Only cases at rest lose their delivered messages: an open case may still need them re-sent by reconciliation
(a court that lost a case), and pending or dead messages are never pruned. Deleted in bounded batches, each its
own transaction, so a large first prune never holds a long lock on the outbox.
"""

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import col, select

from adapter.inbox.replay_guard import prune_nonces
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import CaseRow, JobRunRow, JobRunStatus, OutboxRow, OutboxStatus
from adapter.reconcile import runs as reconcile_runs
from adapter.states import FINAL, TRANSITIONS
from schemas.clock import to_utc

BATCH = 2000
# At rest for good: final statuses no event leads out of (a rejected JC agreement may be mediated again).
_FOR_GOOD = [s.value for s in FINAL if not any(state is s for state, _ in TRANSITIONS)]


def prune(uow: UnitOfWork, now: datetime, retention: timedelta) -> dict[str, int]:
    cutoff = to_utc(now) - retention
    at_rest = select(CaseRow.id).where(col(CaseRow.status).in_(_FOR_GOOD))
    messages = 0
    while True:
        with uow.begin() as session:
            ids = session.exec(
                select(OutboxRow.id)
                .where(
                    OutboxRow.status == OutboxStatus.DELIVERED,
                    col(OutboxRow.delivered_at) < cutoff,
                    col(OutboxRow.case_id).in_(at_rest),
                )
                .limit(BATCH)
            ).all()
            if ids:
                session.exec(delete(OutboxRow).where(col(OutboxRow.id).in_(ids)))
        messages += len(ids)
        if len(ids) < BATCH:
            break
    with uow.begin() as session:
        runs = session.exec(
            delete(JobRunRow).where(col(JobRunRow.started_at) < cutoff, col(JobRunRow.status) != JobRunStatus.RUNNING)
        )
        job_runs = int(runs.rowcount or 0)
    return {
        "messages": messages,
        "nonces": prune_nonces(uow, now),
        "job_runs": job_runs,
        "reconcile_runs": reconcile_runs.prune(uow, cutoff),
    }
