"""The feed hold: a feed whose next item the court cannot hand us readably waits at its cursor, said once.

A poison item is normally quarantined and passed (adapter/inbox/ingest.py). But when even a page of ONE item cannot be
read — larger than the read cap, or not JSON/XML at all, or a next cursor we cannot store — there are no bytes to
keep and no position past it, so the feed cannot move by itself (adapter/inbox/polling.py asks for smaller pages first).
Then the feed is held at its cursor: one ERROR naming the platform, the feed, the cursor, the cause and what to do;
one probe every `probe_every` (the breaker's cool-down) rather than a 20 MB read every poll; the first readable
answer releases it (logged once). The other feed, delivery and other platforms are unaffected.

    moving ──(one item unreadable)──▶ held ──(a probe reads it, or the cursor was moved)──▶ moving

One per platform per process, like the breaker and the credentials hold; `held()` is what a status view shows.
"""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from adapter.masking import mask_text
from connectors.port import Feed, UnreadableAnswer

log = logging.getLogger("docking.polling")

REMEDY = {
    "oversized": "if the item is genuine, raise this platform's max_response_mb and restart; otherwise ask the court "
    "to withdraw or shrink it",
    "unparseable": "ask the court to correct the item; its answer is not the JSON/XML its interface promises",
}


@dataclass(frozen=True)
class Held:
    cursor: str
    cause: str  # "oversized" | "unparseable"
    detail: str
    since: datetime


class FeedHolds:
    def __init__(
        self,
        platform: str = "",
        *,
        probe_every: timedelta = timedelta(seconds=30),
        on_change: Callable[[str, str], None] | None = None,
    ) -> None:
        self.platform, self.probe_every, self._on_change = platform, probe_every, on_change
        self._lock = threading.Lock()
        self._held: dict[Feed, Held] = {}
        self._next_probe: dict[Feed, datetime] = {}

    def held(self) -> dict[Feed, Held]:
        """The feeds held now, and why."""
        with self._lock:
            return dict(self._held)

    def allow(self, feed: Feed, cursor: str, now: datetime) -> bool:
        """May `feed` be read from `cursor` now? Always unless held there; held, one probe per `probe_every`."""
        with self._lock:
            held = self._held.get(feed)
            if held is None or held.cursor != cursor:  # another process or an operator moved the cursor
                return True
            if now < self._next_probe[feed]:
                return False
            self._next_probe[feed] = now + self.probe_every
            return True

    def hold(self, feed: Feed, cursor: str, error: UnreadableAnswer, now: datetime) -> None:
        """Even one item from `cursor` cannot be read: hold the feed there (said once per cursor and cause)."""
        detail = mask_text(error.detail)
        with self._lock:
            was = self._held.get(feed)
            self._next_probe[feed] = now + self.probe_every
            if was is not None and (was.cursor, was.cause) == (cursor, error.cause):
                return
            self._held[feed] = Held(cursor, error.cause, detail, now)
        name = self.platform or error.platform
        log.error(
            "feed %s/%s is HELD at cursor %r: even a page of one item cannot be read (%s: %s). Its later items wait "
            "(the other feed, delivery and other platforms carry on), with one probe every %gs; it resumes by "
            "itself once the answer is readable. To do: %s.",
            name,
            feed.value,
            cursor,
            error.cause,
            detail,
            self.probe_every.total_seconds(),
            REMEDY.get(error.cause, "ask the court to correct the item"),
        )
        self._notify("held")

    def moving(self, feed: Feed, now: datetime) -> None:
        """A page of `feed` was read: release its hold, if any (said once)."""
        with self._lock:
            was = self._held.pop(feed, None)
            self._next_probe.pop(feed, None)
        if was is not None:
            log.warning(
                "feed %s/%s moves again after %s held at cursor %r",
                self.platform,
                feed.value,
                str(now - was.since).split(".")[0],
                was.cursor,
            )
            self._notify("released")

    def _notify(self, what: str) -> None:
        if self._on_change is not None:
            self._on_change(self.platform, what)
