"""Delivery throughput against one sandbox court process, all measured in the same run and printed as ratios.

    python -m bench.delivery [--messages 600] [--runs 3] [--backlog 1000000] [--sample 2000] [--audit-only]
    python -m bench.delivery --latency-ms 50 [--in-flight 16] [--messages 600] [--runs 3]
    python -m bench.delivery --soap-only [--in-flight 16] [--send-processes P]   raw REST POSTs and SOAP delivery
    python -m bench.delivery --pg-scaling-only [--messages 600] [--runs 3]   pg1_one, pg2_one and pg_scaling only
    python -m bench.delivery --profile [--profile-soap [N]] [--in-flight 16] [--messages 600] [--top 30]
                                                        where one SQLite worker's CPU goes (bench/profile.py)

raw_rps     pre-signed acceptance messages POSTed with one keep-alive requests.Session (the ceiling)
sqlite_rps  the same number of acceptances queued by the centre service, delivered by one worker process
pg1_rps     the same on PostgreSQL, one worker process      pg2_rps  two worker processes, started together
pg1_one_rps, pg2_one_rps  the same with max_in_flight = 1: each worker sends one message at a time, so it is bound
            by its own round trips (claim, send, record) and leaves the machine room for a second one
pg_scaling  pg2_one_rps ÷ pg1_one_rps: what a second worker adds instead of contending with the first (the outbox
            claim, SKIP LOCKED, lease renewals, the audit chain's lock); goal >= 1.5 on a quiet 2-core machine.
            pg_scaling_full = pg2_rps ÷ pg1_rps, at the default 16 in flight: there one worker and the court already
            fill the cores, so a second worker has little to add (at 0 ms; at court latency see pg_latency_scaling)
peer_rps    the same acceptances through procrastinate (a PostgreSQL job queue), one worker (bench/peer.py)
soap_rps    the same acceptances delivered by one worker process on SQLite to a SOAP court process, up to N
            (--in-flight, default 16: max_in_flight's default) in flight, each send on its own pool thread and
            its own keep-alive connection (adapter/outbox/flight.py), the sends made by P send processes
            (--send-processes, default the cores this run may use: the platform's send_processes,
            scheduler/send_processes.py); soap1_rps and soap1_ratio the same with the sends made by the worker
            itself (send_processes = 0), measured in turn with soap_rps. Our side, per message: claim, build the
            Submit envelope (connectors/soap_submit.py), sign it (WS-Security, RSA-2048), POST, parse the answer,
            verify the court's signature over it, read the receipt, record the result (audit chain on). The court's
            side: verify our signature, refuse a replay, apply, sign its answer (RSA-2048). With N in flight our CPU
            and the court's overlap on the machine's cores; the raw side (raw_rps) stays one-at-a-time REST POSTs.
            soap_ratio = soap_rps ÷ raw_rps (raw REST POSTs). soap_worker_cpu_us and soap_court_cpu_us: the CPU µs a
            message of the worker process (its process_time, and its send processes' from /proc) and of the court
            process (/proc/<pid>/stat) while it ran. The cores this run may use (`cpus`) divided by their sum is
            soap_ceiling_rps, the rate with every core busy and nothing else running; soap_ceiling_ratio =
            soap_ceiling_rps ÷ raw_rps is the most soap_ratio can be on this machine, where the court shares our
            cores (a real court has its own); soap_of_ceiling = soap_rps ÷ soap_ceiling_rps. soap_serial_*: the same
            with one message at a time (max_in_flight 1, no send processes): soap_concurrency_cpu = soap_cpu_us (the
            worker's and the court's CPU a message at N in flight) ÷ soap_serial_cpu_us (one at a time) is what
            concurrency costs a message on 2 shared cores (thread and process hand-offs, the court's handler
            threads); soap_serial_ceiling_ratio the ceiling ratio were it free
audit_ratio sqlite/pg1 delivery with the audit chain appending ÷ with it off ([audit] enabled = false), measured
            back to back in each run (order alternating between runs); audit_ratio_sqlite the same on SQLite.
            `--audit-only` measures just these four (what the audit log costs the delivery path, goal >= 0.9)
            `--soap-only` measures just raw_rps and soap_rps (and soap_ratio, the CPU and the ceiling above); there
            raw_rps is the mean of raw_before_rps and raw_after_rps, measured either side of the SOAP figures
--profile   instead of the runs: one worker process delivering to the REST court at N (--in-flight) in flight,
            a cProfile per thread (main and send threads) merged, in µs of CPU per message, with the CPU per
            message by thread and the court's, with and without the profiler (bench/profile.py); --profile-soap
            the same to the SOAP court (N: its top N functions; --top otherwise). --profile-out FILE keeps the
            merged stats (the SOAP ones in FILE.soap when both are profiled; each thread group's in FILE.main,
            FILE.send, FILE.other)
backlog_*   per-message time (wall; _cpu_ms the worker's CPU) and peak RSS delivering `sample` messages off a
            10k- and a `backlog`-deep outbox on SQLite (bench/backlog.py); the ratios are deep ÷ 10k
            (backlog_time_ratio wall, backlog_cpu_ratio CPU: steadier on a busy machine)
With --latency-ms MS the court answers after MS (`docking sandbox serve --latency`) and only these are measured:
raw_concurrent_rps  the pre-signed POSTs from N (--in-flight) threads, each with a keep-alive session: the ceiling
            for N messages in flight; raw_rps the same one at a time
adapter_latency_rps one worker process on SQLite with max_in_flight = N; latency_ratio = it ÷ raw_concurrent_rps
pg1_latency_rps, pg2_latency_rps  one and two worker processes on PostgreSQL; pg_latency_scaling = pg2 ÷ pg1
Ratios are taken within each run (both sides measured minutes apart on the same machine; the two sides of
pg_scaling and of the backlog ratios in turn, which goes first alternating between runs), then the median over
runs. Needs the PostgreSQL server binaries (Debian `postgresql`) and the `bench` extra. Prints a line per run, then
one JSON line.
"""

