"""Putting stored outgoing messages back in the queue: the one way, for an operator's replay
(adapter/outbox/dead_letters.py) and for a reconciliation repair (adapter/reconcile/repair.py).

The stored envelope is never rebuilt (same message id, so a court that has it answers a duplicate). A requeued
row is due at once, holds no claim (a stale worker's token must not be able to record a result for it), and
starts a new retry window: `queued_at` is where give_up_after_hours counts from (adapter/outbox/send.py). Every
requeue is audited: who, when, why, which message.
"""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Text, case, func, insert, literal, update
from sqlalchemy.engine import Connection

from adapter.persistence.tables import AuditRow, OutboxRow, OutboxStatus
from adapter.persistence.unindexed import unindexed
from schemas.clock import to_utc

OUTBOX = OutboxRow.__table__  # type: ignore[attr-defined]
AUDIT = AuditRow.__table__  # type: ignore[attr-defined]


class RequeueConflict(Exception):
    """Some of the messages were no longer in the expected status when requeued: the caller rolls back."""


def requeue(
    connection: Connection,
    message_ids: Sequence[str],
    *,
    from_status: OutboxStatus,
    action: str,
    actor: str,
    reason: str,
    note: str,
    now: datetime,
) -> None:
    """Put every message of `message_ids` that is `from_status` back in the queue, in the caller's transaction.

    `note` becomes the row's last_error, followed by the error it had (so the reason it died stays readable);
    raises RequeueConflict unless every message was `from_status`, so the caller can undo the whole requeue.
    """
    if not message_ids:
        return
    at = to_utc(now)
    previous = func.coalesce(OUTBOX.c.last_error, literal("", Text))
    was = (
        literal(note, Text) + literal(" (was: ", Text) + func.substr(previous, 1, 300, type_=Text) + literal(")", Text)
    )
    requeued = connection.execute(
        update(OUTBOX)
        # Found by message id: with the status test indexed, SQLite walks every row of that status in ix_outbox_due
        # (every delivered message, for a repair) once five ids are named (adapter/persistence/unindexed.py).
        .where(OUTBOX.c.message_id.in_(list(message_ids)), unindexed(OUTBOX.c.status) == from_status)
        .values(
            status=OutboxStatus.PENDING,
            next_attempt_at=at,
            queued_at=at,
            claimed_by=None,
            claimed_until=None,
            last_error=case((previous == "", literal(note, Text)), else_=was),
        )
    ).rowcount
    if requeued != len(set(message_ids)):
        raise RequeueConflict(f"{len(message_ids) - requeued} of the messages are no longer {from_status}")
    connection.execute(
        insert(AUDIT),
        [
            {"at": at, "actor": actor, "action": action, "subject": message_id, "reason": reason}
            for message_id in message_ids
        ],
    )
