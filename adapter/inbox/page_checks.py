"""Examining a polled page elsewhere while the poll writes the page before it (adapter/inbox/polling.py).

A platform whose link has `checks` (scheduler/check_process.py: a check process, `check_process = true` in its
settings) has each page's items examined (adapter/inbox/examine.py: verify, decode) in a child process, and its poll
reads the next page as soon as the page before is examined: so the check of page N+1 runs on another core while page
N is written. Without it, the poll examines each page in its own thread, after the page before was written.
"""

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Protocol

from connectors.port import RawInbound

if TYPE_CHECKING:
    from adapter.inbox.examine import Examined

Found = Callable[[], "list[Examined]"]  # waits for what was found, in the items' order


class PageChecker(Protocol):
    def start(self, items: Sequence[RawInbound]) -> Found:
        """Begin examining `items` elsewhere; the call returned waits for what was found. Never raises: if the
        elsewhere fails (a dead or stuck child), the items are examined in this thread instead."""
        ...


class PageChecks(Protocol):
    def checker(self) -> AbstractContextManager[PageChecker | None]:
        """A checker held for one poll (None: examine here — another poll of the platform holds it, or it is
        closed). Held, no other poll can take answers meant for this one."""
        ...
