"""A connector's calls behind the courts' circuit breaker (adapter/platforms/breaker.py): after `failures`
transient failures in a row its calls stop for the cool-down, then one probe goes through. A call refused by the open
breaker is a TransientError with the probe time as its retry-after, so the outbox backs the message off to then
(never dead for it before its give-up time) and a poll waits for its next turn. A CredentialsRefused passes through
as the TransientError it is (the message retried, never dead) and counts as an answer, not an outage. Used by the
complaint desks (adapter/complaints/guarded_desk.py) and the partners (adapter/partners/guarded.py)."""

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from adapter.platforms.breaker import CircuitBreaker
from connectors.port import TransientError
from schemas.clock import Clock

T = TypeVar("T")


class BreakerGuarded:
    def __init__(self, name: str, breaker: CircuitBreaker, clock: Clock) -> None:
        self.name, self.breaker, self.clock = name, breaker, clock

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
