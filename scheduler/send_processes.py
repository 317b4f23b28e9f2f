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
- a send not answered within one try's bound (connect + read timeouts and half a second, so three quick tries fit
  in `slowest_call`) fails. If the child has answered nothing since that send was handed to it, it is taken as hung
  (stopped, deadlocked): it is killed, said and replaced, and its other sends fail with it. Otherwise it is only
  slow on that one; the send still counts as its load until its late answer comes (and is dropped).
- a child that cannot start fails its send with why; for the next START_BACKOFF seconds sends fail at once with
  the same reason (cause "process_start": waiting alone will not fix a key file) instead of starting interpreter
  after interpreter. A child is started outside the lock its siblings' sends take.
- the worker gone (a clean stop, a crash, kill -9): each child reads the end of its requests and exits. Children
  run in a session of their own, so a Ctrl-C or a signal to the worker's process group does not cut their sends:
  the worker stops them when it has recorded what they sent.

Children are fresh interpreters (`python -P -m cli.send_child`, two pipes; not a fork, which can copy a lock another
thread holds, nor multiprocessing's spawn, which re-runs the worker's main module; -P: the working directory is not
on their import path), started on the first send: a `docking` command that never delivers starts none.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from adapter.platforms.retry import CONNECT_TIMEOUT
from connectors.port import CasePage, Feed, FeedPage, RawInbound, Receipt, TransientError
from scheduler.send_errors import revive
from schemas.envelope import Envelope

if TYPE_CHECKING:
    from adapter.config.platform import PlatformSettings
    from connectors.port import CourtPlatform
    from schemas.enums import CourtStatus

log = logging.getLogger("docking.delivery")

MARGIN = 0.5  # past one try's timeouts (seconds): three quick tries still end inside slowest_call's 2 s margin
START_TIMEOUT = 60.0  # a child imports the connector stack and builds its keys: about a second, once
START_BACKOFF = 30.0  # after a child could not start, its sends fail at once with the reason for this long
STOP_WAIT = 2.0  # a child asked to stop (its requests closed) is killed after this long


