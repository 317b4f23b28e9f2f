"""Intake throughput: a sandbox court process publishes signed dispatches; the adapter polls its feed to rest.

    python -m bench.intake [--items 10000] [--runs 3] [--no-pg] [--no-check-process] [--profile]

intake_per_s      dispatches polled to rest by the adapter (`Runtime.poll_platform` until nothing new arrives):
                  fetch, verify, decode, validate, seal (personal data under a data key), persist, inbox dedupe,
                  audit chain — on a fresh SQLite file (`sqlite_*`) and a fresh PostgreSQL database (`pg_*`). Per
                  page, one transaction: per item its case, history line, inbox row (raw bytes sealed, signature
                  headers), centre event and two chain entries (adapter/inbox/page.py, page_rows.py). With the
                  court's `check_process` on (scheduler/check_process.py): each page verified and decoded in a
                  child process while the worker writes the page before; started before the clock
intake1_per_s     the same without a check process: the worker examines each page itself (the default setting)
raw_per_s         the baseline of #21, "verify the same signatures + insert the same rows with plain SQL"
                  (bench/intake_raw.py raw_pass): the same pages fetched with the same connector, the same
                  signatures verified by the same verifier, and per item the same six rows into the adapter's own
                  tables (made by its migrations before timing), their values built by plain code from the item's
                  JSON (nothing decoded into the model, validated, sealed or chained), inserted with plain SQL
                  (an executemany a table on SQLite, a COPY a table on PostgreSQL, as the adapter's), one
                  transaction per page
*_cpu_us          CPU µs per item of the process for the timed pass: `intake_cpu_us` the adapter's (its check
                  process's included: `intake_check_cpu_us` that alone), `intake1_cpu_us`, `raw_cpu_us`,
                  `raw1_cpu_us`; `*_cpu_ratio` raw ÷ adapter (the ratio in CPU, which a busy machine disturbs less)
raw_*_us          and per step (the pass's thread): fetch (the connector's HTTP), verify, build (the rows' values),
                  insert (the page's transaction)
raw1_per_s        the floor measured before: the same fetch and verify, but one row per item (message id, case id,
                  body) into a table of its own (bench/intake_raw.py one_row_pass); raw1_*_us its CPU by step
*_ratio           intake_per_s ÷ raw_per_s of the same database, within each run (goal >= 0.5); the raw pass runs
                  in one process, the adapter with a check process in two (`*_ratio1`: intake1_per_s ÷ raw_per_s)
*_ratio_one_row   intake_per_s ÷ raw1_per_s (the ratio as measured before)
*_rss_mib         peak RSS of the process doing it (each measurement runs in its own process)
--profile         one more adapter pass on SQLite under cProfile: the top cumulative functions of the intake path

The court publishes `--items` dispatches once; every measurement reads the whole feed into a fresh database.
Medians over `--runs`; a line per run, then one JSON line.
"""

import argparse
import base64
import cProfile
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

from adapter.config.settings import DataKeySettings, EncryptionSettings, Settings
from adapter.persistence.vault import new_key
from bench.harness import Court, adapter_settings
from bench.intake_raw import Parts, one_row_pass, raw_pass
from bench.proc import cpu_seconds
from bench.signals import exit_on_sigterm


def settings_for(court: Court, database_url: str, work: Path, check_process: bool = False) -> Settings:
    key_file = work / "bench.key"  # a file, so the settings can be handed to a child process as JSON
    if not key_file.exists():
        key_file.write_text(base64.b64encode(new_key("bench", "aes-256-gcm").key).decode(), encoding="ascii")
    encryption = EncryptionSettings(active="bench", keys={"bench": DataKeySettings(key_file=key_file)})
    settings = adapter_settings(court, database_url).model_copy(update={"encryption": encryption})
    if check_process:  # the court's pages examined in a check process while the one before is written
        court_settings = settings.platforms["court"].model_copy(update={"check_process": True})
        settings = settings.model_copy(update={"platforms": {**settings.platforms, "court": court_settings}})
    return settings


def _peak_rss_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))


def adapter_pass(settings: Settings, parts: Parts | None = None) -> tuple[float, int]:
    """Poll the court's feeds to rest; (seconds, messages applied). `parts`: its CPU (`cpu`, the check process's
    included) added to, and the check process's alone (`check`)."""
    from scheduler import build_runtime
    from scheduler.check_process import CheckProcess
    from scheduler.process import settle

    runtime = build_runtime(settings)
    checks = runtime.platforms["court"].checks
    child = None
    if isinstance(checks, CheckProcess):
        checks.start()  # before the clock, as a worker's first poll starts it long before a catch-up
        child = checks.pid()
    settle()  # as `docking run` does before its jobs start: full collections do not walk the start-up heap
    child_cpu = cpu_seconds(child) if child else 0.0
    started, cpu = time.perf_counter(), time.process_time()
    while True:  # a fresh database reads the whole feed: poll until nothing new arrives
        before = runtime.metrics.get("inbound_applied")
        runtime.poll_platform("court")
        if runtime.metrics.get("inbound_applied") == before:
            break
    seconds = time.perf_counter() - started
    if parts is not None:
        checking = cpu_seconds(child) - child_cpu if child else 0.0
        parts.cpu += time.process_time() - cpu + checking
        parts.check += checking
    applied = int(runtime.metrics.get("inbound_applied"))
    runtime.uow.engine.dispose()
    return seconds, applied


