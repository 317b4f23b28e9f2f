"""A circuit breaker per platform: after repeated transient failures stop hammering it, probe it once after a
cool-down, and say so once when it opens and once when it closes. Other platforms are unaffected.

    closed ──(N consecutive failures)──▶ open ──(cool-down passed)──▶ half-open: one probe
      ▲                                   ▲                                │
      └──────────── probe succeeds ───────┼──────── probe fails ───────────┘
"""

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

log = logging.getLogger("docking.breaker")


class CircuitBreaker:
    def __init__(
        self,
        platform: str,
        *,
        failures: int = 5,
        cooldown: timedelta = timedelta(seconds=30),
        on_change: Callable[[str, str], None] | None = None,
    ) -> None:
        self.platform, self.threshold, self.cooldown = platform, failures, cooldown
        self._on_change = on_change
        self._lock = threading.Lock()
        self.state = "closed"
        self._failures = 0
        self._opened_at: datetime | None = None
        self._probing = False

    def allow(self, now: datetime) -> bool:
        """May a call go to the platform now? In half-open state only one probe at a time."""
        with self._lock:
            if self.state == "closed":
                return True
            if self.state == "open":
                assert self._opened_at is not None
                if now < self._opened_at + self.cooldown:
                    return False
                self.state = "half_open"
            if self._probing:
                return False
            self._probing = True
            return True

    def retry_at(self) -> datetime | None:
        """When an open breaker will let a probe through (None when closed)."""
        with self._lock:
            return None if self._opened_at is None or self.state == "closed" else self._opened_at + self.cooldown

    def next_call_at(self, now: datetime) -> datetime:
        """When a call `allow` refused at `now` should be tried again: never `now` itself, or a worker that
        re-claims due work would spin on it.

        Open: at the probe time. Half-open with the probe in flight (the probe time has passed, so it would be
        "now"): a full cool-down on — the probe's answer decides, and a failed probe keeps it open that long.
        """
        with self._lock:
            probe = self._opened_at + self.cooldown if self._opened_at is not None else None
            if self.state == "open" and probe is not None and probe > now:
                return probe
            return now + self.cooldown

    def record_success(self) -> None:
        with self._lock:
            was = self.state
            self.state, self._failures, self._opened_at, self._probing = "closed", 0, None, False
        if was != "closed":
            log.info("platform %s answers again: circuit closed", self.platform)
            self._notify("closed")

    def record_failure(self, now: datetime) -> None:
        with self._lock:
            self._failures += 1
            opening = self.state == "half_open" or (self.state == "closed" and self._failures >= self.threshold)
            alert = opening and self.state == "closed"  # re-opening after a failed probe is not news
            if opening:
                self.state, self._opened_at, self._probing = "open", now, False
        if alert:
            log.warning(
                "platform %s failed %d times in a row: circuit open, next probe in %s",
                self.platform,
                self.threshold,
                self.cooldown,
            )
            self._notify("opened")

    def _notify(self, what: str) -> None:
        if self._on_change is not None:
            self._on_change(self.platform, what)
