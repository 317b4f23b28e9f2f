"""A case the platform lists but we do not hold: still on its way to us (in flight), or lost on the way?

A court lists a case the moment it dispatches it; we hold it only once a poll of the dispatch feed has read the
item. So during normal load a full listing always shows a few cases dispatched since our last poll: they are past
our feed cursor, in flight, not differences. A case is judged lost (missing_here) only when our reading of its
feed has provably passed it:

    published before the newest dispatch we hold from that platform    lost: the feed read has gone past it
                                                                      (both times are the court's own clock)
    published before our last read of the feed to its end began,      lost: that read would have brought it
      less the clock skew we tolerate (CLOCK_SKEW)                    (the court's clock against ours)
    otherwise                                                         in flight: the next poll brings it
    its dispatch cannot be read (none published, none verifiable)     lost: a person has to look

"Published" is what ingest records as cases.court_dispatched_at: the later of the dispatch time (pqsj) and the
feed item's send time (fssj) — domain.md §3 — read from the court-signed items `fetch_case` returns.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from adapter.inbox.polling import caught_up_at
from adapter.persistence.engine import UnitOfWork
from adapter.platforms.registry import PlatformLink
from adapter.reconcile.cases import CASES
from connectors.port import Feed, PayloadError, RawInbound
from schemas.clock import from_db, to_utc
from schemas.envelope import DispatchBody
from signing import SignatureInvalid

# How far the court's clock may be behind ours: the freshness window both sides already demand of a signed request
# (five minutes), so a court further off would be refusing our requests anyway.
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class Horizon:
    """How far our reading of one platform's dispatch feed has provably gone."""

    newest: datetime | None  # the latest publication time among the dispatches we hold (the court's clock)
    read_at: datetime | None  # when our last read of the feed to its end began (our clock)


def horizon(uow: UnitOfWork, platform: str) -> Horizon:
    with uow.begin() as session:
        newest = (
            session.connection()
            .execute(select(func.max(CASES.c.court_dispatched_at)).where(CASES.c.platform == platform))
            .scalar_one_or_none()
        )
    return Horizon(from_db(newest) if newest is not None else None, caught_up_at(uow, platform, Feed.DISPATCHES))


def published_at(link: PlatformLink, platform_case_id: str, items: Sequence[RawInbound]) -> datetime | None:
    """When the court published the dispatch of `platform_case_id`, from the court-signed items about it; None if
    none of them is its verifiable, readable dispatch (a forged or unreadable item never says "in flight")."""
    for item in items:
        try:
            link.verifier.verify(item.body, item.headers)
            envelope = link.connector.decode(item)
        except (SignatureInvalid, PayloadError):
            continue
        body = envelope.body
        if isinstance(body, DispatchBody) and envelope.platform_case_id == platform_case_id:
            return to_utc(max(body.dispatch.dispatched_at, envelope.created_at))
    return None


def in_flight(published: datetime | None, seen: Horizon, *, skew: timedelta = CLOCK_SKEW) -> bool:
    """Is a case published at `published` (not held here) still on its way? See the module doc's table."""
    if published is None:
        return False
    if seen.newest is not None and published < seen.newest:
        return False
    return seen.read_at is None or published >= seen.read_at - skew
