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
             fetchmany), with plain sqlite3: the floor for reading both sides once
Goal: ≤ 10 s and ≤ 300 MiB for 1M cases. Prints a line per run, a table of medians, then one JSON line.
"""

import argparse
import json
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from adapter.persistence.engine import UnitOfWork, create_schema, make_engine
from adapter.persistence.tables import OutboxStatus
from adapter.reconcile.cases import CASES, OUTBOX
from adapter.states import CaseStatus, court_view
from connectors.port import CasePage, Feed, FeedPage, ListedCase, RawInbound, Receipt
from schemas.enums import CourtStatus, ProgressKind
from schemas.envelope import Envelope, ProgressBody
from schemas.progress import ProgressUpdate

PLATFORM = "bench"
KINDS = ("missing_at_platform", "missing_here", "behind", "ahead", "state_mismatch")
STATUSES = tuple(CourtStatus)  # the court file stores 1 + an index into this (0: the court does not know the case)
KNOWN: tuple[CourtStatus | None, ...] = (None, *STATUSES)
# The spread of our cases over their states: mostly at rest, as in a centre a few years in.
MIX = [
    CaseStatus.JC_CONFIRMED,
    CaseStatus.RETURNED_TO_COURT,
    CaseStatus.MEDIATION_DOC_ISSUED,
    CaseStatus.CLOSED_PERFORMED,
    CaseStatus.DECLINED,
    CaseStatus.IN_MEDIATION,
    CaseStatus.PENDING_ACCEPTANCE,
    CaseStatus.ACCEPTED,
]
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def case_id(n: int) -> str:
    return f"MC-{n:09d}"


def ajbs(n: int) -> str:
    return f"B{n:09d}"


# ---- building the data (not timed)


def build(work: Path, cases: int, per_kind: int) -> dict[str, int]:
    """Our database and the court's file; returns the differences injected, by kind."""
    ours = work / "adapter.persistence.engine"
    engine = make_engine(f"sqlite:///{ours}")
    create_schema(engine)
    special = {kind: range(1 + i * per_kind, 1 + (i + 1) * per_kind) for i, kind in enumerate(KINDS)}
    in_flight = range(1 + len(KINDS) * per_kind, 1 + (len(KINDS) + 1) * per_kind)
    if in_flight.stop > cases:
        raise SystemExit(f"--cases {cases} is too few for --per-kind {per_kind}")
    ours_status = {n: CaseStatus.IN_MEDIATION for n in (*special["behind"], *special["state_mismatch"])}
    ours_status.update({n: CaseStatus.JC_APPLIED for n in special["ahead"]})
    ours_status.update({n: CaseStatus.ACCEPTED for n in in_flight})

    def status_of(n: int) -> CaseStatus:
        return ours_status.get(n) or MIX[n % len(MIX)]

    with engine.begin() as connection:
        for chunk in _chunks(range(1, cases + 1), 50_000):
            connection.execute(insert(CASES), [_case_row(n, status_of(n)) for n in chunk])
        messages = [
            *(_message(n, 1, CourtStatus.ACCEPTED, OutboxStatus.DELIVERED) for n in special["behind"]),
            *(_message(n, 2, CourtStatus.MEDIATING, OutboxStatus.DELIVERED) for n in special["behind"]),
            *(_message(n, 1, CourtStatus.ACCEPTED, OutboxStatus.PENDING) for n in in_flight),
        ]
        connection.execute(insert(OUTBOX), messages)
    engine.dispose()

    theirs: dict[int, CourtStatus | None] = {n: CourtStatus.ACCEPTED for n in special["behind"]}
    theirs.update({n: None for n in special["missing_at_platform"]})
    theirs.update({n: CourtStatus.JC_CONFIRMED for n in special["ahead"]})
    theirs.update({n: CourtStatus.DECLINED for n in special["state_mismatch"]})
    theirs.update({n: CourtStatus.PENDING for n in in_flight})  # our acceptance has not reached it yet

    def court_rows() -> Iterator[tuple[str, int]]:
        for n in range(1, cases + 1):
            status = theirs[n] if n in theirs else court_view(status_of(n))
            if status is not None:
                yield ajbs(n), STATUSES.index(status) + 1
        for n in range(cases + 1, cases + 1 + per_kind):  # dispatched, never received: missing here
            yield ajbs(n), STATUSES.index(CourtStatus.PENDING) + 1

    with sqlite3.connect(work / "court.db") as court:
        court.execute("CREATE TABLE court_cases (ajbs TEXT PRIMARY KEY, status INTEGER NOT NULL) WITHOUT ROWID")
        court.executemany("INSERT INTO court_cases VALUES (?, ?)", court_rows())
    return {kind: per_kind for kind in KINDS}


