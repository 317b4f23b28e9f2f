"""The HTTP API's cost over the use cases it calls: flow-C registrations (a state-changing centre call: a case, its
history row, the answer kept under its Idempotency-Key and the audit row) over HTTP against the same
CentreServices call in-process, in the same run on one SQLite file; then p50/p99 latency at a fixed request rate.

    python -m bench.api [--calls 300] [--rate 200] [--seconds 30] [--runs 3]

The API is served by uvicorn on 127.0.0.1 in a child process (one worker, as `docking serve` runs it). The clients
are keep-alive `http.client` connections: `requests` spent about 1 ms of CPU per call of its own (on 2 cores, on
the same cores as the server), which measured the client, not the API. The throughput client is one connection,
one call at a time, in chunks alternating with the in-process calls (compare); the fixed-rate one a pool of
threads, one connection each. Medians of `--runs` runs; the last
line is JSON, with the load average over the run (other processes on the machine share its cores).
"""

import argparse
import http.client
import json
import multiprocessing
import os
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
import uvicorn

from adapter.config.settings import Settings
from adapter.testing import free_port
from api.app import create_app
from api.clients import Role, add_client
from api.models import SELF_RECEIVED_EXAMPLE
from api.server import settle, uvicorn_config
from reference.case_intake import read_case_number
from scheduler import Runtime, build_runtime
from schemas.case import CaseDispatch
from schemas.clock import utc_now


def dispatch(name: str) -> dict[str, Any]:
    """The API's own flow-C example (api/models.py), under its own platform case id."""
    return {**SELF_RECEIVED_EXAMPLE, "platform_case_id": name}


def _serve(database_url: str, port: int) -> None:
    runtime = build_runtime(Settings(database_url=database_url))
    server = uvicorn.Server(uvicorn_config(create_app(runtime), runtime.settings.api, host="127.0.0.1", port=port))
    settle()  # as `docking serve` does (api/server.py)
    server.run()


@contextmanager
def served(database_url: str) -> Iterator[str]:
    """The API in a child process (so the client's threads do not share its GIL), on a free loopback port."""
    port = free_port()
    child = multiprocessing.get_context("spawn").Process(target=_serve, args=(database_url, port), daemon=True)
    child.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if requests.get(f"{base}/healthz", timeout=2).ok:
                break
        except requests.ConnectionError:
            if not child.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the API did not start") from None
            time.sleep(0.05)
    try:
        yield base
    finally:
        child.terminate()
        child.join(timeout=10)


def in_process(runtime: Runtime, calls: int) -> float:
    """Registrations per second through CentreServices directly."""
    bodies = [CaseDispatch.model_validate(dispatch(f"IN-{uuid.uuid4().hex[:12]}")) for _ in range(calls)]
    started = time.perf_counter()
    for body in bodies:
        runtime.services.register_self_received(read_case_number(body))
    return calls / (time.perf_counter() - started)


class Client:
    """One keep-alive connection to the API. A connection the server closed while idle (uvicorn's keep-alive
    timeout) is reopened and the call sent again under the same Idempotency-Key — safe by the API's contract."""

    def __init__(self, base: str, key: str) -> None:
        host, port = base.removeprefix("http://").split(":")
        self.host, self.port, self.key = host, int(port), key
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)

    def register(self) -> float:
        """One registration; its latency in seconds."""
        body = json.dumps(dispatch(f"HTTP-{uuid.uuid4().hex[:12]}")).encode()
        headers = {
            "Authorization": f"Bearer {self.key}",
            "Idempotency-Key": uuid.uuid4().hex,
            "Content-Type": "application/json",
        }
        started = time.perf_counter()
        for attempt in (1, 2):
            try:
                self.connection.request("POST", "/api/centre/v1/cases", body, headers)
                answer = self.connection.getresponse()
                text = answer.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.connection.close()
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
                if attempt == 2:
                    raise
        elapsed = time.perf_counter() - started
        if answer.status != 201:
            raise RuntimeError(f"registration refused: {answer.status} {text[:200]!r}")
        return elapsed


def over_http(client: Client, calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        client.register()
    return calls / (time.perf_counter() - started)


def at_rate(base: str, key: str, rate: float, seconds: float) -> list[float]:
    """Open loop: a registration every 1/rate s (on a pool, so a slow answer does not delay the next start);
    each latency counted from its scheduled start, so queueing shows."""
    local = threading.local()
    start = time.perf_counter() + 0.1

    def one(index: int) -> float:
        due = start + index / rate
        time.sleep(max(0.0, due - time.perf_counter()))
        if not hasattr(local, "client"):
            local.client = Client(base, key)
        local.client.register()
        return time.perf_counter() - due

    with ThreadPoolExecutor(max_workers=32) as pool:
        return list(pool.map(one, range(int(rate * seconds))))


def compare(client: Client, runtime: Runtime, calls: int, chunks: int = 6) -> tuple[float, float]:
    """HTTP and in-process registrations per second, measured in alternating chunks: on a machine whose other
    processes come and go, both sides then see the same load, and their ratio holds still."""
    http_s = direct_s = 0.0
    size = max(1, calls // chunks)
    for _ in range(chunks):
        http_s += size / over_http(client, size)
        direct_s += size / in_process(runtime, size)
    return size * chunks / http_s, size * chunks / direct_s


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(work: Path, calls: int, rate: float, seconds: float) -> dict[str, float]:
    database_url = f"sqlite:///{work / f'api-{uuid.uuid4().hex}.db'}"
    runtime = build_runtime(Settings(database_url=database_url))
    key = add_client(runtime.uow, "bench", Role.parse("centre"), utc_now())
    with served(database_url) as base:
        over_http(Client(base, key), 20)  # warm both paths up
        in_process(runtime, 20)
        http, direct = compare(Client(base, key), runtime, calls)
        latencies = at_rate(base, key, rate, seconds)
    runtime.uow.engine.dispose()
    return {
        "http_per_s": http,
        "in_process_per_s": direct,
        "ratio": http / direct,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--calls", type=int, default=300, help="registrations per throughput measurement")
    parser.add_argument("--rate", type=float, default=200, help="requests per second for the latency run")
    parser.add_argument("--seconds", type=float, default=30, help="length of the latency run")
    parser.add_argument("--runs", type=int, default=3, help="runs; medians are reported")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        results = [run(Path(tmp), args.calls, args.rate, args.seconds) for _ in range(args.runs)]
    load_after = os.getloadavg()[0]
    for index, result in enumerate(results, 1):
        print(f"run {index}: " + ", ".join(f"{k}={v:.2f}" for k, v in result.items()))
    summary: dict[str, Any] = {k: round(statistics.median(r[k] for r in results), 3) for k in results[0]}
    summary.update(backend="sqlite", calls=args.calls, rate=args.rate, seconds=args.seconds, runs=args.runs)
    # 1-minute load averages at start and end, and the cores: what else ran shows in these.
    summary.update(cpus=os.cpu_count(), load_before=round(load_before, 2), load_after=round(load_after, 2))
    print(
        f"HTTP {summary['http_per_s']:.0f}/s vs in-process {summary['in_process_per_s']:.0f}/s: "
        f"ratio {summary['ratio']:.2f} (goal ≥ 0.5); at {args.rate:.0f} req/s p50 {summary['p50_ms']:.1f} ms, "
        f"p99 {summary['p99_ms']:.1f} ms"
    )
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
