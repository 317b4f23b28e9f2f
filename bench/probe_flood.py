"""What an anonymous flood of probes costs the centre's API, against the cheapest flood there is.

    python -m bench.probe_flood [--threads 24] [--reads 150] [--runs 3]

The API is served as `docking serve` serves it (bench/serving.py: its own process, SQLite, one live heartbeat so
/readyz is ready). One centre client reads `GET /api/centre/v1/cases?limit=1` `--reads` times, one at a time: alone
(`quiet_ms`, the median), then while another process floods `/healthz` from `--threads` keep-alive threads
(`healthz_flood_ms`: the floor — any request costs the event loop that much), then the same flood on `/readyz`
(`readyz_flood_ms`). Neither probe needs a key. readyz_ratio = readyz_flood_ms ÷ healthz_flood_ms: 1.0 means a
/readyz flood costs the API no more than the cheapest one (api/health.py Verdicts: the checks run at most once a
second). Before Verdicts it was ~30 on a 2-core machine: every probe ran the checks (~40 ms: the database, the
schema's version, every watched certificate) and 24 threads of them held a centre read at ~430 ms (attacker
review, session 17). Medians per run, then the median of the runs; the last line is JSON.
"""

import argparse
import json
import multiprocessing
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from adapter.config.settings import Settings
from api.clients import Role, add_client
from bench.serving import served
from bench.signals import exit_on_sigterm
from scheduler import build_runtime


def _flood(url: str, threads: int, stop: Any, answered: Any) -> None:
    def one() -> None:
        session = requests.Session()
        while not stop.is_set():
            session.get(url, timeout=30)
            with answered.get_lock():
                answered.value += 1

    workers = [threading.Thread(target=one) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def _reads(base: str, key: str, count: int) -> float:
    """The median of `count` centre reads, one at a time, in ms."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {key}"
    took = []
    for _ in range(count):
        started = time.perf_counter()
        session.get(f"{base}/api/centre/v1/cases?limit=1", timeout=60).raise_for_status()
        took.append(time.perf_counter() - started)
    return statistics.median(took) * 1000


def _flooded(base: str, key: str, path: str, threads: int, count: int) -> tuple[float, float]:
    """The centre's median read (ms) while `threads` threads of another process ask `path`; the probes answered
    a second."""
    context = multiprocessing.get_context("spawn")
    stop, answered = context.Event(), context.Value("i", 0)
    flood = context.Process(target=_flood, args=(base + path, threads, stop, answered), daemon=True)
    flood.start()
    deadline = time.monotonic() + 60
    while answered.value < 10 * threads:  # the flood under way (a spawned interpreter takes a moment)
        if not flood.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the {path} flood did not start")
        time.sleep(0.05)
    started, before = time.perf_counter(), answered.value
    median = _reads(base, key, count)
    rate = (answered.value - before) / (time.perf_counter() - started)
    stop.set()
    flood.join(timeout=60)
    return median, rate


def one_run(settings: Settings, key: str, threads: int, count: int) -> dict[str, float]:
    with served(settings) as base:
        quiet = _reads(base, key, count)
        healthz, healthz_rate = _flooded(base, key, "/healthz", threads, count)
        readyz, readyz_rate = _flooded(base, key, "/readyz", threads, count)
    return {
        "quiet_ms": quiet,
        "healthz_flood_ms": healthz,
        "readyz_flood_ms": readyz,
        "healthz_answered_per_s": healthz_rate,
        "readyz_answered_per_s": readyz_rate,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=24, help="the flood's threads (keep-alive connections)")
    parser.add_argument("--reads", type=int, default=150, help="centre reads timed per measurement")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not (1 <= args.threads <= 200 and 10 <= args.reads <= 100_000 and 1 <= args.runs <= 20):
        parser.error("need 1 <= --threads <= 200, 10 <= --reads <= 100000 and 1 <= --runs <= 20")
    exit_on_sigterm()
    runs = []
    with tempfile.TemporaryDirectory(prefix="bench-probe-flood-") as tmp:
        settings = Settings(database_url=f"sqlite:///{Path(tmp) / 'bench.db'}")
        runtime = build_runtime(settings)
        runtime.heartbeat()  # a live worker: /readyz is ready, as in production
        key = add_client(runtime.uow, "bench-centre", Role.parse("centre"), datetime.now(UTC))
        for number in range(1, args.runs + 1):
            runtime.heartbeat()
            runs.append(one_run(settings, key, args.threads, args.reads))
            print(f"run {number}: " + "  ".join(f"{k} {v:.1f}" for k, v in runs[-1].items()), flush=True)
    summary: dict[str, Any] = {k: round(statistics.median(r[k] for r in runs), 1) for k in runs[0]}
    summary["readyz_ratio"] = round(statistics.median(r["readyz_flood_ms"] / r["healthz_flood_ms"] for r in runs), 2)
    summary.update(threads=args.threads, reads=args.reads, runs=args.runs)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
