"""Reading a platform's feeds: page by page from the stored cursor, each page ingested in one transaction with a
savepoint per item (adapter/inbox/page.py: a bad item is quarantined alone, a crash applies nothing of the page).

The cursor moves in the page's own transaction (adapter/inbox/page.py `then`), so the page's items and the move
commit together or not at all: a crash re-reads at most the page it was ingesting, of which nothing was applied
(a page that goes item by item moves the cursor only after all its items, in a transaction of its own: a crash
between re-reads that page, and the inbox drops what was already applied). Feeds are at least once by contract —
duplicates are expected, not errors.

A court whose feed restarted (a migration, a restore) answers our cursor with a position before it: read from
where it says, we would skip everything it published since the restart. So a feed found behind our cursor is
warned about and re-read from its start — the inbox drops what was already applied. A feed that restarted
without saying so (it echoes our cursor) is caught by adapter/inbox/feed_watch.py.

Each page read is told to the platform's breaker and credentials hold right where it is made; a page that cannot
be read whole is asked for with fewer items, down to one, then the feed is held (adapter/inbox/page_read.py). A
rejection of the read fails the poll, logged; anything of ours (the database while ingesting, a decoder bug) is
neither a breaker failure nor success: the probe slot is released.
"""

import logging
import re
from collections import Counter
from collections.abc import Callable
from contextlib import nullcontext, suppress
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, bindparam, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from adapter.inbox.ingest import counted
from adapter.inbox.item_outcome import Ingested
from adapter.inbox.page import ingest_page
from adapter.inbox.page_read import PageReader
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import CursorRow
from adapter.platforms.registry import PlatformLink
from connectors.port import Feed
from schemas.clock import Clock, from_db, to_utc

log = logging.getLogger("docking.polling")
_NUMBER = re.compile(r"[0-9]{1,30}")  # ASCII digits only (str.isdigit accepts ² and ٣)


@dataclass
class Polled:
    """What one poll of one feed did."""

    counts: Counter[Ingested] = field(default_factory=Counter)
    advanced: bool = False  # the cursor moved
    caught_up: bool = False  # read to the end of what the feed holds now
    rewound: bool = False  # the feed stood behind our cursor: it was re-read from its start
    held: bool = False  # the feed waits at its cursor: its next item cannot be read (adapter/platforms/feed_hold.py)


def poll(
    uow: UnitOfWork,
    link: PlatformLink,
    feed: Feed,
    clock: Clock,
    *,
    limit: int = 100,
    max_pages: int = 50,
    still_ours: Callable[[], bool] = lambda: True,
) -> Polled:
    """`still_ours` renews this process's polling lease before each page read (adapter/job_locks.py JobLock): a
    long catch-up must not outlive the lease and end up reading the same pages as a process that took over.

    With a check process (`link.checks`: adapter/inbox/page_checks.py) the next page is read as soon as this one is
    examined, before this one is written, so that its examination runs while this one is written. The read is made
    and told (breaker, credentials hold) here, in order, as any other. What changes with the page before is decided
    at its turn, after the page before is written, as without reading ahead: the lease renewed (a stop or a lost
    lease: it is not written), a failed read raised, a page that cannot be read whole read again (smaller, or the
    feed held). A page read ahead and not needed after all (the cursor moved by another poller) is dropped — the feed
    is read at least once by contract."""
    checks = link.checks
    with checks.checker() if checks is not None else nullcontext(None) as checker:
        return _poll(uow, link, feed, clock, PageReader(link, feed, clock, limit, still_ours, checker), max_pages)


def _poll(uow: UnitOfWork, link: PlatformLink, feed: Feed, clock: Clock, reader: PageReader, max_pages: int) -> Polled:
    polled = Polled()
    if max_pages < 1:
        return polled
    # Read once: afterwards it is where this poll moved it. Moved meanwhile by anyone else (another poller, a rewind),
    # our next move is refused by its condition (`_advance`) and the poll ends; the page read twice is dropped by
    # the inbox — as when the move happened between a read of the cursor and our move.
    cursor = _cursor(uow, link.name, feed)
    read = reader.in_turn(cursor)
    for number in range(1, max_pages + 1):  # bounded: one poll never monopolises a worker
        if read.ahead:  # its turn has come: the page before is written
            if read.again:
                read = reader.in_turn(cursor)
            elif not reader.still_ours():
                reader.drop(read)  # its failure, if it failed, is said: the poll ends here
                break
            else:
                read.fail()
        if read.page is None:
            polled.held = read.held
            break
        page, asked = read.page, read.asked
        # A feed behind our cursor restarted (module doc): it is re-read from its start, so this read is no end.
        rewound = behind(page.next_cursor, cursor)
        step = _Step(link.name, feed, cursor, "" if rewound else page.next_cursor, read.asked_at)
        step.at_end = not rewound and (len(page.items) < asked or page.next_cursor == cursor)
        examined = read.examined()
        ahead = None
        if reader.checker is not None and number < max_pages and not step.at_end:
            ahead = reader.ahead(step.new)  # examined while this page is written (module doc)
        outcomes = ingest_page(uow, link, feed.value, page.items, clock, step.take, examined)
        for outcome in outcomes:  # one transaction for all
            polled.counts[counted(outcome)] += 1
        if rewound:
            log.warning(
                "%s/%s: the court's feed is at %r, behind our cursor %r: it restarted; re-reading it from the start "
                "(what was already applied is dropped as a duplicate)",
                link.name,
                feed.value,
                page.next_cursor,
                cursor,
            )
        if not step.moved:
            reader.drop(ahead)
            break  # another poller moved the cursor meanwhile: never move it back
        if rewound:
            polled.rewound = True
        elif step.new != cursor:
            polled.advanced = True
        cursor = step.new
        if step.at_end:
            polled.caught_up = True
            break
        if number < max_pages:
            read = ahead if ahead is not None else reader.in_turn(cursor)
    return polled


