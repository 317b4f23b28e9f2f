"""Recording what became of each send: the results' vocabulary, and the one conditional UPDATE that writes them.

A result is written only if this worker still holds the row (same claim token, still pending): the rows still held
are found and locked by one SELECT … FOR UPDATE (on SQLite the transaction's write lock already excludes every
other writer), then written by one executemany of the conditional UPDATE — the check repeated in its WHERE — so
a batch costs two statements, not one per message (adapter/lease.py says why leases and tokens go together). On
PostgreSQL through psycopg the two are one: the conditional UPDATE … RETURNING per result, pipelined, in the
rows' order, its returned row telling which were still held (`_write_returning`): one statement and round trip
fewer a batch (#21: pg_scaling, a record transaction's fixed cost).
"""

import hashlib
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Text, bindparam, func, select, update
from sqlalchemy.engine import Connection
from sqlmodel import Session

from adapter.audit.append import append as audit
from adapter.events.causes import message_dead
from adapter.masking import mask_text
from adapter.outbox.claimed import Claimed
from adapter.outbox.prepared import Prepared
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.sealed_types import SealedBytes
from adapter.persistence.tables import OutboxRow, OutboxStatus
from adapter.persistence.unindexed import unindexed
from schemas.clock import Clock, utc_now

log = logging.getLogger("docking.delivery")


class DeliveryResult(StrEnum):
    """How one message fared in one delivery run: the keys of deliver_due's counts (and the `outbound` metrics).

    Not stored (the row stores an OutboxStatus), so defined here with the code that counts them."""

    DELIVERED = "delivered"
    DUPLICATE = "duplicate"  # delivered before (e.g. the answer was lost); the platform kept one copy
    RETRIED = "retried"  # failed for now; due again on the policy's schedule
    DEAD = "dead"  # refused by the court, or given up after give_up_after
    DEFERRED = "deferred"  # not tried: the platform's breaker is open; no attempt counted
    HELD = "held"  # not tried: the court refuses our credentials (adapter/platforms/credential_hold.py)
    THROTTLED = "throttled"  # the court asked us to slow down (429), or we wait for it to: no attempt counted
    LEASE_LOST = "lease_lost"  # sent, but another worker holds the row now: this attempt is not recorded
    UNREADABLE = "unreadable"  # sealed under a data key this process lacks: left pending (adapter/outbox/claim.py)


@dataclass(frozen=True)
class Result:
    """One send's result: the outcome counted, and the row's new values (the bind parameters of _RECORD)."""

    row: Claimed
    outcome: DeliveryResult
    values: dict[str, Any]


# Built once: constructing a SQLAlchemy expression per message costs more CPU than sending it.
_OUTBOX = OutboxRow.__table__  # type: ignore[attr-defined]
_RECORD = (
    update(_OUTBOX)
    .where(
        _OUTBOX.c.id == bindparam("row_id"),
        _OUTBOX.c.claimed_by == bindparam("token"),
        _OUTBOX.c.status == OutboxStatus.PENDING,
    )
    .values(
        claimed_by=None,
        claimed_until=None,
        status=bindparam("new_status"),
        attempts=bindparam("new_attempts"),
        last_error=bindparam("new_error"),
        next_attempt_at=bindparam("new_next"),
        delivered_at=bindparam("new_delivered"),
        queued_at=bindparam("new_queued"),
        # A later attempt that kept nothing (retried, dead) leaves the delivered one's bytes in place.
        wire_body=func.coalesce(bindparam("new_wire_body", type_=SealedBytes()), _OUTBOX.c.wire_body),
        wire_json=func.coalesce(bindparam("new_wire_json", type_=Text()), _OUTBOX.c.wire_json),
    )
)

_WRITE = Prepared(_RECORD)  # at the driver: SQLAlchemy's handling of each parameter set cost more than the UPDATE
_WRITE_RETURNING = Prepared(_RECORD.returning(_OUTBOX.c.id))  # psycopg: _write_returning


# The rows of a batch still held by their claim (token) and pending, locked until the results are written; in id
# order, so two transactions locking some of the same rows take them in one order. Found by id: the status test is
# unindexed, or SQLite walks every pending row of ix_outbox_due for a batch of ten or more (unindexed.py says why).
_HELD = (
    select(_OUTBOX.c.id, _OUTBOX.c.claimed_by)
    .where(
        _OUTBOX.c.id.in_(bindparam("row_ids", expanding=True)),
        _OUTBOX.c.claimed_by.in_(bindparam("tokens", expanding=True)),
        unindexed(_OUTBOX.c.status) == OutboxStatus.PENDING,
    )
    .order_by(_OUTBOX.c.id)
    .with_for_update()
)


