"""Reading a feed's pages for a poll (adapter/inbox/polling.py): in turn — after the page before was written — or a
page ahead, while it is written, when the platform has a check process (adapter/inbox/page_checks.py).

Each read is told to the platform's breaker and credentials hold right where it is made (as delivery does for a
send): a page read → success; a refusal of our credentials → the hold, and an answer for the breaker; any other
rejection of the read (a 4xx) → an answer for the breaker — the platform is up, so deliveries must not stop because
one feed's read is refused; a timeout, 5xx, 429 → a breaker failure. A page that
arrived but cannot be read (larger than the read cap, not JSON/XML: connectors.port.UnreadableAnswer) is asked for
again with half the items, down to one, growing back after each page read; a single item still unreadable holds the
feed at its cursor (adapter/platforms/feed_hold.py). Such an answer is no breaker failure either. A page read ahead
is never shrunk nor the feed held there before the page before it is written: it is read again in turn.
"""

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from adapter.inbox.page_checks import Found, PageChecker
from adapter.platforms.registry import PlatformLink
from connectors.port import CredentialsRefused, Feed, FeedPage, UnreadableAnswer
from schemas.clock import Clock

if TYPE_CHECKING:
    from adapter.inbox.examine import Examined

log = logging.getLogger("docking.polling")
# What the cursors table can hold on every database: at most its 128 characters, none a control character
# (PostgreSQL refuses NUL in text; the others would only garble a log line).
_STORABLE_CURSOR = re.compile(r"[^\x00-\x1f\x7f]{0,128}")


@dataclass
class PageRead:
    """One page read (`page`; None: not read — the lease is gone, or the feed is held there) and what of it is
    being examined. Read ahead (`ahead`): `error`, the read failed, raised by `fail()` at its turn; `again`, it must
    be read again in turn (it could not be read whole, or the feed is held there)."""

    page: FeedPage | None = None
    asked: int = 0  # the page size that was read
    asked_at: datetime = datetime.min  # when it was asked for: whatever the feed held before is in it
    held: bool = False
    found: Found | None = None
    ahead: bool = False
    again: bool = False
    error: Exception | None = None

    def fail(self) -> None:
        if self.error is not None:
            error, self.error = self.error, None
            raise error

    def examined(self) -> "list[Examined] | None":
        """What its check process found (None: no check process; the page is checked as it is ingested)."""
        return self.found() if self.found is not None else None


@dataclass
class PageReader:
    """Reads a feed's pages, each told to the platform's breaker and holds as it is read (module doc), and starts
    their examination in the check process, if any; a page that needed shrinking does not make the rest small."""

    link: PlatformLink
    feed: Feed
    clock: Clock
    limit: int
    still_ours: Callable[[], bool]
    checker: PageChecker | None
    size: int = 0

    def in_turn(self, cursor: str) -> PageRead:
        """The page at `cursor`, read after the page before was written: the lease renewed first, a page that cannot
        be read whole asked for with fewer items, down to one (then the feed is held); raises what the read raised."""
        if not self.still_ours():
            return PageRead()
        asked_at = self.clock()  # whatever the feed held before this read is in its answer
        if not self.link.feeds.allow(self.feed, cursor, asked_at):
            return PageRead(held=True)
        page, asked = _readable_page(self.link, self.feed, cursor, self.size or self.limit, self.clock)
        if page is None:
            return PageRead(held=True)
        return self._read(page, asked, asked_at)

    def ahead(self, cursor: str) -> PageRead:
        """The page at `cursor`, read before the page before it is written (module doc); never raises."""
        try:
            asked_at = self.clock()
            if not self.link.feeds.allow(self.feed, cursor, asked_at):
                return PageRead(ahead=True, again=True)  # held there: found so again at its turn
            asked = self.size or self.limit
            page = _fetch(self.link, self.feed, cursor, asked, self.clock)
            if not _STORABLE_CURSOR.fullmatch(page.next_cursor):
                return PageRead(ahead=True, again=True)
            read = self._read(page, asked, asked_at)
        except UnreadableAnswer:  # shrunk, or the feed held, at its turn: not before the page before is written
            return PageRead(ahead=True, again=True)
        except Exception as exc:
            return PageRead(ahead=True, error=exc)
        read.ahead = True
        return read

    def _read(self, page: FeedPage, asked: int, asked_at: datetime) -> PageRead:
        self.link.feeds.moving(self.feed, self.clock())
        self.size = min(self.limit, asked * 2)
        found = self.checker.start(page.items) if self.checker is not None and page.items else None
        return PageRead(page, asked, asked_at, found=found)

    def drop(self, read: PageRead | None) -> None:
        """A page read ahead and not needed: its examination left unread (the check process answers the next
        poll's pages after it, and that poll skips it); its read's error, if any, logged rather than raised."""
        if read is not None and read.error is not None:
            log.info("%s/%s: a page read ahead and not needed failed: %s", self.link.name, self.feed.value, read.error)


def _readable_page(link: PlatformLink, feed: Feed, cursor: str, size: int, clock: Clock) -> tuple[FeedPage | None, int]:
    """The page at `cursor`, asked for with fewer items while the answer cannot be read; None once even one item
    cannot be (the feed is then held). Returns the page size that worked."""
    while True:
        try:
            page = _fetch(link, feed, cursor, size, clock)
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


def _fetch(link: PlatformLink, feed: Feed, cursor: str, size: int, clock: Clock) -> FeedPage:
    """One page from the platform, its outcome told to the breaker and the credentials hold (module doc)."""
    try:
        page = link.connector.fetch(feed, cursor, size)
    except UnreadableAnswer:
        raise  # the caller's (_readable_page): a smaller page may be readable
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
