"""The outbox's claim/record protocol over a sibling table: claim due rows under a lease and a token, send each,
record what became of it with one conditional UPDATE, replay dead rows (audited). Used by the tables that are not
court messages but are delivered the same way: centre events (adapter/events/delivery.py) and alerts
(adapter/alerts/delivery.py).

A table served here has the outbox's delivery columns (status, attempts, next_attempt_at, claimed_by, claimed_until,
last_error, queued_at, delivered_at; statuses OutboxStatus), an integer `id` giving the order, a public id column
(what a receiver dedupes by) and an order key column: rows sharing a key are delivered in id order — a row waits
while an earlier row of its key is pending or dead (adapter/outbox/claim.py's per-case order); a NULL key waits for
none. The schedule is the outbox's (adapter/platforms/retry.py); giving up counts from queued_at.
"""

import hashlib
import logging
import random
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, exists, insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlmodel import Session
from tenacity import Retrying

from adapter.audit.append import append as audit
from adapter.errors import InvalidRequest
from adapter.masking import mask_document
from adapter.outbox.claim import LEASE
from adapter.outbox.record import DeliveryResult
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import AuditRow, OutboxStatus
from adapter.platforms.retry import RetryPolicy, next_delay, quick_retries
from connectors.port import RejectedError, TransientError
from schemas.clock import Clock, from_db, to_utc

AUDIT = AuditRow.__table__  # type: ignore[attr-defined]
R = DeliveryResult


@dataclass(frozen=True)
class QueueTable:
    """A table delivered with this protocol, and how it is named to operators."""

    table: Table
    key: str  # the public id column, e.g. "event_id"
    order: str  # the order key column, e.g. "case_id"
    noun: str  # e.g. "centre event": in log lines and errors
    replay_action: str  # the audit action of a replay, e.g. "replay_event"
    list_command: str  # the command listing dead rows, e.g. "docking events dead"
    log: logging.Logger
    # Does a row wait behind an earlier DEAD row of its order key, as well as a PENDING one? Yes for the outbox's
    # per-case order (a court or the centre must not hear of a later step before an earlier one); no for alerts,
    # where a dead "opened" must not hide the "closed" and every later episode of the same condition.
    waits_behind_dead: bool = True
    # Called in the transaction that marks a row dead — (connection, the row as claimed, the error, now) — so what
    # is written about it (a centre event: adapter/events/partner_events.py) commits with it or not at all.
    on_dead: Callable[[Connection, Any, str | None, datetime], object] | None = None