import argparse
import json
import os
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import requests

from adapter.audit.settings import AuditSettings
from adapter.config.settings import Settings
from adapter.platforms.signers import build_signer
from adapter.testing import fresh_database, postgres_server
from bench import backlog, peer
from bench.harness import Court, Timed, adapter_settings, queue_acceptances, run_workers
from bench.proc import cpu_seconds
from bench.profile import profile_delivery
from bench.signals import exit_on_sigterm
from mappings import odr_rest
from schemas.enums import CourtStatus, ProgressKind
from schemas.envelope import Envelope, ProgressBody
from schemas.progress import ProgressUpdate

SMALL_BACKLOG = 10_000
CPUS = len(os.sched_getaffinity(0))  # the cores this run may use (taskset counts), as os.cpu_count() does not
TOP = 30  # functions listed by --profile
T = TypeVar("T")


def raw_rps(court: Court, messages: int) -> float:
    url, prepared = presigned(court, messages)
    session = requests.Session()
    started = time.perf_counter()
    for body, headers in prepared:
        session.post(url, data=body, headers=headers, timeout=10).raise_for_status()
    return messages / (time.perf_counter() - started)


def raw_concurrent_rps(court: Court, messages: int, threads: int) -> float:
    """The ceiling for `threads` messages in flight: the same pre-signed POSTs from `threads` threads, each with
    its own keep-alive session, started together."""
    url, prepared = presigned(court, messages)
    shares = [prepared[i::threads] for i in range(threads)]
    go = threading.Barrier(threads + 1)
    failures: list[BaseException] = []

    def post(share: list[tuple[bytes, dict[str, str]]]) -> None:
        session = requests.Session()
        session.get(court.url + "/sandbox/none", timeout=10)  # the connection is open before the clock starts
        go.wait()
        try:
            for body, headers in share:
                session.post(url, data=body, headers=headers, timeout=10).raise_for_status()
        except BaseException as exc:
            failures.append(exc)

    workers = [threading.Thread(target=post, args=(share,)) for share in shares]
    for worker in workers:
        worker.start()
    go.wait()
    started = time.perf_counter()
    for worker in workers:
        worker.join()
    if failures:
        raise failures[0]
    return messages / (time.perf_counter() - started)


