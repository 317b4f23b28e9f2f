"""A case the court lists but we lack is in flight until our read of its dispatch feed has passed it (#14)."""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from adapter.inbox.polling import caught_up_at, poll
from adapter.persistence.engine import UnitOfWork
from adapter.platforms.registry import Platforms
from adapter.reconcile import Kind, reconcile
from adapter.reconcile.arrival import CLOCK_SKEW, Horizon, in_flight
from connectors.port import Feed, RawInbound
from schemas.clock import utc_now
from tests.support.fake_court import court, dispatch, fake, lost, no_wait, received

pytestmark = pytest.mark.integration


T = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
S = timedelta(seconds=1)


@pytest.mark.parametrize(
    ("published", "newest", "read_at", "expected"),
    [
        (T, None, None, True),  # never read to its end: nothing is provably lost yet
        (T, T - S, None, True),  # newer than anything we hold
        (T, T, None, True),  # the same second as the newest we hold: cannot be ordered, wait
        (T - S, T, None, False),  # older than a dispatch we hold: the read passed it
        (T, None, T - S, True),  # published after our last read to the end began
        (T, None, T + CLOCK_SKEW - S, True),  # before it, but within the clock skew we tolerate
        (T, None, T + CLOCK_SKEW, True),  # exactly at the edge of the skew: still given the benefit
        (T, None, T + CLOCK_SKEW + S, False),  # before it by more than the skew: that read would have brought it
        (T, T + S, T - S, False),  # either proof is enough
        (None, None, None, False),  # no readable dispatch: a person has to look
    ],
)
def test_a_listed_case_is_in_flight_until_our_feed_read_has_provably_passed_it(
    published: datetime | None, newest: datetime | None, read_at: datetime | None, expected: bool
) -> None:
    """The module doc's table, row by row, with the edges of each comparison."""
    assert in_flight(published, Horizon(newest, read_at)) is expected


def test_a_case_dispatched_since_the_last_poll_is_in_flight_not_a_difference(
    uow: UnitOfWork, platforms: Platforms
) -> None:
    """The court dispatched after our last poll: the full pass counts it in flight and finds the sides in step."""
    link = platforms["court"]
    received(uow, link, "N-1")  # a poll read the feed to its end
    dispatch(link, "N-2")  # then the court dispatched another, not yet polled
    report = reconcile(uow, platforms, retrying=no_wait)
    assert (report.differences, report.status, report.in_flight) == ([], "ok", 1)
    assert report.arriving == [("court", "N-2")]
    poll(uow, link, Feed.DISPATCHES, utc_now)  # the next poll brings it, as promised
    assert reconcile(uow, platforms, retrying=no_wait).in_flight == 0


def test_a_lost_dispatch_older_than_one_we_received_is_missing_here(uow: UnitOfWork, platforms: Platforms) -> None:
    """Lost from the feed, then a later dispatch arrives: the court's own times show our read passed it."""
    link = platforms["court"]
    dispatch(link, "L-1", at=datetime.now(UTC) - timedelta(seconds=2), lost=True)
    received(uow, link, "L-2")
    (difference,) = reconcile(uow, platforms, retrying=no_wait).differences
    assert (difference.platform_case_id, difference.kind) == ("L-1", Kind.MISSING_HERE)


def test_a_lost_dispatch_older_than_our_last_read_to_the_end_is_missing_here(
    uow: UnitOfWork, platforms: Platforms
) -> None:
    """Lost an hour ago, the feed read to its end since, nothing newer held: missing_here all the same."""
    lost(uow, platforms["court"], "L-3")
    report = reconcile(uow, platforms, retrying=no_wait)
    assert [(d.platform_case_id, d.kind) for d in report.differences] == [("L-3", Kind.MISSING_HERE)]
    assert report.in_flight == 0


def test_a_case_polled_in_while_it_is_examined_is_no_difference(uow: UnitOfWork, platforms: Platforms) -> None:
    """Listed as unknown, then brought by a poll before it is classified: neither missing nor left uncounted."""
    link = platforms["court"]
    dispatch(link, "R-1", at=datetime.now(UTC) - timedelta(hours=1))
    fake_court = fake(link)
    fetching = fake_court.fetch_case

    def polled_meanwhile(platform_case_id: str) -> Sequence[RawInbound]:
        poll(uow, link, Feed.DISPATCHES, lambda: datetime.now(UTC) + timedelta(hours=1))  # the run's poller
        return fetching(platform_case_id)

    fake_court.fetch_case = polled_meanwhile  # type: ignore[method-assign]
    report = reconcile(uow, platforms, retrying=no_wait)
    assert (report.differences, report.in_flight) == ([], 1)


def test_a_poll_that_reads_the_feed_to_its_end_records_when_it_began(uow: UnitOfWork) -> None:
    """caught_up_at: set by a read to the end (even of an empty feed), never moved back by an older one."""
    link = court()
    assert caught_up_at(uow, "court", Feed.DISPATCHES) is None
    poll(uow, link, Feed.DISPATCHES, lambda: T)  # an empty feed: no cursor row until now
    assert caught_up_at(uow, "court", Feed.DISPATCHES) == T
    dispatch(link, "C-1")
    poll(uow, link, Feed.DISPATCHES, lambda: T + S)
    poll(uow, link, Feed.DISPATCHES, lambda: T - S)  # a slower poller finishing late
    assert caught_up_at(uow, "court", Feed.DISPATCHES) == T + S
    assert caught_up_at(uow, "court", Feed.DECISIONS) is None
