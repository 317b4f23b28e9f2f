"""Re-running dead messages: an operator's decision, audited, that puts the original payload back in the queue.

The payload is never rebuilt: the stored envelope (same message id, so the court can still drop a duplicate) is
delivered again, in its case's order, on the normal schedule.
"""

from datetime import datetime

from sqlalchemy.engine import Connection
from sqlmodel import col, select

from adapter.errors import InvalidRequest
from adapter.outbox.requeue import RequeueConflict, requeue
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import OutboxRow, OutboxStatus
from schemas.clock import to_utc


def replay_message(uow: UnitOfWork, message_id: str, *, actor: str, reason: str, now: datetime) -> OutboxRow:
    _check_reason(reason)
    with uow.begin() as session:
        row = session.exec(select(OutboxRow).where(OutboxRow.message_id == message_id)).first()
        if row is None:
            raise InvalidRequest(f"no outgoing message {message_id!r}; `docking outbox dead` lists the dead ones")
        if row.status != OutboxStatus.DEAD:
            raise InvalidRequest(f"message {message_id} is {row.status}, not dead; only dead messages are replayed")
        _requeue(session.connection(), [message_id], actor=actor, reason=reason, now=now)
        session.refresh(row)
        return row


def replay_dead(
    uow: UnitOfWork, *, platform: str | None, since: datetime | None, actor: str, reason: str, now: datetime
) -> list[str]:
    """Requeue every dead message of `platform` (or all) created since `since`; returns their ids."""
    _check_reason(reason)
    with uow.begin() as session:
        query = select(OutboxRow.message_id).where(OutboxRow.status == OutboxStatus.DEAD).order_by(col(OutboxRow.id))
        if platform:
            query = query.where(OutboxRow.platform == platform)
        if since:
            query = query.where(col(OutboxRow.created_at) >= to_utc(since))
        ids = list(session.exec(query).all())
        _requeue(session.connection(), ids, actor=actor, reason=reason, now=now)
        return ids


def _check_reason(reason: str) -> None:
    if not reason.strip():
        raise InvalidRequest("a replay needs a reason (--reason): it is recorded in the audit log")


def _requeue(connection: Connection, ids: list[str], *, actor: str, reason: str, now: datetime) -> None:
    try:
        requeue(
            connection,
            ids,
            from_status=OutboxStatus.DEAD,
            action="replay",
            actor=actor,
            reason=reason,
            note=f"replayed by {actor}: {reason}",
            now=now,
        )
    except RequeueConflict:
        raise InvalidRequest("a message changed while it was being replayed (another replay?): run it again") from None