def presigned(court: Court, messages: int) -> tuple[str, list[tuple[bytes, dict[str, str]]]]:
    """`messages` acceptance messages for new court cases, encoded and signed in advance: (URL, [(body, headers)])."""
    signer = build_signer(court.signing, platform="court")
    now, url = datetime.now(UTC), f"{court.url}/api/v1/messages"
    prepared = []
    for ajbs in court.dispatch(messages):
        envelope = Envelope(
            message_id=f"RAW-{uuid.uuid4().hex}",
            platform="court",
            platform_case_id=ajbs,
            created_at=now,
            status_after=CourtStatus.ACCEPTED,
            body=ProgressBody(progress=ProgressUpdate(kind=ProgressKind.ACCEPTED, at=now)),
        )
        body = odr_rest.encode(envelope)
        headers = dict(signer.sign(body, message_id=uuid.uuid4().hex, at=now, target=f"POST {url}"))
        headers.update({"Idempotency-Key": envelope.message_id, "Content-Type": "application/json; charset=utf-8"})
        prepared.append((body, headers))
    return url, prepared


def adapter_rps(
    court: Court,
    database_url: str,
    messages: int,
    workers: int,
    work: Path,
    audit: bool = True,
    in_flight: int | None = None,
) -> float:
    """Queue `messages` acceptances through the centre service, then time `workers` processes delivering them;
    `audit` False: with the audit chain off ([audit] enabled = false); `in_flight`: the platform's max_in_flight
    (None: the setting's default)."""
    settings = adapter_settings(court, database_url, in_flight)
    settings = settings.model_copy(update={"audit": AuditSettings(enabled=audit)})
    return messages / timed_delivery(court, settings, messages, workers, work)[0].seconds


def timed_delivery(court: Court, settings: Settings, messages: int, workers: int, work: Path) -> tuple[Timed, float]:
    """adapter_rps's measurement: the workers' timing and CPU, and the court process's CPU seconds meanwhile."""
    queue_acceptances(court, settings, messages).uow.engine.dispose()
    before = cpu_seconds(court.process.pid)
    timed = run_workers(settings, workers, work)
    court_seconds = cpu_seconds(court.process.pid) - before
    assert timed.delivered == messages, f"delivered {timed.delivered} of {messages}"
    return timed, court_seconds


def soap_run(soap: Court, work: Path, messages: int, in_flight: int, processes: int, number: int) -> dict[str, float]:
    """soap_rps with the sends made by `processes` send processes (scheduler/send_processes.py), and soap1_rps with
    them made by the worker itself (send_processes = 0), in turn; for the first, what a message costs each side
    (soap_worker_cpu_us: the worker's process_time and its send processes' /proc/<pid>/stat while delivering,
    bench/worker.py; soap_court_cpu_us: the SOAP court's meanwhile), µs a message, user + system, all threads.
    soap_ceiling_rps = the cores this process may run on ÷ their sum: the rate with every core busy on nothing
    else — the most soap_rps can be at this run's CPU a message (module doc)."""
    measured = in_turn(
        number,
        soap=lambda: _soap(soap, work, messages, in_flight, processes),
        soap1=lambda: _soap(soap, work, messages, in_flight, 0),
        serial=lambda: _soap(soap, work, messages, 1, 0),
    )
    soap_rps, worker_us, court_us = measured["soap"]
    _, serial_worker_us, serial_court_us = measured["serial"]
    return {
        "soap_rps": soap_rps,
        "soap_worker_cpu_us": worker_us,
        "soap_court_cpu_us": court_us,
        "soap_cpu_us": worker_us + court_us,
        "soap_ceiling_rps": CPUS * 1e6 / (worker_us + court_us),
        "soap1_rps": measured["soap1"][0],
        "soap1_worker_cpu_us": measured["soap1"][1],
        "soap_serial_rps": measured["serial"][0],
        "soap_serial_worker_cpu_us": serial_worker_us,
        "soap_serial_court_cpu_us": serial_court_us,
        "soap_serial_cpu_us": serial_worker_us + serial_court_us,
        "soap_serial_ceiling_rps": CPUS * 1e6 / (serial_worker_us + serial_court_us),
        "send_processes": processes,
    }


