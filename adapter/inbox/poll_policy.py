"""The polling job's policy, beside delivery's (adapter/outbox/send.py): who polls a platform, when it is left
alone, and what a failed pass means.

One pass reads both feeds of a platform (adapter/inbox/polling.py does the reading). Around it:
  - one poller per platform across processes: only the holder of its poll lease polls (two pollers would read the
    same page and race on its cursor); the lease is renewed page by page and lapses if a page hangs;
  - a court that answered with Retry-After (429/503) is not polled again before then, capped at the platform's
    retry cap (adapter/platforms/retry.py): polling every few seconds through a court's rate limit is what got us
    limited;
  - a court refusing our credentials (adapter/platforms/credential_hold.py) or an open breaker
    (adapter/platforms/breaker.py) gates the pass before each feed;
  - a platform outage is logged and counted, never raised; anything else (our database, a bug) in one feed does
    not stop the other feed or the job, and a probe that ended without the platform's word frees its slot.
It also remembers which platforms' dispatch feeds this process has read once (`FirstPolls`): the full
reconciliation waits for all of them.
"""

import logging
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from adapter.inbox.feed_watch import FeedWatch
from adapter.inbox.polling import Polled, poll
from adapter.job_locks import JobLock
from adapter.lease import Renewal
from adapter.masking import mask_text
from adapter.metrics import Metrics
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.outage import DatabaseOutage
from adapter.platforms.registry import PlatformLink, Platforms
from adapter.platforms.state_store import PlatformStates
from connectors.port import ConnectorError, CredentialsRefused, Feed, TransientError
from schemas.clock import Clock

log = logging.getLogger("docking.scheduler")  # the name operators already filter polling failures by

# The poll lock's lease: short, renewed while a poll runs (adapter/lease.py) and released on a clean stop, so the
# process restarted after a kill polls within seconds. Between polls it may lapse: the next poll takes it again,
# and while several processes share a platform any one of them may poll it, never two at once.
POLL_LEASE = timedelta(seconds=6)


def slowest_page(timeout_seconds: float = 10.0) -> timedelta:
    """The longest one feed page may take before its poller is presumed hung and its lock left to lapse: a read
    at the platform's timeouts for each halving of an unreadable page (100 items down to 1), then the ingest."""
    return timedelta(seconds=8 * (3.05 + timeout_seconds) + 30)


class FirstPolls:
    """Platforms whose dispatch feed this process has read to its end (or found failing, held, or left to the
    process holding its poll lease) since it started. Until every one has, a court's list holds cases merely not
    yet polled, and a full reconciliation would report each of them as missing_here."""

    def __init__(self, platforms: Collection[str]) -> None:
        self.platforms = platforms
        self.done: set[str] = set()
        self.on_all_read: Callable[[], None] | None = None  # the composition root: run the nightly check at once

    def all_read(self) -> bool:
        return self.done >= set(self.platforms)

    def mark(self, name: str) -> None:
        if name in self.done:
            return
        self.done.add(name)
        if self.all_read():
            log.info("every platform's dispatch feed has been read once: full reconciliation may run")
            if self.on_all_read is not None:
                self.on_all_read()


