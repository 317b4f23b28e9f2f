"""Delivering the outbox, one run: claim due rows with a lease, send each through its platform, record the results.

The steps live beside this loop: claim.py (lease, per-case order, unreadable rows), send.py (one message: the
platform's gates, the send, what the answer means), record.py (the conditional write). The retry schedule
(attempts, next_attempt_at, last_error) lives in the row and is computed by the platform's retry policy
(adapter/platforms/retry.py); tenacity covers only the short in-process retries of one attempt. A court's refusal
of our credentials holds the whole platform (adapter/platforms/credential_hold.py): its messages wait, uncounted,
and never go dead for it.
"""

import random
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import structlog
from tenacity import Retrying

from adapter.lease import Renewal
from adapter.outbox.claim import LEASE, claim, release, renew
from adapter.outbox.record import DeliveryResult, Result, record
from adapter.outbox.send import deliver_one
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import OutboxRow
from adapter.platforms.registry import Platforms
from adapter.platforms.retry import quick_retries, slowest_call
from schemas.clock import Clock

# The longest one message's send may take before its worker is presumed hung and its claim left to lapse: at a
# 10 s read timeout (the composition root passes the slowest platform's, scheduler.slowest_send).
SLOWEST_SEND = slowest_call(10.0)

# observe(platform, result, seconds): one send's outcome and duration, for the metrics (adapter/metrics.py delivery).
Observe = Callable[[str, str, float], None]


def _unobserved(platform: str, result: str, seconds: float) -> None:
    pass


def deliver_due(
    uow: UnitOfWork,
    platforms: Platforms,
    clock: Clock,
    *,
    limit: int = 50,
    max_rounds: int = 20,
    retrying: Callable[[], Retrying] = quick_retries,
    jitter: Callable[[], float] = random.random,
    lease: timedelta = LEASE,
    slowest: timedelta = SLOWEST_SEND,
    keep_going: Callable[[], bool] = lambda: True,
    observe: Observe = _unobserved,
) -> Counter[str]:
    """Deliver what is due now; returns counts by DeliveryResult (adapter/outbox/record.py): delivered /
    duplicate / retried / dead, and messages deferred untried: `deferred` (circuit open) and `held` (the court
    refuses our credentials, adapter/platforms/credential_hold.py).

    Claims again after each batch, because delivering a case's message unblocks its next one; bounded by
    `max_rounds` so one run never monopolises the worker. The claim's `lease` is renewed from a thread while the
    batch is in progress (adapter/lease.py), unless one send runs past `slowest` (a hung worker). Once
    `keep_going()` turns false (a clean stop) what was sent is recorded and the rest of the claim given back.
    Each send is told to `observe` (platform, result, seconds); its log lines carry the message's platform,
    case_id and message_id (structlog contextvars).
    """
    counts: Counter[str] = Counter()
    for _ in range(max_rounds):
        if not keep_going():
            break
        set_aside = counts[DeliveryResult.UNREADABLE]
        rows = claim(uow, clock, limit=limit, owner_lease=lease, counts=counts)
        if not rows:
            if counts[DeliveryResult.UNREADABLE] > set_aside:
                continue  # a batch of rows this process cannot open was put back: the next claim finds others
            break
        counts.update(
            _deliver_batch(uow, platforms, clock, rows, retrying, jitter, lease, slowest, keep_going, observe)
        )
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
    observe: Observe,
) -> Counter[str]:
    """Send one claim's rows in order, its lease renewed meanwhile; record the results as the batch goes."""
    counts: Counter[str] = Counter()
    with Renewal(lambda: renew(uow, rows, clock() + lease), lease=lease, stall=slowest, name="outbox claim") as renewal:
        recorded_at = clock()
        results: list[Result] = []
        for index, row in enumerate(rows):
            if not keep_going():  # stopping: record what is done, and let another worker have the rest now
                release(uow, rows[index:])
                break
            if clock() - recorded_at > lease / 2:  # record what is done as the batch goes, not only at its end
                counts.update(record(uow, results, clock))
                results = []
                recorded_at = clock()
            renewal.step()
            started = time.perf_counter()
            with structlog.contextvars.bound_contextvars(
                platform=row.platform, case_id=row.case_id, message_id=row.message_id
            ):
                result = deliver_one(platforms, clock, row, retrying(), jitter)
            observe(row.platform, result.outcome.value, time.perf_counter() - started)
            results.append(result)
        counts.update(record(uow, results, clock))
    return counts