def record(uow: UnitOfWork, results: list[Result], clock: Clock = utc_now) -> Counter[str]:
    """Write a batch's results in one transaction. A crash before it commits loses only the bookkeeping: the
    rows' leases expire, they are sent again, and the court answers each as a duplicate of what it applied."""
    if not results:
        return Counter()
    with uow.begin() as session:
        return record_in(session, results, clock)


def record_in(session: Session, results: list[Result], clock: Clock = utc_now) -> Counter[str]:
    """`record` in the caller's transaction, which commits it (or rolls every result of it back)."""
    counts: Counter[str] = Counter()
    if not results:
        return counts
    connection = session.connection()
    if connection.dialect.driver == "psycopg":
        holds = _write_returning(connection, results)
    else:
        holds = _lock_then_write(connection, results)
    for result, held_here in zip(results, holds, strict=True):
        if held_here:
            counts[result.outcome] += 1
            if result.outcome in _FINAL:  # the chain records each message's end: delivered (the receipt) or dead
                _audit(session, result)
            if result.outcome is DeliveryResult.DEAD:  # the centre hears of it in the same transaction
                _dead(connection, result, clock())
        else:
            log.warning("message %s: lease lost to another worker; not recording this attempt", result.row.message_id)
            counts[DeliveryResult.LEASE_LOST] += 1
    return counts


def _lock_then_write(connection: Connection, results: list[Result]) -> list[bool]:
    """Lock the rows still held (_HELD), write those; per result, whether it was written (module doc)."""
    ids, tokens = [result.row.id for result in results], list({result.row.claimed_by for result in results})
    held = {(row.id, row.claimed_by) for row in connection.execute(_HELD, {"row_ids": ids, "tokens": tokens})}
    holds = []  # a row's first result only: the row is no longer pending after it
    for result in results:
        key = (result.row.id, result.row.claimed_by)
        holds.append(key in held)
        held.discard(key)
    params = [_params(result) for result, held_here in zip(results, holds, strict=True) if held_here]
    if params:
        written = _WRITE.executemany(connection, params)
        if connection.dialect.supports_sane_multi_rowcount and written != len(params):  # locked: cannot be
            raise RuntimeError(f"recorded {written} of {len(params)} locked outbox rows; nothing recorded")
    return holds


def _write_returning(connection: Connection, results: list[Result]) -> list[bool]:
    """`_lock_then_write` in one pipelined round trip on psycopg: the conditional UPDATE with RETURNING, once per
    result in id order (so two transactions lock shared rows in one order, as _HELD's ORDER BY did); a result is
    written when its UPDATE returns its row. The UPDATE waits for a row another transaction holds and then
    re-tests its WHERE as the SELECT … FOR UPDATE did, and a row's second result finds it no longer held by
    its token (the first cleared claimed_by), as _HELD's first-result-only rule had it."""
    order = sorted(range(len(results)), key=lambda index: results[index].row.id)  # stable: a row's results in order
    returned = _WRITE_RETURNING.each_returns(connection, [_params(results[index]) for index in order])
    holds = [False] * len(results)
    for index, written in zip(order, returned, strict=True):
        holds[index] = written
    return holds


def _params(result: Result) -> dict[str, Any]:
    return {"row_id": result.row.id, "token": result.row.claimed_by, **result.values}


_FINAL = (DeliveryResult.DELIVERED, DeliveryResult.DUPLICATE, DeliveryResult.DEAD)


def _audit(session: Session, result: Result) -> None:
    row, error = result.row, result.values.get("new_error")
    content = {
        "platform": row.platform,
        "type": row.type,
        "seq": row.seq,
        "envelope_sha256": hashlib.sha256(row.envelope_json.encode()).hexdigest(),
        # The bytes as sent, signed, and the exchange (method, URL, signature headers, the court's answer) as kept
        # in the row: what the case's evidence bundle carries (adapter/evidence/), so this entry vouches for them.
        **_wire_digests(result.values),
        "receipt": {"outcome": result.outcome.value, "at": result.values.get("new_delivered")},
        "error": mask_text(error) if error else "",  # most entries (deliveries) have none: no regex passes
    }
    kind = "outbound.dead" if result.outcome is DeliveryResult.DEAD else "outbound.delivered"
    audit(session, kind, row.message_id, actor="docking", content=content, case_id=row.case_id)


def _wire_digests(values: dict[str, Any]) -> dict[str, str]:
    body, meta = values.get("new_wire_body"), values.get("new_wire_json")
    if body is None or meta is None:
        return {}
    return {
        "wire_sha256": hashlib.sha256(body).hexdigest(),
        "exchange_sha256": hashlib.sha256(meta.encode()).hexdigest(),
    }


def _dead(connection: Connection, result: Result, at: datetime) -> None:
    row = result.row
    message_dead(
        connection,
        case_id=row.case_id,
        platform=row.platform,
        message_id=row.message_id,
        message_type=row.type,
        seq=row.seq,
        error=result.values.get("new_error"),
        at=at,
    )