def _case_row(n: int, status: CaseStatus) -> dict[str, Any]:
    return {
        "id": case_id(n),
        "platform": PLATFORM,
        "platform_case_id": ajbs(n),
        "case_number": None,
        "flow": "delegated",
        "procedure": "ordinary",
        "cause": "信用卡纠纷",
        "amount": "35000.50",
        "status": status.value,
        "mediator": None,
        "dispatch_json": "{}",  # never read by reconciliation: the bench keeps the file small
        "agreement_json": None,
        "agreement_effective_at": None,
        "created_at": T0,
        "updated_at": T0,
    }


def _message(n: int, seq: int, status_after: CourtStatus, status: OutboxStatus) -> dict[str, Any]:
    at = T0 + timedelta(minutes=seq)
    kind = ProgressKind.ACCEPTED if seq == 1 else ProgressKind.MEDIATOR_ASSIGNED
    envelope = Envelope(
        message_id=f"M-{n}-{seq}",
        platform=PLATFORM,
        platform_case_id=ajbs(n),
        created_at=at,
        body=ProgressBody(progress=ProgressUpdate(kind=kind, at=at, mediator="陈调解员" if seq == 2 else None)),
        status_after=status_after,
    )
    return {
        "message_id": envelope.message_id,
        "case_id": case_id(n),
        "platform": PLATFORM,
        "type": envelope.type.value,
        "envelope_json": envelope.model_dump_json(),
        "seq": seq,
        "status": status,
        "attempts": 1 if status == OutboxStatus.DELIVERED else 0,
        "next_attempt_at": at,
        "claimed_by": None,
        "claimed_until": None,
        "last_error": None,
        "created_at": at,
        "queued_at": at,
        "delivered_at": at if status == OutboxStatus.DELIVERED else None,
    }


def _chunks(numbers: range, size: int) -> Iterator[range]:
    for start in range(numbers.start, numbers.stop, size):
        yield range(start, min(start + size, numbers.stop))


# ---- the platform the reconcile process talks to


class BenchPlatform:
    """The court's view, read from its file into one byte per case before the clock starts: status queries and the
    case list cost what a fast platform would, so the time measured is the adapter's."""

    name, transport = PLATFORM, "fake"

    def __init__(self, court_file: Path, cases: int) -> None:
        self._status = bytearray(cases + 1)
        self._extra: list[tuple[str, int]] = []
        with sqlite3.connect(court_file) as court:
            for key, status in court.execute("SELECT ajbs, status FROM court_cases"):
                n = int(key[1:])
                if n <= cases:
                    self._status[n] = status
                else:
                    self._extra.append((key, status))

    def query_status(self, platform_case_ids: Sequence[str]) -> dict[str, CourtStatus | None]:
        status, known = self._status, KNOWN
        return {i: known[status[int(i[1:])]] for i in platform_case_ids}

    def list_cases(self, cursor: str, limit: int) -> CasePage:
        start, status, listed = int(cursor or 0), self._status, STATUSES
        stop = min(start + limit, len(status))
        page = [ListedCase(ajbs(n), listed[status[n] - 1]) for n in range(start, stop) if status[n]]
        if stop < len(status):
            return CasePage(page, str(stop))
        return CasePage(page + [ListedCase(key, listed[s - 1]) for key, s in self._extra], "")

    def fetch_case(self, platform_case_id: str) -> Sequence[RawInbound]:
        # Reconcile asks when a case we lack was published (in flight or missing): this court's feed is gone,
        # so it has nothing to show and the case stays a difference.
        return []

    def fetch(self, feed: Feed, cursor: str, limit: int) -> FeedPage:
        raise NotImplementedError

    def decode(self, item: RawInbound) -> Envelope:
        raise NotImplementedError

    def send(self, envelope: Envelope) -> Receipt:
        raise NotImplementedError


