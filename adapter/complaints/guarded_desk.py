"""A desk behind the courts' circuit breaker (adapter/platforms/breaker.py): after `breaker_failures` transient
failures in a row its calls stop for `breaker_cooldown_seconds`, then one probe goes through. A call refused by the
open breaker is a TransientError with the probe time as its retry-after, so the outbox backs the message off to then
(never dead for it before its give-up time) and a poll waits for its next turn.
"""

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypeVar

from adapter.platforms.breaker import CircuitBreaker
from connectors.desk_port import ComplaintDesk, DeskReceipt, DeskStatus
from connectors.port import FeedPage, RawInbound, TransientError
from schemas.clock import Clock
from schemas.complaint import ComplaintEnvelope

T = TypeVar("T")


class GuardedDesk:
    """`desk` with `breaker` around every call to it (decode is local: not guarded)."""

    def __init__(self, desk: ComplaintDesk, breaker: CircuitBreaker, clock: Clock) -> None:
        self.desk, self.breaker, self.clock = desk, breaker, clock
        self.name, self.transport = desk.name, desk.transport

    def send(self, envelope: ComplaintEnvelope) -> DeskReceipt:
        return self._call(lambda: self.desk.send(envelope))

    def fetch(self, cursor: str, limit: int) -> FeedPage:
        return self._call(lambda: self.desk.fetch(cursor, limit))

    def decode(self, item: RawInbound) -> ComplaintEnvelope:
        return self.desk.decode(item)

    def query_status(self, complaint_ids: Sequence[str]) -> dict[str, DeskStatus | None]:
        return self._call(lambda: self.desk.query_status(complaint_ids))

    def _call(self, call: Callable[[], T]) -> T:
        now: datetime = self.clock()
        if not self.breaker.allow(now):
            wait = (self.breaker.next_call_at(now) - now).total_seconds()
            raise TransientError(self.name, f"circuit open after repeated failures; next try in {wait:.0f} s",
                                 retry_after=wait)  # fmt: skip
        try:
            result = call()
        except BaseException as exc:
            self.breaker.observe(exc, self.clock())
            raise
        self.breaker.observe(None, self.clock())
        return result
