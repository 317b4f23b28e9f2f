"""A platform's pace in delivery (#21): a 429 pauses the whole platform for its Retry-After without an attempt
counted against any message, and the requests-per-second cap holds however many sends are in flight."""

import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlmodel import select

from adapter.outbox.delivery import deliver_due
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import OutboxRow
from adapter.platforms.registry import PlatformLink
from adapter.platforms.throttle import Throttle
from connectors.fake import FakeCourtPlatform
from connectors.port import Throttled
from schemas.clock import from_db
from schemas.envelope import Envelope
from signing.jws import JwsVerifier
from tests.support.cases import T0, pending_cases

pytestmark = pytest.mark.integration


def _rows(uow: UnitOfWork) -> list[OutboxRow]:
    with uow.begin() as session:
        return list(session.exec(select(OutboxRow)).all())


def test_a_429_pauses_the_platform_and_counts_against_no_message(uow: UnitOfWork) -> None:
    """The first send meets a 429 (Retry-After 30 s): it and the two behind it wait 30 s unsent and uncounted, then
    all three go out."""
    pending_cases(uow, 3)
    court = FakeCourtPlatform("court")
    court.fail_next(Throttled("court", "HTTP 429 E429", retry_after=30))
    link = PlatformLink(court, JwsVerifier({}), breaker=None, throttle=Throttle("court"))
    assert deliver_due(uow, {"court": link}, lambda: T0) == Counter(throttled=3)
    rows = _rows(uow)
    assert court.sent == [] and {(r.status, r.attempts) for r in rows} == {("pending", 0)}
    assert {from_db(r.next_attempt_at) for r in rows} == {T0 + timedelta(seconds=30)}
    assert deliver_due(uow, {"court": link}, lambda: T0 + timedelta(seconds=30)) == Counter(delivered=3)
    assert len(court.sent) == 3


class CountingCourt(FakeCourtPlatform):
    """Records when each send arrives and how many were in hand at once; each takes 20 ms."""

    def __init__(self) -> None:
        super().__init__("court")
        self.arrivals: list[float] = []
        self.lock, self.now, self.peak = threading.Lock(), 0, 0

    def send(self, envelope: Envelope):  # type: ignore[no-untyped-def]
        with self.lock:
            self.arrivals.append(time.monotonic())
            self.now += 1
            self.peak = max(self.peak, self.now)
        time.sleep(0.02)
        with self.lock:
            self.now -= 1
        return super().send(envelope)


@pytest.mark.parametrize(("rate", "in_flight"), [(None, 8), (25.0, 8)], ids=["uncapped", "25-per-second"])
def test_the_cap_holds_with_many_in_flight(uow: UnitOfWork, rate: float | None, in_flight: int) -> None:
    """Ten messages, eight in flight: uncapped they overlap; at 25/s they arrive at least 40 ms apart."""
    pending_cases(uow, 10)
    court = CountingCourt()
    link = PlatformLink(court, JwsVerifier({}), breaker=None, in_flight=in_flight, throttle=Throttle("court", rate))
    assert deliver_due(uow, {"court": link}, lambda: T0) == Counter(delivered=10)
    gaps = [b - a for a, b in zip(court.arrivals, court.arrivals[1:], strict=False)]
    if rate is None:
        assert court.peak >= 4  # really concurrent
    else:
        assert min(gaps) >= 1 / rate - 0.005 and court.arrivals[-1] - court.arrivals[0] >= 9 / rate - 0.01