class SendProcesses:
    """`count` child processes sending for platform `name` with settings `config`, each on `threads` threads.

    `send(envelope)` → the child's Receipt, or raises what the connector raised (a connectors.port error), or a
    TransientError when the child died, did not answer in time or could not start (module doc). Thread-safe;
    `close()` stops the children. `on_change(platform, "started" | "ended")`: a child started, or one ended that
    was not asked to (it died, or hung and was killed)."""

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
        self.wait = CONNECT_TIMEOUT + config.timeout_seconds + MARGIN
        self._lock = threading.Lock()
        self._children: list[_Child | None] = [None] * count
        self._starting: dict[int, threading.Event] = {}  # slot → set when its start has ended (either way)
        self._refused: tuple[float, str] | None = None  # (monotonic until, why) after a child could not start
        self._ids = itertools.count()
        self._closed = False

    def send(self, envelope: Envelope) -> Receipt:
        call, request_id = _Call(), next(self._ids)
        child = self._child(request_id, call)
        text = envelope.model_dump_json()  # as JSON: pickling the model cost ~110 µs a message, its JSON ~45
        handed = time.monotonic()
        if not child.writing.acquire(timeout=self.wait):  # a write stuck on a full pipe: the child reads nothing
            child.pending.pop(request_id, None)
            raise self._hung(child, "its requests pipe stayed full")
        try:
            child.requests.send((request_id, text))
        except (OSError, ValueError) as exc:  # its end is gone: its reader fails the rest when it sees the end
            child.pending.pop(request_id, None)
            raise self._ended(child) from exc
        finally:
            child.writing.release()
        try:
            answer = call.answers.get(timeout=self.wait)
        except queue.Empty:
            if child.pending.pop(request_id, None) is None:  # taken just now by its reader, which puts its answer
                answer = call.answers.get(timeout=self.wait)
            elif child.answered < handed:  # nothing at all since this send was handed over: the child is stuck
                raise self._hung(child, f"no answer within {self.wait:.1f} s") from None
            else:
                child.late.add(request_id)  # still its load until the late answer comes
                raise TransientError(
                    self.name, f"send process {child.pid} did not answer within {self.wait:.1f} s", cause="timeout"
                ) from None
        if isinstance(answer, BaseException):
            if (trace := getattr(answer, "child_traceback", None)) is not None:  # a bug, not the court's word
                log.error("send process %s for %s: %s\n%s", child.pid, self.name, answer, trace)
            raise answer
        return answer

    def start(self) -> None:
        """Start every child now rather than on the first sends (each takes about a second); raises the
        TransientError of a child that cannot start."""
        for slot in range(self.count):
            with self._lock:
                if self._closed or self._children[slot] is not None:
                    continue
                self._starting[slot] = threading.Event()
            self._fill(slot)

    def close(self) -> None:
        """Stop every child: each reads the end of its requests and exits (killed after STOP_WAIT); sends it still
        held fail as transient."""
        with self._lock:
            self._closed = True
            children, self._children = self._children, [None] * self.count
        for child in children:
            if child is not None:
                child.stop(asked=True)

    def pids(self) -> list[int]:
        """The children running now (for the benchmarks' CPU count and the tests)."""
        with self._lock:
            return [c.pid for c in self._children if c is not None and not c.ended]

    # ---- children

    def _child(self, request_id: int, call: _Call) -> _Child:
        """The running child with the fewest sends in hand, `call` counted among them; a free slot is filled first
        (outside the lock: the running children's sends do not wait for a start)."""
        while True:
            with self._lock:
                if self._closed:
                    raise TransientError(self.name, "the send processes are stopped (the worker is stopping)")
                free = [s for s in range(self.count) if self._children[s] is None and s not in self._starting]
                running = [c for c in self._children if c is not None]
                if free and self._refused is not None and time.monotonic() < self._refused[0]:
                    if not running:  # nothing to send with, and a start was refused just now: say why at once
                        raise TransientError(self.name, self._refused[1], cause="process_start")
                    free = []
                if not free and running:
                    child = min(running, key=lambda c: len(c.pending) + len(c.late))
                    child.pending[request_id] = call  # under the lock: the next send sees this one's load
                    return child
                if free:
                    slot = free[0]
                    self._starting[slot] = started = threading.Event()
                else:  # every slot is starting: wait for one
                    started = next(iter(self._starting.values()))
                    slot = -1
            if slot >= 0:
                self._fill(slot)
            else:
                started.wait(START_TIMEOUT)

    def _fill(self, slot: int) -> None:
        """Start the child of `slot` (marked starting by the caller); its failure is remembered (START_BACKOFF)."""
        try:
            child = self._start(slot)
        except TransientError as exc:
            with self._lock:
                self._refused = (time.monotonic() + START_BACKOFF, exc.detail)
                self._starting.pop(slot).set()
            raise
        with self._lock:
            self._starting.pop(slot).set()
            if self._closed:
                closed = True
            else:
                closed, self._children[slot], self._refused = False, child, None
        if closed:
            child.stop(asked=True)
            raise TransientError(self.name, "the send processes are stopped (the worker is stopping)")
        log.info("send process %s for %s started (%d threads)", child.pid, self.name, self.threads)
        if self.on_change is not None:
            self.on_change(self.name, "started")

    def _start(self, slot: int) -> _Child:
        requests_in, requests_out = _pipe()
        answers_in, answers_out = _pipe()
        fds = (requests_in.fileno(), answers_out.fileno())
        try:
            process = subprocess.Popen(
                [sys.executable, "-P", "-m", "cli.send_child", *map(str, fds)],
                stdin=subprocess.DEVNULL,  # stderr is the worker's: a child's traceback lands in the worker's log
                pass_fds=fds,
                start_new_session=True,  # a Ctrl-C or a signal to the worker's group is for the worker alone
            )
        except OSError as exc:
            requests_out.close()
            answers_in.close()
            raise TransientError(self.name, f"could not start a send process: {exc}", cause="process_start") from exc
        finally:
            requests_in.close()  # the child's ends: only the child may hold them, or no end would ever be seen
            answers_out.close()
        with contextlib.suppress(OSError):
            requests_out.send((self.name, self.config, self.threads))
        said = _first_word(answers_in)
        if said != "ready":
            requests_out.close()
            answers_in.close()
            _end(process)
            raise TransientError(self.name, f"a send process did not start: {said}", cause="process_start")
        child = _Child(process, requests_out, answers_in, slot)
        threading.Thread(target=self._read, args=(child,), name=f"send:{self.name}:{slot}:answers", daemon=True).start()
        return child

    def _read(self, child: _Child) -> None:
        """The child's answers to their waiting sends, until its answers end (or cannot be read); then fail what it
        still held, and say so unless it was asked to stop."""
        try:
            while True:
                request_id, answer = child.answers.recv()
                child.answered = time.monotonic()
                child.late.discard(request_id)
                call = child.pending.pop(request_id, None)
                if call is not None:
                    call.answers.put(revive(answer))
        except BaseException:  # the end (EOFError), the pipe gone, or an answer that cannot be read: it is over
            pass
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.process.wait(timeout=STOP_WAIT)
        error = self._ended(child)
        failed = [call for key in list(child.pending) if (call := child.pending.pop(key, None)) is not None]
        if not child.asked:  # said before the sends fail: their retries come after the reason
            log.error(
                "send process %s for %s ended (%s): %d sends in hand fail and are sent again; a new process starts"
                " with the next send",
                child.pid,
                self.name,
                _exit(child.process),
                len(failed),
            )
            if self.on_change is not None:
                self.on_change(self.name, "ended")
        for call in failed:
            call.answers.put(error)
        with contextlib.suppress(OSError):
            child.answers.close()

    def _hung(self, child: _Child, what: str) -> TransientError:
        """`child` is stuck (`what`): said, killed (its reader then fails its other sends and frees its slot)."""
        if not child.asked:
            child.asked = True  # said here, not again by its reader
            log.error(
                "send process %s for %s is stuck (%s): killed; its sends in hand fail and are sent again",
                child.pid,
                self.name,
                what,
            )
            if self.on_change is not None:
                self.on_change(self.name, "ended")
        self._ended(child)
        return TransientError(self.name, f"send process {child.pid} is stuck ({what}): killed", cause="timeout")

    def _ended(self, child: _Child) -> TransientError:
        """`child` is over: its slot is freed for a new one, it is stopped; the error its sends fail with."""
        child.ended = True
        with self._lock:
            if self._children[child.slot] is child:
                self._children[child.slot] = None
            closing = self._closed
        child.stop(asked=False)
        if closing or (child.asked and child.process.returncode == 0):
            return TransientError(self.name, "the send processes are stopped (the worker is stopping)")
        return TransientError(
            self.name, f"send process {child.pid} ended ({_exit(child.process)}): sent again", cause="process"
        )


