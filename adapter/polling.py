"""Reading a platform's feeds: page by page from the stored cursor, each item ingested in its own transaction.

The cursor moves only after a page is processed, so a crash re-reads at most one page; the inbox drops what
was already applied. Feeds are at least once by contract — duplicates are expected, not errors.
"""

from collections import Counter

from sqlmodel import select

from adapter.clock import Clock
from adapter.db import UnitOfWork
from adapter.ingest import Ingested, ingest
from adapter.platforms import PlatformLink
from adapter.tables import CursorRow
from connectors.port import Feed


def poll(
    uow: UnitOfWork, link: PlatformLink, feed: Feed, clock: Clock, *, limit: int = 100, max_pages: int = 50
) -> Counter[Ingested]:
    counts: Counter[Ingested] = Counter()
    for _ in range(max_pages):  # bounded: one poll never monopolises a worker
        cursor = _cursor(uow, link.name, feed)
        page = link.connector.fetch(feed, cursor, limit)
        for item in page.items:
            counts[ingest(uow, link, feed.value, item, clock)] += 1
        if page.next_cursor != cursor:
            _advance(uow, link.name, feed, page.next_cursor)
        if len(page.items) < limit or page.next_cursor == cursor:
            break
    return counts


def _cursor(uow: UnitOfWork, platform: str, feed: Feed) -> str:
    with uow.begin() as session:
        row = session.exec(
            select(CursorRow).where(CursorRow.platform == platform, CursorRow.feed == feed.value)
        ).first()
        return row.value if row else ""


def _advance(uow: UnitOfWork, platform: str, feed: Feed, value: str) -> None:
    with uow.begin() as session:
        row = session.get(CursorRow, (platform, feed.value)) or CursorRow(platform=platform, feed=feed.value)
        row.value = value
        session.add(row)
