"""Reconciling a million cases: wall time and peak RSS of one full, report-only run, beside a raw SQL baseline.

    python -m bench.reconcile [--cases 1000000] [--per-kind 200] [--runs 3]

The adapter's database (SQLite, the production schema) holds `cases` court cases; a second SQLite file holds the
court's view of the same cases with `per-kind` differences of each kind injected (missing at the platform,
missing here, behind by delivered messages, ahead by a ruling, otherwise mismatched), and as many in-flight cases
that differ but must not count. Each run starts two fresh processes, one after the other, so peak RSS is theirs
alone:
  reconcile  `adapter.reconcile.reconcile` (scope full, no repair) against an in-process fake platform that
             answers status queries and its case list from the court file (loaded before the clock starts)
  baseline   the same comparison as one streamed SQL query over both files (ATTACH, LEFT JOIN + NOT EXISTS,
             fetchmany), with plain sqlite3: the floor for reading both sides once (bench/baseline.py)
Goal (#21): ≤ 2× the baseline's seconds and ≤ 150 MiB for 1M cases. Both also report their process CPU time:
`cpu_ratio` (reconcile ÷ baseline CPU seconds) moves less than the wall-clock ratio on a busy machine. The reconcile
side's time includes the fake platform's answers (the baseline reads the court's file in SQL instead), so the
platform's own CPU time is measured inside its calls and reported apart: `platform_cpu_seconds`, and
`adapter_cpu_ratio` = (reconcile − platform CPU seconds) ÷ baseline CPU seconds. Prints a line per run, a table of
medians, then one JSON line.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from adapter.persistence.engine import UnitOfWork, create_schema, make_engine
from adapter.states import CaseStatus, court_view
from bench.reconcile_data import PLATFORM, STATUSES, BenchPlatform, build
from bench.signals import exit_on_sigterm

# ---- the two measured processes


def peak_rss_kib() -> int:
    """This process's peak RSS. VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across fork and
    exec, which would charge the parent's memory to the child."""
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))


def child_reconcile(work: Path, cases: int) -> dict[str, Any]:
    # Imported by the measured child alone (`--child reconcile`): the parent, which builds the data and times the
    # baseline, never needs the reconciler.
    from adapter.platforms.registry import PlatformLink
    from adapter.reconcile import Scope, reconcile
    from signing.jws import JwsVerifier

    engine = make_engine(f"sqlite:///{work / 'adapter.db'}", must_exist=True)
    create_schema(engine)
    court = BenchPlatform(work / "court.db", cases)
    platforms = {PLATFORM: PlatformLink(court, JwsVerifier({}))}
    started, cpu = time.perf_counter(), time.process_time()
    report = reconcile(UnitOfWork(engine), platforms, scope=Scope.FULL, actor="bench")
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    by_kind: dict[str, int] = {}
    for difference in report.differences:
        by_kind[difference.kind.value] = by_kind.get(difference.kind.value, 0) + 1
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "platform_cpu_seconds": court.cpu_seconds,
        "peak_rss_kib": peak_rss_kib(),
        "checked": report.checked,
        "in_flight": report.in_flight,
        "listed": report.listed,
        "differences": len(report.differences),
        "by_kind": by_kind,
    }


def measure(work: Path, cases: int, what: str) -> dict[str, Any]:
    """One fresh process doing one measurement; its last stdout line is the result."""
    if what == "baseline":
        view = json.dumps({s.value: STATUSES.index(court_view(s)) + 1 for s in CaseStatus})
        command = [sys.executable, "-m", "bench.baseline", str(work), PLATFORM, view]
    else:
        command = [sys.executable, "-m", "bench.reconcile", "--child", what, "--work", str(work), "--cases", str(cases)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=1800, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the {what} process failed:\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--per-kind", type=int, default=200, help="differences injected of each kind")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child", choices=["reconcile"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    exit_on_sigterm()
    if args.child:
        print(json.dumps(child_reconcile(args.work, args.cases)))
        return
    with tempfile.TemporaryDirectory(prefix="bench-reconcile-") as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        injected = build(work, args.cases, args.per_kind)
        print(f"built {args.cases} cases, {sum(injected.values())} differences injected in "
              f"{time.perf_counter() - started:.1f} s", flush=True)  # fmt: skip
        runs = []
        for number in range(1, args.runs + 1):
            ours, base = measure(work, args.cases, "reconcile"), measure(work, args.cases, "baseline")
            if ours["by_kind"] != injected or base["found"] != sum(injected.values()):
                raise SystemExit(
                    f"run {number}: found {ours['by_kind']} (baseline {base['found']}), injected {injected}"
                )
            runs.append((ours, base))
            print(
                f"run {number}: reconcile {ours['seconds']:.2f} s, {ours['peak_rss_kib'] / 1024:.0f} MiB peak; "
                f"baseline {base['seconds']:.2f} s, {base['peak_rss_kib'] / 1024:.0f} MiB; "
                f"CPU {ours['cpu_seconds']:.2f} s ({ours['platform_cpu_seconds']:.2f} s in the platform) / "
                f"{base['cpu_seconds']:.2f} s; "
                f"{ours['checked']} checked, {ours['in_flight']} in flight, {ours['listed']} listed",
                flush=True,
            )
    seconds = statistics.median(o["seconds"] for o, _ in runs)
    rss = statistics.median(o["peak_rss_kib"] for o, _ in runs) / 1024
    baseline = statistics.median(b["seconds"] for _, b in runs)
    baseline_rss = statistics.median(b["peak_rss_kib"] for _, b in runs) / 1024
    ratio = statistics.median(o["seconds"] / b["seconds"] for o, b in runs)
    print(f"{'':18}{'seconds':>10}{'peak MiB':>10}")
    print(f"{'reconcile':18}{seconds:>10.2f}{rss:>10.0f}")
    print(f"{'SQL baseline':18}{baseline:>10.2f}{baseline_rss:>10.0f}")
    print(f"ratio {ratio:.2f} × baseline; goal ≤ 2 × baseline and ≤ 150 MiB for 1M cases")
    summary = {
        "cases": args.cases,
        "seconds": round(seconds, 2),
        "peak_rss_mib": round(rss, 1),
        "baseline_seconds": round(baseline, 2),
        "baseline_peak_rss_mib": round(baseline_rss, 1),
        "ratio": round(ratio, 2),
        "cpu_ratio": round(statistics.median(o["cpu_seconds"] / b["cpu_seconds"] for o, b in runs), 2),
        "platform_cpu_seconds": round(statistics.median(o["platform_cpu_seconds"] for o, _ in runs), 2),
        "adapter_cpu_ratio": round(
            statistics.median((o["cpu_seconds"] - o["platform_cpu_seconds"]) / b["cpu_seconds"] for o, b in runs), 2
        ),
        "differences_found": runs[-1][0]["differences"],
        "differences_injected": sum(injected.values()),
        "by_kind": runs[-1][0]["by_kind"],
        "runs": args.runs,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
