"""Send processes: a platform's `send` (encode, sign, POST, read and verify the answer) made by child processes, so
that one worker's delivery uses more than one core (#21, SOAP).

Why: a SOAP send is mostly CPU — the Submit envelope, its WS-Security signature (c14n, digests, RSA), the answer's
parse and signature check — and one worker process runs Python on one core at a time. Measured at 0 ms court latency
(bench/delivery.py), the worker sat at ~96 % of one core while the machine had a quarter idle, and more send threads
did not help: they only pass the GIL between them. A platform with `send_processes = N` (adapter/config/platform.py)
has its sends made by N child processes, each building the platform's connector from the same settings and keys.

What stays in the worker: everything but the wire. The claim, the per-case order, the leases, the breaker, the
credentials hold, the requests-per-second cap and the 429 pause, the retry schedule and every database write run
as before (adapter/outbox/flight.py, send.py); only `connector.send(envelope)` crosses to a child, and its Receipt or
connector error comes back as if raised here (scheduler/send_errors.py). The worker's send threads wait on the
answer without the GIL.

Failures, each a TransientError of the sends it touches (retried as any other; the court answers a message it
already had as a duplicate, since it applies each message id at most once):
- a child that dies (killed, out of memory) fails the sends it held; it is logged and counted, and a new child
  starts with the next send.
- a send not answered within one try's timeouts (connect + read) has its child pinged; its main thread answers at
  once whatever its send threads do. No pong within PING_WAIT: the child is stuck (stopped, frozen, its pipe full):
  killed, said and replaced, and its other sends fail with it. A pong: the send waits on, as one made here would
  (urllib3's timeouts bound each read, not the answer), up to slowest_call, past which it alone fails (the flight
  has let its lease go by then) and still counts as the child's load until its late answer comes.
- a child that cannot start fails its send with why; for the next START_BACKOFF seconds sends fail at once with
  the same reason (cause "process_start": waiting alone will not fix a key file) instead of starting interpreter
  after interpreter. One child starts at a time, outside the lock its siblings' sends take; while others run, a
  replacement starts in the background and the sends go to them.
- the worker gone (a clean stop, a crash, kill -9): each child reads the end of its requests and exits. Children
  run in a session of their own, so a Ctrl-C or a signal to the worker's process group does not cut their sends:
  the worker stops them when it has recorded what they sent.

Children are fresh interpreters (`python -P -m cli.child send`, two pipes; not a fork, which can copy a lock another
thread holds, nor multiprocessing's spawn, which re-runs the worker's main module; -P: the working directory is not
on their import path), started on the first send: a `docking` command that never delivers starts none.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import math
import queue
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from adapter.platforms.retry import CONNECT_TIMEOUT, slowest_call
from connectors.port import CasePage, Feed, FeedPage, RawInbound, Receipt, TransientError
from scheduler.children import START_TIMEOUT, STOP_WAIT, NotStarted, discard, end, exit_status, spawn
from scheduler.send_errors import revive
from schemas.envelope import Envelope

if TYPE_CHECKING:
    from adapter.config.platform import PlatformSettings
    from connectors.port import CourtPlatform
    from schemas.enums import CourtStatus

log = logging.getLogger("docking.delivery")

PING_WAIT = 2.0  # a child that does not answer a ping this long (seconds) is stuck (stopped, frozen, its pipe full)
START_BACKOFF = 30.0  # after a child could not start, its sends fail at once with the reason for this long


class SendProcesses:
    """`count` child processes sending for platform `name` with settings `config`, each on `threads` threads.

    `send(envelope)` → the child's Receipt, or raises what the connector raised (a connectors.port error), or a
    TransientError when the child died, was stuck, could not start, or the send outlived `slowest_call` (module
    doc). Thread-safe; `close()` stops the children. `on_change(platform, "started" | "ended")`: a child started, or
    one ended that was not asked to (it died, or was stuck and killed)."""

    def __init__(
        self,
        name: str,
        config: PlatformSettings,
        count: int,
        threads: int,
        on_change: Callable[[str, str], None] | None = None,
    ) -> None:
        self.name, self.config, self.count, self.threads = name, config, count, max(1, threads)
        self.on_change = on_change
        # After one try's timeouts without an answer, the child is pinged: alive, the send goes on waiting (as one
        # made here would: urllib3's timeouts bound each read, not the answer); frozen, it is killed.
        self.wait = CONNECT_TIMEOUT + config.timeout_seconds
        self.longest = slowest_call(config.timeout_seconds).total_seconds()  # past it the flight let the lease go
        self._lock = threading.Lock()
        self._children: list[_Child | None] = [None] * count
        self._starting: threading.Event | None = None  # a start under way: one at a time
        self._refused: tuple[float, str] | None = None  # (monotonic until, why) after a child could not start
        self._ids = itertools.count()
        self._closed = False

    def send(self, envelope: Envelope) -> Receipt:
        text = envelope.model_dump_json()  # as JSON: pickling the model cost ~110 µs a message, its JSON ~45
        call, request_id = _Call(), next(self._ids)
        child = self._child(request_id, call)
        given_up = time.monotonic() + self.longest
        if not self._hand(child, request_id, text, self.wait):
            raise self._stuck(child, f"its requests pipe stayed full for {self.wait:.0f} s")
        while True:
            try:
                answer = call.answers.get(timeout=max(0.0, min(self.wait, given_up - time.monotonic())))
                break
            except queue.Empty:
                pass
            if time.monotonic() >= given_up:
                child.late.add(request_id)  # first: its reader may take the answer meanwhile (then it is not late)
                if child.pending.pop(request_id, None) is None:
                    child.late.discard(request_id)
                    answer = call.answers.get()  # its reader took it and puts its answer now
                    break
                raise TransientError(
                    self.name,
                    f"send process {child.pid} did not answer within {self.longest:.0f} s",
                    cause="timeout",
                ) from None
            if not self._alive(child):
                raise self._stuck(child, f"no answer to a ping within {PING_WAIT:.0f} s")
        if isinstance(answer, BaseException):
            if (trace := getattr(answer, "child_traceback", None)) is not None:  # a bug, not the court's word
                log.error("send process %s for %s: %s\n%s", child.pid, self.name, answer, trace)
            raise answer
        return answer

    def start(self) -> None:
        """Start every child now rather than on the first sends (each takes about a second); raises the
        TransientError of a child that cannot start."""
        while True:
            with self._lock:
                free = [s for s in range(self.count) if self._children[s] is None]
                if self._closed or not free:
                    return
                waiting, mine = self._starting, self._starting is None
                if mine:
                    self._starting = threading.Event()
            if mine:
                self._fill(free[0])
            elif waiting is not None:
                waiting.wait(START_TIMEOUT)

    def close(self) -> None:
        """Stop every child: each reads the end of its requests and exits (killed after STOP_WAIT); sends it still
        held fail as transient."""
        with self._lock:
            self._closed = True
            children = [c for c in self._children if c is not None]
            self._children = [None] * self.count
        for child in children:  # every end first, then one wait for them all
            child.end_requests("closed")
        deadline = time.monotonic() + STOP_WAIT
        for child in children:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            if child.process.poll() is None:
                child.process.kill()

    def pids(self) -> list[int]:
        """The children running now (for the benchmarks' CPU count and the tests)."""
        with self._lock:
            return [c.pid for c in self._children if c is not None and not c.ended]

    # ---- children

    def _child(self, request_id: int, call: _Call) -> _Child:
        """The running child with the fewest sends in hand, `call` counted among them. An empty slot is filled one
        start at a time: in the background while another child runs, otherwise by this send (which waits for it)."""
        deadline = time.monotonic() + self.wait
        while True:
            with self._lock:
                if self._closed:
                    raise TransientError(self.name, "the send processes are stopped (the worker is stopping)")
                free = [s for s in range(self.count) if self._children[s] is None]
                running = [c for c in self._children if c is not None]
                refused = self._refused if self._refused and time.monotonic() < self._refused[0] else None
                slot = free[0] if free and refused is None and self._starting is None else -1
                if slot >= 0:
                    self._starting = threading.Event()
                waiting = self._starting
                if running:
                    child = min(running, key=lambda c: len(c.pending) + len(c.late))
                    child.pending[request_id] = call  # under the lock: the next send sees this one's load
                    if slot >= 0:
                        threading.Thread(target=self._fill_quietly, args=(slot,), daemon=True).start()
                    return child
                if refused is not None:  # none running, and a start was refused just now: say why at once
                    raise TransientError(self.name, refused[1], cause="process_start")
            if slot >= 0:
                self._fill(slot)
            elif waiting is None or not waiting.wait(max(0.0, deadline - time.monotonic())):
                raise TransientError(self.name, "no send process started in time", cause="process_start")

    def _fill_quietly(self, slot: int) -> None:
        with contextlib.suppress(TransientError):  # said by _fill; the sends go to the running children meanwhile
            self._fill(slot)

    def _fill(self, slot: int) -> None:
        """Start the child of `slot` (this caller holds the start: `_starting`); a failure is said, remembered for
        START_BACKOFF and raised as a TransientError (cause process_start)."""
        try:
            child = self._start(slot)
        except Exception as exc:
            detail = exc.detail if isinstance(exc, TransientError) else f"a send process did not start: {exc!r}"
            with self._lock:
                self._refused = (time.monotonic() + START_BACKOFF, detail)
                done, self._starting = self._starting, None
            if done is not None:
                done.set()
            log.error("%s: %s; its sends fail at once for %.0f s", self.name, detail, START_BACKOFF)
            raise TransientError(self.name, detail, cause="process_start") from exc
        with self._lock:
            closed = self._closed
            if not closed:
                self._children[slot], self._refused = child, None
            done, self._starting = self._starting, None
        if done is not None:
            done.set()
        if closed:
            child.end_requests("closed")
            end(child.process)
            return
        log.info("send process %s for %s started (%d threads)", child.pid, self.name, self.threads)
        if self.on_change is not None:
            self.on_change(self.name, "started")

    def _start(self, slot: int) -> _Child:
        try:
            process, requests, answers = spawn("send", (self.name, self.config, self.threads), label=self.name)
        except NotStarted as exc:
            raise TransientError(self.name, f"a send process did not start: {exc}", cause="process_start") from None
        child = _Child(process, requests, answers, slot)
        try:
            name = f"send:{self.name}:{slot}:answers"
            threading.Thread(target=self._read, args=(child,), name=name, daemon=True).start()
        except BaseException:  # a thread that cannot start: nothing of this child is left open or running
            discard(process, requests, answers)
            raise
        return child

    def _hand(self, child: _Child, request_id: int, text: str | None, within: float) -> bool:
        """Write (id, text) to `child` (None: a ping); False if its pipe stayed full `within` seconds. A child whose
        end is gone fails the send with why (its reader fails the rest when it sees the end)."""
        if not child.writing.acquire(timeout=within):
            child.pending.pop(request_id, None)
            return False
        try:
            child.requests.send((request_id, text))
            sent = True
        except (OSError, ValueError):
            sent = False
        finally:
            child.writing.release()
        if not sent:
            child.pending.pop(request_id, None)
            raise self._ended(child)
        return True

    def _alive(self, child: _Child) -> bool:
        """Does `child` answer a ping within PING_WAIT? (Its main thread answers at once, whatever its sends do.)"""
        ping, request_id = _Call(), next(self._ids)
        child.pending[request_id] = ping
        if not self._hand(child, request_id, None, PING_WAIT):
            return False
        try:
            ping.answers.get(timeout=PING_WAIT)  # "pong", or the error of its end (then its sends have theirs)
            return True
        except queue.Empty:
            child.pending.pop(request_id, None)
            return False

    def _read(self, child: _Child) -> None:
        """The child's answers to their waiting sends, until its answers end (or cannot be read); then fail what it
        still held, and say so unless it was asked to stop or said already."""
        try:
            while True:
                request_id, answer = child.answers.recv()
                child.late.discard(request_id)
                call = child.pending.pop(request_id, None)
                if call is not None:
                    call.answers.put(revive(answer))
        except BaseException:  # the end (EOFError), the pipe gone, or an answer that cannot be read: it is over
            pass
        error = TransientError(self.name, f"send process {child.pid} ended", cause="process")
        try:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.process.wait(timeout=STOP_WAIT)
            error = self._ended(child)
            if child.first_to_say():  # it died: said before the sends fail, so their retries come after the reason
                log.error(
                    "send process %s for %s ended (%s): %d sends in hand fail and are sent again; a new process"
                    " starts with the next send",
                    child.pid,
                    self.name,
                    exit_status(child.process),
                    len(child.pending),
                )
                self._changed("ended")
        finally:  # whatever happened above, no send waits for ever
            for key in list(child.pending):
                if (call := child.pending.pop(key, None)) is not None:
                    call.answers.put(error)
            with contextlib.suppress(OSError):
                child.answers.close()

    def _stuck(self, child: _Child, what: str) -> TransientError:
        """`child` is stuck (`what`): said once, killed at once (its reader then fails its other sends and frees
        its slot); the error of the send that found it."""
        if child.first_to_say("stuck"):
            log.error(
                "send process %s for %s is stuck (%s): killed; its sends in hand fail and are sent again",
                child.pid,
                self.name,
                what,
            )
            self._changed("ended")
        child.process.kill()
        self._ended(child)
        return TransientError(self.name, f"send process {child.pid} is stuck ({what}): killed", cause="timeout")

    def _ended(self, child: _Child) -> TransientError:
        """`child` is over: its slot is freed for a new one; the error its sends fail with, by why it ended."""
        child.ended = True
        with self._lock:
            if self._children[child.slot] is child:
                self._children[child.slot] = None
        if child.why == "closed":
            return TransientError(self.name, "the send processes are stopped (the worker is stopping)")
        if child.why == "stuck":
            return TransientError(self.name, f"send process {child.pid} was stuck: killed", cause="timeout")
        if child.process.poll() is None:  # its pipe broke but it runs: it is of no use
            child.process.kill()
        return TransientError(
            self.name, f"send process {child.pid} ended ({exit_status(child.process)}): sent again", cause="process"
        )

    def _changed(self, what: str) -> None:
        if self.on_change is not None:
            with contextlib.suppress(Exception):  # a metric must not stop the failing of the sends it counts
                self.on_change(self.name, what)


@dataclass(eq=False)
class _Child:
    process: subprocess.Popen[bytes]
    requests: Connection  # ours to write: (id, the envelope's JSON, or None for a ping)
    answers: Connection  # ours to read: (id, Receipt | flattened error | "pong"), by one reader thread
    slot: int
    writing: threading.Lock = field(default_factory=threading.Lock)
    pending: dict[int, _Call] = field(default_factory=dict)  # handed over, waited for
    late: set[int] = field(default_factory=set)  # given up on (past slowest_call), still running in the child
    ended: bool = False
    why: str | None = None  # "closed" (by close()), "stuck" (killed by us); None: it died on its own
    said: threading.Lock = field(default_factory=threading.Lock)  # taken once, by whoever says how it ended

    @property
    def pid(self) -> int:
        return self.process.pid

    def first_to_say(self, why: str | None = None) -> bool:
        """True for the first caller only (a death is said and counted once), unless it was closed; `why` kept."""
        if self.why == "closed" or not self.said.acquire(blocking=False):
            return False
        if why is not None:
            self.why = why
        return True

    def end_requests(self, why: str) -> None:
        """Close its requests (it exits when it reads the end); kill it if a stuck write holds them."""
        self.why = self.why or why
        if self.writing.acquire(timeout=0.1):
            try:
                with contextlib.suppress(OSError):
                    self.requests.close()
            finally:
                self.writing.release()
        else:
            self.process.kill()  # the stuck write then fails (EPIPE), and its sender with it


class _Call:
    __slots__ = ("answers",)

    def __init__(self) -> None:
        self.answers: queue.SimpleQueue[Receipt | Exception] = queue.SimpleQueue()


class ProcessSending:
    """A platform's connector whose `send` is made by its SendProcesses; everything else (feeds, status, listings)
    is the connector's own, in this process. The port's members are forwarded by name, not through __getattr__
    alone: from Python 3.12 a runtime-checkable protocol's isinstance no longer sees attributes __getattr__ gives."""

    def __init__(self, connector: CourtPlatform, processes: SendProcesses) -> None:
        self.connector, self.processes = connector, processes
        self.name, self.transport = connector.name, connector.transport

    def __getattr__(self, name: str) -> Any:  # anything else the connector has (code lists, history)
        return getattr(self.connector, name)

    def send(self, envelope: Envelope) -> Receipt:
        return self.processes.send(envelope)

    def fetch(self, feed: Feed, cursor: str, limit: int) -> FeedPage:
        return self.connector.fetch(feed, cursor, limit)

    def decode(self, item: RawInbound) -> Envelope:
        return self.connector.decode(item)

    def query_status(self, platform_case_ids: Sequence[str]) -> dict[str, CourtStatus | None]:
        return self.connector.query_status(platform_case_ids)

    def list_cases(self, cursor: str, limit: int) -> CasePage:
        return self.connector.list_cases(cursor, limit)

    def fetch_case(self, platform_case_id: str) -> Sequence[RawInbound]:
        return self.connector.fetch_case(platform_case_id)


def in_processes(
    connector: CourtPlatform, config: PlatformSettings, on_change: Callable[[str, str], None] | None = None
) -> CourtPlatform:
    """`connector`, its sends made by `config.send_processes` children (none: `connector` itself); the in-flight
    sends (max_in_flight) shared among them; `on_change` as SendProcesses'."""
    count = config.send_processes
    if count == 0:
        return connector
    threads = math.ceil(config.max_in_flight / count)
    return ProcessSending(connector, SendProcesses(connector.name, config, count, threads, on_change))


def processes_of(connectors: Iterable[Any]) -> list[SendProcesses]:
    """The send processes of those of `connectors` that have them."""
    return [c.processes for c in connectors if isinstance(c, ProcessSending)]
