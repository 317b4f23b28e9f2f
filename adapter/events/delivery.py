"""Delivering centre events by webhook: claim due events under a lease, send each, record what became of it; and an
operator's replay of dead events.

Why a sibling table rather than outbox rows addressed to a pseudo-platform "centre": the outbox's per-case order
spans every row of a case whatever its platform, so a court's dead message would hold back the centre's events of
that case — including the very `message.dead` event telling the centre about it; its rows are court envelopes
(schemas/envelope.py) sent through a court connector; and a centre event given up must not itself raise a
`message.dead`. So the events keep their own rows (adapter/persistence/event_tables.py) with the outbox's columns
and statuses, and this module follows the outbox's claim/record protocol (adapter/outbox/claim.py, record.py): a
lease and a token, one conditional UPDATE per result, per-case order (an event waits while an earlier event of its
case is pending or dead). The schedule is the outbox's: adapter/platforms/retry.py (RetryPolicy, next_delay,
quick_retries); giving up counts from queued_at; a replay is audited like an outbox replay.
"""

import logging
import random
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, insert, or_, select, update
from tenacity import Retrying

from adapter.errors import InvalidRequest
from adapter.events.port import EventSender
from adapter.events.store import EVENTS, Event, to_event
from adapter.masking import mask_text
from adapter.outbox.claim import LEASE
from adapter.outbox.record import DeliveryResult
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import AuditRow, OutboxStatus
from adapter.platforms.retry import RetryPolicy, next_delay, quick_retries
from connectors.port import RejectedError, TransientError
from schemas.clock import Clock, from_db, to_utc

log = logging.getLogger("docking.events")
AUDIT = AuditRow.__table__  # type: ignore[attr-defined]
R = DeliveryResult


