"""Where one delivery worker's CPU goes, per message: `python -m bench.delivery --profile` (REST) and
`--profile-soap` (SOAP), at `--in-flight` messages in flight (default 16, max_in_flight's default).

Queues N acceptances on SQLite (the audit chain on, as deployed) and delivers them with one worker process
(bench/worker.py) three times: without the profiler, with it, without it again. The profiled pass gives every
thread its own cProfile timed by that thread's CPU (bench/thread_profile.py) — the main thread (claim, record, the
loop) and each send-pool thread (adapter/outbox/senders.py: sign, POST, read the answer) — merged; the unprofiled
passes give the same run's CPU without the profiler's overhead. Printed, in µs of CPU per delivered message: the
worker's CPU by thread (main, send threads, other) and the court process's (/proc/<pid>/stat), with and without
the profiler; the delivery path's steps (cumulative, by thread); the top functions by cumulative and by own time
(all threads merged). cProfile's overhead is per Python call, so it inflates call-heavy code more than C-heavy
code (RSA, SQLite): read the functions as shares of the profiled total; take the totals from the unprofiled passes.
Ends with one JSON line of the per-message figures.
"""

import json
import os
import pstats
import statistics
import uuid
from pathlib import Path
from typing import Any

from bench.harness import Court, adapter_settings, queue_acceptances, run_workers
from bench.proc import cpu_seconds

# (label, file suffix, function name): the delivery path's steps, outermost first; absent ones are not printed.
STEPS = (
    ("deliver_due (the main thread's loop)", "adapter/outbox/delivery.py", "deliver_due"),
    ("  claim", "adapter/outbox/claim.py", "claim_in"),  # in the transaction of the record before it (flight.py)
    ("    open + attach the envelope", "adapter/outbox/attachments.py", "attach"),
    ("  record", "adapter/outbox/record.py", "record_in"),  # alone, or with the next claim (flight.py)
    ("    audit entry content", "adapter/outbox/record.py", "_audit"),
    ("    commit (all)", "sqlalchemy/orm/session.py", "commit"),
    ("    audit: before-commit write", "adapter/audit/append.py", "_before_commit"),
    ("    audit: after-flush scan", "adapter/audit/append.py", "_after_flush"),
    ("Senders._run (a send thread's work)", "adapter/outbox/senders.py", "_run"),
    ("  deliver_one", "adapter/outbox/send.py", "deliver_one"),
    ("    Envelope.model_validate_json", "pydantic/main.py", "model_validate_json"),
    ("    REST connector send", "connectors/odr_rest.py", "send"),
    ("    SOAP connector send", "connectors/court_soap.py", "send"),
    ("      encode", "mappings/framing.py", "encode"),
    ("      JWS sign", "adapter/keys/keyring_signer.py", "sign"),
    ("      WS-Security sign", "connectors/court_soap.py", "apply"),
    ("      HTTP (REST: rest_exchange.send)", "connectors/rest_exchange.py", "send"),
    ("        read the answer (direct)", "connectors/direct_post.py", "_read"),
    ("      the answer's JSON (REST)", "connectors/rest_client.py", "_json_object"),
    ("      HTTP (requests; a session direct_post cannot route)", "requests/sessions.py", "request"),
    ("      HTTP (zeep transport)", "zeep/transports.py", "post_xml"),
    ("      HTTP (direct POST; under zeep's for SOAP)", "connectors/direct_post.py", "post"),
    ("      read the answer", "connectors/http.py", "read_capped"),
    ("      read the Submit answer (SOAP)", "connectors/soap_reply.py", "process_reply"),
    ("      zeep process_reply (an answer soap_reply leaves to zeep)", "zeep/wsdl/bindings/soap.py", "process_reply"),
    ("        WS-Security verify", "connectors/court_soap.py", "verify"),
    ("logging (all threads)", "logging/__init__.py", "_log"),
)
GROUPS = ("main", "send", "other")


def one_pass(court: Court, work: Path, messages: int, in_flight: int, dump: Path, profiled: bool) -> dict[str, float]:
    """One worker delivering `messages` fresh acceptances: its CPU totals (bench/thread_profile.py ThreadCpu) and
    the court's CPU meanwhile, in seconds; the profiled pass's stats are in `dump` (and `dump`.main, .send, .other)."""
    settings = adapter_settings(court, f"sqlite:///{work / f'{uuid.uuid4().hex}.db'}", in_flight=in_flight)
    queue_acceptances(court, settings, messages).uow.engine.dispose()
    before = cpu_seconds(court.process.pid)
    timed = run_workers(settings, 1, work, profile=dump, cpu_only=not profiled)
    totals: dict[str, float] = json.loads(Path(f"{dump}.json").read_text())
    assert timed.delivered == messages, f"delivered {timed.delivered} of {messages}"
    return {**totals, "court": cpu_seconds(court.process.pid) - before, "delivered": timed.delivered}