def _soap(soap: Court, work: Path, messages: int, in_flight: int, processes: int) -> tuple[float, float, float]:
    """(messages a second, the worker's CPU µs a message with its send processes', the court's)."""
    settings = adapter_settings(soap, f"sqlite:///{work / f'{uuid.uuid4().hex}.db'}", in_flight)
    court = settings.platforms["court"].model_copy(update={"send_processes": processes})
    settings = settings.model_copy(update={"platforms": {"court": court}})
    timed, court_seconds = timed_delivery(soap, settings, messages, 1, work)
    return messages / timed.seconds, 1e6 * timed.cpu_seconds / messages, 1e6 * court_seconds / messages


def audit_run(court: Court, server: str, work: Path, n: int, number: int) -> dict[str, float]:
    """Delivery with the audit chain on and off, back to back (which goes first alternates between runs)."""
    measured: dict[str, float] = {}
    for audit in (True, False) if number % 2 else (False, True):
        tag = "" if audit else "_noaudit"
        sqlite = f"sqlite:///{work / f'{uuid.uuid4().hex}.db'}"
        measured[f"sqlite{tag}_rps"] = adapter_rps(court, sqlite, n, 1, work, audit)
        measured[f"pg1{tag}_rps"] = adapter_rps(court, fresh_database(server), n, 1, work, audit)
    return measured


def one_run(
    court: Court, soap: Court, server: str, work: Path, args: argparse.Namespace, number: int
) -> dict[str, float]:
    n = args.messages
    if args.audit_only:
        return audit_run(court, server, work, n, number)
    if args.pg_scaling_only:
        return in_turn(
            number,
            pg1_one_rps=lambda: adapter_rps(court, fresh_database(server), n, 1, work, in_flight=1),
            pg2_one_rps=lambda: adapter_rps(court, fresh_database(server), n, 2, work, in_flight=1),
        )
    if args.soap_only:
        # The baseline before and after the SOAP figures, their mean: one-at-a-time POSTs are bound by the round trip's
        # wake-ups, the noisiest figure on a shared host, and a slow moment at the run's start moved the ratio by ±0.2
        before = raw_rps(court, n)
        soap_figures = soap_run(soap, work, n, args.in_flight, args.send_processes, number)
        after = raw_rps(court, n)
        return {"raw_rps": (before + after) / 2, "raw_before_rps": before, "raw_after_rps": after, **soap_figures}
    depth = in_turn(
        number,
        small=lambda: backlog.measure(court, work, SMALL_BACKLOG, args.sample),
        deep=lambda: backlog.measure(court, work, args.backlog, args.sample),
    )
    small, deep = depth["small"], depth["deep"]
    return {
        "raw_rps": raw_rps(court, n),
        "sqlite_rps": adapter_rps(court, f"sqlite:///{work / f'{uuid.uuid4().hex}.db'}", n, 1, work),
        "pg1_rps": adapter_rps(court, fresh_database(server), n, 1, work),
        "pg2_rps": adapter_rps(court, fresh_database(server), n, 2, work),
        **in_turn(
            number,
            pg1_one_rps=lambda: adapter_rps(court, fresh_database(server), n, 1, work, in_flight=1),
            pg2_one_rps=lambda: adapter_rps(court, fresh_database(server), n, 2, work, in_flight=1),
        ),
        "peer_rps": peer.peer_rps(court, fresh_database(server), n, work),
        **soap_run(soap, work, n, args.in_flight, args.send_processes, number),
        **{k: v for k, v in audit_run(court, server, work, n, number).items() if "noaudit" in k},
        "backlog_small_ms": 1000 * small.seconds / small.delivered,
        "backlog_deep_ms": 1000 * deep.seconds / deep.delivered,
        "backlog_small_cpu_ms": 1000 * small.cpu_seconds / small.delivered,
        "backlog_deep_cpu_ms": 1000 * deep.cpu_seconds / deep.delivered,
        "backlog_small_rss_mib": small.peak_rss_kib / 1024,
        "backlog_deep_rss_mib": deep.peak_rss_kib / 1024,
    }


