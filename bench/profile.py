"""Where one delivery worker's CPU goes, per message: `python -m bench.delivery --profile [--messages N]`.

Queues N acceptances on SQLite (the audit chain on, as deployed), runs one worker process (bench/worker.py) under
cProfile timed by CPU (not wall) time, so a busy machine skews it little, and prints the steps of the delivery path
in microseconds per message (cumulative: a step includes what it calls) — claim, sign, send, record the result,
the audit chain — then the top functions by cumulative and by own time. cProfile adds its own overhead to every
Python call, so the microseconds are inflated roughly in proportion; read the shares, and take throughput from
the unprofiled figures.
"""

import io
import pstats
import uuid
from pathlib import Path

from bench.harness import Court, adapter_settings, queue_acceptances, run_workers

# (label, file suffix, function name): the delivery path's steps, outermost first.
STEPS = (
    ("deliver_due (the whole loop)", "adapter/outbox/delivery.py", "deliver_due"),
    ("  claim", "adapter/outbox/claim.py", "claim_in"),  # in the transaction of the record before it (flight.py)
    ("    open + attach the envelope", "adapter/outbox/attachments.py", "attach"),
    ("  lease renewal thread start/stop", "adapter/lease.py", "__enter__"),
    ("  deliver_one", "adapter/outbox/send.py", "deliver_one"),
    ("    Envelope.model_validate_json", "pydantic/main.py", "model_validate_json"),
    ("    connector.send", "connectors/odr_rest.py", "send"),
    ("      encode", "mappings/odr_rest.py", "encode"),
    ("      sign", "adapter/keys/keyring_signer.py", "sign"),
    ("      HTTP (requests)", "requests/sessions.py", "request"),
    ("      read the answer", "connectors/http.py", "read_capped"),
    ("  record", "adapter/outbox/record.py", "record_in"),  # alone, or with the next claim (flight.py)
    ("    audit entry content", "adapter/outbox/record.py", "_audit"),
    ("    commit (all)", "sqlalchemy/orm/session.py", "commit"),
    ("    audit: before-commit write", "adapter/audit/append.py", "_before_commit"),
    ("    audit: after-flush scan", "adapter/audit/append.py", "_after_flush"),
    ("  logging", "logging/__init__.py", "_log"),
)


def profile_sqlite(court: Court, work: Path, messages: int, top: int = 30, dump: Path | None = None) -> str:
    """The report for one profiled worker delivering `messages` acceptances on SQLite; the raw stats are kept
    in `dump` when given (for pstats, e.g. print_callers)."""
    # one in flight: every send runs on the worker's own thread, the one cProfile sees (adapter/outbox/flight.py)
    settings = adapter_settings(court, f"sqlite:///{work / f'{uuid.uuid4().hex}.db'}", in_flight=1)
    queue_acceptances(court, settings, messages).uow.engine.dispose()
    dump = dump or work / f"profile-{uuid.uuid4().hex}.prof"
    timed = run_workers(settings, 1, work, profile=dump)
    assert timed.delivered == messages, f"delivered {timed.delivered} of {messages}"
    stats = pstats.Stats(str(dump))
    table = stats.stats  # type: ignore[attr-defined]  # {(file, line, name): (cc, calls, own, cumulative, callers)}
    lines = [f"one worker, SQLite, {messages} messages, {timed.seconds:.2f} s under cProfile (CPU time)"]
    lines.append(f"{'step':<36} µs/message (calls)")
    for label, suffix, name in STEPS:
        found = [v for (file, _, func), v in table.items() if func == name and file.endswith(suffix)]
        cumulative, calls = sum(v[3] for v in found), sum(v[1] for v in found)
        lines.append(f"{label:<36} {1e6 * cumulative / messages:9.1f}  ({calls})")
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(str(dump), stream=out).sort_stats(order).print_stats(top)
        lines.append(f"--- top {top} by {order} ---")
        lines.extend(line for line in out.getvalue().splitlines() if line.strip() and "function calls" not in line)
    return "\n".join(lines)
