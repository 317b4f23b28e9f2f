"""The send threads of delivery (adapter/outbox/flight.py): one bounded pool per platform, kept across runs."""

import contextvars
import queue
import threading
from collections.abc import Callable

from adapter.outbox.claimed import Claimed


class SendPools:
    """One bounded pool of send threads per platform, kept across delivery runs (threads start once, not every run)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pools: dict[tuple[str, int], Senders] = {}

    def pool(self, platform: str, size: int) -> "Senders":
        with self._lock:
            pool = self._pools.get((platform, size))
            if pool is None:
                pool = self._pools[(platform, size)] = Senders(size, f"send:{platform}")
            return pool

    def shutdown(self) -> None:
        with self._lock:
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.shutdown()


class Senders:
    """`size` threads running the sends handed to `submit`, each in the caller's context (its log fields).

    Why not a ThreadPoolExecutor: it makes a Future (a Condition, an RLock) and takes two locks for every call —
    measured at 0 ms court latency, a visible share of the worker's CPU per message — and a send's result comes
    back through Flight.done, never a Future. Daemon threads: a process leaving without `shutdown()` abandons the
    sends in flight like a kill -9 does (their rows' leases lapse; the court answers the re-send as a duplicate).
    """

    def __init__(self, size: int, name: str) -> None:
        self._queue: queue.SimpleQueue[tuple[contextvars.Context, Callable[[Claimed], None], Claimed] | None]
        self._queue = queue.SimpleQueue()
        self._closed = False
        self._threads = [threading.Thread(target=self._run, name=f"{name}_{i}", daemon=True) for i in range(size)]
        for thread in self._threads:
            thread.start()

    def submit(self, send: Callable[[Claimed], None], row: Claimed) -> None:
        """RuntimeError after `shutdown`: a send queued behind the stop markers would never run, and its run would
        wait for it for ever (as ThreadPoolExecutor refuses it)."""
        if self._closed:
            raise RuntimeError("these senders are shut down: a send handed to them now would never run")
        self._queue.put((contextvars.copy_context(), send, row))

    def shutdown(self) -> None:
        """Let the sends handed over finish, then stop the threads."""
        self._closed = True
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join()

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            context, send, row = item
            context.run(send, row)
