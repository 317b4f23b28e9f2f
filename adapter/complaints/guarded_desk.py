"""A desk behind the courts' circuit breaker (adapter/platforms/guarded.py): after `breaker_failures` transient
failures in a row its calls stop for `breaker_cooldown_seconds`, then one probe goes through. A call refused by the
open breaker is a TransientError with the probe time as its retry-after, so the outbox backs the message off to then
(never dead for it before its give-up time) and a poll waits for its next turn.
"""

from collections.abc import Sequence

from adapter.platforms.breaker import CircuitBreaker
from adapter.platforms.guarded import BreakerGuarded
from connectors.desk_port import ComplaintDesk, DeskReceipt, DeskStatus
from connectors.port import FeedPage, RawInbound
from schemas.clock import Clock
from schemas.complaint import ComplaintEnvelope


class GuardedDesk(BreakerGuarded):
    """`desk` with `breaker` around every call to it (decode is local: not guarded)."""

    def __init__(self, desk: ComplaintDesk, breaker: CircuitBreaker, clock: Clock) -> None:
        super().__init__(desk.name, breaker, clock)
        self.desk, self.transport = desk, desk.transport

    def send(self, envelope: ComplaintEnvelope) -> DeskReceipt:
        return self._call(lambda: self.desk.send(envelope))

    def fetch(self, cursor: str, limit: int) -> FeedPage:
        return self._call(lambda: self.desk.fetch(cursor, limit))

    def decode(self, item: RawInbound) -> ComplaintEnvelope:
        return self.desk.decode(item)

    def query_status(self, complaint_ids: Sequence[str]) -> dict[str, DeskStatus | None]:
        return self._call(lambda: self.desk.query_status(complaint_ids))