def claim(
    uow: UnitOfWork, queue: QueueTable, clock: Clock, *, limit: int, lease: timedelta = LEASE
) -> tuple[str, list[Any]]:
    """Take up to `limit` due rows under a lease; returns the claim token and the rows (Row objects)."""
    t, now, token = queue.table, to_utc(clock()), uuid.uuid4().hex
    earlier = t.alias("earlier")
    blocked = exists().where(
        earlier.c[queue.order] == t.c[queue.order],  # NULL never equals: a row without a key waits for none
        earlier.c.status.in_(
            (OutboxStatus.PENDING, OutboxStatus.DEAD) if queue.waits_behind_dead else (OutboxStatus.PENDING,)
        ),
        earlier.c.id < t.c.id,
    )
    query = (
        select(t)
        .where(
            t.c.status == OutboxStatus.PENDING,
            t.c.next_attempt_at <= now,
            or_(t.c.claimed_until.is_(None), t.c.claimed_until < now),
            ~blocked,
        )
        .order_by(t.c.next_attempt_at, t.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    with uow.begin() as session:
        connection = session.connection()
        rows = list(connection.execute(query))
        if rows:
            connection.execute(
                update(t)
                .where(t.c.id.in_([row.id for row in rows]))
                .values(claimed_by=token, claimed_until=now + lease)
            )
    return token, rows


def deliver(
    uow: UnitOfWork,
    queue: QueueTable,
    send: Callable[[Any], None],
    clock: Clock,
    policy: RetryPolicy,
    *,
    limit: int = 50,
    max_rounds: int = 20,
    retrying: Callable[[], Retrying] = quick_retries,
    jitter: Callable[[], float] = random.random,
    lease: timedelta = LEASE,
) -> Counter[str]:
    """Deliver what is due now with `send(row)` (raises TransientError: retried; RejectedError: dead); returns counts
    by DeliveryResult (delivered / retried / dead / lease_lost)."""
    counts: Counter[str] = Counter()
    for _ in range(max_rounds):
        token, rows = claim(uow, queue, clock, limit=limit, lease=lease)
        if not rows:
            break
        for row in rows:
            outcome, values = _send(queue, send, clock, policy, row, retrying(), jitter)
            counts[_record(uow, queue, token, row, outcome, values, clock)] += 1
    return counts


def _send(
    queue: QueueTable,
    send: Callable[[Any], None],
    clock: Clock,
    policy: RetryPolicy,
    row: Any,
    retrying: Retrying,
    jitter: Callable[[], float],
) -> tuple[DeliveryResult, dict[str, object]]:
    outcome, error, delay = R.DELIVERED, None, 0.0
    try:
        retrying(send, row)
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
        # The counterpart's answer may quote what it was sent (an account or ID number): masked before it is logged,
        # stored as last_error or carried by a dead-message event (PIPL Art 28; adapter/masking.py).
        error = mask_document(error)
        queue.log.warning("%s %s %s: %s", queue.noun, getattr(row, queue.key), outcome, error)
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


def _record(
    uow: UnitOfWork, queue: QueueTable, token: str, row: Any, outcome: DeliveryResult, values: dict[str, object],
    clock: Clock,
) -> str:  # fmt: skip
    t = queue.table
    with uow.begin() as session:
        written = (
            session.connection()
            .execute(
                update(t)
                .where(t.c.id == row.id, t.c.claimed_by == token, t.c.status == OutboxStatus.PENDING)
                .values(**values)
            )
            .rowcount
        )
        if written and outcome is R.DEAD and queue.on_dead is not None:
            queue.on_dead(session.connection(), row, values["last_error"], clock())  # type: ignore[arg-type]
        if written and outcome in (R.DELIVERED, R.DEAD):
            _audit(session, queue, row, outcome, values)
    return outcome if written else R.LEASE_LOST


def _audit(session: Session, queue: QueueTable, row: Any, outcome: DeliveryResult, values: dict[str, object]) -> None:
    """A message to a partner or desk (a row with an envelope) ends in the audit chain as the outbox's do
    (adapter/outbox/record.py); centre events and alerts are notices about entries already there."""
    envelope = getattr(row, "envelope_json", None)
    if not isinstance(envelope, str):
        return
    content = {
        "platform": getattr(row, "platform", None),
        "type": getattr(row, "type", None),
        "envelope_sha256": hashlib.sha256(envelope.encode()).hexdigest(),
        "receipt": {"outcome": outcome.value, "at": values.get("delivered_at")},
        "error": mask_document(str(values.get("last_error") or "")),
    }
    kind = "outbound.dead" if outcome is R.DEAD else "outbound.delivered"
    audit(session, kind, str(getattr(row, queue.key)), actor="docking", content=content)


def dead_rows(uow: UnitOfWork, queue: QueueTable) -> list[Any]:
    """The dead rows, oldest first."""
    t = queue.table
    with uow.begin() as session:
        return list(session.connection().execute(select(t).where(t.c.status == OutboxStatus.DEAD).order_by(t.c.id)))


def replay_dead(
    uow: UnitOfWork, queue: QueueTable, ids: Sequence[str] | None, *, actor: str, reason: str, now: datetime
) -> list[str]:
    """Put dead rows (the ones named by public id, or all) back in the queue, due at once with a new retry window;
    audited. InvalidRequest naming the id when one is unknown or not dead, or when `reason` is blank."""
    if not reason.strip():
        raise InvalidRequest("a replay needs a reason (--reason): it is recorded in the audit log")
    t, key, at = queue.table, queue.table.c[queue.key], to_utc(now)
    with uow.begin() as session:
        connection = session.connection()
        query = select(key.label("key"), t.c.status).order_by(t.c.id)
        if ids is not None:
            found = {row.key: row.status for row in connection.execute(query.where(key.in_(list(ids))))}
            for item in ids:
                if item not in found:
                    raise InvalidRequest(f"no {queue.noun} {item!r}; `{queue.list_command}` lists the dead ones")
                if found[item] != OutboxStatus.DEAD:
                    raise InvalidRequest(f"{queue.noun} {item} is {found[item]}, not dead; only dead ones are replayed")
            chosen = list(ids)
        else:
            chosen = [row.key for row in connection.execute(query.where(t.c.status == OutboxStatus.DEAD))]
        if not chosen:
            return []
        connection.execute(
            update(t)
            .where(key.in_(chosen), t.c.status == OutboxStatus.DEAD)
            .values(status=OutboxStatus.PENDING, next_attempt_at=at, queued_at=at, claimed_by=None, claimed_until=None)
        )
        connection.execute(
            insert(AUDIT),
            [{"at": at, "actor": actor, "action": queue.replay_action, "subject": i, "reason": reason} for i in chosen],
        )
        return chosen
