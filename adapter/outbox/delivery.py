"""Delivering the outbox, one run: claim due rows with a lease, send each through its platform, record the results.

The steps live beside this loop: claim.py (lease, per-case order, unreadable rows), send.py (one message: the
platform's gates, the send, what the answer means), record.py (the conditional write). The retry schedule
(attempts, next_attempt_at, last_error) lives in the row and is computed by the platform's retry policy
(adapter/platforms/retry.py); tenacity covers only the short in-process retries of one attempt. A court's refusal
of our credentials holds the whole platform (adapter/platforms/credential_hold.py): its messages wait, uncounted,
and never go dead for it.
"""

import random
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

from tenacity import Retrying

from adapter.lease import Renewal
from adapter.outbox.claim import LEASE
from adapter.outbox.flight import TICK, Flight, SendPools
from adapter.outbox.record import DeliveryResult
from adapter.persistence.engine import UnitOfWork
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
    pools: SendPools | None = None,
) -> Counter[str]:
    """Deliver what is due now; returns counts by DeliveryResult (adapter/outbox/record.py): delivered /
    duplicate / retried / dead, and messages deferred untried: `deferred` (circuit open), `held` (the court
    refuses our credentials, adapter/platforms/credential_hold.py) and `throttled` (it asked us to slow down).

    Up to each platform's `in_flight` sends at once (PlatformLink; adapter/outbox/flight.py), on `pools` (kept by
    the caller across runs; None: pools for this run only). Claims up to `limit` rows, and again whenever half of
    them are recorded, so the sends never wait on a claim; a claim that finds nothing is tried again only after a
    delivery is recorded (it may free a case's next message). At most `max_rounds` claims, so one run never
    monopolises the worker. The claims' `lease` is renewed from a thread while their rows are held
    (adapter/lease.py), but not a row whose send has run past `slowest` (a hung call). Once `keep_going()` turns
    false (a clean stop) the sends in flight are recorded and the rest given back. Each send is told to `observe`
    (platform, result, seconds); its log lines carry the message's platform, case_id and message_id.
    """
    own = pools is None
    flight = Flight(
        uow,
        platforms,
        clock,
        pools or SendPools(),
        retrying=retrying,
        jitter=jitter,
        lease=lease,
        slowest=slowest,
        observe=observe,
    )
    try:
        with Renewal(flight.renew, lease=lease, stall=slowest, name="outbox claim") as renewal:
            _fly(flight, limit, max_rounds, keep_going, renewal)
    finally:
        if own:
            flight.pools.shutdown()
    return flight.counts


def _fly(flight: Flight, limit: int, max_rounds: int, keep_going: Callable[[], bool], renewal: Renewal) -> None:
    rounds, claimable, stopping = 0, True, False
    while True:
        renewal.step()
        stopping = _start(flight, keep_going, stopping)  # free slots first: a claim or a record can wait, a court not
        in_hand = len(flight.held) - len(flight.results)  # queued or being sent (the rest wait to be recorded)
        if claimable and rounds < max_rounds and in_hand <= limit // 2 and not stopping:
            if keep_going():
                rounds += 1
                set_aside = flight.counts[DeliveryResult.UNREADABLE]
                # Nothing new: wait for a delivery to free a case's next message (rows this process cannot open
                # were put back: the next claim finds others)
                claimable = bool(flight.claim(limit - in_hand)) or (
                    flight.counts[DeliveryResult.UNREADABLE] > set_aside
                )
                flight.freed = False
                stopping = _start(flight, keep_going, stopping)
            else:
                stopping = True
        if stopping:
            flight.give_back()
        if flight.record_due():
            flight.record()
            claimable = claimable or flight.freed
        idle = not flight.held and not any(flight.queued.values())
        if idle and (stopping or not claimable or rounds >= max_rounds):
            return
        flight.collect(TICK if any(flight.running.values()) else 0.0)


def _start(flight: Flight, keep_going: Callable[[], bool], stopping: bool) -> bool:
    """Start the queued rows each platform has room for; returns whether delivery is stopping."""
    for platform, rows in flight.queued.items():
        while rows and not stopping and flight.running[platform] < flight.slots(platform):
            if not keep_going():  # stopping: record what is done, and let another worker have the rest now
                return True
            flight.start(rows.popleft())
    return stopping
