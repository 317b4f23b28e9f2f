"""Reading a platform's feeds: page by page from the stored cursor, each item ingested in its own transaction.

The cursor moves only after a page is processed, so a crash re-reads at most one page; the inbox drops what
was already applied. Feeds are at least once by contract — duplicates are expected, not errors.
"""

from collections import Counter
from collections.abc import Callable

from sqlalchemy import update
from sqlmodel import col, select

from adapter.clock import Clock
from adapter.db import UnitOfWork
from adapter.ingest import Ingested, ingest
from adapter.platforms import PlatformLink
from adapter.tables import CursorRow
from connectors.port import Feed


def poll(
    uow: UnitOfWork,
    link: PlatformLink,
    feed: Feed,
    clock: Clock,
    *,
    limit: int = 100,
    max_pages: int = 50,
    still_ours: Callable[[], bool] = lambda: True,
) -> Counter[Ingested]:
    """`still_ours` renews this process's polling lease before each page (adapter/jobs.py JobLock): a long
    catch-up must not outlive the lease and end up reading the same pages as a process that took over."""
    counts: Counter[Ingested] = Counter()
    for _ in range(max_pages):  # bounded: one poll never monopolises a worker
        if not still_ours():
            break
        cursor = _cursor(uow, link.name, feed)
        page = link.connector.fetch(feed, cursor, limit)
        for item in page.items:
            counts[ingest(uow, link, feed.value, item, clock)] += 1
        if page.next_cursor != cursor and not _advance(uow, link.name, feed, cursor, page.next_cursor):
            break  # another poller moved the cursor meanwhile: never move it back
        if len(page.items) < limit or page.next_cursor == cursor:
            break
    return counts


def _cursor(uow: UnitOfWork, platform: str, feed: Feed) -> str:
    with uow.begin() as session:
        row = session.exec(
            select(CursorRow).where(CursorRow.platform == platform, CursorRow.feed == feed.value)
        ).first()
        return row.value if row else ""


def _advance(uow: UnitOfWork, platform: str, feed: Feed, old: str, new: str) -> bool:
    """Move the cursor from `old` to `new`; False if it no longer reads `old` (someone else advanced it)."""
    with uow.begin() as session:
        row = session.get(CursorRow, (platform, feed.value))
        if row is None:
            session.add(CursorRow(platform=platform, feed=feed.value, value=new))
            return old == ""
        moved = session.exec(
            update(CursorRow)
            .where(col(CursorRow.platform) == platform, col(CursorRow.feed) == feed.value, col(CursorRow.value) == old)
            .values(value=new)
        )
        return bool(moved.rowcount)
