"""Delivery throughput: the adapter's outbox → sandbox court, as a ratio to raw signed POSTs in the same run.

    python -m bench.delivery [--messages 300] [--runs 3]

Baseline: the same kind of message (an acceptance), pre-encoded and pre-signed, POSTed with one keep-alive
`requests.Session` to the same sandbox. Adapter: the same number of acceptances queued by the centre service
and delivered by `deliver_due` (claim with per-case ordering, encode, sign, POST, record) on a SQLite file.
Prints a table of each run and, as its last line, one JSON object with the medians.
"""

import argparse
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import requests
from sqlmodel import select

from adapter.settings import PlatformSettings, Settings
from adapter.signing.factory import build_signer
from adapter.tables import CaseRow
from mappings import odr_rest
from sandbox.court import SandboxConfig
from sandbox.pairing import pair
from sandbox.rest import SandboxServer
from scheduler import build_runtime
from schemas.enums import CourtStatus, ProgressKind
from schemas.envelope import Envelope, ProgressBody
from schemas.progress import ProgressUpdate


def one_run(messages: int, work: Path) -> dict[str, float]:
    pairing = pair(work, SandboxConfig(redeliver_rate=0.0))
    core = pairing.core
    server = SandboxServer(core).start()
    try:
        raw_cases = core.dispatch(messages, "01")
        signer = build_signer(pairing.signing, platform="court")
        now = datetime.now(UTC)
        bodies = []
        for i, ajbs in enumerate(raw_cases):
            envelope = Envelope(
                message_id=f"RAW-{i}",
                platform="court",
                platform_case_id=ajbs,
                created_at=now,
                body=ProgressBody(progress=ProgressUpdate(kind=ProgressKind.ACCEPTED, at=now)),
                status_after=CourtStatus.ACCEPTED,
            )
            body = odr_rest.encode(envelope)
            headers = dict(signer.sign(body, message_id=envelope.message_id, at=now, target="POST /api/v1/messages"))
            headers.update(
                {
                    "Idempotency-Key": envelope.message_id,
                    "X-Message-Id": envelope.message_id,
                    "Content-Type": "application/json; charset=utf-8",
                }
            )
            bodies.append((body, headers))
        session = requests.Session()
        started = time.perf_counter()
        for body, headers in bodies:
            session.post(f"{server.url}/api/v1/messages", data=body, headers=headers, timeout=10).raise_for_status()
        raw_seconds = time.perf_counter() - started

        adapter_cases = core.dispatch(messages, "01")
        settings = Settings(
            database_url=f"sqlite:///{work / 'bench.db'}",
            deliver_batch=100,
            platforms={"court": PlatformSettings(base_url=server.url, signing=pairing.signing)},
        )
        runtime = build_runtime(settings)
        runtime.poll_platform("court")
        with runtime.uow.begin() as session_db:
            wanted = set(adapter_cases)  # the feed also carries the baseline's cases, already accepted at the court
            rows = session_db.exec(select(CaseRow.id, CaseRow.platform_case_id)).all()
            case_ids = [case_id for case_id, ajbs in rows if ajbs in wanted]
        assert len(case_ids) == len(adapter_cases)
        for case_id in case_ids:
            runtime.services.accept(case_id)
        started = time.perf_counter()
        delivered = 0
        while delivered < messages:
            counts = runtime.deliver_counts()
            delivered += counts.get("delivered", 0)
            if not counts:
                break
        adapter_seconds = time.perf_counter() - started
        assert delivered == messages, f"only {delivered} of {messages} delivered"
    finally:
        server.stop()
    return {"raw_rps": messages / raw_seconds, "sqlite_rps": messages / adapter_seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    runs = []
    for index in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="bench-delivery-") as tmp:
            result = one_run(args.messages, Path(tmp))
        result["ratio"] = result["sqlite_rps"] / result["raw_rps"]
        runs.append(result)
        print(
            f"run {index + 1}: raw {result['raw_rps']:8.1f} msg/s   adapter(SQLite) {result['sqlite_rps']:8.1f} "
            f"msg/s   ratio {result['ratio']:.3f}"
        )
    summary = {
        "messages": args.messages,
        "runs": args.runs,
        "raw_rps": round(statistics.median(r["raw_rps"] for r in runs), 1),
        "sqlite_rps": round(statistics.median(r["sqlite_rps"] for r in runs), 1),
        "sqlite_ratio": round(statistics.median(r["ratio"] for r in runs), 3),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