def in_turn(number: int, **measures: Callable[[], T]) -> dict[str, T]:
    """Both sides of a ratio, in the order given on odd runs and the other way round on even ones: a load that
    changes during a run (other work on the machine, the court's own state) does not always fall on one side."""
    names = list(measures) if number % 2 else list(measures)[::-1]
    return {name: measures[name]() for name in names}


def latency_run(court: Court, server: str, work: Path, args: argparse.Namespace) -> dict[str, float]:
    """At the court's latency (--latency-ms): the ceiling for N in flight, and the adapter with N in flight."""
    n, sqlite = args.messages, f"sqlite:///{work / f'{uuid.uuid4().hex}.db'}"
    return {
        "raw_rps": raw_rps(court, min(n, 200)),  # one at a time: what a worker without concurrency could reach
        "raw_concurrent_rps": raw_concurrent_rps(court, n, args.in_flight),
        "adapter_latency_rps": adapter_rps(court, sqlite, n, 1, work, in_flight=args.in_flight),
        "pg1_latency_rps": adapter_rps(court, fresh_database(server), n, 1, work, in_flight=args.in_flight),
        "pg2_latency_rps": adapter_rps(court, fresh_database(server), n, 2, work, in_flight=args.in_flight),
    }


def profiles(args: argparse.Namespace) -> None:
    """--profile and --profile-soap: each court in turn, its report printed (bench/profile.py)."""
    wanted = [t for t, on in (("rest", args.profile), ("soap", args.profile_soap)) if on]
    for transport in wanted:
        dump = args.profile_out
        if dump is not None and transport == "soap" and len(wanted) > 1:
            dump = dump.with_name(dump.name + ".soap")
        top = args.profile_soap if transport == "soap" and args.profile_soap > 0 else args.top
        with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp, Court(Path(tmp), transport) as court:
            print(profile_delivery(court, Path(tmp), args.messages, in_flight=args.in_flight, top=top, dump=dump))


