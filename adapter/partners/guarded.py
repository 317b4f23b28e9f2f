"""A partner behind the courts' circuit breaker (adapter/platforms/guarded.py): repeated transient failures stop
its calls for the cool-down, then one probe; a refusal of our credentials (CredentialsRefused) is retried, never a
dead letter — the partner's messages wait until it takes our key (as the desks')."""

from collections.abc import Sequence

from adapter.platforms.breaker import CircuitBreaker
from adapter.platforms.guarded import BreakerGuarded
from connectors.partner_port import PartnerPort, PartnerReceipt, PartnerStatus
from connectors.port import FeedPage, RawInbound
from schemas.clock import Clock
from schemas.partner import PartnerEnvelope


class GuardedPartner(BreakerGuarded):
    """`port` with `breaker` around every call to it (decode is local: not guarded)."""

    def __init__(self, port: PartnerPort, breaker: CircuitBreaker, clock: Clock) -> None:
        super().__init__(port.name, breaker, clock)
        self.port, self.kind, self.transport = port, port.kind, port.transport

    def send(self, envelope: PartnerEnvelope) -> PartnerReceipt:
        return self._call(lambda: self.port.send(envelope))

    def fetch(self, cursor: str, limit: int) -> FeedPage:
        return self._call(lambda: self.port.fetch(cursor, limit))

    def decode(self, item: RawInbound) -> PartnerEnvelope:
        return self.port.decode(item)

    def query_status(self, record_ids: Sequence[str]) -> dict[str, PartnerStatus | None]:
        return self._call(lambda: self.port.query_status(record_ids))

    def statistics(self, month: str) -> dict[str, int] | None:
        return self._call(lambda: self.port.statistics(month))
