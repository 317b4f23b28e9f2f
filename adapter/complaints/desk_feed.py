"""Reading the desks: polling each desk's feed (the cursors table, platform = the desk, feed "complaints"; every
item through adapter/complaints/inbound.py's ingest, a bad one quarantined with its raw bytes) and reconciliation
by complaint — the desk's own view (query_status) against ours, differences reported, and a forward the desk does
not know sent again (same message id: the desk applies it once).
"""

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, update
from sqlmodel import col, select

from adapter.complaints.inbound import FEED, ingest
from adapter.complaints.states import FINAL, ComplaintStatus
from adapter.inbox.paged_feed import read_pages
from adapter.persistence.complaint_tables import ComplaintOutboxRow, ComplaintRow
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import AuditRow, OutboxStatus
from connectors.desk_port import ComplaintDesk, DeskStatus
from schemas.clock import Clock, to_utc
from schemas.complaint import ComplaintMessageType

log = logging.getLogger("docking.complaints")
S, D = ComplaintStatus, DeskStatus

# What the desk may say of a complaint in each of our statuses without a difference: its view may lag ours by the
# messages in flight (a forward not yet applied) or lead it by an answer we have not read yet (reported, not fixed).
AGREES: dict[ComplaintStatus, frozenset[DeskStatus]] = {
    S.FORWARDED: frozenset({D.RECEIVED}),
    S.ACKNOWLEDGED: frozenset({D.ACKNOWLEDGED}),
    S.HANDLING: frozenset({D.HANDLING, D.ACKNOWLEDGED}),
    S.EXTENDED_30: frozenset({D.EXTENDED, D.HANDLING}),
    S.EXTENDED_60: frozenset({D.EXTENDED, D.HANDLING}),
    S.SMALL_CLAIM_DECIDED: frozenset({D.HANDLING, D.DECIDED}),
    S.PAID: frozenset({D.PAID}),
    S.DECIDED: frozenset({D.DECIDED}),
    S.REVIEW_REQUESTED: frozenset({D.HANDLING, D.DECIDED}),
    S.REVIEW_DECIDED: frozenset({D.DECIDED}),
    S.VISITED: frozenset({D.DECIDED, D.PAID}),
}


def poll(uow: UnitOfWork, desk: ComplaintDesk, clock: Clock, *, limit: int = 100, max_pages: int = 20) -> Counter[str]:
    """Read the desk's feed from our cursor, each page ingested then the cursor moved; counts by outcome
    (applied / duplicate / quarantined). A TransientError propagates (the job retries next time; the cursor is
    where the last whole page left it)."""
    return read_pages(
        uow, desk.name, FEED, desk.fetch, lambda item: ingest(uow, desk, item, clock), limit=limit, max_pages=max_pages
    )


@dataclass(frozen=True)
class Difference:
    complaint_id: str
    ours: str
    theirs: str | None  # None: the desk does not know the complaint
    action: str  # "resent" (the forward queued again) | "report"


def reconcile(
    uow: UnitOfWork, desk: ComplaintDesk, clock: Clock, *, repair: bool = True, actor: str = "reconcile"
) -> list[Difference]:
    """Compare the desk's view of our open complaints with ours. A complaint it does not know whose forward was
    delivered: with `repair`, that forward is queued again (audited `resend_complaint`); every other difference is
    reported (logged at WARNING, returned). Complaints still RECEIVED or with a message in flight are skipped."""
    with uow.begin() as session:
        rows = session.exec(
            select(ComplaintRow.complaint_id, ComplaintRow.status).where(
                ComplaintRow.desk == desk.name,
                col(ComplaintRow.status).not_in([s.value for s in FINAL] + [S.RECEIVED.value]),
            )
        ).all()
        in_flight = set(
            session.exec(
                select(ComplaintOutboxRow.complaint_id).where(
                    ComplaintOutboxRow.platform == desk.name, ComplaintOutboxRow.status != OutboxStatus.DELIVERED
                )
            ).all()
        )
    ours = {cid: S(status) for cid, status in rows if cid not in in_flight}
    found: list[Difference] = []
    ids = sorted(ours)
    for start in range(0, len(ids), 100):
        theirs = desk.query_status(ids[start : start + 100])
        for cid in ids[start : start + 100]:
            status = theirs.get(cid)
            if status is not None and status in AGREES.get(ours[cid], frozenset()):
                continue
            action = "resent" if status is None and repair and _resend(uow, cid, clock(), actor) else "report"
            found.append(Difference(cid, ours[cid].value, status.value if status else None, action))
            log.warning("desk %s: complaint %s is %s here, %s there (%s)", desk.name, cid, ours[cid], status, action)
    return found


def _resend(uow: UnitOfWork, complaint_id: str, now: datetime, actor: str) -> bool:
    table = ComplaintOutboxRow.__table__  # type: ignore[attr-defined]
    at = to_utc(now)
    with uow.begin() as session:
        forward = session.exec(
            select(ComplaintOutboxRow)
            .where(
                ComplaintOutboxRow.complaint_id == complaint_id,
                ComplaintOutboxRow.type == ComplaintMessageType.FORWARD.value,
            )
            .order_by(col(ComplaintOutboxRow.id))
        ).first()
        if forward is None or forward.status != OutboxStatus.DELIVERED:
            return False
        connection = session.connection()
        connection.execute(
            update(table)
            .where(table.c.id == forward.id)
            .values(status=OutboxStatus.PENDING, next_attempt_at=at, queued_at=at, claimed_by=None, claimed_until=None)
        )
        connection.execute(
            insert(AuditRow.__table__),  # type: ignore[attr-defined]
            {
                "at": at,
                "actor": actor,
                "action": "resend_complaint",
                "subject": forward.message_id,
                "reason": f"desk does not know complaint {complaint_id}",
            },
        )
    return True
