"""Noticing a court's dispatch feed that restarted behind our cursor without saying so, and recovering.

A court that restarts its feed (a migration, a restore from backup) and answers our cursor with its own, earlier
position is caught by the poll itself (adapter/inbox/polling.py `behind`). One that hands our cursor back with nothing
after it looks exactly like a quiet feed — and new dispatches would then be found only by a full reconciliation,
up to a day late against a 3-working-day acceptance deadline (domain.md §3, [S2 Art 12]). So when the dispatch
feed has not moved for `stall_polls` polls, the court's case list is compared with ours: cases it lists that we
never received, still missing after one more read of the feed, mean the feed is not telling us everything. Then:
a warning (once, until the feed moves again or the gap closes), both feeds re-read from their start (the inbox
drops what was already applied), and the missing cases fetched and ingested as reconciliation's repair does.
"""

import logging
from dataclasses import dataclass, field

from adapter.inbox.item_outcome import Ingested
from adapter.inbox.polling import Polled, poll, rewind
from adapter.persistence.engine import UnitOfWork
from adapter.platforms.registry import PlatformLink
from adapter.reconcile.cases import unknown
from adapter.reconcile.repair import fetch_and_ingest
from connectors.port import Feed
from schemas.clock import Clock

log = logging.getLogger("docking.polling")


@dataclass
class FeedWatch:
    """Per process, per platform: how many polls the dispatch feed has stood still, and what was said about it.

    In memory on purpose: only the process holding a platform's poll lease polls it, and a new holder starting
    its count from zero only delays a check by `stall_polls` polls."""

    uow: UnitOfWork
    clock: Clock
    stall_polls: dict[str, int]  # platform → polls without movement before its case list is checked
    page: int = 500  # case-list page size; also the most missing cases fetched per check
    _still: dict[str, int] = field(default_factory=dict)
    _warned: set[str] = field(default_factory=set)

    def after_poll(self, link: PlatformLink, polled: Polled) -> int:
        """Called after each successful poll of `link`'s dispatch feed; returns how many missing cases were
        applied by fetching them (0 almost always)."""
        name = link.name
        if polled.advanced or polled.rewound:
            self._still[name] = 0
            self._warned.discard(name)
            return 0
        still = self._still.get(name, 0) + 1
        if still < self.stall_polls.get(name, 360):
            self._still[name] = still
            return 0
        self._still[name] = 0  # checked now; the next check after as many polls again
        missing = self._missing(link)
        if missing:  # one more read: a case dispatched since our last poll is no sign of anything
            poll(self.uow, link, Feed.DISPATCHES, self.clock)
            missing = unknown(self.uow, name, missing)
        if not missing:
            self._warned.discard(name)
            return 0
        if name not in self._warned:
            self._warned.add(name)
            log.warning(
                "%s: the dispatch feed has not moved for %d polls while the court lists %d case(s) we never "
                "received (first %s): its feed may have restarted behind our cursor; re-reading both feeds from "
                "the start and fetching those cases",
                name,
                still,
                len(missing),
                missing[0],
            )
            for feed in (Feed.DISPATCHES, Feed.DECISIONS):
                rewind(self.uow, name, feed)
        applied = 0
        for platform_case_id in missing:
            applied += fetch_and_ingest(self.uow, link, platform_case_id, self.clock)[Ingested.APPLIED]
        return applied

    def _missing(self, link: PlatformLink) -> list[str]:
        """Up to one page of the cases the platform lists that we do not hold (the list is paged to its end)."""
        missing: list[str] = []
        cursor = ""
        while len(missing) < self.page:
            listed = link.connector.list_cases(cursor, self.page)
            missing += unknown(self.uow, link.name, [case.platform_case_id for case in listed.cases])
            if not listed.next_cursor or listed.next_cursor == cursor:
                break
            cursor = listed.next_cursor
        return missing[: self.page]
