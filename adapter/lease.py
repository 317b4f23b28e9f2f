"""Keeping a short lease alive while its holder works: a background renewal that stops when the work stalls.

A lease (an outbox claim, a platform's poll lock) must be short, so that a worker killed with SIGKILL frees its
work within seconds for the process restarted in its place; yet it must never lapse under a worker merely waiting
on a slow court. So the lease is short and renewed every third of it from a thread, for as long as the holder
says it is moving on (`step()`): a holder stuck on one step for longer than `stall` (its slowest legitimate step)
is presumed hung, and its lease is left to lapse. Whoever takes the work over then, the claim token and the
conditional UPDATE (adapter/outbox/record.py) keep a stale worker from overwriting a result.
"""

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from types import TracebackType

log = logging.getLogger("docking.lease")


class Renewal:
    """`with Renewal(renew, lease=…, stall=…) as renewal:` renews every lease/3 until the block ends."""

    def __init__(
        self,
        renew: Callable[[], object],
        *,
        lease: timedelta,
        stall: timedelta,
        name: str,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._renew, self._every, self._stall, self._name = (
            renew,
            lease.total_seconds() / 3,
            stall.total_seconds(),
            name,
        )
        self._monotonic = monotonic
        self._moved = monotonic()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease:{name}", daemon=True)
        self.failures = 0  # renewals that failed (the database unreachable): the lease may lapse, safely

    def step(self) -> None:
        """The holder starts its next step (a message's send, a feed page): it is alive, keep its lease."""
        self._moved = self._monotonic()

    def __enter__(self) -> "Renewal":
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self._done.set()
        self._thread.join(timeout=max(self._every, 1.0))

    def _run(self) -> None:
        while not self._done.wait(self._every):
            if self._monotonic() - self._moved > self._stall:
                continue  # stuck on one step past the slowest it may take: let the lease lapse
            try:
                self._renew()
            except Exception as exc:  # the database may be down: the lease lapses, the claim token keeps it safe
                self.failures += 1
                if self.failures == 1:
                    log.warning(
                        "lease %s: cannot renew it (%s); another worker may take the work over",
                        self._name,
                        type(exc).__name__,
                    )
