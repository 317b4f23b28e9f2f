"""Check processes: a polled platform's pages examined (verify, decode: adapter/inbox/examine.py) by a child process,
a page ahead, so that intake uses a second core (#21, intake).

Why: a page's examination is about half of a poll's CPU (Ed25519 or SM2 verification, JSON, the dispatch's
validation), and one worker process runs Python on one core at a time. With `check_process = true` in a platform's
settings (adapter/config/platform.py), its poll reads page N+1 as soon as page N is examined, hands N+1's items to
the child, and writes N meanwhile (adapter/inbox/polling.py). Everything that touches the database or the clock —
the signed-time bounds, the applied look-up, the page's transaction — stays in the worker (adapter/inbox/page.py).

The child builds the platform's verifier and connector from the same settings and key files the worker did (a
replacement started later reads them as they are then). It answers each page with what `examine` found, item by item,
exactly what the worker would have found: the same code on the same bytes.

Failures never fail a poll, nor change what it finds: a page whose child died, said it could not examine it, or did
not answer within PAGE_WAIT is examined in the worker instead (said once, counted: `check_process_transitions_total`),
the child is killed, and none is started again for START_BACKOFF — the pages are examined in the worker meanwhile.
One poll of the platform at a time holds the child (`checker()`); another poll of it in the same process at the same
time (none today: one polling job a platform, and a process-wide poll lock) would examine its pages itself.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import queue
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from adapter.inbox.examine import Examined, examine
from adapter.inbox.page_checks import Found
from adapter.platforms.retry import CONNECT_TIMEOUT
from connectors.port import RawInbound
from scheduler.children import START_TIMEOUT, STOP_WAIT, NotStarted, discard, end, exit_status, spawn

if TYPE_CHECKING:
    from adapter.config.platform import PlatformSettings
    from connectors.port import CourtPlatform
    from signing.base import MessageVerifier

log = logging.getLogger("docking.polling")

START_BACKOFF = 30.0  # after a child could not start or failed, pages are examined in the worker this long (seconds)
PAGE_WAIT = 10.0  # seconds a page's answer may take, and PER_ITEM more an item (~0.3 ms each on a slow machine)
PER_ITEM = 0.05
PAGE_ITEMS = 100  # the poll's page size (adapter/inbox/polling.py `limit`)


def slowest_extra(timeout_seconds: float) -> timedelta:
    """What a check process may add to the longest legitimate step of a poll (adapter/inbox/poll_policy.py
    slowest_page, between two lease renewals): a page read ahead at the platform's timeouts, the wait for a page's
    findings, and a child's start."""
    return timedelta(seconds=CONNECT_TIMEOUT + timeout_seconds + PAGE_WAIT + PER_ITEM * PAGE_ITEMS + START_TIMEOUT)


class CheckProcess:
    """The check process of platform `name` (settings `config`); `verifier` and `connector` are the worker's own,
    which examine a page here when the child cannot. `on_change(platform, "started" | "ended")`: a child started,
    or one ended that was not asked to (it died, failed or was stuck, and was killed). Thread-safe; `close()` stops
    the child."""

    def __init__(
        self,
        name: str,
        config: PlatformSettings,
        verifier: MessageVerifier,
        connector: CourtPlatform,
        on_change: Callable[[str, str], None] | None = None,
    ) -> None:
        self.name, self.config, self.on_change = name, config, on_change
        self.verifier, self.connector = verifier, connector
        self._held = threading.Lock()  # by the one poll using the child
        self._state = threading.Lock()  # `_child` and `_closed` together: a close never misses a child starting
        self._child: _Child | None = None
        self._refused_until = 0.0  # monotonic: no child started before it (one could not start, or failed)
        self._closed = False
        self._ids = itertools.count(1)

    def start(self) -> None:
        """Start the child now rather than on the first page (a benchmark's clock, a worker's first poll)."""
        with self._held:
            self._ready()

    @contextlib.contextmanager
    def checker(self) -> Iterator[_Checker | None]:
        if not self._held.acquire(blocking=False):
            yield None  # another poll of this platform holds the child: this one examines its pages itself
            return
        try:
            yield _Checker(self)
        finally:
            self._held.release()

    def close(self) -> None:
        """Stop the child (it reads the end of its requests and exits; killed after STOP_WAIT)."""
        with self._state:
            self._closed = True
            child, self._child = self._child, None
        if child is not None:
            child.stop()
            end(child.process)
            log.info("check process %s for %s stopped (%s)", child.process.pid, self.name, exit_status(child.process))

    def pid(self) -> int | None:
        child = self._child
        return child.process.pid if child is not None else None

    def here(self, items: Sequence[RawInbound]) -> list[Examined]:
        return [examine(self.verifier, self.connector, item) for item in items]

    def _ready(self) -> _Child | None:
        """The running child, started if need be (the caller holds `_held`); None: examine in the worker."""
        if self._child is not None or self._closed or time.monotonic() < self._refused_until:
            return self._child
        try:
            process, requests, answers = spawn("check", (self.name, self.config), label=self.name)
        except Exception as exc:
            self._refuse(str(exc) if isinstance(exc, NotStarted) else repr(exc))
            return None
        child = _Child(process, requests, answers)
        try:
            child.begin(f"check:{self.name}:requests")
        except Exception as exc:  # a thread that cannot start: nothing of this child is left open or running
            discard(process, requests, answers)
            self._refuse(repr(exc))
            return None
        with self._state:
            closed = self._closed
            if not closed:
                self._child = child
        if closed:  # closed while it started: it would run on, unused
            child.stop()
            end(process)
            return None
        log.info("check process %s for %s started", process.pid, self.name)
        self._changed("started")
        # Its end is seen when it happens, not at the next page (an idle feed may bring none for hours): reaped, said
        # and counted, and the back-off starts then.
        threading.Thread(target=self._watch, args=(child,), name=f"check:{self.name}:watch", daemon=True).start()
        return child

    def _watch(self, child: _Child) -> None:
        child.process.wait()
        self._lost(child, "ended")

    def _refuse(self, why: str) -> None:
        self._refused_until = time.monotonic() + START_BACKOFF
        log.error(
            "%s: the check process did not start (%s); its pages are examined in the worker, and a start is tried "
            "again with the first page read after %.0f s. To do: fix what the reason names (a key file, the "
            "settings), or set check_process = false",
            self.name,
            why,
            START_BACKOFF,
        )
        self._changed("start_failed")

    def _failed(self, child: _Child, what: str) -> None:
        """`child` failed a page (the caller holds `_held`): killed, said once, pages examined here for a while."""
        child.why = what  # first: its watcher may see the end before this says it
        self._lost(child, what, kill=True)

    def _lost(self, child: _Child, what: str, *, kill: bool = False) -> None:
        """`child` ended (or is killed now): no longer used, said and counted once (by its watcher or a poll)."""
        child.stop(kill=kill)
        with self._state:
            if self._child is child:
                self._child = None
                self._refused_until = time.monotonic() + START_BACKOFF
        if self._closed or not child.first_to_say():
            return
        log.warning(
            "check process %s for %s %s (%s); its pages are examined in the worker until a new one starts, with the "
            "first page read after %.0f s. Nothing to do unless this repeats: then look for its traceback in this "
            "log, for the kernel's out-of-memory killer (dmesg), and at its CPU",
            child.process.pid,
            self.name,
            child.why or what,
            "killed by the worker" if child.why else exit_status(child.process),
            START_BACKOFF,
        )
        self._changed("ended")

    def _changed(self, what: str) -> None:
        if self.on_change is not None:
            self.on_change(self.name, what)


