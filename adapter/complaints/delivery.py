"""Delivering the centre's complaint messages to the desks: the outbox protocol (adapter/outbox/table_queue.py)
over complaint_outbox — claimed under a lease, sent through each desk's ComplaintDesk port, retried with backoff on
a TransientError, dead on a RejectedError or after the retry window, replayed by an operator (audited). A
complaint's messages go in order (order key complaint_id): a withdrawal never overtakes the forward it withdraws.

A receipt carrying the desk's reference fills complaints.desk_ref when the acknowledgement has not yet.
"""

import logging
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, update

from adapter.outbox import table_queue
from adapter.persistence.complaint_tables import ComplaintOutboxRow, ComplaintRow
from adapter.persistence.engine import UnitOfWork
from adapter.platforms.retry import RetryPolicy
from connectors.desk_port import ComplaintDesk
from connectors.port import TransientError
from schemas.clock import Clock, to_utc
from schemas.complaint import ComplaintEnvelope, ComplaintMessageType

log = logging.getLogger("docking.complaints")
OUTBOX: Table = ComplaintOutboxRow.__table__  # type: ignore[attr-defined]
COMPLAINTS: Table = ComplaintRow.__table__  # type: ignore[attr-defined]

QUEUE = table_queue.QueueTable(
    table=OUTBOX,
    key="message_id",
    order="complaint_id",
    noun="complaint message",
    replay_action="replay_complaint",
    list_command="docking complaints dead",
    log=log,
)


def deliver(
    uow: UnitOfWork, desks: Mapping[str, ComplaintDesk], clock: Clock, policy: RetryPolicy, **options: Any
) -> Counter[str]:
    """Send every due complaint message through its desk; counts by outcome (delivered / retried / dead /
    lease_lost). A message for a desk no longer configured is retried (the setting may come back) until it gives up."""
    return table_queue.deliver(uow, QUEUE, _sender(uow, desks, clock), clock, policy, **options)


def _sender(uow: UnitOfWork, desks: Mapping[str, ComplaintDesk], clock: Clock) -> Callable[[Any], None]:
    def send(row: Any) -> None:
        desk = desks.get(row.platform)
        if desk is None:
            raise TransientError(row.platform, "no desk of this name is configured ([desks.<name>])")
        envelope = ComplaintEnvelope.model_validate_json(row.envelope_json)
        receipt = desk.send(envelope)
        # The desk has it: the institution's receipt (forwarded_at, where its decision clock starts and the
        # same-day forward is met) on the first forward it confirms, and its reference unless the ack gave it.
        with uow.begin() as session:
            if receipt.desk_ref:
                session.connection().execute(
                    update(COMPLAINTS)
                    .where(COMPLAINTS.c.complaint_id == row.complaint_id, COMPLAINTS.c.desk_ref.is_(None))
                    .values(desk_ref=receipt.desk_ref)
                )
            if envelope.body.type == ComplaintMessageType.FORWARD:
                session.connection().execute(
                    update(COMPLAINTS)
                    .where(COMPLAINTS.c.complaint_id == row.complaint_id, COMPLAINTS.c.forwarded_at.is_(None))
                    .values(forwarded_at=to_utc(clock()))
                )

    return send


def dead(uow: UnitOfWork) -> list[Any]:
    """The dead complaint messages, oldest first (rows of complaint_outbox)."""
    return table_queue.dead_rows(uow, QUEUE)


def replay(uow: UnitOfWork, message_ids: Sequence[str] | None, *, actor: str, reason: str, now: datetime) -> list[str]:
    """Put dead messages (named, or all) back in the queue, audited; InvalidRequest naming an unknown or live id."""
    return table_queue.replay_dead(uow, QUEUE, message_ids, actor=actor, reason=reason, now=now)