# ---- the two measured processes


def peak_rss_kib() -> int:
    """This process's peak RSS. VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across fork and
    exec, which would charge the parent's memory to the child."""
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))


def child_reconcile(work: Path, cases: int) -> dict[str, Any]:
    from adapter.platforms.registry import PlatformLink
    from adapter.reconcile import Scope, reconcile
    from signing.jws import JwsVerifier

    engine = make_engine(f"sqlite:///{work / 'adapter.persistence.engine'}", must_exist=True)
    create_schema(engine)
    platforms = {PLATFORM: PlatformLink(BenchPlatform(work / "court.db", cases), JwsVerifier({}))}
    started = time.perf_counter()
    report = reconcile(UnitOfWork(engine), platforms, scope=Scope.FULL, actor="bench")
    seconds = time.perf_counter() - started
    by_kind: dict[str, int] = {}
    for difference in report.differences:
        by_kind[difference.kind.value] = by_kind.get(difference.kind.value, 0) + 1
    return {
        "seconds": seconds,
        "peak_rss_kib": peak_rss_kib(),
        "checked": report.checked,
        "in_flight": report.in_flight,
        "listed": report.listed,
        "differences": len(report.differences),
        "by_kind": by_kind,
    }


BASELINE_SQL = """
SELECT c.id, k.status FROM main.cases AS c
JOIN temp.court_view AS v ON v.status = c.status
LEFT JOIN court.court_cases AS k ON k.ajbs = c.platform_case_id
WHERE c.platform = :platform
  AND NOT EXISTS (SELECT 1 FROM main.outbox AS o WHERE o.case_id = c.id AND o.status = 'pending')
  AND (k.status IS NULL OR k.status <> v.court)
UNION ALL
SELECT NULL, k.status FROM court.court_cases AS k
WHERE NOT EXISTS (SELECT 1 FROM main.cases AS c WHERE c.platform = :platform AND c.platform_case_id = k.ajbs)
"""

# The baseline runs in a process that imports nothing of ours (plain sqlite3): its time and RSS are the floor.
BASELINE = """
import json, sqlite3, sys, time
work, platform, view, query = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4]
started = time.perf_counter()
connection = sqlite3.connect(work + "/adapter.db")
connection.execute("ATTACH DATABASE ? AS court", (work + "/court.db",))
connection.execute("CREATE TEMP TABLE court_view (status TEXT PRIMARY KEY, court INTEGER NOT NULL)")
connection.executemany("INSERT INTO temp.court_view VALUES (?, ?)", view.items())
cursor, found = connection.execute(query, {"platform": platform}), 0
while rows := cursor.fetchmany(1000):
    found += len(rows)
seconds = time.perf_counter() - started
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"seconds": seconds, "peak_rss_kib": peak, "found": found}))
"""


def measure(work: Path, cases: int, what: str) -> dict[str, Any]:
    """One fresh process doing one measurement; its last stdout line is the result."""
    if what == "baseline":
        view = json.dumps({s.value: STATUSES.index(court_view(s)) + 1 for s in CaseStatus})
        command = [sys.executable, "-c", BASELINE, str(work), PLATFORM, view, BASELINE_SQL]
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
    print(f"ratio {ratio:.2f} × baseline; goal ≤ 10 s and ≤ 300 MiB for 1M cases")
    summary = {
        "cases": args.cases,
        "seconds": round(seconds, 2),
        "peak_rss_mib": round(rss, 1),
        "baseline_seconds": round(baseline, 2),
        "baseline_peak_rss_mib": round(baseline_rss, 1),
        "ratio": round(ratio, 2),
        "differences_found": runs[-1][0]["differences"],
        "differences_injected": sum(injected.values()),
        "by_kind": runs[-1][0]["by_kind"],
        "runs": args.runs,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