class _Checker:
    """One poll's use of the check process (adapter/inbox/page_checks.py PageChecker)."""

    def __init__(self, owner: CheckProcess) -> None:
        self.owner = owner

    def start(self, items: Sequence[RawInbound]) -> Found:
        owner = self.owner
        child = owner._ready()
        if child is None:
            return lambda: owner.here(items)
        request_id = next(owner._ids)
        child.requests_queue.put((request_id, [(item.body, dict(item.headers), item.position) for item in items]))
        within = PAGE_WAIT + PER_ITEM * len(items)

        def found() -> list[Examined]:
            answer, what = child.answer(request_id, within)
            if isinstance(answer, list) and len(answer) == len(items) and all(type(a) is Examined for a in answer):
                return answer
            # Never the answer itself in the log: it holds the page's parties (names, addresses).
            owner._failed(child, what or f"answered a page of {len(items)} with {_shape(answer)}")
            return owner.here(items)

        return found


def _shape(answer: Any) -> str:
    if isinstance(answer, list):
        return f"{len(answer)} findings"
    if isinstance(answer, str):  # the child's own word: why it could not (an exception's type and text)
        return answer[:200]
    return type(answer).__name__


@dataclass(eq=False)
class _Child:
    process: subprocess.Popen[bytes]
    requests: Connection  # ours to write, by its writer thread: (id, [(body, headers, position)]); a page each
    answers: Connection  # ours to read: (id, [Examined] or why not)
    requests_queue: queue.SimpleQueue[Any] = field(default_factory=queue.SimpleQueue)
    why: str = ""  # set when the worker kills it: what it failed to do
    said: threading.Lock = field(default_factory=threading.Lock)  # taken once, by whoever says how it ended

    def first_to_say(self) -> bool:
        return self.said.acquire(blocking=False)

    def begin(self, name: str) -> None:
        # A thread writes the pages: a child that stopped reading (frozen) then holds that thread, never the poll,
        # which gives up after PAGE_WAIT and kills it (the write then fails).
        threading.Thread(target=self._write, name=name, daemon=True).start()

    def _write(self) -> None:
        while True:
            request = self.requests_queue.get()
            if request is None:
                break
            try:
                self.requests.send(request)
            except (OSError, ValueError):
                break
        with contextlib.suppress(OSError):
            self.requests.close()

    def answer(self, request_id: int, within: float) -> tuple[Any, str]:
        """(what the child answered to `request_id`, "") or (None, what went wrong). Answers to earlier requests
        (a poll that failed before it took them) are dropped on the way."""
        given_up = time.monotonic() + within
        try:
            while True:
                if not self.answers.poll(max(0.0, given_up - time.monotonic())):
                    return None, f"did not answer a page within {within:.0f} s"
                answered, what = self.answers.recv()
                if answered == request_id:
                    return what, ""
        except (EOFError, OSError):
            return None, "ended"
        except Exception as exc:  # an answer this worker cannot read: a child of other code (installed meanwhile)
            return None, f"answered unreadably ({type(exc).__name__}: {exc})"

    def stop(self, *, kill: bool = False) -> None:
        """End it: its requests closed (it exits), or killed at once (`kill`)."""
        if kill:
            self.process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=STOP_WAIT)
        self.requests_queue.put(None)
        with contextlib.suppress(OSError):
            self.answers.close()
