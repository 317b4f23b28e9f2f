"""Send processes: a platform's `send` (encode, sign, POST, read and verify the answer) run in child processes, so
that one worker's delivery uses more than one core (#21, SOAP).

Why: a SOAP send is mostly CPU — the Submit envelope, its WS-Security signature (c14n, digests, RSA), the answer's
parse and signature check — and one worker process runs Python on one core at a time. Measured at 0 ms court latency
(bench/delivery.py), the worker sat at ~96 % of one core while the machine had a quarter idle, and more send threads
did not help: they only pass the GIL between them. A platform with `send_processes = N` (adapter/config/platform.py)
has its sends made by N child processes, each building the platform's connector from the same settings and keys.

What stays in the worker: everything but the wire. The claim, the per-case order, the leases, the breaker, the
credentials hold, the requests-per-second cap and the 429 pause, the retry schedule and every database write run
as before (adapter/outbox/flight.py, send.py); only `connector.send(envelope)` crosses to a child, and its Receipt or
connector error comes back as if raised here. The worker's send threads wait on the answer without the GIL.

Failures:
- a child that dies (killed, out of memory) fails the sends it held with a TransientError naming it: the messages
  are retried on their schedule, and the court answers any that had arrived as duplicates (each message id is applied
  at most once). It is logged, and a new child starts with the next send; one that cannot start says why, as a
  TransientError of that send (the breaker then counts the failures as any other).
- a send not answered within the call's own bound (connect + read timeouts and a margin) fails alone as a
  TransientError (timeout); its late answer is dropped. The child is kept: its other sends are not at fault.
- the worker gone (a clean stop, a crash, kill -9): each child reads the end of its requests and exits.

Children are fresh interpreters (`python -m scheduler.send_child`, two pipes; not a fork: forking a process that
runs threads can copy a lock held, and not multiprocessing's spawn, which re-runs the worker's main module), started
on the first send: a `docking` command that never delivers starts none.
"""

from __future__ import annotations

import contextlib
import importlib
import itertools
import logging
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from adapter.platforms.retry import CONNECT_TIMEOUT
from connectors.port import Receipt, TransientError
from schemas.envelope import Envelope

if TYPE_CHECKING:
    from adapter.config.platform import PlatformSettings
    from connectors.port import CourtPlatform

# A send's answer arrives within its connect and read timeouts (one try: the quick tries are the worker's); past them
# and this margin the child is taken as hung.
MARGIN = 5.0
log = logging.getLogger("docking.delivery")
START_TIMEOUT = 60.0  # a child imports the connector stack and builds its keys: seconds, once


