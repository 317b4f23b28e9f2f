"""Reading a feed's next page while the poller writes this one: one page fetched and checked ahead, on a thread.

A poll (adapter/inbox/polling.py) spends about as long checking a page's items (signature, decoding, validation:
adapter/inbox/ingest.py `check`) as writing them. `Ahead` overlaps the two: while the polling thread writes page N,
a thread of its own fetches page N+1 at N's next cursor and checks its items. Threads, not processes: the parts that
run at once are the ones that let go of the GIL — Ed25519/RSA verification in cryptography, the socket read, and
SQLite's or the PostgreSQL driver's own work on the polling thread — while a process would have to pickle every
item and checked envelope across, and the page's transaction, cursor and audit chain stay on one thread anyway.

What it does ahead leaves no trace of its own: it only reads. Nothing it learnt counts until the polling thread
takes it, at the very point where a sequential poll would have made that read — after page N committed, the lease
renewed and the feed's hold asked (polling.py) — and only then is the read's outcome told to the breaker and the
credentials hold, a failure raised, an unreadable page shrunk, exactly as if the read were made then. A page not
taken (the page before failed or rolled back, the lease lost, a stop, the cursor moved by someone else, a rewind,
the feed held) is dropped: the court saw one more GET, nothing else did.

One answer cannot be had ahead: `check` asks whether a *stale* item's message was applied (a database read),
and page N — which may hold that very message — has not committed yet. Such an item is left unchecked here and
checked again on the polling thread when its page is ingested, after the page before committed
(adapter/inbox/page.py `ingest_page`), so a stale repeat of a message in the page before stays a duplicate.
"""

import threading
from collections.abc import Sequence
from datetime import datetime

from adapter.inbox.ingest import Checked, check
from adapter.platforms.registry import PlatformLink
from connectors.port import Feed, FeedPage, RawInbound
from schemas.clock import Clock


class Ahead:
    """Page (`cursor`, `size`) of `feed`, fetched and checked on a thread started at once; at most one at a time
    per poll (the poll starts the next only after taking or dropping this one). `take()` or `drop()` must end it."""

    def __init__(self, link: PlatformLink, feed: Feed, cursor: str, size: int, clock: Clock) -> None:
        self.link, self.feed, self.cursor, self.size, self.clock = link, feed, cursor, size, clock
        self.asked_at: datetime | None = None  # set just before the read: what the feed held before is in it
        self.page: FeedPage | None = None
        self.error: BaseException | None = None  # the read's failure, to raise where the sequential read would
        self.checked: list[Checked | None] = []  # per item of `page`: None to check on the polling thread
        self._dropped = threading.Event()
        # A daemon: never the reason an interpreter cannot exit; every poll joins it anyway (take/drop).
        self._thread = threading.Thread(target=self._run, name=f"poll-ahead:{link.name}/{feed.value}", daemon=True)
        self._thread.start()

    def take(self) -> "Ahead":
        """Wait for the read and the checks; the caller then owns what they found."""
        self._thread.join()
        return self

    def drop(self) -> None:
        """Throw the page away: the checks stop at the next item, the read (if under way) is waited for."""
        self._dropped.set()
        self._thread.join()

    def result(self) -> FeedPage:
        """The page read, or the read's failure raised (here, on the polling thread)."""
        if self.error is not None:
            raise self.error
        assert self.page is not None  # the thread ended without a failure: it read the page
        return self.page

    def checks_of(self, page: FeedPage) -> Sequence[Checked | None] | None:
        """The checks made of `page`'s items if it is the page read here (not a smaller one asked for since)."""
        return self.checked if page is self.page else None

    def _run(self) -> None:
        try:
            asked_at = self.clock()
        except BaseException:  # the poll reads the page itself, and meets the failure there
            return
        self.asked_at = asked_at
        try:
            self.page = self.link.connector.fetch(self.feed, self.cursor, self.size)
        except BaseException as exc:  # any failure, told and raised by the polling thread if taken
            self.error = exc
            return
        for item in self.page.items:
            if self._dropped.is_set():
                return
            self.checked.append(_check_ahead(self.link, item, self.clock))


def _check_ahead(link: PlatformLink, item: RawInbound, clock: Clock) -> Checked | None:
    """`check` of one item, or None if it asked whether a message was applied (a stale item: module doc) or the
    check itself failed outside the item's faults (then the polling thread checks it again and meets that)."""
    asked: list[str] = []

    def applied(message_id: str) -> bool:
        asked.append(message_id)
        return False  # an answer thrown away below: this item is checked again on the polling thread

    try:
        checked = check(link, item, clock, received_at=None, applied=applied)
    except BaseException:  # met again, and raised, where the sequential poll checks it
        return None
    return None if asked else checked