@dataclass(eq=False)
class _Child:
    process: subprocess.Popen[bytes]
    requests: Connection  # ours to write: (id, the envelope's JSON)
    answers: Connection  # ours to read: (id, Receipt | flattened error), by one reader thread
    slot: int
    writing: threading.Lock = field(default_factory=threading.Lock)
    pending: dict[int, _Call] = field(default_factory=dict)  # handed over, waited for
    late: set[int] = field(default_factory=set)  # given up on (timed out), still running in the child
    answered: float = field(default_factory=time.monotonic)  # when it last answered anything
    ended: bool = False
    asked: bool = False  # its end was ours (close(), or killed as hung and said so): its reader says nothing

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self, *, asked: bool) -> None:
        """End its requests (it exits when it reads the end); kill it if that cannot be done at once (a write
        stuck on a full pipe holds the lock) or it has not left within STOP_WAIT."""
        self.asked = self.asked or asked
        if self.writing.acquire(timeout=0.1):
            try:
                self.requests.close()
            except OSError:
                pass
            finally:
                self.writing.release()
            _end(self.process)
        else:
            self.process.kill()  # the stuck write then fails (EPIPE), and its sender with it
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=STOP_WAIT)


class _Call:
    __slots__ = ("answers",)

    def __init__(self) -> None:
        self.answers: queue.SimpleQueue[Receipt | Exception] = queue.SimpleQueue()


def _first_word(answers: Connection) -> str:
    """The child's first word: "ready", or why it could not start."""
    try:
        if not answers.poll(START_TIMEOUT):
            return f"no word within {START_TIMEOUT:.0f} s"
        said = answers.recv()
    except (EOFError, OSError):
        return "it exited at once (its error is in this process's log)"
    return said if isinstance(said, str) else repr(said)


def _exit(process: subprocess.Popen[bytes]) -> str:
    code = process.poll()
    if code is None:
        return "still running"
    return f"killed by signal {-code}" if code < 0 else f"exit code {code}"


def _end(process: subprocess.Popen[bytes]) -> None:
    """Wait STOP_WAIT for `process` to leave (its requests have ended), then kill it."""
    try:
        process.wait(timeout=STOP_WAIT)
    except subprocess.TimeoutExpired:
        process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=STOP_WAIT)


def _pipe() -> tuple[Connection, Connection]:
    """(read end, write end) of a pipe, each a multiprocessing Connection (length-prefixed pickles)."""
    read, write = os.pipe()
    return Connection(read, writable=False), Connection(write, readable=False)


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
    threads = -(-config.max_in_flight // count)
    return ProcessSending(connector, SendProcesses(connector.name, config, count, threads, on_change))


def processes_of(connectors: Iterable[Any]) -> list[SendProcesses]:
    """The send processes of those of `connectors` that have them."""
    return [c.processes for c in connectors if isinstance(c, ProcessSending)]
