"""A platform's retry policy: how long a failed message waits before its next attempt, and when it is given up.

Two levels, kept apart. The row's schedule (attempts, next_attempt_at, queued_at in the outbox) is computed here by
pure functions and applied by adapter/outbox/send.py; tenacity covers only the few quick tries inside one attempt
(`quick_retries`), for blips. Polling honours a court's Retry-After with the same cap (adapter/inbox/poll_policy.py).
"""

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from tenacity import (
    Retrying,
    retry_if_exception_type,
    retry_if_not_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from connectors.port import CredentialsRefused, Throttled, TransientError

# Quick tries within one attempt (quick_retries), and the connect timeout each may spend before its read timeout.
QUICK_TRIES = 3
CONNECT_TIMEOUT = 3.05


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, capped; a message is dead only after `give_up_after`."""

    base: float = 2.0
    cap: float = 3600.0
    give_up_after: timedelta = timedelta(hours=24)


def backoff(
    attempts: int, *, base: float = 2.0, cap: float = 3600.0, rng: Callable[[], float] = random.random
) -> float:
    """Seconds to wait before attempt `attempts + 1`: exponential with full jitter, capped. Pure but for `rng`."""
    exponent = min(max(0, attempts - 1), 60)  # 2**60 dwarfs any cap; a larger power would overflow a float
    return rng() * min(cap, base * 2**exponent)


def next_delay(
    policy: RetryPolicy, attempts: int, jitter: Callable[[], float], retry_after: float | None = None
) -> float:
    """Seconds before the next attempt of a message that has made `attempts`: our backoff, or the court's
    Retry-After when it gave one — but never past our own cap (a proxy's `Retry-After: 99999999999`, or a date in
    9999, must not park a message beyond the give-up horizon it is judged by), and never sooner than the base
    delay (`Retry-After: 0`, or a past date, would have the row claimed again in the same tick, over and over,
    against a court that just said it is busy)."""
    if retry_after is None:
        return backoff(attempts + 1, base=policy.base, cap=policy.cap, rng=jitter)
    return min(max(retry_after, policy.base), policy.cap)


_QUICK = Retrying(
    retry=retry_if_exception_type(TransientError) & retry_if_not_exception_type((CredentialsRefused, Throttled)),
    stop=stop_after_attempt(QUICK_TRIES),
    wait=wait_exponential_jitter(multiplier=0.05, max=0.5, jitter=0.05),
    reraise=True,
)


def quick_retries() -> Retrying:
    """Three quick tries inside one attempt, for blips; longer outages go back to the row's schedule. A refusal
    of our credentials is not a blip: asking again at once only adds to the court's failed-login count; nor is a
    429 (the court asked us to wait: adapter/platforms/throttle.py).

    One shared Retrying, not one per message (building it costs more CPU than a send's own Python): tenacity
    keeps a call's state in the call and its statistics per thread, so concurrent sends may share it."""
    return _QUICK


def slowest_call(read_timeout: float = 10.0) -> timedelta:
    """The longest one send may legitimately take: its quick tries, each at the connect and read timeouts, and a
    margin. Longer means a hung call (the breaker takes its probe as lost; delivery lets the claim lapse)."""
    return timedelta(seconds=QUICK_TRIES * (CONNECT_TIMEOUT + read_timeout) + 2)
