"""A court that answers a poll with Retry-After is left alone until then (capped at the retry cap): polling every
few seconds through a rate limit is what keeps a court limiting us."""

from datetime import UTC, datetime, timedelta

import pytest

from adapter.config.settings import Settings
from adapter.persistence.case_store import SqlCaseStore
from adapter.persistence.engine import UnitOfWork
from adapter.platforms.registry import PlatformLink
from adapter.platforms.retry import RetryPolicy
from adapter.services import CentreServices
from adapter.testing import FakeClock
from connectors.fake import FakeCourtPlatform
from connectors.port import Feed, FeedPage, TransientError
from scheduler import Runtime
from signing.jws import JwsVerifier

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


class CountingCourt(FakeCourtPlatform):
    def __init__(self) -> None:
        super().__init__("court")
        self.fetches = 0

    def fetch(self, feed: Feed, cursor: str, limit: int) -> FeedPage:
        self.fetches += 1
        return super().fetch(feed, cursor, limit)


@pytest.mark.parametrize(
    ("retry_after", "quiet_for"),
    [(600.0, timedelta(seconds=600)), (2.0**31, timedelta(seconds=3600)), (None, timedelta(0))],
)
def test_a_poll_told_to_retry_after_waits_that_long_at_most_the_cap(
    uow: UnitOfWork, retry_after: float | None, quiet_for: timedelta
) -> None:
    """Both feeds wait out the court's Retry-After (cut to retry_cap_seconds); without one, the next pass polls."""
    court, clock = CountingCourt(), FakeClock(T0)
    link = PlatformLink(court, JwsVerifier({}), retry=RetryPolicy(cap=3600.0), breaker=None)
    runtime = Runtime(Settings(), uow, {"court": link}, CentreServices(SqlCaseStore(uow), clock), clock)
    court.fail_next(TransientError("court", "HTTP 429", retry_after=retry_after))
    runtime.poll_platform("court")
    told = court.fetches
    assert told == (1 if retry_after else 2)  # told when to come back: the other feed waits too
    clock.now = T0 + quiet_for - timedelta(seconds=1)
    runtime.poll_platform("court")
    assert court.fetches == (told if quiet_for else told + 2)
    clock.now = T0 + quiet_for + timedelta(seconds=1)
    runtime.poll_platform("court")
    assert court.fetches > told + (0 if quiet_for else 2)
