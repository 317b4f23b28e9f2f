"""Delivery throughput against one sandbox court process: raw POSTs, the adapter on SQLite, and on PostgreSQL
with one and with two worker processes — all in the same run, printed as ratios.

    python -m bench.delivery [--messages 600] [--runs 3]

raw_rps     pre-signed acceptance messages POSTed with one keep-alive requests.Session (the ceiling)
sqlite_rps  the same number of acceptances queued by the centre service and delivered by one worker process
pg1_rps     the same on PostgreSQL, one worker process      pg2_rps  two worker processes, started together
The court (`docking sandbox serve`) runs in its own process, so the workers do not share its interpreter.
Needs the PostgreSQL server binaries (Debian `postgresql`). Prints a table, then one JSON line of medians.
"""

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import requests
from sqlmodel import select

from adapter.keyring import Keyring
from adapter.settings import PlatformSettings, Settings, SigningSettings
from adapter.signing.factory import build_signer
from adapter.tables import CaseRow
from mappings import odr_rest
from scheduler import build_runtime
from schemas.enums import CourtStatus, ProgressKind
from schemas.envelope import Envelope, ProgressBody
from schemas.progress import ProgressUpdate
from tests.pg import fresh_database, postgres_server

WORKER = """
import pathlib, sys, time
from adapter.settings import Settings
from scheduler import build_runtime
runtime = build_runtime(Settings.model_validate_json(sys.argv[1]))
print("ready", flush=True)
go = pathlib.Path(sys.argv[2])
while not go.exists():
    time.sleep(0.002)
while runtime.deliver_counts() or runtime.deliver_counts():
    pass
print(time.time(), flush=True)
"""


class Court:
    """`docking sandbox serve` in its own process, trusting our freshly generated centre key."""

    def __init__(self, work: Path) -> None:
        keyring = Keyring.open(work / "keys" / "centre")
        record = keyring.generate("centre-2026-01", "EdDSA", datetime.now(UTC))
        keyring.save()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "adapter.cli",
                "sandbox",
                "serve",
                "--port",
                "0",
                "--dispatch",
                "0",
                "--keys",
                str(work / "court"),
                "--centre-key",
                f"{record.key_id}={keyring.directory / (record.key_id + '.pub')}",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.process.stdout is not None
        text = ""
        while not (re.search(r"http://127\.0\.0\.1:\d+", text) and "control token:" in text):
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError("the sandbox court did not start")
            text += line
        self.url = re.search(r"http://127\.0\.0\.1:\d+", text).group(0)  # type: ignore[union-attr]
        self.token = re.search(r"control token: (\S+)", text).group(1)  # type: ignore[union-attr]
        self.signing = SigningSettings(
            keyring=keyring.directory, court_keys={"court-2026-01": work / "court" / "court-2026-01.pub"}
        )

    def dispatch(self, count: int) -> list[str]:
        answer = requests.post(
            f"{self.url}/sandbox/dispatch",
            json={"count": count, "flow": "01"},
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=60,
        )
        answer.raise_for_status()
        return list(answer.json()["dispatched"])

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def raw_rps(court: Court, messages: int) -> float:
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
    session = requests.Session()
    started = time.perf_counter()
    for body, headers in prepared:
        session.post(url, data=body, headers=headers, timeout=10).raise_for_status()
    return messages / (time.perf_counter() - started)


def adapter_rps(court: Court, database_url: str, messages: int, workers: int, work: Path) -> float:
    """Queue `messages` acceptances through the centre service, then time `workers` processes delivering them."""
    settings = Settings(
        database_url=database_url,
        deliver_batch=20,
        platforms={"court": PlatformSettings(base_url=court.url, signing=court.signing)},
    )
    runtime = build_runtime(settings)
    wanted = set(court.dispatch(messages))
    while True:  # a fresh database reads the court's whole feed: poll until nothing new arrives
        before = runtime.metrics.get("inbound_applied")
        runtime.poll_platform("court")
        if runtime.metrics.get("inbound_applied") == before:
            break
    with runtime.uow.begin() as session:
        rows = session.exec(select(CaseRow.id, CaseRow.platform_case_id)).all()
    queued = [runtime.services.accept(case_id) for case_id, ajbs in rows if ajbs in wanted]
    assert len(queued) == messages, f"only {len(queued)} of {messages} cases reached the adapter"
    go = work / f"go-{uuid.uuid4().hex}"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, settings.model_dump_json(), str(go)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(workers)
    ]
    for process in processes:
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    started = time.time()
    go.touch()
    finished = max(float(process.communicate(timeout=600)[0].strip().splitlines()[-1]) for process in processes)
    return messages / (finished - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--messages", type=int, default=600)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    figures: dict[str, list[float]] = {"raw_rps": [], "sqlite_rps": [], "pg1_rps": [], "pg2_rps": []}
    with tempfile.TemporaryDirectory(prefix="bench-delivery-") as tmp, postgres_server() as server:
        work = Path(tmp)
        court = Court(work)
        try:
            for run in range(args.runs):
                figures["raw_rps"].append(raw_rps(court, args.messages))
                figures["sqlite_rps"].append(
                    adapter_rps(court, f"sqlite:///{work / f'run{run}.db'}", args.messages, 1, work)
                )
                figures["pg1_rps"].append(adapter_rps(court, fresh_database(server), args.messages, 1, work))
                figures["pg2_rps"].append(adapter_rps(court, fresh_database(server), args.messages, 2, work))
                print(f"run {run + 1}: " + "   ".join(f"{k} {v[-1]:7.1f}" for k, v in figures.items()))
        finally:
            court.stop()
    medians = {k: statistics.median(v) for k, v in figures.items()}
    summary = {
        **{k: round(v, 1) for k, v in medians.items()},
        "messages": args.messages,
        "runs": args.runs,
        "sqlite_ratio": round(medians["sqlite_rps"] / medians["raw_rps"], 3),
        "pg_scaling": round(medians["pg2_rps"] / medians["pg1_rps"], 3),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
