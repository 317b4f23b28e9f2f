"""A circuit breaker per platform: after repeated transient failures stop hammering it, probe it once after a
cool-down, and say so once when it opens and once when it closes. Other platforms are unaffected.

    closed ──(N consecutive failures)──▶ open ──(cool-down passed)──▶ half-open: one probe
      ▲                                   ▲                                │
      └──── probe answered (success  ─────┼──────── probe fails ───────────┤
            or a refusal)                 │                                │
                                          └── probe ends without a word ───┘ (released: the next call probes)

Every probe ends in exactly one of these (`observe` sorts an exception into them, the same for polls and sends):
  success    the call did what it was for                                  → closed
  refusal    the platform answered, refusing the call (4xx, a SOAP client  → closed: it is up. Not a success for
             fault, a refusal of our credentials; for a feed page, an        the call — the caller decides what
             answer too large or unreadable: adapter/inbox/polling.py)             it means (a dead message, a held
                                                                             platform, a held feed)
  failure    no answer worth the name (timeout, connection, 5xx)           → open again
  released   our side failed before the platform's health was learnt (a    → stays half-open, slot freed
             database error, a bug, a decoder crash, the caller's lease gone),
             or the platform asked us to slow down (429: adapter/platforms/throttle.py)
A probe whose caller never reports (killed mid-call, a hung thread) is noticed once the cool-down plus the
slowest call has passed since it began: logged once, and the next caller probes.
"""

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum

from connectors.port import ConnectorError, CredentialsRefused, Throttled

log = logging.getLogger("docking.breaker")


class BreakerState(StrEnum):
    CLOSED = "closed"  # calls go through; consecutive failures are counted
    OPEN = "open"  # no calls until the cool-down has passed
    HALF_OPEN = "half_open"  # one probe at a time decides


class CircuitBreaker:
    def __init__(
        self,
        platform: str,
        *,
        failures: int = 5,
        cooldown: timedelta = timedelta(seconds=30),
        max_call: timedelta = timedelta(seconds=60),
        on_change: Callable[[str, str], None] | None = None,
    ) -> None:
        """`max_call`: the longest one call may take (its quick retries included): a probe older than the
        cool-down plus this is taken as lost."""
        self.platform, self.threshold, self.cooldown, self.max_call = platform, failures, cooldown, max_call
        self._on_change = on_change
        self._lock = threading.Lock()
        self.state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at: datetime | None = None
        self._probing = False
        self._probe_started: datetime | None = None
        self._prober: int | None = None  # the thread making the probe: only it may release the slot
        self._failed_probes = 0

    def allow(self, now: datetime) -> bool:
        """May a call go to the platform now? In half-open state only one probe at a time."""
        lost = False
        with self._lock:
            if self.state == BreakerState.CLOSED:
                return True
            if self.state == BreakerState.OPEN:
                assert self._opened_at is not None
                if now < self._opened_at + self.cooldown:
                    return False
                self.state = BreakerState.HALF_OPEN
            if self._probing:
                assert self._probe_started is not None
                if now < self._probe_started + self.cooldown + self.max_call:
                    return False
                lost, started = True, self._probe_started  # its caller never said how it ended
            self._probing, self._probe_started, self._prober = True, now, threading.get_ident()
        if lost:
            log.warning(
                "platform %s: the probe started at %s never reported its outcome (longer than the cool-down %s plus "
                "the slowest call %s): probing again",
                self.platform,
                started.isoformat(timespec="seconds"),
                self.cooldown,
                self.max_call,
            )
            self._notify("probe_lost")
        return True

    def retry_at(self) -> datetime | None:
        """When an open breaker will let a probe through (None when closed)."""
        with self._lock:
            return (
                None
                if self._opened_at is None or self.state == BreakerState.CLOSED
                else self._opened_at + self.cooldown
            )

    def next_call_at(self, now: datetime) -> datetime:
        """When a call `allow` refused at `now` should be tried again: never `now` itself, or a worker that
        re-claims due work would spin on it.

        Open: at the probe time. Half-open with the probe in flight (the probe time has passed, so it would be
        "now"): a full cool-down on — the probe's answer decides, and a failed probe keeps it open that long.
        """
        with self._lock:
            probe = self._opened_at + self.cooldown if self._opened_at is not None else None
            if self.state == BreakerState.OPEN and probe is not None and probe > now:
                return probe
            return now + self.cooldown

    def observe(self, error: BaseException | None, now: datetime) -> None:
        """Record how a call that `allow` let through ended: `error` None for success, else what it raised."""
        if error is None:
            self.record_success()
        elif isinstance(error, CredentialsRefused):
            self.record_refusal()  # a TransientError for its callers (never kill a message), but it did answer
        elif isinstance(error, Throttled):
            # 429: the court asks us to slow down (adapter/platforms/throttle.py pauses it); it answered, but said
            # nothing of its health — neither a failure that opens the circuit nor a probe that closes it
            self.release()
        elif isinstance(error, ConnectorError):
            if error.retryable:
                self.record_failure(now)
            else:
                self.record_refusal()
        else:
            self.release()

    def record_success(self) -> None:
        self._close("answers again")

    def record_refusal(self) -> None:
        """The platform answered, refusing the call: it is up, so the failure count restarts and a probe closes
        the circuit — the refusal itself is the caller's to act on."""
        self._close("answers again (refusing the probe's call, so it is up)")

    def release(self) -> None:
        """The call ended without the platform's word on its health (our database, our bug, a lease lost before
        the call): free the probe slot if this thread holds it; the breaker's state is unchanged."""
        with self._lock:
            if self.state == BreakerState.HALF_OPEN and self._probing and self._prober == threading.get_ident():
                self._probing, self._probe_started, self._prober = False, None, None

    def record_failure(self, now: datetime) -> None:
        with self._lock:
            self._failures += 1
            opening = self.state == BreakerState.HALF_OPEN or (
                self.state == BreakerState.CLOSED and self._failures >= self.threshold
            )
            alert = opening and self.state == BreakerState.CLOSED  # re-opening after a failed probe is not news
            if self.state == BreakerState.HALF_OPEN:
                self._failed_probes += 1
            if opening:
                self.state, self._opened_at = BreakerState.OPEN, now
                self._probing, self._probe_started, self._prober = False, None, None
            probes = self._failed_probes
        if alert:
            log.warning(
                "platform %s failed %d times in a row: circuit open, next probe in %s",
                self.platform,
                self.threshold,
                self.cooldown,
            )
            self._notify("opened")
        elif opening:  # said at DEBUG: the open and the close are the news, with the count of probes between
            log.debug("platform %s: probe %d failed; next probe in %s", self.platform, probes, self.cooldown)

    def _close(self, how: str) -> None:
        with self._lock:
            was, probes = self.state, self._failed_probes
            self.state, self._failures, self._opened_at = BreakerState.CLOSED, 0, None
            self._probing, self._probe_started, self._prober, self._failed_probes = False, None, None, 0
        if was != BreakerState.CLOSED:
            log.info("platform %s %s after %d failed probe(s): circuit closed", self.platform, how, probes)
            self._notify("closed")

    def _notify(self, what: str) -> None:
        if self._on_change is not None:
            self._on_change(self.platform, what)
