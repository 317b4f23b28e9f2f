"""Reading one feed page for the poll (adapter/inbox/polling.py): the read's outcome told to the platform's breaker and
credentials hold, and a page that cannot be read asked for again smaller.

Each page read is told to the platform's breaker and credentials hold right where it is made (as delivery does for
a send): a page read → success; a refusal of our credentials → the hold, and an answer for the breaker; any other
rejection of the read (a 4xx) → an answer for the breaker — the platform is up, so deliveries must not stop
because one feed's read is refused — while the poll fails and is logged; a timeout, 5xx, 429 → a breaker failure;
anything of ours (the database while ingesting, a decoder bug) → neither, the probe slot released.

A page that arrived but cannot be read (larger than the read cap, not JSON/XML: connectors.port.UnreadableAnswer)
is asked for again with half the items, down to one, growing back after each page read; a single item still
unreadable holds the feed at its cursor (adapter/platforms/feed_hold.py). Such an answer is no breaker failure either.

A page read ahead (adapter/inbox/pipeline.py) goes through the same steps when the poll takes it: its read's
outcome — page or failure — stands in for the first read here, told to the breaker and the hold only then.
"""

import logging
import re
from collections.abc import Callable
from functools import partial

from adapter.platforms.registry import PlatformLink
from connectors.port import CredentialsRefused, Feed, FeedPage, UnreadableAnswer
from schemas.clock import Clock

log = logging.getLogger("docking.polling")
# What the cursors table can hold on every database: at most its 128 characters, none a control character
# (PostgreSQL refuses NUL in text; the others would only garble a log line).
_STORABLE_CURSOR = re.compile(r"[^\x00-\x1f\x7f]{0,128}")


def readable_page(
    link: PlatformLink,
    feed: Feed,
    cursor: str,
    size: int,
    clock: Clock,
    first: Callable[[], FeedPage] | None = None,
) -> tuple[FeedPage | None, int]:
    """The page at `cursor`, asked for with fewer items while the answer cannot be read; None once even one item
    cannot be (the feed is then held). Returns the page size that worked. `first`: the outcome of a read of
    (`cursor`, `size`) already made — the page, or its failure raised — to take instead of reading again."""
    while True:
        read, first = first or partial(link.connector.fetch, feed, cursor, size), None
        try:
            page = _fetch(link, read, clock)
            if not _STORABLE_CURSOR.fullmatch(page.next_cursor):
                raise UnreadableAnswer(
                    link.name, "unparseable", f"next cursor {page.next_cursor[:40]!r}… is not one we can store"
                )
            return page, size
        except UnreadableAnswer as exc:
            if link.breaker is not None:
                link.breaker.record_refusal()  # it answered: the platform is up, the page is the trouble
            if size > 1:
                log.info("%s/%s: %s; asking for %d item(s) instead of %d", link.name, feed.value, exc, size // 2, size)
                size //= 2
                continue
            link.feeds.hold(feed, cursor, exc, clock())
            return None, size


def _fetch(link: PlatformLink, read: Callable[[], FeedPage], clock: Clock) -> FeedPage:
    """One page from the platform, its outcome told to the breaker and the credentials hold (module doc)."""
    try:
        page = read()
    except UnreadableAnswer:
        raise  # the caller's (readable_page): a smaller page may be readable
    except BaseException as exc:
        if isinstance(exc, CredentialsRefused):
            link.hold.refused(exc, clock())
        if link.breaker is not None:
            link.breaker.observe(exc, clock())
        raise
    link.hold.accepted(clock())
    if link.breaker is not None:
        link.breaker.record_success()
    return page
