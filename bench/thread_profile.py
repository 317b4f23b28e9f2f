"""Where a worker process's CPU goes, thread by thread: used inside bench/worker.py by `bench.delivery --profile`.

At max_in_flight > 1 the sends run on the send pool's threads (adapter/outbox/senders.py, threads named
"send:<platform>_<i>"), so a cProfile of the worker's own thread alone misses them — and one timed by the process's
CPU charges their CPU to whatever the main thread happened to be in. Python 3.11 has no
threading.setprofile_all_threads, so `ThreadProfiles` gives every thread started after `start()` a cProfile of its
own through threading.setprofile (the pool starts its threads on the first send, after `start()`), each timed by
its own thread's CPU clock (time.thread_time); `collect()` merges them (pstats.Stats.add).

`ThreadCpu` reads the CPU clocks themselves (ns resolution, readable from another thread through
time.pthread_getcpuclockid): the main thread's, the send threads' (read while they still run), and the process's
total; "other" threads (the lease renewals, adapter/lease.py, each living one delivery run) are the difference.
Stdlib only: the worker's import set (and so its peak RSS) stays a worker's.
"""

import cProfile
import json
import pstats
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

SEND_THREADS = "send:"  # the name prefix of adapter/outbox/senders.py's pool threads


def _thread_cpu(ident: int | None) -> float:
    """Seconds of CPU the live thread `ident` has used (0.0 if it has ended meanwhile)."""
    try:
        return time.clock_gettime(time.pthread_getcpuclockid(ident or 0))
    except (OSError, ValueError):
        return 0.0


class ThreadCpu:
    """CPU seconds from `start()` to `stop()`: the process, its main thread, and the send pool's threads."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = {}
        self._process = self._main = 0.0
        self._before: dict[int, float] = {}

    def start(self) -> None:
        # threads alive now (a pool kept from before) count from here; a thread started later from its birth (0)
        self._before = {t.ident: _thread_cpu(t.ident) for t in threading.enumerate() if t.ident is not None}
        self._process, self._main = time.process_time(), time.thread_time()

    def stop(self) -> None:
        """Call on the thread that called `start()`, before the send threads are shut down."""
        main, process = time.thread_time() - self._main, time.process_time() - self._process
        senders = [t for t in threading.enumerate() if t.name.startswith(SEND_THREADS) and t.ident is not None]
        send = sum(_thread_cpu(t.ident) - self._before.get(t.ident or 0, 0.0) for t in senders)
        self.totals = {
            "process": process,
            "main": main,
            "send": send,
            "other": max(0.0, process - main - send),
            "send_threads": float(len(senders)),
        }


class ThreadProfiles:
    """A cProfile timed by its thread's CPU for the calling thread and for every thread started while it runs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._main = cProfile.Profile(time.thread_time)
        self._threads: list[tuple[threading.Thread, cProfile.Profile]] = []

    def start(self) -> None:
        threading.setprofile(self._hook)
        self._main.enable()

    def _hook(self, frame: FrameType, event: str, arg: Any) -> None:
        # threading runs this as a new thread's sys.setprofile hook: on its first event, before the thread's run()
        # body, it puts a cProfile of the thread's own in its place (enable() replaces this hook for this thread)
        profiler = cProfile.Profile(time.thread_time)
        with self._lock:
            self._threads.append((threading.current_thread(), profiler))
        profiler.enable()

    def stop(self) -> None:
        """Stop the calling thread's profiler, and profile no thread started from now on."""
        self._main.disable()
        threading.setprofile(None)  # None clears the hook for threads started later

    def collect(self) -> dict[str, pstats.Stats | None]:
        """The stats merged: {"all", "main", "send", "other"} (None: no thread of that kind ran Python code).
        Call on the thread that called `start()`, after `stop()` and after the send threads have ended (shut the
        pools down first): a thread's profiler must not be read while it still records. Live threads are left out."""
        groups: dict[str, list[cProfile.Profile]] = {"main": [self._main], "send": [], "other": []}
        with self._lock:
            threads = list(self._threads)
        for thread, profiler in threads:
            if thread.is_alive():
                continue
            # create_stats() disables the profiler on *this* thread: harmless, this thread's own one is off
            profiler.create_stats()
            if profiler.stats:
                groups["send" if thread.name.startswith(SEND_THREADS) else "other"].append(profiler)
        merged = {name: _merged(profilers) for name, profilers in groups.items()}
        merged["all"] = _merged([p for profilers in groups.values() for p in profilers])
        return merged


def _merged(profilers: list[cProfile.Profile]) -> pstats.Stats | None:
    if not profilers:
        return None
    stats = pstats.Stats(profilers[0])
    if profilers[1:]:
        stats.add(*profilers[1:])
    return stats


class Measured:
    """Started at once: the CPU totals (ThreadCpu) and, with `profile`, the per-thread profiles (ThreadProfiles).

    `stop(shutdown)` reads the totals, calls `shutdown` (ending the send threads: their profiles are read only
    then), and writes the merged stats to `dump`, each group's ("main", "send", "other") to `dump`.<group> and
    the totals to `dump`.json (read by bench/profile.py)."""

    def __init__(self, dump: Path, *, profile: bool) -> None:
        self.dump, self.cpu = dump, ThreadCpu()
        self.profiles = ThreadProfiles() if profile else None
        self.cpu.start()
        if self.profiles is not None:
            self.profiles.start()

    def stop(self, shutdown: Callable[[], None]) -> None:
        self.cpu.stop()
        if self.profiles is not None:
            self.profiles.stop()
        shutdown()
        merged = self.profiles.collect() if self.profiles is not None else {}
        for name, stats in merged.items():
            if stats is not None:
                stats.dump_stats(str(self.dump) if name == "all" else f"{self.dump}.{name}")
        Path(f"{self.dump}.json").write_text(json.dumps(self.cpu.totals))