@dataclass
class PollPolicy:
    """Per process: one polling pass over a platform's feeds at a time, with the policy of the module doc."""

    uow: UnitOfWork
    platforms: Platforms
    clock: Clock
    metrics: Metrics
    locks: dict[str, JobLock]  # one poller per platform across processes (adapter/job_locks.py)
    stopping: threading.Event  # a clean stop: the poll ends after the page in hand
    stall: Callable[[str], timedelta]  # the slowest legitimate page per platform (slowest_page)
    database: DatabaseOutage | None = None  # an outage is said when it starts and ends (adapter/persistence/outage.py)
    feed_watch: FeedWatch | None = None  # a dispatch feed that restarted behind our cursor without saying so
    not_before: dict[str, datetime] = field(default_factory=dict)  # a court's Retry-After, per platform
    states: PlatformStates | None = None  # each feed's last success or error, once per poll (state_store.py)
    first_polls: FirstPolls = field(init=False)

    def __post_init__(self) -> None:
        self.first_polls = FirstPolls(self.platforms)

    def poll_platform(self, name: str) -> None:
        """One polling pass over both feeds of a platform; a platform outage is logged, never raised."""
        lock = self.locks.get(name)
        if lock is not None and not lock.acquire():
            self.first_polls.mark(name)  # another process polls it
            return
        link = self.platforms[name]
        not_before = self.not_before.get(name)
        if not_before is not None and self.clock() < not_before:
            return
        for feed in (Feed.DISPATCHES, Feed.DECISIONS):
            if not link.hold.allow(self.clock()):
                self.first_polls.mark(name)  # held: its case list cannot be read either; others must not wait
                return  # the court refuses our credentials: only a probe per interval until it accepts us
            if link.breaker is not None and not link.breaker.allow(self.clock()):
                self.first_polls.mark(name)  # failing: its case list cannot be read either
                return  # the platform keeps failing: leave it alone until the breaker lets a probe through
            if not self._poll_feed(name, link, feed, lock):
                return

    def _poll_feed(self, name: str, link: PlatformLink, feed: Feed, lock: JobLock | None) -> bool:
        """Poll one feed and do the job's bookkeeping; False when the other feed must wait too.

        poll() tells the breaker and the credentials hold how each page read ended (adapter/inbox/polling.py);
        what is left here is the job's own bookkeeping."""
        try:
            polled = self._read(name, link, feed, lock)
        except CredentialsRefused as exc:
            self._polled(name, feed, str(exc))
            self.metrics.add("poll", {"held": 1})  # the one alert is the hold's; the other feed waits too
            self.first_polls.mark(name)
            return False
        except ConnectorError as exc:
            self._polled(name, feed, str(exc))
            if feed is Feed.DISPATCHES:
                self.first_polls.mark(name)
            self.metrics.add("poll", {"errors": 1})
            log.warning("polling %s/%s failed: %s", name, feed.value, mask_text(str(exc)))
            wait = exc.retry_after if isinstance(exc, TransientError) else None
            if wait:  # the court said when to come back: both feeds wait
                self.not_before[name] = self.clock() + timedelta(seconds=min(wait, link.retry.cap))
                return False
            return True
        except Exception as exc:  # one feed's failure must not stop the other feed or the job itself
            self._polled(name, feed, f"unexpected {type(exc).__name__}")
            if feed is Feed.DISPATCHES:
                self.first_polls.mark(name)
            self.metrics.add("poll", {"errors": 1})
            if self.database is None or not self.database.failed(exc, f"polling {name}/{feed.value}"):
                log.error("polling %s/%s failed unexpectedly: %s", name, feed.value, type(exc).__name__)
            return True
        finally:
            if link.breaker is not None:  # a probe that ended without the platform's word frees its slot
                link.breaker.release()
        if polled.held:
            self.metrics.add("poll", {"feed_held": 1})
        else:
            self._polled(name, feed, None)
        counts = polled.counts
        self.metrics.add("inbound", {k.value: v for k, v in counts.items()})
        if counts:
            log.info("%s/%s: %s", name, feed.value, ", ".join(f"{n} {k.value}" for k, n in sorted(counts.items())))
        return True

    def _polled(self, name: str, feed: Feed, error: str | None) -> None:
        if self.states is not None:
            self.states.polled(name, feed, error)

    def _read(self, name: str, link: PlatformLink, feed: Feed, lock: JobLock | None) -> Polled:
        """Read the feed under the poll lease, renewed page by page; note a dispatch feed read to its end."""
        with Renewal(
            lock.renew if lock else lambda: None, lease=POLL_LEASE, stall=self.stall(name), name=f"poll:{name}"
        ) as renewal:

            def still_ours() -> bool:
                renewal.step()
                return not self.stopping.is_set() and (lock is None or lock.acquire())

            polled = poll(self.uow, link, feed, self.clock, still_ours=still_ours)
        if feed is Feed.DISPATCHES:
            if polled.caught_up or polled.held:  # a held feed cannot be read further: do not wait for it
                self.first_polls.mark(name)
            if self.feed_watch is not None and not polled.held:
                self.feed_watch.after_poll(link, polled)
        return polled
