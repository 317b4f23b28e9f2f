"""A platform's pace: at most `rate` requests a second from this process, and a pause while the court says to
slow down (HTTP 429 with Retry-After; RFC 6585 §4, RFC 9110 §10.2.3).

Some courts cap how fast a centre may call them. Delivery sends several messages to a platform at once
(adapter/outbox/flight.py), so without a cap one worker could exceed the court's limit by itself. `acquire` spaces
the sends of every thread of this process evenly (a request every 1/rate seconds, no burst); it is per process,
so with W worker processes set the cap to the court's limit ÷ W.

A 429 is the court asking us to wait, not a failure: `slow_down` pauses the platform until its Retry-After (or
`DEFAULT_PAUSE` without one), and while it is paused delivery does not call it — its messages wait, without an
attempt counted, and never go dead for it (adapter/outbox/send.py `throttled`). The breaker is not told either way
(adapter/platforms/breaker.py): the court answered, but said nothing of its health.
"""

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

log = logging.getLogger("docking.throttle")

# The pause after a 429 without a usable Retry-After: long enough to matter to a court that is counting, short
# enough that a burst of our own does not stall delivery for long.
DEFAULT_PAUSE = timedelta(seconds=1)
# The longest pause a Retry-After may impose on the whole platform: beyond it the court's figure applies only to
# the message it answered (its own retry schedule, capped by retry_cap_seconds), and the others keep trying.
LONGEST_PAUSE = timedelta(minutes=5)


class Throttle:
    """`rate`: requests per second (None: no cap). Thread-safe; `monotonic` and `sleep` are injectable."""

    def __init__(
        self,
        platform: str = "",
        rate: float | None = None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate is not None and rate <= 0:
            raise ValueError(f"requests_per_second must be positive, not {rate}")
        self.platform, self.rate = platform, rate
        self._monotonic, self._sleep = monotonic, sleep
        self._lock = threading.Lock()
        self._next_slot = 0.0  # monotonic time of the next free slot
        self._paused_until: datetime | None = None

    def acquire(self) -> float:
        """Wait for this request's slot; returns the seconds waited (0 without a cap)."""
        if self.rate is None:
            return 0.0
        with self._lock:
            now = self._monotonic()
            slot = max(now, self._next_slot)
            self._next_slot = slot + 1.0 / self.rate
        wait = slot - now
        if wait > 0:
            self._sleep(wait)
        return wait

    def wait(self, now: datetime) -> float:
        """Seconds the platform is still paused at `now` (0: not paused)."""
        with self._lock:
            if self._paused_until is None or self._paused_until <= now:
                return 0.0
            return (self._paused_until - now).total_seconds()

    def slow_down(self, retry_after: float | None, now: datetime, platform: str = "") -> float:
        """The court answered 429: pause the platform for its Retry-After (at most LONGEST_PAUSE); returns the
        pause in seconds. Said once per pause, not per answer (several sends in flight get the same 429)."""
        pause = DEFAULT_PAUSE if retry_after is None else timedelta(seconds=retry_after)
        pause = min(max(pause, timedelta(0)), LONGEST_PAUSE)
        with self._lock:
            fresh = self._paused_until is None or self._paused_until <= now
            until = now + pause
            if self._paused_until is None or until > self._paused_until:
                self._paused_until = until
        if fresh:
            log.warning(
                "platform %s asks us to slow down (HTTP 429): no sends for %gs",
                self.platform or platform,
                pause.total_seconds(),
            )
        return pause.total_seconds()
