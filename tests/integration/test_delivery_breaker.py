"""Delivery while a platform's circuit breaker refuses calls: rows wait for the breaker, they never spin."""

from collections import Counter
from datetime import datetime, timedelta

import pytest
from sqlmodel import select

import adapter.outbox.delivery as delivery
import adapter.outbox.flight as flight
from adapter.outbox.claimed import Claimed
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import OutboxRow
from adapter.platforms.breaker import CircuitBreaker
from adapter.platforms.registry import PlatformLink
from connectors.fake import FakeCourtPlatform
from connectors.port import TransientError
from schemas.clock import from_db
from signing.jws import JwsVerifier
from tests.support.cases import T0, pending_cases

COOLDOWN = timedelta(seconds=30)


pytestmark = pytest.mark.integration


def _open_breaker() -> CircuitBreaker:
    breaker = CircuitBreaker("court", failures=1, cooldown=COOLDOWN)
    breaker.record_failure(T0)
    return breaker


def _counting_claims(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record how many rows each claim round of `deliver_due` took."""
    claimed: list[int] = []
    real = flight.claim_in  # each round's claim, made by the run's Flight in its transaction (outbox/flight.py)

    def counted(*args: object, **kwargs: object) -> list[Claimed]:
        rows = real(*args, **kwargs)  # type: ignore[arg-type]
        claimed.append(len(rows))
        return rows

    monkeypatch.setattr(flight, "claim_in", counted)
    return claimed


@pytest.mark.parametrize(
    ("probe_taken_at", "expected_next"),
    [
        # half-open: the poller took the probe at the probe time; rows wait a full cool-down from now
        (T0 + COOLDOWN, T0 + COOLDOWN + timedelta(seconds=5) + COOLDOWN),
        # open: no probe yet; rows wait for the probe time
        (None, T0 + COOLDOWN),
    ],
    ids=["half-open-probe-in-flight", "open"],
)
def test_rows_refused_by_the_breaker_are_deferred_once_per_tick_not_re_claimed(
    uow: UnitOfWork,
    monkeypatch: pytest.MonkeyPatch,
    probe_taken_at: datetime | None,
    expected_next: datetime,
) -> None:
    """3 pending rows and a probe in flight: one claim takes them, 3 deferred (not 60), due again later."""
    pending_cases(uow, 3)
    breaker = _open_breaker()
    if probe_taken_at is not None:
        assert breaker.allow(probe_taken_at) and breaker.state == "half_open"  # another caller's probe
    now = (probe_taken_at or T0) + timedelta(seconds=5)
    court = FakeCourtPlatform("court")
    platforms = {"court": PlatformLink(court, JwsVerifier({}), breaker=breaker)}
    claimed = _counting_claims(monkeypatch)

    counts = delivery.deliver_due(uow, platforms, lambda: now)

    assert counts == Counter({"deferred": 3}) and court.sent == []
    assert claimed == [3, 0]  # one round took the rows; the next found nothing due
    with uow.begin() as session:
        rows = session.exec(select(OutboxRow)).all()
    assert {from_db(r.next_attempt_at) for r in rows} == {expected_next}
    assert {(r.status, r.attempts) for r in rows} == {("pending", 0)}  # a deferral is not an attempt


def test_once_the_probe_succeeds_the_deferred_rows_are_delivered(uow: UnitOfWork) -> None:
    """After the probe closes the breaker, the rows go out when they are next due."""
    pending_cases(uow, 3)
    breaker = _open_breaker()
    probe_at = T0 + COOLDOWN
    assert breaker.allow(probe_at)
    court = FakeCourtPlatform("court")
    platforms = {"court": PlatformLink(court, JwsVerifier({}), breaker=breaker)}
    assert delivery.deliver_due(uow, platforms, lambda: probe_at) == Counter({"deferred": 3})
    breaker.record_success()
    assert delivery.deliver_due(uow, platforms, lambda: probe_at + COOLDOWN) == Counter({"delivered": 3})


def test_a_failed_probe_keeps_the_rows_deferred_for_another_cool_down(uow: UnitOfWork) -> None:
    """The probe fails: the breaker re-opens, and the rows are not sent before its next probe time."""
    pending_cases(uow, 1)
    breaker = _open_breaker()
    court = FakeCourtPlatform("court")
    court.fail_next(*(TransientError("court", "down") for _ in range(3)))
    platforms = {"court": PlatformLink(court, JwsVerifier({}), breaker=breaker)}
    probe_at = T0 + COOLDOWN
    counts = delivery.deliver_due(uow, platforms, lambda: probe_at, jitter=lambda: 1.0)  # due again in 2 s
    assert counts == Counter({"retried": 1}) and breaker.state == "open"
    assert delivery.deliver_due(uow, platforms, lambda: probe_at + timedelta(seconds=5)) == Counter({"deferred": 1})
    with uow.begin() as session:
        (row,) = session.exec(select(OutboxRow)).all()
    assert from_db(row.next_attempt_at) == probe_at + COOLDOWN