class SendProcesses:
    """`count` child processes sending for platform `name` with settings `config`, each on `threads` threads.

    `send(envelope)` → the child's Receipt, or raises what the connector raised (a connectors.port error), or a
    TransientError when the child died, did not answer in time or could not start. Thread-safe; `close()` stops the
    children."""

    def __init__(
        self,
        name: str,
        config: PlatformSettings,
        count: int,
        threads: int,
        on_change: Callable[[str, str], None] | None = None,
    ) -> None:
        self.name, self.config, self.count, self.threads = name, config, count, max(1, threads)
        self.on_change = on_change  # (platform, "started" | "ended"): a child started, or one died (not stopped)
        self.wait = CONNECT_TIMEOUT + config.timeout_seconds + MARGIN
        self._lock = threading.Lock()
        self._children: list[_Child | None] = [None] * count
        self._ids = itertools.count()
        self._closed = False

    def send(self, envelope: Envelope) -> Receipt:
        call, request_id = _Call(), next(self._ids)
        child = self._child(request_id, call)
        if child.ended:  # it ended while this send was being handed to it: its reader may have failed the rest
            child.pending.pop(request_id, None)
            raise self._ended(child)
        try:
            # As JSON: pickling the model costs ~110 µs a message across both sides, its JSON ~45 (measured).
            text = envelope.model_dump_json()
            with child.writing:
                child.requests.send((request_id, text))
        except (OSError, ValueError) as exc:  # its end is gone: its reader fails the rest when it sees the end
            child.pending.pop(request_id, None)
            raise self._ended(child) from exc
        try:
            answer = call.answers.get(timeout=self.wait)
        except queue.Empty:
            # The connector's own timeouts should have ended the call: its late answer, if any, is dropped. The
            # child is kept; its other sends are not this one's fault.
            child.pending.pop(request_id, None)
            raise TransientError(
                self.name, f"send process {child.pid} did not answer within {self.wait:.0f} s", cause="timeout"
            ) from None
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def start(self) -> None:
        """Start every child now rather than on the first sends (a child takes about a second to start)."""
        with self._lock:
            for slot, child in enumerate(self._children):
                if child is None and not self._closed:
                    self._children[slot] = self._start(slot)

    def close(self) -> None:
        """Stop every child: each reads the end of its requests and exits; sends it still held fail as transient."""
        with self._lock:
            self._closed = True
            children, self._children = self._children, [None] * self.count
        for child in children:
            if child is not None:
                child.stop()

    def pids(self) -> list[int]:
        """The children running now (for the benchmarks' CPU count and the tests)."""
        with self._lock:
            return [c.pid for c in self._children if c is not None and not c.ended]

    # ---- children

    def _child(self, request_id: int, call: _Call) -> _Child:
        """The child with the fewest sends in flight (started if its slot is empty), `call` counted among them."""
        with self._lock:
            if self._closed:
                raise TransientError(self.name, "the send processes are stopped (the worker is stopping)")
            slot = min(range(self.count), key=self._load)
            child = self._children[slot]
            if child is None:
                child = self._children[slot] = self._start(slot)
            child.pending[request_id] = call  # under the lock: the next send sees this one's load
            return child

    def _load(self, slot: int) -> int:
        child = self._children[slot]
        return -1 if child is None else len(child.pending)  # an empty slot first: start the children in turn

    def _start(self, slot: int) -> _Child:
        requests_in, requests_out = _pipe()
        answers_in, answers_out = _pipe()
        fds = (requests_in.fileno(), answers_out.fileno())
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", "scheduler.send_child", *map(str, fds)],
                stdin=subprocess.DEVNULL,  # stderr is the worker's: a child's traceback lands in the worker's log
                pass_fds=fds,
            )
        except OSError as exc:
            raise TransientError(self.name, f"could not start a send process: {exc}", cause="process") from exc
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
            raise TransientError(self.name, f"a send process did not start: {said}", cause="process")
        child = _Child(process, requests_out, answers_in, slot)
        reader = threading.Thread(
            target=self._read, args=(child,), name=f"send:{self.name}:{slot}:answers", daemon=True
        )
        reader.start()
        log.info("send process %s for %s started (%d threads)", child.pid, self.name, self.threads)
        if self.on_change is not None:
            self.on_change(self.name, "started")
        return child

    def _read(self, child: _Child) -> None:
        """The child's answers to their waiting sends, until its answers end; then fail what it still held."""
        while True:
            try:
                request_id, answer = child.answers.recv()
            except (EOFError, OSError):
                break
            call = child.pending.pop(request_id, None)
            if call is not None:
                call.answers.put(revive(answer))
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.process.wait(timeout=2)
        unasked = not child.stopping  # not stopped by us: it died (read before _ended stops what is left of it)
        error, failed = self._ended(child), []
        while child.pending:
            failed.append(child.pending.popitem()[1])
        if unasked:  # said before the sends fail: their retries come after the reason
            log.error(
                "send process %s for %s ended (%s): %d sends in flight fail and are retried on their schedule; a new"
                " process starts with the next send",
                child.pid,
                self.name,
                _exit(child.process),
                len(failed),
            )
            if self.on_change is not None:
                self.on_change(self.name, "ended")
        for call in failed:
            call.answers.put(error)
        child.answers.close()

    def _ended(self, child: _Child) -> TransientError:
        """`child` is over: its slot is freed for a new one; the error its sends fail with."""
        child.ended = True
        with self._lock:
            if self._children[child.slot] is child:
                self._children[child.slot] = None
        if not child.stopping:
            child.stop()
        return TransientError(
            self.name, f"send process {child.pid} ended ({_exit(child.process)}): sent again later", cause="process"
        )


@dataclass(eq=False)
class _Child:
    process: subprocess.Popen[bytes]
    requests: Connection  # ours to write: (id, the envelope's JSON)
    answers: Connection  # ours to read: (id, Receipt | flattened error), by one reader thread
    slot: int
    writing: threading.Lock = field(default_factory=threading.Lock)
    pending: dict[int, _Call] = field(default_factory=dict)
    ended: bool = False
    stopping: bool = False

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        """End its requests (it exits when it reads the end), and kill it if it has not within 2 s."""
        self.stopping = True
        with self.writing, contextlib.suppress(OSError):
            self.requests.close()
        _end(self.process)


