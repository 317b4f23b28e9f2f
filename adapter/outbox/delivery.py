"""Delivering the outbox: claim due rows with a lease, send each through its platform, record the result.

Per-case order: a row is claimable only when no earlier row of the same case is pending or dead, so a court
never sees an agreement before the acceptance (nor after a rejected acceptance); other cases keep flowing.
The retry schedule (attempts, next_attempt_at, last_error) lives in the row; tenacity covers only the short
in-process retries of one attempt. A court's refusal of our credentials holds the whole platform
(adapter/platforms/credential_hold.py):
its messages wait, uncounted, and never go dead for it.

A row sealed under a data key this process lacks is not claimed: it stays pending, without an attempt counted,
is put back by UNREADABLE_DELAY (so it cannot fill every batch), and is reported once
(adapter/persistence/unreadable.py);
every other row keeps flowing, and it is delivered once a process holding the key picks it up.
"""

import logging
import random
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Text, bindparam, exists, or_, type_coerce, update
from sqlalchemy.orm import aliased, defer
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select
from tenacity import (
    Retrying,
    retry_if_exception_type,
    retry_if_not_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from adapter.lease import Renewal
from adapter.masking import mask_text
from adapter.outbox.attachments import attach
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.sealed_types import engine_vault
from adapter.persistence.tables import OutboxRow
from adapter.persistence.unreadable import REPORTED
from adapter.persistence.vault import VaultError, open_json
from adapter.platforms.registry import Platforms, RetryPolicy
from connectors.port import CredentialsRefused, RejectedError, TransientError
from schemas.clock import Clock, from_db, to_utc
from schemas.envelope import Envelope

log = logging.getLogger("docking.delivery")

# A claim's lease: short, so a worker killed mid-batch frees its rows within seconds for the process restarted in
# its place; renewed every third of it while the batch is in progress (adapter/lease.py), so a slow court never
# makes it lapse under a live worker.
LEASE = timedelta(seconds=6)
# The longest one message's send may take before its worker is presumed hung and its claim left to lapse: three
# quick tries at a 10 s read timeout (the composition root passes the slowest platform's, scheduler.slowest_send).
SLOWEST_SEND = timedelta(seconds=3 * (3.05 + 10) + 2)
# How long an unreadable row waits before it is looked at again: long enough that such rows cannot fill every
# claim, short enough that a process restarted with the key sends them at once in practice.
UNREADABLE_DELAY = timedelta(minutes=2)


def backoff(
    attempts: int, *, base: float = 2.0, cap: float = 3600.0, rng: Callable[[], float] = random.random
) -> float:
    """Seconds to wait before attempt `attempts + 1`: exponential with full jitter, capped. Pure but for `rng`."""
    exponent = min(max(0, attempts - 1), 60)  # 2**60 dwarfs any cap; a larger power would overflow a float
    return rng() * min(cap, base * 2**exponent)


def default_retrying() -> Retrying:
    """Three quick tries inside one attempt, for blips; longer outages go back to the row's schedule. A refusal
    of our credentials is not a blip: asking again at once only adds to the court's failed-login count."""
    return Retrying(
        retry=retry_if_exception_type(TransientError) & retry_if_not_exception_type(CredentialsRefused),
        stop=stop_after_attempt(3),
        wait=wait_exponential_jitter(multiplier=0.05, max=0.5, jitter=0.05),
        reraise=True,
    )


def claim(
    uow: UnitOfWork,
    clock: Clock,
    *,
    limit: int,
    owner_lease: timedelta = LEASE,
    token: str | None = None,
    counts: Counter[str] | None = None,
) -> list[OutboxRow]:
    """Take up to `limit` due rows under a lease, marked with `token`; only that token may record their result.

    A worker that crashes (or stalls past its lease) loses its rows to the next claim; if it comes back and
    tries to record a result, the token no longer matches and the write is skipped. The court drops the
    duplicate send by message id, so nothing is applied twice. Rows this process cannot open are left pending
    and counted in `counts["unreadable"]` (see the module doc).
    """
    now = to_utc(clock())
    token = token or uuid.uuid4().hex
    earlier = aliased(OutboxRow)
    blocked = exists().where(
        col(earlier.case_id) == col(OutboxRow.case_id),
        # dead blocks too: a case's later messages must not overtake a rejected one that an operator may replay
        col(earlier.status).in_(("pending", "dead")),
        col(earlier.id) < col(OutboxRow.id),
    )
    # The envelope is read as stored and opened row by row below: opened by the column type, one row sealed
    # under a missing key would fail the whole claim, and with it every platform's delivery.
    stored = type_coerce(col(OutboxRow.envelope_json), Text)
    query = (
        select(OutboxRow, stored)
        .options(defer(OutboxRow.envelope_json, raiseload=True))  # type: ignore[arg-type]
        .where(
            OutboxRow.status == "pending",
            col(OutboxRow.next_attempt_at) <= now,
            or_(col(OutboxRow.claimed_until).is_(None), col(OutboxRow.claimed_until) < now),
            ~blocked,
        )
        .order_by(col(OutboxRow.next_attempt_at), col(OutboxRow.id))  # the index order: oldest due first
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    vault = engine_vault(uow.engine)
    with uow.begin() as session:
        rows: list[OutboxRow] = []
        for row, text in session.exec(query).all():
            try:
                opened = attach(session, row.type, open_json(text, vault), vault)  # the document, by its digest
                set_committed_value(row, "envelope_json", opened)  # as if loaded: nothing to write
            except VaultError as exc:
                _set_aside(session, row, exc, now)
                if counts is not None:
                    counts["unreadable"] += 1
                continue
            rows.append(row)
        if rows:  # one statement for the whole claim, not one per row
            ids = [row.id for row in rows]
            session.exec(
                update(OutboxRow)
                .where(col(OutboxRow.id).in_(ids))
                .values(claimed_by=token, claimed_until=now + owner_lease)
            )
            for row in rows:
                row.claimed_by, row.claimed_until = token, now + owner_lease
        return rows


def _set_aside(session: Session, row: OutboxRow, error: VaultError, now: datetime) -> None:
    """Leave an unreadable row pending, unattempted, and out of the next few claims; say so once."""
    REPORTED.report("delivery", f"message {row.message_id} (case {row.case_id})", error, outcome="left pending")
    session.exec(
        update(OutboxRow)
        .where(col(OutboxRow.id) == row.id)
        .values(next_attempt_at=now + UNREADABLE_DELAY, last_error=f"not sent by this process: {error}"[:2000])
    )


def renew(uow: UnitOfWork, rows: list[OutboxRow], until: datetime) -> None:
    """Extend the lease on rows this worker still holds (a slow platform must not hand them to another).

    One claim's rows share its token, so one statement renews them all.
    """
    if not rows:
        return
    still_ours = (
        col(OutboxRow.id).in_([row.id for row in rows]),
        col(OutboxRow.claimed_by) == rows[0].claimed_by,
        col(OutboxRow.status) == "pending",
    )
    with uow.begin() as session:
        session.exec(update(OutboxRow).where(*still_ours).values(claimed_until=to_utc(until)))


def release(uow: UnitOfWork, rows: list[OutboxRow]) -> None:
    """Give back the rows of a claim not yet sent (a clean stop): another worker may claim them at once."""
    if not rows:
        return
    with uow.begin() as session:
        session.exec(
            update(OutboxRow)
            .where(
                col(OutboxRow.id).in_([row.id for row in rows]),
                col(OutboxRow.claimed_by) == rows[0].claimed_by,
                col(OutboxRow.status) == "pending",
            )
            .values(claimed_by=None, claimed_until=None)
        )


def deliver_due(
    uow: UnitOfWork,
    platforms: Platforms,
    clock: Clock,
    *,
    limit: int = 50,
    max_rounds: int = 20,
    retrying: Callable[[], Retrying] = default_retrying,
    jitter: Callable[[], float] = random.random,
    lease: timedelta = LEASE,
    slowest: timedelta = SLOWEST_SEND,
    keep_going: Callable[[], bool] = lambda: True,
) -> Counter[str]:
    """Deliver what is due now; returns counts of delivered / duplicate / retried / dead, and of messages
    deferred untried: `deferred` (circuit open) and `held` (the court refuses our credentials,
    adapter/platforms/credential_hold.py).

    Claims again after each batch, because delivering a case's message unblocks its next one; bounded by
    `max_rounds` so one run never monopolises the worker. The claim's `lease` is renewed from a thread while the
    batch is in progress (adapter/lease.py), unless one send runs past `slowest` (a hung worker). Once
    `keep_going()` turns false (a clean stop) what was sent is recorded and the rest of the claim given back.
    """
    counts: Counter[str] = Counter()
    for _ in range(max_rounds):
        if not keep_going():
            break
        set_aside = counts["unreadable"]
        rows = claim(uow, clock, limit=limit, owner_lease=lease, counts=counts)
        if not rows:
            if counts["unreadable"] > set_aside:
                continue  # a batch of rows this process cannot open was put back: the next claim finds others
            break
        counts.update(_deliver_batch(uow, platforms, clock, rows, retrying, jitter, lease, slowest, keep_going))
    return counts


def _deliver_batch(
    uow: UnitOfWork,
    platforms: Platforms,
    clock: Clock,
    rows: list[OutboxRow],
    retrying: Callable[[], Retrying],
    jitter: Callable[[], float],
    lease: timedelta,
    slowest: timedelta,
    keep_going: Callable[[], bool],
) -> Counter[str]:
    """Send one claim's rows in order, its lease renewed meanwhile; record the results as the batch goes."""
    counts: Counter[str] = Counter()
    with Renewal(lambda: renew(uow, rows, clock() + lease), lease=lease, stall=slowest, name="outbox claim") as renewal:
        recorded_at = clock()
        results: list[_Result] = []
        for index, row in enumerate(rows):
            if not keep_going():  # stopping: record what is done, and let another worker have the rest now
                release(uow, rows[index:])
                break
            if clock() - recorded_at > lease / 2:  # record what is done as the batch goes, not only at its end
                counts.update(_record(uow, results))
                results = []
                recorded_at = clock()
            renewal.step()
            results.append(_deliver_one(platforms, clock, row, retrying(), jitter))
        counts.update(_record(uow, results))
    return counts


@dataclass(frozen=True)
class _Result:
    row: OutboxRow
    outcome: str
    values: dict[str, Any]


# Built once: constructing a SQLAlchemy expression per message costs more CPU than sending it. The result is
# recorded only if this worker still holds the row (same claim token, still pending) — the check and the write
# are one statement, without loading the row.
_OUTBOX = OutboxRow.__table__  # type: ignore[attr-defined]
_RECORD = (
    update(_OUTBOX)
    .where(
        _OUTBOX.c.id == bindparam("row_id"),
        _OUTBOX.c.claimed_by == bindparam("token"),
        _OUTBOX.c.status == "pending",
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
    )
)


def _record(uow: UnitOfWork, results: list[_Result]) -> Counter[str]:
    """Write a batch's results in one transaction. A crash before it commits loses only the bookkeeping: the
    rows' leases expire, they are sent again, and the court answers each as a duplicate of what it applied."""
    counts: Counter[str] = Counter()
    if not results:
        return counts
    with uow.begin() as session:
        connection = session.connection()
        for result in results:
            written = connection.execute(
                _RECORD, {"row_id": result.row.id, "token": result.row.claimed_by, **result.values}
            ).rowcount
            if written:
                counts[result.outcome] += 1
            else:
                log.warning(
                    "message %s: lease lost to another worker; not recording this attempt", result.row.message_id
                )
                counts["lease_lost"] += 1
    return counts


def _deliver_one(
    platforms: Platforms,
    clock: Clock,
    row: OutboxRow,
    retrying: Retrying,
    jitter: Callable[[], float],
) -> _Result:
    link = platforms.get(row.platform)
    policy = link.retry if link is not None else RetryPolicy()
    started = clock()
    outcome, error, delay, counted = "delivered", None, 0.0, True
    if link is None:
        outcome, error = "retried", f"platform {row.platform!r} is not configured"
        delay = backoff(row.attempts + 1, base=policy.base, cap=policy.cap, rng=jitter)
    elif not link.hold.allow(started):
        # The court refuses our signature (adapter/platforms/credential_hold.py): the message is not sent, counted or
        # killed for it.
        outcome, error, counted = "held", link.hold.reason, False
        delay = link.hold.wait(started)
    elif link.breaker is not None and not link.breaker.allow(started):
        # The platform is failing: do not call it, and do not count an attempt the message never made.
        # Deferred to when the breaker may let a call through — never "now": while another caller's probe is in
        # flight that would hand the row straight back to the next claim round (a spin).
        outcome, error, counted = "deferred", "circuit open: the platform has been failing", False
        delay = (link.breaker.next_call_at(started) - started).total_seconds()
    else:
        answer: BaseException | None = (
            None  # how the call ended, for the breaker (adapter/platforms/breaker.py `observe`)
        )
        try:
            envelope = Envelope.model_validate_json(row.envelope_json)
            receipt = retrying(link.connector.send, envelope)
            if receipt.duplicate:
                outcome = "duplicate"  # delivered before (e.g. the answer was lost); the platform kept one copy
            link.hold.accepted(clock())
        except CredentialsRefused as exc:
            # About who signed, not about this message: hold the platform (one alert), keep the message as it was.
            # For the breaker it is an answer: the platform is up, and the hold gates it from now on.
            answer = exc
            link.hold.refused(exc, clock())
            outcome, error, counted = "held", link.hold.reason, False
            delay = link.hold.wait(clock())
        except TransientError as exc:
            answer = exc
            outcome, error = "retried", str(exc)
            # The court's Retry-After, but never past our own cap: a proxy's `Retry-After: 99999999999` or a date
            # in 9999 must not park a message beyond the give-up horizon it is judged by.
            # And never sooner than the base delay: `Retry-After: 0` (or a past date) would otherwise have the row
            # claimed again in the same tick, over and over, against a court that just said it is busy.
            delay = (
                backoff(row.attempts + 1, base=policy.base, cap=policy.cap, rng=jitter)
                if exc.retry_after is None
                else min(max(exc.retry_after, policy.base), policy.cap)
            )
        except RejectedError as exc:
            # A verdict on this message (it goes dead); for the breaker, an answer: the platform is up.
            answer = exc
            outcome, error = "dead", str(exc)
        except Exception as exc:  # a connector bug or a corrupt row: retry on the schedule, never lose the batch
            # Says nothing about the platform: the breaker is told neither way, but a probe's slot is released.
            answer = exc
            log.error("message %s to %s failed unexpectedly: %s", row.message_id, row.platform, type(exc).__name__)
            outcome, error = "retried", f"unexpected {type(exc).__name__}"
            delay = backoff(row.attempts + 1, base=policy.base, cap=policy.cap, rng=jitter)
        if link.breaker is not None:
            link.breaker.observe(answer, clock())
    now = clock()
    # Measured from when the row (re-)entered the queue, not from its creation: a message an operator replays
    # after an outage gets its full window again instead of dying on its first transient failure.
    if outcome == "retried" and now - from_db(row.queued_at) >= policy.give_up_after:
        outcome, error = "dead", f"gave up after {row.attempts + 1} attempts over {policy.give_up_after}: {error}"
    if error is not None and outcome not in ("deferred", "held"):  # said once, by the breaker or the hold
        log.warning("message %s to %s %s: %s", row.message_id, row.platform, outcome, mask_text(error))
    values: dict[str, Any] = {
        "new_status": row.status,
        "new_attempts": row.attempts + (1 if counted else 0),
        "new_error": error,
        "new_next": to_utc(from_db(row.next_attempt_at)),
        "new_delivered": None,
        "new_queued": to_utc(from_db(row.queued_at)),
    }
    if outcome == "held":
        # Time spent held for our own credentials is not the court failing this message: the give-up window
        # starts again when the hold ends, so a hold longer than give_up_after cannot kill on the first blip after.
        values["new_queued"] = to_utc(now)
    if outcome in ("delivered", "duplicate"):
        values.update(new_status="delivered", new_delivered=to_utc(now))
    elif outcome == "dead":
        values["new_status"] = "dead"
    else:
        values["new_next"] = to_utc(now) + timedelta(seconds=delay)
    return _Result(row, outcome, values)