def behind(answer: str, ours: str) -> bool:
    """Is the feed's position `answer` before our cursor `ours`? Decided only where both are numbers (the REST
    and SOAP profiles' sequence numbers); an opaque cursor cannot be ordered, and a restarted feed that hands
    out opaque cursors is caught by adapter/inbox/feed_watch.py instead."""
    return bool(_NUMBER.fullmatch(answer) and _NUMBER.fullmatch(ours)) and int(answer) < int(ours)


def rewind(uow: UnitOfWork, platform: str, feed: Feed) -> bool:
    """Read `feed` from its start on the next poll; False if it was never read (nothing to rewind)."""
    cursor = _cursor(uow, platform, feed)
    if cursor == "":
        return False
    with uow.begin() as session:
        return _advance(session, platform, feed, cursor, "")


def _cursor(uow: UnitOfWork, platform: str, feed: Feed) -> str:
    with uow.begin() as session:
        row = session.exec(
            select(CursorRow).where(CursorRow.platform == platform, CursorRow.feed == feed.value)
        ).first()
        return row.value if row else ""


def caught_up_at(uow: UnitOfWork, platform: str, feed: Feed) -> datetime | None:
    """When the last poll that read `feed` to its end began (None: never, or not since this was recorded)."""
    with uow.begin() as session:
        row = session.get(CursorRow, (platform, feed.value))
        return from_db(row.caught_up_at) if row is not None and row.caught_up_at is not None else None


@dataclass
class _Step:
    """Where one page read moves the feed's cursor (`old` → `new`) and whether it read to the end of the feed, made
    in the page's own transaction (adapter/inbox/page.py `then`): the items, the cursor and the mark commit together."""

    platform: str
    feed: Feed
    old: str
    new: str
    asked_at: datetime  # when the page was asked for: what the feed held before is in it
    at_end: bool = False
    moved: bool = False  # the cursor is where this step leaves it (False: someone else moved it meanwhile)

    def take(self, session: Session) -> None:
        self.moved = self.new == self.old or _advance(session, self.platform, self.feed, self.old, self.new)
        if self.moved and self.at_end:
            _caught_up(session, self.platform, self.feed, self.asked_at)


# Built once: a cursor's statements built per page cost more CPU than the page's cursor change itself (~0.7 ms).
_CURSORS = CursorRow.__table__  # type: ignore[attr-defined]
_THIS = and_(_CURSORS.c.platform == bindparam("of_platform"), _CURSORS.c.feed == bindparam("of_feed"))
_MOVE = update(_CURSORS).where(_THIS, _CURSORS.c.value == bindparam("old")).values(value=bindparam("new"))
_AT = bindparam("at", type_=_CURSORS.c.caught_up_at.type)
_MARK = (
    update(_CURSORS)
    .where(_THIS, or_(_CURSORS.c.caught_up_at.is_(None), _CURSORS.c.caught_up_at < _AT))
    .values(caught_up_at=_AT)
)


def _caught_up(session: Session, platform: str, feed: Feed, at: datetime) -> None:
    """Remember that the feed was read to its end by a read begun `at` (never moved back: two pollers may race)."""
    marked = session.connection().execute(_MARK, {"of_platform": platform, "of_feed": feed.value, "at": to_utc(at)})
    if not marked.rowcount and session.get(CursorRow, (platform, feed.value)) is None:
        # An empty feed read from its start leaves no cursor row: make one (a racing poller's row wins).
        with suppress(IntegrityError), session.begin_nested():
            session.add(CursorRow(platform=platform, feed=feed.value, value="", caught_up_at=to_utc(at)))


def _advance(session: Session, platform: str, feed: Feed, old: str, new: str) -> bool:
    """Move the cursor from `old` to `new`; False if it no longer reads `old` (someone else advanced it)."""
    this = {"of_platform": platform, "of_feed": feed.value}
    moved = session.connection().execute(_MOVE, {**this, "old": old, "new": new})
    if moved.rowcount:
        return True
    if session.get(CursorRow, (platform, feed.value)) is not None:
        return False
    try:  # in a savepoint: a racing poller's first move made the row first, refusing ours, not the page with it
        with session.begin_nested():
            session.add(CursorRow(platform=platform, feed=feed.value, value=new))
    except IntegrityError:
        return False
    return old == ""
