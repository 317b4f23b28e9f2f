"""Claiming due outbox rows under a lease: take, renew, give back. Only a claim's token may record its rows' results
(adapter/outbox/record.py).

Per-case order: a row is claimable only when no earlier row of the same case is pending or dead, so a court
never sees an agreement before the acceptance (nor after a rejected acceptance); other cases keep flowing.

A row sealed under a data key this process lacks is not claimed: it stays pending, without an attempt counted,
is put back by UNREADABLE_DELAY (so it cannot fill every batch), and is reported once
(adapter/persistence/unreadable.py); every other row keeps flowing, and it is delivered once a process holding the
key picks it up.
"""

import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Row,
    Select,
    Text,
    bindparam,
    event,
    exists,
    or_,
    select,
    text,
    type_coerce,
    update,
)
from sqlalchemy.engine import Connection
from sqlmodel import Session, col

from adapter.outbox.attachments import attach
from adapter.outbox.claimed import STORED, Claimed
from adapter.outbox.record import DeliveryResult
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.sealed_types import engine_vault
from adapter.persistence.tables import OutboxRow, OutboxStatus
from adapter.persistence.unindexed import unindexed
from adapter.persistence.unreadable import REPORTED
from adapter.persistence.vault import VaultError, open_json
from schemas.clock import Clock, to_utc

# A claim's lease: short, so a worker killed mid-batch frees its rows within seconds for the process restarted in
# its place; renewed every third of it while the batch is in progress (adapter/lease.py), so a slow court never
# makes it lapse under a live worker.
LEASE = timedelta(seconds=6)
# How long an unreadable row waits before it is looked at again: long enough that such rows cannot fill every
# claim, short enough that a process restarted with the key sends them at once in practice.
UNREADABLE_DELAY = timedelta(minutes=2)


def _claim_query() -> Select[Any]:
    """The claim's SELECT, built once (bind parameters `now`, `limit`): building a SQLAlchemy statement per claim
    costs more CPU than running it. Core, not the ORM: its rows become Claimed records (claimed.py says why)."""
    now = bindparam("now", type_=_OUTBOX.c.next_attempt_at.type)
    earlier = _OUTBOX.alias("earlier")
    blocked = exists().where(
        earlier.c.case_id == _OUTBOX.c.case_id,
        # dead blocks too: a case's later messages must not overtake a rejected one that an operator may replay
        earlier.c.status.in_((OutboxStatus.PENDING, OutboxStatus.DEAD)),
        earlier.c.id < _OUTBOX.c.id,
    )
    # The envelope is read as stored and opened row by row below: opened by the column type, one row sealed
    # under a missing key would fail the whole claim, and with it every platform's delivery.
    stored = type_coerce(_OUTBOX.c.envelope_json, Text)
    return (
        select(*(_OUTBOX.c[name] for name in STORED), stored)
        .where(
            _OUTBOX.c.status == OutboxStatus.PENDING,
            _OUTBOX.c.next_attempt_at <= now,
            or_(_OUTBOX.c.claimed_until.is_(None), _OUTBOX.c.claimed_until < now),
            ~blocked,
        )
        .order_by(_OUTBOX.c.next_attempt_at, _OUTBOX.c.id)  # the index order: oldest due first
        .limit(bindparam("limit", type_=Integer))
        .with_for_update(skip_locked=True)
    )


_OUTBOX = OutboxRow.__table__  # type: ignore[attr-defined]
_CLAIM = _claim_query()
# The claim's mark, built once and on the table, not the ORM class: an ORM UPDATE would also look for the rows among
# the session's objects to change them there (synchronize_session), which the claim has none of.
_MARK = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id.in_(bindparam("ids", expanding=True)))
    .values(
        claimed_by=bindparam("token", type_=_OUTBOX.c.claimed_by.type),
        claimed_until=bindparam("until", type_=_OUTBOX.c.claimed_until.type),
    )
)


# The claim's plan on PostgreSQL: the walk of ix_outbox_due in its order, stopping after `limit` claimable rows. With
# no statistics on the outbox yet (a table just filled: a backlog queued faster than autovacuum analyses it) the
# planner estimates one due row and would rather fetch every pending row, test each for an earlier one and sort
# them all — O(backlog) per claim: 4 ms of the backend for a claim of 25 out of 2,000 pending, on every claim until
# an ANALYZE (bench/delivery.py pg1_one/pg2_one). Sorting off for the claim alone leaves it the index's order; then
# the setting as it was (read first, by the CTE), so the rest of the transaction (a record, the audit chain's append)
# and the session are planned as configured.
_SORT_OFF = text(
    "WITH was AS MATERIALIZED (SELECT current_setting('enable_sort') AS sort) "
    "SELECT sort, set_config('enable_sort', 'off', true) FROM was"
)
_SORT_BACK = text("SELECT set_config('enable_sort', :sort, true)")