class _Call:
    __slots__ = ("answers",)

    def __init__(self) -> None:
        self.answers: queue.SimpleQueue[Receipt | BaseException] = queue.SimpleQueue()


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
    """Wait 2 s for `process` to leave (its requests have ended), then kill it."""
    try:
        process.wait(timeout=2)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=2)


def _pipe() -> tuple[Connection, Connection]:
    """(read end, write end) of a pipe, each a multiprocessing Connection (length-prefixed pickles)."""
    read, write = os.pipe()
    return Connection(read, writable=False), Connection(write, readable=False)


# ---- the child's side


def serve(requests: Connection, answers: Connection) -> None:
    """A child's life: read (platform, settings, threads), build the platform's connector and say "ready" (or why
    not), then send each (id, envelope JSON) read from `requests` on one of those threads and write (id, Receipt or
    flattened error) to `answers`; exit when `requests` ends (the worker stopped or is gone)."""
    name, config, threads = requests.recv()
    try:
        connector = _connector(name, config)
    except Exception as exc:
        answers.send(f"{type(exc).__name__}: {exc}")
        os._exit(1)
    writing = threading.Lock()
    # A queue and plain threads, not a ThreadPoolExecutor: no Future and its locks for every send
    # (adapter/outbox/senders.py says the same of the worker's pool).
    work: queue.SimpleQueue[tuple[int, str]] = queue.SimpleQueue()

    def sending() -> None:
        while True:
            request_id, text = work.get()
            try:
                answer: Any = connector.send(Envelope.model_validate_json(text))
            except BaseException as exc:
                answer = flatten(exc)
            with writing, contextlib.suppress(OSError, ValueError):  # the worker gone: nobody to tell
                answers.send((request_id, answer))

    for number in range(threads):
        threading.Thread(target=sending, name=f"send:{name}_{number}", daemon=True).start()
    answers.send("ready")
    while True:
        try:
            work.put(requests.recv())
        except (EOFError, OSError):
            break
    os._exit(0)  # the worker is gone or stopped us: sends still running have nobody to answer


def _connector(name: str, config: PlatformSettings) -> CourtPlatform:
    # Imported here: the composition root builds connectors, and this module is imported by it.
    from adapter.platforms.signers import build_signer
    from scheduler.runtime import build_connector

    return build_connector(name, config, build_signer(config.signing, platform=name), _wall_clock())


def _wall_clock() -> Callable[[], Any]:
    from schemas.clock import utc_now

    return utc_now


# ---- errors across the pipe


def flatten(exc: BaseException) -> tuple[str, str, tuple[Any, ...], dict[str, Any]]:
    """An exception as plain data: our error classes take keyword-only arguments pickle cannot replay, so the
    class is named and its args and attributes copied; `revive` builds it again on the worker's side."""
    cls = type(exc)
    state = {k: v for k, v in vars(exc).items() if _plain(v)}
    return ("error", f"{cls.__module__}:{cls.__qualname__}", tuple(a for a in exc.args if _plain(a)), state)


def revive(answer: Any) -> Receipt | BaseException:
    """A child's answer as the worker raises or returns it (see flatten); a class that cannot be found or built
    becomes a RuntimeError naming it (delivery retries it as an unexpected error)."""
    if not (isinstance(answer, tuple) and len(answer) == 4 and answer[0] == "error"):
        return answer
    _, where, args, state = answer
    try:
        module, _, qualname = where.partition(":")
        cls = importlib.import_module(module)
        for part in qualname.split("."):
            cls = getattr(cls, part)
        if not (isinstance(cls, type) and issubclass(cls, BaseException)):
            raise TypeError(where)
        exc = cls.__new__(cls)
        exc.args = args
        exc.__dict__.update(state)
        return exc
    except Exception:
        return RuntimeError(f"{where} in a send process: {args[0] if args else ''}")


def _plain(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool | bytes)


class ProcessSending:
    """A platform's connector whose `send` is made by its SendProcesses; everything else (feeds, status, listings,
    code lists) is the connector's own, in this process."""

    def __init__(self, connector: CourtPlatform, processes: SendProcesses) -> None:
        self.connector, self.processes = connector, processes

    def __getattr__(self, name: str) -> Any:
        return getattr(self.connector, name)

    def send(self, envelope: Envelope) -> Receipt:
        return self.processes.send(envelope)


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
