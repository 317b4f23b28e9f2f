"""Reading a feed page by page from the cursor kept in the cursors table (platform, feed): each page's items ingested
one by one, then the cursor moved past the page — so a crash re-reads at most one page, whose items the inbox then
drops as duplicates. Used by the complaint desks' feeds (feed "complaints") and the partners' (feed "partners");
the courts' own polling (adapter/inbox/polling.py) adds its policy on top of the same table."""

from collections import Counter
from collections.abc import Callable

from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import CursorRow
from connectors.port import FeedPage, RawInbound


def read_pages(
    uow: UnitOfWork,
    platform: str,
    feed: str,
    fetch: Callable[[str, int], FeedPage],
    ingest: Callable[[RawInbound], str],
    *,
    limit: int = 100,
    max_pages: int = 20,
) -> Counter[str]:
    """Fetch from our cursor and ingest each item, up to `max_pages` pages; counts by what `ingest` returned. A
    TransientError from `fetch` propagates (the job retries next time; the cursor is where the last whole page left
    it)."""
    counts: Counter[str] = Counter()
    for _ in range(max_pages):
        cursor = cursor_value(uow, platform, feed)
        page = fetch(cursor, limit)
        for item in page.items:
            counts[ingest(item)] += 1
        if page.next_cursor and page.next_cursor != cursor:
            _advance(uow, platform, feed, page.next_cursor)
        if not page.items or page.next_cursor == cursor:
            break
    return counts


def cursor_value(uow: UnitOfWork, platform: str, feed: str) -> str:
    """Where the feed is read up to ("" before the first page)."""
    with uow.begin() as session:
        row = session.get(CursorRow, (platform, feed))
        return row.value if row is not None else ""


def _advance(uow: UnitOfWork, platform: str, feed: str, value: str) -> None:
    with uow.begin() as session:
        row = session.get(CursorRow, (platform, feed))
        if row is None:
            session.add(CursorRow(platform=platform, feed=feed, value=value))
        else:
            row.value = value
            session.add(row)