def profile_delivery(
    court: Court, work: Path, messages: int, *, in_flight: int = 16, top: int = 30, dump: Path | None = None
) -> str:
    """The report for one worker delivering `messages` acceptances on SQLite to `court` (REST or SOAP) with
    `in_flight` in flight; the profiled pass's merged stats are kept in `dump` when given (for pstats, e.g.
    print_callers), with each thread group's beside it (`dump`.main, .send, .other)."""
    dump = dump or work / f"profile-{uuid.uuid4().hex}.prof"
    plain = [one_pass(court, work, messages, in_flight, work / f"cpu-{uuid.uuid4().hex}", False)]
    profiled = one_pass(court, work, messages, in_flight, dump, True)
    plain.append(one_pass(court, work, messages, in_flight, work / f"cpu-{uuid.uuid4().hex}", False))
    per = {k: 1e6 * statistics.mean(p[k] / p["delivered"] for p in plain) for k in ("process", "main", "send")}
    per.update(other=statistics.mean(1e6 * p["other"] / p["delivered"] for p in plain))
    per.update(court=statistics.mean(1e6 * p["court"] / p["delivered"] for p in plain))
    hot = {k: 1e6 * profiled[k] / messages for k in ("process", "main", "send", "other", "court")}
    overhead = hot["process"] / per["process"]
    transport = "SOAP" if court.wsse is not None else "REST"
    lines = [
        f"{transport} delivery: one worker process on SQLite, max_in_flight {in_flight}, {messages} messages a pass"
        f" (unprofiled, profiled, unprofiled); load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores",
        f"{'CPU per delivered message, µs':<46}{'unprofiled (mean of 2)':>24}{'profiled':>10}",
    ]
    rows = (
        ("worker process, all threads", "process"),
        ("  main thread (claim, record, the loop)", "main"),
        (f"  {int(profiled['send_threads'])} send threads (send:*: sign, POST, answer)", "send"),
        ("  other threads (lease renewal, …)", "other"),
        ("court process (/proc/<pid>/stat, 10 ms ticks)", "court"),
    )
    lines.extend(f"{label:<46}{per[key]:>24.0f}{hot[key]:>10.0f}" for label, key in rows)
    lines.append(
        f"The profiler's own overhead is in every profiled figure and in everything below: the profiled worker used"
        f" {overhead:.2f}× the unprofiled CPU per message (+{hot['process'] - per['process']:.0f} µs), unevenly"
        f" (per Python call). Read the functions as shares of the profiled {hot['process']:.0f} µs."
    )
    lines.extend(_steps(dump, messages))
    stats = pstats.Stats(str(dump))
    for order, column in (("cumulative", 3), ("tottime", 2)):
        lines.append(f"--- top {top} by {order}: µs of CPU per message, all threads merged (profiler included) ---")
        lines.append(f"{'cum µs':>9} {'own µs':>8} {'calls/msg':>9}  function")
        table: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]  # {func: (cc, calls, own, cum, callers)}
        for func, (_, calls, own, cumulative, _) in sorted(table.items(), key=lambda kv: -kv[1][column])[:top]:
            lines.append(
                f"{1e6 * cumulative / messages:9.1f} {1e6 * own / messages:8.1f} {calls / messages:9.2f}  {_name(func)}"
            )
    figures = {
        "transport": transport.lower(),
        "messages": messages,
        "in_flight": in_flight,
        "unprofiled_us": {k: round(v, 1) for k, v in per.items()},
        "profiled_us": {k: round(v, 1) for k, v in hot.items()},
        "send_threads": int(profiled["send_threads"]),
        "profiler_overhead": round(overhead, 3),
        "load_average": round(os.getloadavg()[0], 2),
    }
    lines.append(json.dumps(figures))
    return "\n".join(lines)


def _steps(dump: Path, messages: int) -> list[str]:
    """The STEPS table: cumulative µs per message on the main thread, the send threads, and others."""
    tables: dict[str, dict[Any, Any]] = {}
    for group in GROUPS:
        path = Path(f"{dump}.{group}")
        tables[group] = pstats.Stats(str(path)).stats if path.exists() else {}  # type: ignore[attr-defined]
    lines = [f"{'step (cumulative µs per message, profiled)':<46}{'main':>8}{'send':>8}{'other':>8}{'calls/msg':>10}"]
    for label, suffix, name in STEPS:
        found = {
            group: [v for (file, _, func), v in table.items() if func == name and file.endswith(suffix)]
            for group, table in tables.items()
        }
        calls = sum(v[1] for values in found.values() for v in values)
        if not calls:
            continue
        cells = "".join(f"{1e6 * sum(v[3] for v in found[group]) / messages:8.1f}" for group in GROUPS)
        lines.append(f"{label:<46}{cells}{calls / messages:10.2f}")
    return lines


def _name(func: tuple[str, int, str]) -> str:
    """file:line(function), the file from its package down (site-packages and this tree's root cut off)."""
    file, line, name = func
    for cut in ("site-packages/", "/lib/python3.11/", str(Path(__file__).resolve().parents[1]) + "/"):
        file = file.split(cut, 1)[-1]
    return f"{file}:{line}({name})" if line else name
