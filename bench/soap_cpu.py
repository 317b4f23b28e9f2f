"""CPU time per SOAP delivery, each side apart: the connector's `send` (build, sign, post, verify, read the receipt)
and the sandbox court's answer (verify, apply, sign), in one process, one thread, no sockets.

    python -m bench.soap_cpu [--messages 300] [--runs 4] [--algorithm rsa|ec]

requests hands each request straight to SoapCourt.call (a transport adapter in place of HTTP), so the figures are
the two sides' own CPU (time.thread_time), not the machine's load or the loopback: what `soap_rps` of
bench/delivery.py is made of besides the HTTP server and the outbox. Prints a line per run, then one JSON line
(medians, milliseconds per message).
"""

import argparse
import io
import json
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from requests.adapters import BaseAdapter

from adapter.platforms.signers import build_wsse
from connectors.court_soap import CourtSoapPlatform
from sandbox.court import SandboxConfig
from sandbox.pairing import pair
from sandbox.soap import SoapCourt
from schemas.enums import CourtStatus, ProgressKind
from schemas.envelope import Envelope, ProgressBody
from schemas.progress import ProgressUpdate


class _Direct(BaseAdapter):
    """requests' transport replaced by a call of the court: its CPU time is added to `spent`."""

    def __init__(self, court: SoapCourt) -> None:
        super().__init__()
        self.court, self.spent = court, 0.0

    def send(self, request: Any, *args: Any, **kwargs: Any) -> requests.Response:
        started = time.thread_time()
        answer = self.court.call(request.body)
        self.spent += time.thread_time() - started
        response = requests.Response()
        response.status_code, response.raw, response.url = 200, io.BytesIO(answer), request.url
        response.headers["Content-Type"] = "text/xml; charset=utf-8"
        return response

    def close(self) -> None:
        pass


def _acceptance(case_id: str) -> Envelope:
    now = datetime.now(UTC)
    return Envelope(
        message_id=f"CPU-{uuid.uuid4().hex}",
        platform="court",
        platform_case_id=case_id,
        created_at=now,
        status_after=CourtStatus.ACCEPTED,
        body=ProgressBody(progress=ProgressUpdate(kind=ProgressKind.ACCEPTED, at=now)),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--algorithm", choices=["rsa", "ec"], default="rsa", help="both sides' WS-Security keys")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-soap-cpu-") as tmp:
        pairing = pair(Path(tmp), SandboxConfig(redeliver_rate=0.0), transport="soap", wsse_algorithm=args.algorithm)
        assert pairing.soap is not None and pairing.wsse is not None
        signer, verifier = build_wsse(pairing.wsse, platform="court")
        direct, session = _Direct(pairing.soap), requests.Session()
        session.mount("http://", direct)
        connector = CourtSoapPlatform("court", "http://court.invalid/ws/exchange", signer, verifier, session=session)
        for envelope in map(_acceptance, pairing.core.dispatch(20, "01")):  # warm up
            connector.send(envelope)
        runs = []
        for number in range(1, args.runs + 1):
            envelopes = [_acceptance(case_id) for case_id in pairing.core.dispatch(args.messages, "01")]
            direct.spent, started = 0.0, time.thread_time()
            for envelope in envelopes:
                connector.send(envelope)
            total = time.thread_time() - started
            court = 1000 * direct.spent / args.messages
            runs.append({"connector_ms": 1000 * total / args.messages - court, "court_ms": court})
            print(f"run {number}: connector {runs[-1]['connector_ms']:.3f} ms, court {court:.3f} ms", flush=True)
    summary = {k: round(statistics.median(r[k] for r in runs), 3) for k in runs[0]}
    print(json.dumps({**summary, "messages": args.messages, "runs": args.runs, "algorithm": args.algorithm}))


if __name__ == "__main__":
    main()
