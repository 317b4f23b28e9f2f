"""Noticing a partner's feed that restarted behind our stored position, as adapter/inbox/feed_watch.py does for
the courts' dispatch feeds (#19).

A partner that restarts its feed (a migration, a restore) and hands our cursor back with nothing after it looks
exactly like a quiet feed: nothing is read and nothing is said, and every offer it publishes afterwards is missed.
So when a pulled partner's feed has not moved for `feed_stall_polls` polls ([partners.<name>] feed_stall_polls,
default 360), the first page of its feed is read from the start: an item there whose message id we never
received (neither applied, in the inbox, nor kept in quarantine) means the feed is behind our cursor. Then: a
WARNING (once, until the feed moves again), the feed marked held as `behind` in feed_states (`docking status`
lists it, the console's status with it) with the `feed_held` alert on `<partner>/partners` opened in the same
transaction, and the cursor put back to the start, so the next poll re-reads the feed (the inbox drops what was
applied before; a message id re-used with other content is kept as `conflict`). The hold and its alert clear when
the feed moves again.

In memory on purpose, like the courts' watch: only the process holding a partner's poll lock polls it, and a new
holder starting its count from zero only delays a check by `feed_stall_polls` polls; the hold itself is stored, so
the first move a process sees clears a `behind` hold another process (or a restart) left.
"""

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlmodel import col, select

from adapter.alerts.conditions import change
from adapter.alerts.kinds import AlertKind
from adapter.inbox.paged_feed import cursor_value
from adapter.partners.inbound import FEED
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.ops_tables import FeedStateRow
from adapter.persistence.tables import CursorRow, InboxRow, QuarantineRow
from connectors.partner_port import PartnerPort
from connectors.port import RawInbound
from schemas.clock import Clock, to_utc

log = logging.getLogger("docking.partners")
BEHIND = "behind"  # feed_states.held_cause of a feed found behind our cursor


@dataclass
class PartnerFeedWatch:
    """Per process, per partner: how many polls its feed has stood still, and which feeds were found behind."""

    uow: UnitOfWork
    clock: Clock
    stall_polls: dict[str, int]  # partner → polls without movement before its feed is read from the start
    page: int = 100  # how many items from the feed's start are compared with ours
    _still: dict[str, int] = field(default_factory=dict)
    _behind: set[str] = field(default_factory=set)
    _moved: set[str] = field(default_factory=set)  # partners seen moving by this process (a stored hold checked)

    def after_poll(self, port: PartnerPort, *, moved: bool) -> bool:
        """Called after each successful poll of `port`'s feed (`moved`: items read or the cursor moved); True when
        the feed was found behind our cursor now (and the cursor put back to its start)."""
        name = port.name
        if moved:
            self._still[name] = 0
            # The hold is stored, the watch is not: the first move this process sees also clears a `behind` hold
            # another process (or this one before a restart) left, which it would otherwise never clear.
            if name in self._behind or (name not in self._moved and self._held_behind(name)):
                self._behind.discard(name)
                self._mark(name, None, "")
            self._moved.add(name)
            return False
        still = self._still.get(name, 0) + 1
        if still < self.stall_polls.get(name, 360):
            self._still[name] = still
            return False
        self._still[name] = 0  # checked now; the next check after as many polls again
        cursor = cursor_value(self.uow, name, FEED)
        if cursor == "":
            return False  # read from the start already: nothing can be behind it
        unseen = self._unseen(port, port.fetch("", self.page).items)
        if not unseen:
            return False
        detail = (
            f"the feed has not moved for {still} polls at cursor {cursor!r} while its start holds {len(unseen)} "
            f"message(s) we never received (first {unseen[0]}): it restarted behind our cursor; re-read from the "
            "start"
        )
        if name not in self._behind:
            self._behind.add(name)
            log.warning("%s: %s ([partners.%s] feed_stall_polls)", name, detail, name)
        self._mark(name, BEHIND, detail, rewind=True)
        return True

    def _unseen(self, port: PartnerPort, items: Sequence[RawInbound]) -> list[str]:
        """The message ids (or, undecodable, the byte digests) of `items` neither applied nor kept."""
        found: list[str] = []
        partner = port.name
        with self.uow.begin() as session:
            for item in items:
                digest = hashlib.sha256(item.body).hexdigest()
                kept = select(QuarantineRow.id).where(
                    col(QuarantineRow.platform) == partner, col(QuarantineRow.raw_sha256) == digest
                )
                if session.exec(kept).first() is not None:
                    continue
                message_id = _message_id(port, item)
                if message_id is not None:
                    applied = select(InboxRow.id).where(
                        col(InboxRow.platform) == partner, col(InboxRow.message_id) == message_id
                    )
                    if session.exec(applied).first() is not None:
                        continue
                found.append(message_id or f"sha256 {digest[:16]}")
        return found

    def _held_behind(self, partner: str) -> bool:
        """Whether the partner's feed is stored as held `behind` (feed_states.held_cause)."""
        with self.uow.begin() as session:
            state = session.get(FeedStateRow, (partner, FEED))
            return state is not None and state.held_cause == BEHIND

    def _mark(self, partner: str, cause: str | None, detail: str, *, rewind: bool = False) -> None:
        """The feed's hold (feed_states.held_cause) and its `feed_held` alert, in one transaction; `rewind`: the
        cursor back to the feed's start in it too."""
        at = to_utc(self.clock())
        with self.uow.begin() as session:
            state = session.get(FeedStateRow, (partner, FEED))
            if state is None:
                state = FeedStateRow(platform=partner, feed=FEED, updated_at=at)
            state.held_cause, state.held_since, state.updated_at = cause, at if cause else None, at
            session.add(state)
            if rewind:
                row = session.get(CursorRow, (partner, FEED))
                if row is not None:
                    row.value = ""
                    session.add(row)
            session.flush()
            change(session.connection(), AlertKind.FEED_HELD, f"{partner}/{FEED}", opened=cause is not None, at=at,
                   detail=detail)  # fmt: skip


def _message_id(port: PartnerPort, item: RawInbound) -> str | None:
    """The message id of an item as the partner's port decodes it (its signature verified), or None if it does not
    decode (then its bytes are compared with what quarantine kept)."""
    try:
        return port.decode(item).message_id
    except Exception:  # only a label to compare: an item that does not decode is compared by its bytes
        return None
