"""The peer: the same deliveries through procrastinate, a well-known PostgreSQL job queue.

Each job carries one stored envelope; the task decodes it and sends it with the same connector (encode, sign,
POST, check the receipt) that our worker uses, so the comparison is between the two queues, not the two HTTP
paths. One procrastinate worker (bench/peer_worker.py) with concurrency 1, against one of our workers on
PostgreSQL.
"""

import subprocess
import sys
import time
from pathlib import Path

from sqlmodel import select

from adapter.config.settings import Settings
from adapter.persistence.tables import OutboxRow, OutboxStatus
from bench.harness import Court, adapter_settings, queue_acceptances
from bench.signals import kill_left


def _conninfo(database_url: str) -> str:
    return database_url.replace("postgresql+psycopg://", "postgresql://", 1)


def peer_rps(court: Court, database_url: str, messages: int, work: Path) -> float:
    """Messages per second delivered by one procrastinate worker."""
    settings: Settings = adapter_settings(court, database_url)
    runtime = queue_acceptances(court, settings, messages)  # the same acceptances our worker would send
    with runtime.uow.begin() as session:
        envelopes = session.exec(select(OutboxRow.envelope_json).where(OutboxRow.status == OutboxStatus.PENDING)).all()
    runtime.uow.engine.dispose()
    jobs = work / "peer-jobs.jsonl"
    jobs.write_text("\n".join(envelopes))
    base = [sys.executable, "-m", "bench.peer_worker", settings.model_dump_json(), _conninfo(database_url)]
    subprocess.run([*base, "setup", str(jobs)], check=True, timeout=300)
    go = work / f"peer-go-{time.monotonic_ns()}"
    process = subprocess.Popen([*base, "work", str(go)], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        started = time.time()
        go.touch()
        finished = float(process.communicate(timeout=900)[0].split()[0])
    finally:
        kill_left([process])
    if process.returncode:
        raise RuntimeError("the procrastinate worker failed")
    return len(envelopes) / (finished - started)
