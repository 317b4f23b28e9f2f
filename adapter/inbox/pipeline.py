"""Reading a feed's next page while the poller writes this one: one page fetched and its signatures verified ahead,
on a thread.

A poll (adapter/inbox/polling.py) fetches a page, checks its items (adapter/inbox/ingest.py `check`) and writes them
in one transaction. `Ahead` overlaps the parts that let go of the GIL: while the polling thread writes page N, a thread
of its own fetches page N+1 at N's next cursor (the socket read, the request's signature) and verifies its items'
signatures (Ed25519/RSA/SM2 verification in cryptography runs without the GIL). It does nothing that holds the GIL for
long — decoding and validating stay on the polling thread (`check`, given the verification made here), where they
ran — so the two threads seldom wait for each other. Threads, not processes: what runs at once is C code that frees
the GIL, a process would have to pickle every page across, and the page's transaction, cursor and audit chain stay
on one thread anyway.

What it does ahead leaves no trace of its own: it only reads and verifies. Nothing of it counts until the polling
thread takes it, at the very point where a sequential poll would have made that read — after page N committed, the
lease renewed and the feed's hold asked (polling.py) — and only then is the read's outcome told to the breaker and
the credentials hold, a failure raised, an unreadable page shrunk, exactly as if the read were made then; each item
is checked then too, in order, its `applied` question (a stale item) answered after the page before committed. A page
not taken (the page before failed or rolled back, the lease lost, a stop, the cursor moved by someone else, a rewind,
the feed held) is dropped: the court saw one more GET, nothing else did.
"""

import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from adapter.platforms.registry import PlatformLink
from connectors.port import Feed, FeedPage, RawInbound
from schemas.clock import Clock
from signing import Verified


class Ahead:
    """Page (`cursor`, `size`) of `feed`, fetched and its items' signatures verified on a thread started at once; at
    most one at a time per poll (the poll starts the next only after taking or dropping this one). `take()` or
    `drop()` must end it."""

    def __init__(self, link: PlatformLink, feed: Feed, cursor: str, size: int, clock: Clock) -> None:
        self.link, self.feed, self.cursor, self.size, self.clock = link, feed, cursor, size, clock
        self.asked_at: datetime | None = None  # set just before the read: what the feed held before is in it
        self.page: FeedPage | None = None
        self.error: BaseException | None = None  # the read's failure, to raise where the sequential read would
        self.verified: list[Callable[[], Verified]] = []  # per item of `page`, as far as verified
        self._dropped = threading.Event()
        # A daemon: never the reason an interpreter cannot exit; every poll joins it anyway (take/drop).
        self._thread = threading.Thread(target=self._run, name=f"poll-ahead:{link.name}/{feed.value}", daemon=True)
        self._thread.start()

    def take(self) -> "Ahead":
        """Wait for the read and the verifications; the caller then owns what they found."""
        self._thread.join()
        return self

    def drop(self) -> None:
        """Throw the page away: the verifications stop at the next item, the read (if under way) is waited for."""
        self._dropped.set()
        self._thread.join()

    def result(self) -> FeedPage:
        """The page read, or the read's failure raised (here, on the polling thread)."""
        if self.error is not None:
            raise self.error
        assert self.page is not None  # the thread ended without a failure: it read the page
        return self.page

    def verified_of(self, page: FeedPage) -> Sequence[Callable[[], Verified]] | None:
        """Per item of `page`, its verification (`check`'s `verified_ahead`), if `page` is the page read here (not a
        smaller one asked for since) and every item was verified."""
        if page is not self.page or len(self.verified) != len(page.items):
            return None
        return self.verified

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
        verify = self.link.verifier.verify
        for item in self.page.items:
            if self._dropped.is_set():
                return
            self.verified.append(_outcome(verify, item))


def _outcome(verify: Callable[[bytes, Mapping[str, str]], Verified], item: RawInbound) -> Callable[[], Verified]:
    """`verify(item)` made now, kept as a call that returns what it returned or raises what it raised."""
    try:
        verified = verify(item.body, item.headers)
    except BaseException as exc:  # the item's fault (or not): `check` meets it where it verified before
        failure = exc

        def fail() -> Verified:
            raise failure

        return fail
    return lambda: verified