def claim(uow: UnitOfWork, clock: Clock, *, limit: int, lease: timedelta = LEASE) -> tuple[str, list[Any]]:
    """Take up to `limit` due events under a lease; per-case order as in the outbox (adapter/outbox/claim.py)."""
    now = to_utc(clock())
    token = uuid.uuid4().hex
    earlier = EVENTS.alias("earlier")
    blocked = exists().where(
        earlier.c.case_id == EVENTS.c.case_id,  # NULL never equals: an event about no case waits for none
        earlier.c.status.in_((OutboxStatus.PENDING, OutboxStatus.DEAD)),
        earlier.c.id < EVENTS.c.id,
    )
    query = (
        select(EVENTS)
        .where(
            EVENTS.c.status == OutboxStatus.PENDING,
            EVENTS.c.next_attempt_at <= now,
            or_(EVENTS.c.claimed_until.is_(None), EVENTS.c.claimed_until < now),
            ~blocked,
        )
        .order_by(EVENTS.c.next_attempt_at, EVENTS.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    with uow.begin() as session:
        connection = session.connection()
        rows = list(connection.execute(query))
        if rows:
            connection.execute(
                update(EVENTS)
                .where(EVENTS.c.id.in_([row.id for row in rows]))
                .values(claimed_by=token, claimed_until=now + lease)
            )
    return token, rows  # Row objects with CentreEventRow's columns


def deliver_events(
    uow: UnitOfWork,
    sender: EventSender,
    clock: Clock,
    policy: RetryPolicy,
    *,
    limit: int = 50,
    max_rounds: int = 20,
    retrying: Callable[[], Retrying] = quick_retries,
    jitter: Callable[[], float] = random.random,
    lease: timedelta = LEASE,
) -> Counter[str]:
    """Deliver what is due now; returns counts by DeliveryResult (delivered / retried / dead / lease_lost)."""
    counts: Counter[str] = Counter()
    for _ in range(max_rounds):
        token, rows = claim(uow, clock, limit=limit, lease=lease)
        if not rows:
            break
        for row in rows:
            outcome, values = _send(sender, clock, policy, row, retrying(), jitter)
            counts[_record(uow, token, row.id, outcome, values)] += 1
    return counts


def _send(
    sender: EventSender,
    clock: Clock,
    policy: RetryPolicy,
    row: Any,
    retrying: Retrying,
    jitter: Callable[[], float],
) -> tuple[DeliveryResult, dict[str, object]]:
    event = to_event(row)
    outcome, error, delay = R.DELIVERED, None, 0.0
    try:
        retrying(sender.send, event.id, event.document())
    except TransientError as exc:
        outcome, error = R.RETRIED, str(exc)
        delay = next_delay(policy, row.attempts, jitter, exc.retry_after)
    except RejectedError as exc:
        outcome, error = R.DEAD, str(exc)
    except Exception as exc:  # a sender bug: retry on the schedule, never lose the run
        outcome, error = R.RETRIED, f"unexpected {type(exc).__name__}"
        delay = next_delay(policy, row.attempts, jitter)
    now = clock()
    if outcome is R.RETRIED and now - from_db(row.queued_at) >= policy.give_up_after:
        outcome, error = R.DEAD, f"gave up after {row.attempts + 1} attempts over {policy.give_up_after}: {error}"
    if error is not None:
        log.warning("event %s to the centre %s: %s", row.event_id, outcome, mask_text(error))
    values: dict[str, object] = {
        "attempts": row.attempts + 1,
        "last_error": error,
        "claimed_by": None,
        "claimed_until": None,
    }
    if outcome is R.DELIVERED:
        values.update(status=OutboxStatus.DELIVERED, delivered_at=to_utc(now))
    elif outcome is R.DEAD:
        values["status"] = OutboxStatus.DEAD
    else:
        values["next_attempt_at"] = to_utc(now) + timedelta(seconds=delay)
    return outcome, values


def _record(uow: UnitOfWork, token: str, row_id: int, outcome: DeliveryResult, values: dict[str, object]) -> str:
    with uow.begin() as session:
        written = (
            session.connection()
            .execute(
                update(EVENTS)
                .where(EVENTS.c.id == row_id, EVENTS.c.claimed_by == token, EVENTS.c.status == OutboxStatus.PENDING)
                .values(**values)
            )
            .rowcount
        )
    return outcome if written else R.LEASE_LOST


def dead_events(uow: UnitOfWork) -> list[tuple[Event, str | None]]:
    with uow.begin() as session:
        rows = session.connection().execute(
            select(EVENTS).where(EVENTS.c.status == OutboxStatus.DEAD).order_by(EVENTS.c.id)
        )
        return [(to_event(row), row.last_error) for row in rows]


def replay_dead_events(
    uow: UnitOfWork, event_ids: Sequence[str] | None, *, actor: str, reason: str, now: datetime
) -> list[str]:
    """Put dead events (the ones named, or all) back in the queue, due at once with a new retry window; audited."""
    if not reason.strip():
        raise InvalidRequest("a replay needs a reason (--reason): it is recorded in the audit log")
    at = to_utc(now)
    with uow.begin() as session:
        connection = session.connection()
        query = select(EVENTS.c.event_id, EVENTS.c.status).order_by(EVENTS.c.id)
        if event_ids is not None:
            query = query.where(EVENTS.c.event_id.in_(list(event_ids)))
            found = {row.event_id: row.status for row in connection.execute(query)}
            for event_id in event_ids:
                if event_id not in found:
                    raise InvalidRequest(f"no centre event {event_id!r}; `docking events dead` lists the dead ones")
                if found[event_id] != OutboxStatus.DEAD:
                    raise InvalidRequest(
                        f"event {event_id} is {found[event_id]}, not dead; only dead events are replayed"
                    )
            ids = list(event_ids)
        else:
            ids = [row.event_id for row in connection.execute(query.where(EVENTS.c.status == OutboxStatus.DEAD))]
        if not ids:
            return []
        connection.execute(
            update(EVENTS)
            .where(EVENTS.c.event_id.in_(ids), EVENTS.c.status == OutboxStatus.DEAD)
            .values(status=OutboxStatus.PENDING, next_attempt_at=at, queued_at=at, claimed_by=None, claimed_until=None)
        )
        connection.execute(
            insert(AUDIT),
            [{"at": at, "actor": actor, "action": "replay_event", "subject": i, "reason": reason} for i in ids],
        )
        return ids
