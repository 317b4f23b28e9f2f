"""Delivering centre events by webhook: claim due events under a lease, send each, record what became of it; and an
operator's replay of dead events.

Why a sibling table rather than outbox rows addressed to a pseudo-platform "centre": the outbox's per-case order
spans every row of a case whatever its platform, so a court's dead message would hold back the centre's events of
that case — including the very `message.dead` event telling the centre about it; its rows are court envelopes
(schemas/envelope.py) sent through a court connector; and a centre event given up must not itself raise a
`message.dead`. So the events keep their own rows (adapter/persistence/event_tables.py) with the outbox's columns
and statuses, delivered by the outbox's claim/record protocol over that table (adapter/outbox/table_queue.py): a
lease and a token, one conditional UPDATE per result, per-case order (an event waits while an earlier event of its
case is pending or dead). The schedule is the outbox's: adapter/platforms/retry.py (RetryPolicy, next_delay,
quick_retries); giving up counts from queued_at; a replay is audited like an outbox replay.
"""

import logging
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from adapter.events.port import EventSender
from adapter.events.store import EVENTS, Event, to_event
from adapter.outbox import table_queue
from adapter.outbox.claim import LEASE
from adapter.persistence.engine import UnitOfWork
from adapter.platforms.retry import RetryPolicy
from schemas.clock import Clock

log = logging.getLogger("docking.events")
QUEUE = table_queue.QueueTable(
    EVENTS,
    key="event_id",
    order="case_id",
    noun="centre event",
    replay_action="replay_event",
    list_command="docking events dead",
    log=log,
)


def claim(uow: UnitOfWork, clock: Clock, *, limit: int, lease: timedelta = LEASE) -> tuple[str, list[Any]]:
    """Take up to `limit` due events under a lease; per-case order as in the outbox (adapter/outbox/claim.py)."""
    return table_queue.claim(uow, QUEUE, clock, limit=limit, lease=lease)


def deliver_events(
    uow: UnitOfWork, sender: EventSender, clock: Clock, policy: RetryPolicy, **options: Any
) -> Counter[str]:
    """Deliver what is due now; returns counts by DeliveryResult (delivered / retried / dead / lease_lost).
    `options`: table_queue.deliver's (limit, max_rounds, retrying, jitter, lease)."""

    def send(row: Any) -> None:
        event = to_event(row)
        sender.send(event.id, event.document())

    return table_queue.deliver(uow, QUEUE, send, clock, policy, **options)


def dead_events(uow: UnitOfWork) -> list[tuple[Event, str | None]]:
    return [(to_event(row), row.last_error) for row in table_queue.dead_rows(uow, QUEUE)]


def replay_dead_events(
    uow: UnitOfWork, event_ids: Sequence[str] | None, *, actor: str, reason: str, now: datetime
) -> list[str]:
    """Put dead events (the ones named, or all) back in the queue, due at once with a new retry window; audited."""
    return table_queue.replay_dead(uow, QUEUE, event_ids, actor=actor, reason=reason, now=now)
