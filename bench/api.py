"""The HTTP API's cost over the use cases it calls: flow-C registrations (a state-changing centre call: a case, its
history row, the answer kept under its Idempotency-Key and the audit row) over HTTP against the same
CentreServices call in-process, in the same run on one SQLite file; then p50/p99 latency at a fixed request rate.

    python -m bench.api [--calls 300] [--rate 200] [--seconds 30] [--runs 3]

The API is served by uvicorn on 127.0.0.1 in a child process (one worker, as `docking serve` runs it). The clients
are keep-alive HTTP/1.1 connections over plain sockets (Client): the client shares the machine's 2 cores with the
server, and its CPU is inside the HTTP side's time, so a heavy client measures itself, not the API (`requests` spent
about 1 ms per call, `http.client` 0.3 ms, this one about 0.1 ms; `client_cpu_ms` reports it for each run). Both
sides make their inputs before their clock starts. The throughput client is one connection, one call at a time, in
chunks alternating with the in-process calls (compare); the fixed-rate one a pool of threads, one connection each.
Medians of `--runs` runs; the last line is JSON, with the load average over the run (other processes on the machine
share its cores).
"""

import argparse
import json
import os
import socket
import statistics
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from adapter.config.settings import Settings
from api.clients import Role, add_client
from api.models import SELF_RECEIVED_EXAMPLE
from bench.serving import served
from bench.signals import exit_on_sigterm
from reference.case_intake import read_case_number
from scheduler import Runtime, build_runtime
from schemas.case import CaseDispatch
from schemas.clock import utc_now


def dispatch(name: str) -> dict[str, Any]:
    """The API's own flow-C example (api/models.py), under its own platform case id."""
    return {**SELF_RECEIVED_EXAMPLE, "platform_case_id": name}


def in_process(runtime: Runtime, calls: int) -> float:
    """Registrations per second through CentreServices directly."""
    bodies = [CaseDispatch.model_validate(dispatch(f"IN-{uuid.uuid4().hex[:12]}")) for _ in range(calls)]
    started = time.perf_counter()
    for body in bodies:
        runtime.services.register_self_received(read_case_number(body))
    return calls / (time.perf_counter() - started)


class Client:
    """One keep-alive HTTP/1.1 connection to the API, spoken over a plain socket: the request's bytes written once,
    the answer read by its Content-Length. It is the cheapest honest client — it sends what any client sends and
    reads the whole answer — because it shares the machine's two cores with the server it measures: `requests`
    spent about 1 ms of CPU per call, `http.client` about 0.3 ms, this one about 0.1 ms (`client_cpu_ms` in the
    output says what it spent in this run). A connection the server closed while idle (uvicorn's keep-alive
    timeout) is reopened and the call sent again under the same Idempotency-Key — safe by the API's contract."""

    def __init__(self, base: str, key: str) -> None:
        host, port = base.removeprefix("http://").split(":")
        self.address = (host, int(port))
        self.head = (
            f"POST /api/centre/v1/cases HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {key}\r\n"
            "Content-Type: application/json\r\n"
        )
        self.sock = self._connect()

    def _connect(self) -> socket.socket:
        sock = socket.create_connection(self.address, timeout=30)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def _exchange(self, request: bytes) -> tuple[int, bytes]:
        self.sock.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionResetError("the server closed the connection")
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length = next(
            int(v) for k, _, v in (line.partition(b":") for line in lines[1:]) if k.lower() == b"content-length"
        )
        while len(body) < length:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionResetError("the server closed the connection mid-answer")
            body += chunk
        return status, body

    def request(self) -> bytes:
        """A new registration (its own case and Idempotency-Key), as the bytes sent."""
        body = json.dumps(dispatch(f"HTTP-{uuid.uuid4().hex[:12]}")).encode()
        head = f"{self.head}Idempotency-Key: {uuid.uuid4().hex}\r\nContent-Length: {len(body)}\r\n\r\n"
        return head.encode() + body

    def register(self, request: bytes | None = None) -> float:
        """One registration (`request`, or a new one); its latency in seconds."""
        request = request or self.request()
        started = time.perf_counter()
        for attempt in (1, 2):
            try:
                status, text = self._exchange(request)
                break
            except (ConnectionResetError, BrokenPipeError):
                self.sock.close()
                self.sock = self._connect()
                if attempt == 2:
                    raise
        elapsed = time.perf_counter() - started
        if status != 201:
            raise RuntimeError(f"registration refused: {status} {text[:200]!r}")
        return elapsed


def over_http(client: Client, calls: int) -> float:
    """Registrations per second over HTTP. The requests are made before the clock starts, as in_process makes its
    bodies before it starts: both time the calls alone."""
    prepared = [client.request() for _ in range(calls)]
    started = time.perf_counter()
    for request in prepared:
        client.register(request)
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


def compare(client: Client, runtime: Runtime, calls: int, chunks: int = 6) -> tuple[float, float, float]:
    """HTTP and in-process registrations per second, measured in alternating chunks: on a machine whose other
    processes come and go, both sides then see the same load, and their ratio holds still. Third: the client's
    own CPU per HTTP call, in seconds — counted in the HTTP side's time (it runs while the call does), and said."""
    http_s = direct_s = client_cpu = 0.0
    size = max(1, calls // chunks)
    for _ in range(chunks):
        cpu = time.process_time()
        http_s += size / over_http(client, size)
        client_cpu += time.process_time() - cpu
        direct_s += size / in_process(runtime, size)
    return size * chunks / http_s, size * chunks / direct_s, client_cpu / (size * chunks)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(work: Path, calls: int, rate: float, seconds: float) -> dict[str, float]:
    database_url = f"sqlite:///{work / f'api-{uuid.uuid4().hex}.db'}"
    runtime = build_runtime(Settings(database_url=database_url))
    key = add_client(runtime.uow, "bench", Role.parse("centre"), utc_now())
    with served(Settings(database_url=database_url)) as base:
        over_http(Client(base, key), 20)  # warm both paths up
        in_process(runtime, 20)
        http, direct, client_cpu = compare(Client(base, key), runtime, calls)
        latencies = at_rate(base, key, rate, seconds)
    runtime.uow.engine.dispose()
    return {
        "http_per_s": http,
        "in_process_per_s": direct,
        "ratio": http / direct,
        "client_cpu_ms": client_cpu * 1000,  # the bench client's own CPU per HTTP call (inside the HTTP side's time)
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
    exit_on_sigterm()
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
