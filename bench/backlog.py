"""Delivery with a deep backlog: the per-message time and peak memory of a worker when the outbox holds 10k or
1M due messages, on SQLite (the one-worker setup).

The first `sample` rows are real acceptances for cases the court knows; behind them sit filler messages for
filler cases, all pending and due — the state after a long court outage. The worker delivers the sample (it
claims in id order, so it reaches no filler) and reports its time and peak RSS: what a deep queue costs each
claim and each result, and whether anything in the worker grows with the queue.
"""

import uuid
from pathlib import Path

from sqlalchemy import Engine, text

from adapter.persistence.tables import CaseRow, OutboxRow
from bench.harness import Court, Timed, adapter_settings, queue_acceptances, run_workers

CASE_COLUMNS = [column.name for column in CaseRow.__table__.columns]  # type: ignore[attr-defined]
OUTBOX_COLUMNS = [column.name for column in OutboxRow.__table__.columns if column.name != "id"]  # type: ignore[attr-defined]
MESSAGES_PER_FILLER_CASE = 4


def add_filler(engine: Engine, count: int) -> None:
    """`count` due filler messages (and their cases) copied from a real row, generated inside SQLite."""
    cases = count // MESSAGES_PER_FILLER_CASE + 1
    case_values = {"id": "'FILL-C-' || n.i", "platform_case_id": "'FILL-' || n.i", "case_number": "NULL"}
    outbox_values = {
        "message_id": "'FILL-M-' || n.i",
        "case_id": f"'FILL-C-' || (n.i / {MESSAGES_PER_FILLER_CASE})",
        "seq": f"n.i % {MESSAGES_PER_FILLER_CASE} + 1",
        # due with the last real row: the claim's order (due time, then id) reaches the sample first
        "next_attempt_at": "(SELECT MAX(next_attempt_at) FROM outbox)",
    }
    with engine.begin() as connection:
        for table, columns, values, rows in (
            ("cases", CASE_COLUMNS, case_values, cases),
            ("outbox", OUTBOX_COLUMNS, outbox_values, count),
        ):
            chosen = ", ".join(values.get(name, f"t.{name}") for name in columns)
            connection.execute(
                text(
                    f"WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < :rows) "
                    f"INSERT INTO {table} ({', '.join(columns)}) "
                    f"SELECT {chosen} FROM n, (SELECT * FROM {table} ORDER BY rowid LIMIT 1) AS t"
                ),
                {"rows": rows},
            )


def measure(court: Court, work: Path, backlog: int, sample: int) -> Timed:
    """Seconds per message and the worker's peak RSS, delivering `sample` messages off a `backlog`-deep outbox."""
    path = work / f"backlog-{backlog}-{uuid.uuid4().hex}.db"
    settings = adapter_settings(court, f"sqlite:///{path}")
    runtime = queue_acceptances(court, settings, sample)
    add_filler(runtime.uow.engine, backlog - sample)
    runtime.uow.engine.dispose()
    timed = run_workers(settings, 1, work, stop_after=sample)
    # The sends in flight when the sample is reached still finish: a few more (the first filler rows, answered as
    # duplicates of the row they copy); the per-message time is taken over all delivered (delivery.py).
    assert sample <= timed.delivered <= sample + 64, f"delivered {timed.delivered} for the {sample}-message sample"
    for leftover in work.glob(f"{path.name}*"):  # the database and its WAL files: a 1M backlog is ~1 GB
        leftover.unlink()
    return timed
