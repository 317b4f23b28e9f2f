"""bench/thread_profile.py: a thread started while ThreadProfiles runs gets a cProfile of its own, grouped by name."""

import threading
import time

from bench.thread_profile import ThreadCpu, ThreadProfiles


def _spin_in_send_thread(seconds: float) -> None:
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def _spin_in_other_thread(seconds: float) -> None:
    _spin_in_send_thread(seconds)


def _names(stats: object) -> set[str]:
    return {func for (_, _, func) in getattr(stats, "stats", {})}


def test_each_thread_is_profiled_on_its_own_clock_and_the_send_threads_are_grouped_and_counted() -> None:
    profiles, cpu = ThreadProfiles(), ThreadCpu()
    cpu.start()
    profiles.start()
    senders = [threading.Thread(target=_spin_in_send_thread, args=(0.05,), name=f"send:court_{i}") for i in range(2)]
    other = threading.Thread(target=_spin_in_other_thread, args=(0.02,), name="lease:outbox")
    for thread in [*senders, other]:
        thread.start()
    cpu.stop()  # while the send threads still run: their clocks are read live
    for thread in [*senders, other]:
        thread.join()
    profiles.stop()
    merged = profiles.collect()
    assert "_spin_in_send_thread" in _names(merged["send"]) and "_spin_in_other_thread" not in _names(merged["send"])
    assert "_spin_in_other_thread" in _names(merged["other"])
    assert "_spin_in_send_thread" not in _names(merged["main"])
    assert {"_spin_in_send_thread", "_spin_in_other_thread"} <= _names(merged["all"])
    # each thread timed by its own CPU clock: the two send threads' 50 ms each, not the main thread's waiting
    assert merged["send"] is not None
    table = merged["send"].stats  # type: ignore[attr-defined]  # {func: (cc, calls, own, cumulative, callers)}
    spun = sum(v[3] for (_, _, func), v in table.items() if func == "_spin_in_send_thread")
    assert 0.09 <= spun < 0.5
    assert cpu.totals["send_threads"] == 2 and 0 < cpu.totals["send"] <= cpu.totals["process"]
    assert cpu.totals["main"] > 0 and cpu.totals["other"] >= 0