def claim(
    uow: UnitOfWork,
    clock: Clock,
    *,
    limit: int,
    owner_lease: timedelta = LEASE,
    token: str | None = None,
    counts: Counter[str] | None = None,
) -> list[Claimed]:
    """Take up to `limit` due rows under a lease, marked with `token`; only that token may record their result.

    A worker that crashes (or stalls past its lease) loses its rows to the next claim; if it comes back and
    tries to record a result, the token no longer matches and the write is skipped. The court drops the
    duplicate send by message id, so nothing is applied twice. Rows this process cannot open are left pending
    and counted in `counts["unreadable"]` (see the module doc).
    """
    with uow.begin() as session:
        return claim_in(session, clock, limit=limit, owner_lease=owner_lease, token=token, counts=counts)


def claim_in(
    session: Session,
    clock: Clock,
    *,
    limit: int,
    owner_lease: timedelta = LEASE,
    token: str | None = None,
    counts: Counter[str] | None = None,
) -> list[Claimed]:
    """`claim` in the caller's transaction (a write transaction: on SQLite the engine's BEGIN IMMEDIATE), which
    commits it: the delivery loop records a batch's results and claims the next rows in one (flight.py)."""
    now = to_utc(clock())
    token = token or uuid.uuid4().hex
    until = now + owner_lease
    connection = session.connection()
    vault = engine_vault(connection.engine)
    rows: list[Claimed] = []
    for row in _due(connection, now, limit):
        try:
            opened = attach(session, row.type, open_json(row[-1], vault), vault)  # the document, by its digest
        except VaultError as exc:
            _set_aside(session, row, exc, now, counts)
            continue
        # positionally: STORED is Claimed's first fields (claimed.py), which mypy cannot see in a row
        rows.append(Claimed(*row[:-1], opened, token, until))  # type: ignore[call-arg]
    if rows:  # one statement for the whole claim, not one per row
        connection.execute(_MARK, {"ids": [row.id for row in rows], "token": token, "until": until})
    return rows


def _due(connection: Connection, now: datetime, limit: int) -> Sequence[Any]:
    """The claim's SELECT: up to `limit` due rows (STORED, then the envelope as stored), locked (SKIP LOCKED), in
    due order."""
    if connection.dialect.name != "postgresql":
        return connection.execute(_CLAIM, {"now": now, "limit": limit}).all()
    sort = connection.execute(_SORT_OFF).scalar_one()
    rows = connection.execute(_CLAIM, {"now": now, "limit": limit}).all()
    connection.execute(_SORT_BACK, {"sort": sort})  # (a claim that fails rolls back its transaction, and the setting)
    return rows


def _set_aside(session: Session, row: Row[Any], error: VaultError, now: datetime, counts: Counter[str] | None) -> None:
    """Leave an unreadable row pending, unattempted, and out of the next few claims; say so once — counted and said
    when the transaction commits: the claim may share it with a record (flight.py), and should that fail, the row
    was not set aside (and a report said now would be spent on it, not said when the row really is)."""
    session.exec(
        update(OutboxRow)
        .where(col(OutboxRow.id) == row.id)
        .values(next_attempt_at=now + UNREADABLE_DELAY, last_error=f"not sent by this process: {error}"[:2000])
    )

    def committed(_session: Session) -> None:
        REPORTED.report("delivery", f"message {row.message_id} (case {row.case_id})", error, outcome="left pending")
        if counts is not None:
            counts[DeliveryResult.UNREADABLE] += 1

    event.listen(session, "after_commit", committed, once=True)


def _still_ours(rows: list[Claimed]) -> tuple[ColumnElement[bool], ...]:
    """The rows of one claim this worker still holds: one claim's rows share its token, so one statement serves.
    Found by id: the status test is unindexed, or SQLite walks every pending row of ix_outbox_due for a claim of ten
    rows or more (adapter/persistence/unindexed.py)."""
    return (
        col(OutboxRow.id).in_([row.id for row in rows]),
        col(OutboxRow.claimed_by) == rows[0].claimed_by,
        unindexed(_OUTBOX.c.status) == OutboxStatus.PENDING,
    )


def renew(uow: UnitOfWork, rows: list[Claimed], until: datetime) -> None:
    """Extend the lease on rows this worker still holds (a slow platform must not hand them to another)."""
    if not rows:
        return
    with uow.begin() as session:
        session.exec(update(OutboxRow).where(*_still_ours(rows)).values(claimed_until=to_utc(until)))


def release(uow: UnitOfWork, rows: list[Claimed]) -> None:
    """Give back the rows of a claim not yet sent (a clean stop): another worker may claim them at once."""
    if not rows:
        return
    with uow.begin() as session:
        session.exec(update(OutboxRow).where(*_still_ours(rows)).values(claimed_by=None, claimed_until=None))
