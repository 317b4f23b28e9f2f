"""Repairs a reconciliation may carry out: requeue delivered messages, or fetch a case from the platform and ingest.

Requeued messages are the stored envelopes, unchanged (same message ids), put back in the outbox in their case's
order and delivered on the normal schedule, by the same requeue as an operator's replay (adapter/outbox/requeue.py).
A court
that still holds a message answers it as a duplicate; one that lost it applies it again, once. Fetched items go
through ingest like a feed page: verified, deduplicated by the inbox, or quarantined with their bytes.
"""

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from adapter.inbox.ingest import ingest
from adapter.inbox.item_outcome import Ingested
from adapter.outbox.requeue import RequeueConflict
from adapter.outbox.requeue import requeue as requeue_messages
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import OutboxStatus
from adapter.platforms.registry import PlatformLink
from adapter.reconcile.cases import CASES, OUTBOX
from connectors.port import RawInbound
from schemas.clock import Clock


def requeue(
    uow: UnitOfWork,
    case_id: str,
    message_ids: Sequence[str],
    *,
    expected_status: str,
    action: str,
    actor: str,
    reason: str,
    now: datetime,
) -> str | None:
    """Put these delivered messages of one case back in the queue, in one transaction; None when done, else why not.

    Checked again inside the transaction: the case may have moved on, or queued a message, since it was compared —
    then it is left for the next run rather than repaired on a stale reading.
    """
    try:
        with uow.begin() as session:
            connection = session.connection()
            status = connection.execute(
                select(CASES.c.status).where(CASES.c.id == case_id).with_for_update()
            ).scalar_one_or_none()
            if status != expected_status:
                return "the case changed during the run; the next run compares it again"
            pending = (
                select(OUTBOX.c.id).where(OUTBOX.c.case_id == case_id, OUTBOX.c.status == OutboxStatus.PENDING).limit(1)
            )
            if connection.execute(pending).first() is not None:
                return "the case has a message in flight now; the next run compares it again"
            # One is no longer delivered: the conflict rolls back the whole case, left for the next run.
            requeue_messages(
                connection,
                message_ids,
                from_status=OutboxStatus.DELIVERED,
                action=f"reconcile-{action}",
                actor=actor,
                reason=reason,
                note=f"{action} by reconciliation ({actor}): {reason}",
                now=now,
            )
    except RequeueConflict:
        return "a message of the case changed during the run; the next run compares it again"
    return None


def fetch_and_ingest(uow: UnitOfWork, link: PlatformLink, platform_case_id: str, clock: Clock) -> Counter[Ingested]:
    """Ask the platform for everything it published about the case and ingest it, item by item."""
    return ingest_items(uow, link, link.connector.fetch_case(platform_case_id), clock)


def ingest_items(uow: UnitOfWork, link: PlatformLink, items: Sequence[RawInbound], clock: Clock) -> Counter[Ingested]:
    """Ingest what the platform published about a case (already fetched), item by item."""
    counts: Counter[Ingested] = Counter()
    for item in items:
        counts[ingest(uow, link, "reconcile", item, clock)] += 1
    return counts
