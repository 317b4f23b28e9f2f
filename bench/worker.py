"""A delivery worker process of the benchmarks (started by bench/harness.py, several at once).

    python -m bench.worker SETTINGS_JSON GO_FILE STOP_AFTER [PROFILE_FILE [cpu]]

Builds the runtime, freezes its start-up heap out of the garbage collector's reach as `docking run` does
(scheduler/process.py settle), says "ready", waits for the go file, delivers until `STOP_AFTER` messages are
delivered (0: until nothing is due; the sends in flight at STOP_AFTER still finish, so a few more may be), then
prints when it finished, its peak RSS (KiB), how many it delivered and the CPU seconds delivering took. It imports
only what a worker needs, so its peak RSS is the worker's. With PROFILE_FILE the delivery loop runs with a cProfile
per thread (the send pool's threads too), their stats merged and dumped there with the threads' CPU totals
(bench/thread_profile.py, read by bench/profile.py); with PROFILE_FILE cpu, the CPU totals alone (no profiler: the
same run's figures without its overhead). Either way the send threads are shut down before it reports.
"""

import contextlib
import resource
import sys
import time
from pathlib import Path

from adapter.config.settings import Settings
from adapter.outbox.delivery import deliver_due
from bench.proc import cpu_seconds
from scheduler import build_runtime, delivery_lease, settle
from scheduler.send_processes import SendProcesses, processes_of


def main(argv: list[str]) -> None:
    settings = Settings.model_validate_json(argv[0])
    runtime = build_runtime(settings)
    go, stop_after, delivered, idle = Path(argv[1]), int(argv[2]), 0, 0
    lease = delivery_lease(settings)
    processes = processes_of(link.connector for link in runtime.platforms.values())
    for started in processes:  # send processes (scheduler/send_processes.py) start before the clock does
        started.start()
    settle()  # as `docking run` does before its jobs start (scheduler/process.py)
    print("ready", flush=True)
    while not go.exists():
        time.sleep(0.002)
    children = {pid: cpu_seconds(pid) for started in processes for pid in started.pids()}  # their CPU so far
    cpu = time.process_time()
    measured = None
    if len(argv) > 3:  # imported only here: an unprofiled worker's import set (its peak RSS) stays a worker's
        from bench.thread_profile import Measured

        measured = Measured(Path(argv[3]), profile=argv[4:] != ["cpu"])
    sent = 0  # sends answered delivered/duplicate: with STOP_AFTER, no new send starts once that many are

    def observe(platform: str, result: str, seconds: float) -> None:
        nonlocal sent
        sent += result in ("delivered", "duplicate")

    # Stop starting sends at STOP_AFTER (those in flight still finish): one run may claim many rounds, so a check
    # between runs alone overshoots by up to a run's worth (bench/backlog.py then reaches its filler rows).
    keep_going = (lambda: sent < stop_after) if stop_after else (lambda: True)
    while idle < 2 and not (stop_after and delivered >= stop_after):
        counts = deliver_due(
            runtime.uow,
            runtime.platforms,
            runtime.clock,
            limit=settings.deliver_batch,
            lease=lease,  # max_rounds as `docking run` (scheduler/runtime.py deliver_counts): claims overlap sends
            pools=runtime.send_pools,  # the runtime's send threads, kept across runs as `docking run` keeps them
            keep_going=keep_going,
            observe=observe,
        )
        delivered += counts["delivered"] + counts["duplicate"]
        idle = 0 if counts else idle + 1
    if measured is not None:
        measured.stop(runtime.send_pools.shutdown)
    cpu = time.process_time() - cpu + _children_cpu(processes, children)  # its send processes' too
    print(time.time(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, delivered, cpu, flush=True)


def _children_cpu(processes: list[SendProcesses], before: dict[int, float]) -> float:
    """The CPU seconds the send processes used since `before` (pid → seconds then); a child started since counts
    whole, one gone since is missed (a benchmark's children do not die)."""
    used = 0.0
    for pid in {pid for started in processes for pid in started.pids()} | set(before):
        with contextlib.suppress(FileNotFoundError):
            used += cpu_seconds(pid) - before.get(pid, 0.0)
    return used


if __name__ == "__main__":
    main(sys.argv[1:])