def child(kind: str, settings_json: str) -> None:
    settings = Settings.model_validate_json(settings_json)
    parts = Parts()
    passes = {"adapter": adapter_pass, "adapter1": adapter_pass, "raw": raw_pass, "raw1": one_row_pass}
    seconds, count = passes[kind](settings, parts)
    parts.items = parts.items or count  # the adapter's CPU per item applied
    report = {"seconds": seconds, "count": count, "peak_rss_kib": _peak_rss_kib(), "parts": parts.per_item_us()}
    print(json.dumps(report))


def measure(kind: str, settings: Settings, items: int) -> tuple[float, float, dict[str, float]]:
    """(items per second, peak RSS MiB, CPU µs per item by step of a raw pass) of one pass in its own process."""
    command = [sys.executable, "-m", "bench.intake", "--child", kind, settings.model_dump_json()]
    done = subprocess.run(command, capture_output=True, text=True, timeout=1800)
    if done.returncode:
        raise RuntimeError(f"the {kind} pass failed:\n{done.stderr[-3000:]}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["count"] == items, f"{kind}: {report['count']} of {items} items reached the database"
    return items / report["seconds"], report["peak_rss_kib"] / 1024, report["parts"]


def one_run(court: Court, work: Path, server: str | None, items: int, checks: bool = True) -> dict[str, float]:
    measured: dict[str, float] = {}
    databases = {"sqlite": lambda: f"sqlite:///{work / f'{uuid.uuid4().hex}.db'}"}
    if server is not None:
        from adapter.testing.postgres import fresh_database

        databases["pg"] = lambda: fresh_database(server)
    for name, fresh in databases.items():
        raw, raw_rss, parts = measure("raw", settings_for(court, fresh(), work), items)
        raw1, _, parts1 = measure("raw1", settings_for(court, fresh(), work), items)
        adapter1, _, adapter1_parts = measure("adapter1", settings_for(court, fresh(), work), items)
        adapter, adapter_rss, adapter_parts = measure("adapter", settings_for(court, fresh(), work, checks), items)
        measured |= {
            f"{name}_raw_per_s": raw,
            f"{name}_raw1_per_s": raw1,
            f"{name}_intake_per_s": adapter,
            f"{name}_intake1_per_s": adapter1,
            f"{name}_ratio1": adapter1 / raw,
            f"{name}_ratio": adapter / raw,
            f"{name}_ratio_one_row": adapter / raw1,
            f"{name}_intake_cpu_us": adapter_parts["cpu"],
            f"{name}_intake_check_cpu_us": adapter_parts.get("check", 0.0),
            f"{name}_intake1_cpu_us": adapter1_parts["cpu"],
            f"{name}_cpu_ratio": parts["cpu"] / adapter_parts["cpu"],
            f"{name}_rss_mib": adapter_rss,
            f"{name}_raw_rss_mib": raw_rss,
        }
        measured |= {f"{name}_raw_{step}_us": us for step, us in parts.items()}
        measured |= {f"{name}_raw1_{step}_us": us for step, us in parts1.items()}
    return measured


def profile(court: Court, work: Path, top: int) -> None:
    settings = settings_for(court, f"sqlite:///{work / 'profile.db'}", work)
    profiler = cProfile.Profile()
    profiler.enable()
    adapter_pass(settings)
    profiler.disable()
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000, help="dispatches on the court's feed")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument(
        "--no-check-process", action="store_true", help="intake_per_s without a check process too (as intake1)"
    )
    parser.add_argument("--profile", action="store_true", help="print the intake path's top functions too")
    parser.add_argument("--top", type=int, default=35, help="how many functions --profile prints")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "SETTINGS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    exit_on_sigterm()
    if args.child:
        child(*args.child)
        return
    if args.items < 1 or args.runs < 1:
        parser.error("--items and --runs must be at least 1")
    runs: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="bench-intake-") as tmp, ExitStack() as stack:
        server = None
        if not args.no_pg:
            from adapter.testing.postgres import postgres_server

            server = stack.enter_context(postgres_server())
        court = stack.enter_context(Court(Path(tmp)))
        for start in range(0, args.items, 1000):
            court.dispatch(min(1000, args.items - start))
        for number in range(1, args.runs + 1):
            runs.append(one_run(court, Path(tmp), server, args.items, not args.no_check_process))
            print(f"run {number}: " + "  ".join(f"{k} {v:.2f}" for k, v in runs[-1].items()), flush=True)
        if args.profile:
            profile(court, Path(tmp), args.top)
    summary: dict[str, float | int] = {k: round(statistics.median(r[k] for r in runs), 2) for k in runs[0]}
    summary |= {"items": args.items, "runs": args.runs, "cpus": os.cpu_count() or 0}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
