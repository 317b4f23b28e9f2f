"""Re-running dead messages: an operator's decision, audited, that puts the original payload back in the queue.

The payload is never rebuilt: the stored envelope (same message id, so the court can still drop a duplicate) is
delivered again, in its case's order, on the normal schedule.
"""

from datetime import datetime

from sqlmodel import Session, col, select

from adapter.clock import to_utc
from adapter.db import UnitOfWork
from adapter.errors import InvalidRequest
from adapter.tables import AuditRow, OutboxRow


def replay_message(uow: UnitOfWork, message_id: str, *, actor: str, reason: str, now: datetime) -> OutboxRow:
    with uow.begin() as session:
        row = session.exec(select(OutboxRow).where(OutboxRow.message_id == message_id)).first()
        if row is None:
            raise InvalidRequest(f"no outgoing message {message_id!r}; `docking outbox dead` lists the dead ones")
        if row.status != "dead":
            raise InvalidRequest(f"message {message_id} is {row.status}, not dead; only dead messages are replayed")
        _requeue(session, row, actor=actor, reason=reason, now=now)
        return row


def replay_dead(
    uow: UnitOfWork, *, platform: str | None, since: datetime | None, actor: str, reason: str, now: datetime
) -> list[str]:
    """Requeue every dead message of `platform` (or all) created since `since`; returns their ids."""
    with uow.begin() as session:
        query = select(OutboxRow).where(OutboxRow.status == "dead").order_by(col(OutboxRow.id))
        if platform:
            query = query.where(OutboxRow.platform == platform)
        if since:
            query = query.where(col(OutboxRow.created_at) >= to_utc(since))
        rows = list(session.exec(query).all())
        for row in rows:
            _requeue(session, row, actor=actor, reason=reason, now=now)
        return [row.message_id for row in rows]


def _requeue(session: Session, row: OutboxRow, *, actor: str, reason: str, now: datetime) -> None:
    if not reason.strip():
        raise InvalidRequest("a replay needs a reason (--reason): it is recorded in the audit log")
    previous = row.last_error or ""
    row.status, row.next_attempt_at, row.claimed_until = "pending", to_utc(now), None
    row.last_error = f"replayed by {actor}: {reason} (was: {previous[:300]})"
    session.add(row)
    session.add(AuditRow(at=to_utc(now), actor=actor, action="replay", subject=row.message_id, reason=reason))
