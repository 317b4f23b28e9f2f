"""Push intake throughput: signed dispatches a court POSTs to /api/court/v1/dispatches (verified, replay-guarded,
ingested, answered with our signed receipt) against the same dispatches taken by the polled path (the feed read
page by page and ingested), in the same run, each into a fresh SQLite file.

    python -m bench.push [--dispatches 300] [--clients 1] [--runs 3]

The court is the sandbox REST court (sandbox/pairing.py) in this process; it publishes `--dispatches` flow-A
dispatches once, and both paths take those same items. Polled: the production polling job in this process, until
every item is in. Pushed: the API served by uvicorn in a child process (one worker, as `docking serve` runs it),
mode = "push"; the court's requests are signed before the clock starts (a real court signs each as it sends it;
that is the court's cost, not ours) and sent over `--clients` keep-alive sessions (1: one after the other, as the
sandbox's pushing court does). Rates are dispatches per second; medians of `--runs` runs; the last line is JSON.
"""

import argparse
import json
import statistics
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests
from sqlmodel import func, select

from adapter.config.settings import Settings
from adapter.persistence.tables import CaseRow
from api.clients import Role, add_client
from bench.serving import served
from bench.signals import exit_on_sigterm
from sandbox.court import SandboxConfig
from sandbox.pairing import Pairing, pair
from scheduler import Runtime, build_runtime
from schemas.clock import utc_now

PLATFORM = "court"


def _cases(runtime: Runtime) -> int:
    with runtime.uow.begin() as session:
        return int(session.exec(select(func.count()).select_from(CaseRow)).one())


def polled(pairing: Pairing, server: Any, work: Path, count: int) -> float:
    """Dispatches per second through the polling job, from the first page read to the last item in."""
    platform = pairing.platform(server, timeout_seconds=30)
    runtime = build_runtime(Settings(database_url=f"sqlite:///{work / 'polled.db'}", platforms={PLATFORM: platform}))
    started = time.perf_counter()
    while _cases(runtime) < count:
        runtime.poll_platform(PLATFORM)
        if time.perf_counter() - started > 600:
            raise RuntimeError(f"polling took {_cases(runtime)} of {count} dispatches in 10 minutes")
    rate = count / (time.perf_counter() - started)
    runtime.uow.engine.dispose()
    return rate


def pushed(pairing: Pairing, server: Any, work: Path, items: list[tuple[str, str]], clients: int) -> float:
    """Dispatches per second through the push intake over HTTP, every one answered `accepted`."""
    platform = pairing.platform(server, timeout_seconds=30, mode="push")
    settings = Settings(database_url=f"sqlite:///{work / 'pushed.db'}", platforms={PLATFORM: platform})
    runtime = build_runtime(settings)
    key = add_client(runtime.uow, "bench-court", Role.parse(f"court:{PLATFORM}"), utc_now())
    with served(settings) as base:
        url = f"{base}/api/court/v1/dispatches"
        requests_ = [
            (body.encode(), {**pairing.core.sign_item(body, message_id), "Content-Type": "application/json"})
            for message_id, body in items
        ]
        sessions = [requests.Session() for _ in range(clients)]
        for session in sessions:
            session.headers["Authorization"] = f"Bearer {key}"
            session.get(f"{base}/healthz", timeout=10)  # connected before the clock starts

        def send(index: int) -> None:
            body, headers = requests_[index]
            answer = sessions[index % clients].post(url, data=body, headers=headers, timeout=60)
            if answer.status_code != 200 or answer.json()["result"] != "accepted":
                raise RuntimeError(f"push refused: {answer.status_code} {answer.text[:300]}")

        started = time.perf_counter()
        if clients == 1:
            for index in range(len(requests_)):
                send(index)
        else:  # each session used by one thread only: lane c sends items c, c + clients, …

            def lane(first: int) -> None:
                for index in range(first, len(requests_), clients):
                    send(index)

            with ThreadPoolExecutor(max_workers=clients) as pool:
                list(pool.map(lane, range(clients)))
        rate = len(requests_) / (time.perf_counter() - started)
    if _cases(runtime) != len(items):
        raise RuntimeError(f"{_cases(runtime)} cases for {len(items)} pushed dispatches")
    runtime.uow.engine.dispose()
    return rate


def run(work: Path, count: int, clients: int) -> dict[str, float]:
    work.mkdir(parents=True)
    config = SandboxConfig(seed=7, decision_delay=0.0, redeliver_rate=0.0, confirm_rate=1.0, reject_rate=0.0)
    pairing = pair(work, config)
    server = pairing.serve()
    try:
        pairing.core.dispatch(count, "01")
        page = pairing.core.feed("dispatches", 0, count + 10)
        items = [(str(json.loads(i["body"])["xxbh"]), str(i["body"])) for i in page["items"]]
        assert len(items) == count, f"{len(items)} feed items for {count} dispatches"
        poll_rate = polled(pairing, server, work, count)
        push_rate = pushed(pairing, server, work, items, clients)
    finally:
        server.stop()
    return {"pushed_per_s": push_rate, "polled_per_s": poll_rate, "ratio": push_rate / poll_rate}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--dispatches", type=int, default=300, help="dispatches per path and run")
    parser.add_argument("--clients", type=int, default=1, help="concurrent push connections (1: one at a time)")
    parser.add_argument("--runs", type=int, default=3, help="runs; medians are reported")
    args = parser.parse_args()
    exit_on_sigterm()
    if args.dispatches < 1 or args.clients < 1 or args.runs < 1:
        parser.error("--dispatches, --clients and --runs must be at least 1")
    with tempfile.TemporaryDirectory() as tmp:
        results = [run(Path(tmp) / uuid.uuid4().hex, args.dispatches, args.clients) for _ in range(args.runs)]
    for index, result in enumerate(results, 1):
        print(f"run {index}: " + ", ".join(f"{k}={v:.2f}" for k, v in result.items()))
    summary: dict[str, Any] = {k: round(statistics.median(r[k] for r in results), 3) for k in results[0]}
    summary.update(backend="sqlite", dispatches=args.dispatches, clients=args.clients, runs=args.runs)
    print(
        f"pushed over HTTP {summary['pushed_per_s']:.0f}/s vs polled {summary['polled_per_s']:.0f}/s "
        f"(ratio {summary['ratio']:.2f}), {args.dispatches} signed dispatches, {args.clients} client(s)"
    )
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