RATIOS = {  # name: (numerator, denominator), each taken within a run
    "audit_ratio": ("pg1_rps", "pg1_noaudit_rps"),
    "audit_ratio_sqlite": ("sqlite_rps", "sqlite_noaudit_rps"),
    "sqlite_ratio": ("sqlite_rps", "raw_rps"),
    "pg_scaling": ("pg2_one_rps", "pg1_one_rps"),  # one in flight per worker (see the module doc)
    "pg_scaling_full": ("pg2_rps", "pg1_rps"),
    "peer_ratio": ("pg1_rps", "peer_rps"),
    "soap_ratio": ("soap_rps", "raw_rps"),
    "soap_ceiling_ratio": ("soap_ceiling_rps", "raw_rps"),  # the most soap_ratio can be on this machine
    "soap_of_ceiling": ("soap_rps", "soap_ceiling_rps"),
    "soap1_ratio": ("soap1_rps", "raw_rps"),  # the sends made by the worker itself (send_processes = 0)
    # What concurrency costs: the CPU a message at N in flight (send processes, the court's handler threads) over one
    # at a time; and the ceiling ratio were a message to cost no more than one at a time
    "soap_concurrency_cpu": ("soap_cpu_us", "soap_serial_cpu_us"),
    "soap_serial_ceiling_ratio": ("soap_serial_ceiling_rps", "raw_rps"),
    "backlog_time_ratio": ("backlog_deep_ms", "backlog_small_ms"),
    "backlog_cpu_ratio": ("backlog_deep_cpu_ms", "backlog_small_cpu_ms"),
    "backlog_rss_ratio": ("backlog_deep_rss_mib", "backlog_small_rss_mib"),
    "latency_ratio": ("adapter_latency_rps", "raw_concurrent_rps"),  # goal >= 0.8 at 50 ms with N = 16
    "pg1_latency_ratio": ("pg1_latency_rps", "raw_concurrent_rps"),
    "pg_latency_scaling": ("pg2_latency_rps", "pg1_latency_rps"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--messages", type=int, default=600, help="messages per throughput measurement")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--backlog", type=int, default=1_000_000, help="the deep backlog (the small one is 10k)")
    parser.add_argument("--sample", type=int, default=2000, help="messages timed off each backlog")
    parser.add_argument("--audit-only", action="store_true", help="only the audit chain's on/off comparison")
    parser.add_argument(
        "--latency-ms", type=float, default=0.0, help="the court's latency; > 0 measures the concurrent figures only"
    )
    parser.add_argument(
        "--in-flight", type=int, default=16, help="N: messages in flight (with --latency-ms, SOAP delivery, --profile)"
    )
    parser.add_argument("--profile", action="store_true", help="where one SQLite worker's CPU goes, per message")
    parser.add_argument("--profile-out", type=Path, help="with --profile: keep the merged cProfile stats here")
    parser.add_argument("--top", type=int, default=TOP, help="with --profile: the top N functions")
    parser.add_argument(
        "--send-processes",
        type=int,
        help="soap_rps's send_processes (default: the cores this run may use, at most --in-flight and 32);"
        " soap1_rps always has none",
    )
    parser.add_argument("--soap-only", action="store_true", help="only raw REST POSTs and SOAP delivery")
    parser.add_argument("--pg-scaling-only", action="store_true", help="only pg1_one, pg2_one (and pg_scaling)")
    parser.add_argument(
        "--profile-soap", type=int, nargs="?", const=-1, default=0, metavar="N", help="profile SOAP delivery: top N"
    )
    args = parser.parse_args()
    exit_on_sigterm()
    if not (0 <= args.latency_ms <= 60_000 and 1 <= args.in_flight <= 64):
        parser.error("need 0 <= --latency-ms <= 60000 and 1 <= --in-flight <= 64")
    if args.send_processes is None:
        args.send_processes = min(CPUS, args.in_flight, 32)
    if not 0 <= args.send_processes <= min(args.in_flight, 32):
        parser.error("need 0 <= --send-processes <= --in-flight and <= 32 (the setting's bounds)")
    if not args.sample < SMALL_BACKLOG <= args.backlog:
        parser.error(f"need --sample < {SMALL_BACKLOG} <= --backlog")
    if args.messages < 1 or args.top < 1 or args.profile_soap < -1:
        parser.error("need --messages >= 1, --top >= 1 and --profile-soap N >= 1")
    if args.profile or args.profile_soap:
        profiles(args)
        return
    runs: list[dict[str, float]] = []
    with (
        tempfile.TemporaryDirectory(prefix="bench-delivery-") as tmp,
        postgres_server() as server,
        Court(Path(tmp), latency_ms=args.latency_ms) as court,
        Court(Path(tmp), "soap", args.latency_ms) as soap,
    ):
        for number in range(1, args.runs + 1):
            if args.latency_ms:
                runs.append(latency_run(court, server, Path(tmp), args))
            else:
                runs.append(one_run(court, soap, server, Path(tmp), args, number))
            print(f"run {number}: " + "  ".join(f"{k} {v:.2f}" for k, v in runs[-1].items()), flush=True)
    summary: dict[str, float | int] = {k: round(statistics.median(r[k] for r in runs), 2) for k in runs[0]}
    for name, (top, bottom) in RATIOS.items():
        if top not in runs[0] or bottom not in runs[0]:
            continue
        summary[name] = round(statistics.median(r[top] / r[bottom] for r in runs), 3)
    summary.update(
        load_average=round(os.getloadavg()[0], 2),
        latency_ms=args.latency_ms,
        in_flight=args.in_flight,
        cpus=CPUS,
        messages=args.messages,
        runs=args.runs,
        backlog=args.backlog,
        sample=args.sample,
    )
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
