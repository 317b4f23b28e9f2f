"""What the delivery benchmarks share: a sandbox court in its own process, a database filled with queued
acceptances, and timed worker processes started together."""

import re
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from sqlmodel import select

from adapter.config.platform import PlatformSettings, SigningSettings, WsseSettings
from adapter.config.settings import Settings
from adapter.keys.keyring import Keyring
from adapter.persistence.tables import CaseRow
from bench.signals import kill_left
from sandbox.pairing import key_and_certificate
from sandbox.server import MAX_DISPATCH
from scheduler import Runtime, build_runtime


class Court:
    """One court process on loopback; `dispatch` creates cases it will send to the adapter."""

    def __init__(self, work: Path, transport: str = "rest", latency_ms: float = 0.0) -> None:
        """`latency_ms`: the court holds every platform request this long (`docking sandbox serve --latency`)."""
        work = work / transport
        keyring = Keyring.open(work / "keys" / "centre", create=True)
        record = keyring.generate("centre-2026-01", "EdDSA", datetime.now(UTC))
        keyring.save()
        self.wsse: WsseSettings | None = None
        soap: list[str] = []
        if transport == "soap":  # the centre's WS-Security key and certificate; the court makes its own
            key, certificate = key_and_certificate(work / "keys", "centre", "rsa")
            self.wsse = WsseSettings(
                key=key, certificate=certificate, court_certificates=[work / "court" / "court.crt"]
            )
            soap = ["--transport", "soap", "--centre-cert", str(certificate)]
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cli",
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
                *soap,
                "--latency",
                f"{latency_ms:g}",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            self._started(keyring, work)
        except BaseException:  # stopped while starting (SIGTERM, Ctrl-C) or failed: no court left behind
            kill_left([self.process])
            raise

    def _started(self, keyring: Keyring, work: Path) -> None:
        """Wait for the court to say where it listens and its control token."""
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
        """`count` new flow-01 cases dispatched by the court: their court case ids (ajbs), in order. Asked for in
        chunks of at most MAX_DISPATCH, the most the sandbox's control endpoint takes at once (sandbox/server.py),
        so `--messages 12000` is 12,000 cases and not a 400 from the court."""
        dispatched: list[str] = []
        while len(dispatched) < count:
            answer = requests.post(
                f"{self.url}/sandbox/dispatch",
                json={"count": min(MAX_DISPATCH, count - len(dispatched)), "flow": "01"},
                headers={"Authorization": f"Bearer {self.token}"},
                timeout=60,
            )
            answer.raise_for_status()
            got = list(answer.json()["dispatched"])
            if not got:  # never loop on a court that dispatches nothing
                raise RuntimeError(f"the sandbox court dispatched no case ({len(dispatched)} of {count} so far)")
            dispatched.extend(got)
        return dispatched

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            kill_left([self.process])

    def __enter__(self) -> "Court":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def platform(self, **settings: Any) -> PlatformSettings:
        if self.wsse is not None:
            return PlatformSettings(
                transport="soap", base_url=f"{self.url}/ws/exchange", signing=self.signing, wsse=self.wsse, **settings
            )
        return PlatformSettings(base_url=self.url, signing=self.signing, **settings)


def adapter_settings(court: Court, database_url: str, in_flight: int | None = None) -> Settings:
    """The adapter's settings for `court`; `in_flight`: its max_in_flight (None: the setting's default)."""
    extra = {} if in_flight is None else {"max_in_flight": in_flight}
    return Settings(database_url=database_url, platforms={"court": court.platform(**extra)})


def queue_acceptances(court: Court, settings: Settings, count: int) -> Runtime:
    """`count` new court cases polled into the adapter and accepted: `count` messages wait in the outbox."""
    runtime = build_runtime(settings)
    wanted = set(court.dispatch(count))
    while True:  # a fresh database reads the court's whole feed: poll until nothing new arrives
        before = runtime.metrics.get("inbound_applied")
        runtime.poll_platform("court")
        if runtime.metrics.get("inbound_applied") == before:
            break
    with runtime.uow.begin() as session:
        rows = session.exec(select(CaseRow.id, CaseRow.platform_case_id)).all()
    queued = [runtime.services.accept(case_id) for case_id, ajbs in rows if ajbs in wanted]
    assert len(queued) == count, f"only {len(queued)} of {count} cases reached the adapter"
    return runtime


@dataclass(frozen=True)
class Timed:
    seconds: float
    peak_rss_kib: int
    delivered: int
    cpu_seconds: float = 0.0  # the workers' CPU time while delivering (user + system, all threads)


def run_workers(
    settings: Settings,
    workers: int,
    work: Path,
    *,
    stop_after: int = 0,
    profile: Path | None = None,
    cpu_only: bool = False,
) -> Timed:
    """Start `workers` processes (bench/worker.py), release them together, and time them until the last one
    finishes; `profile`: one worker, a cProfile per thread, merged and dumped to that file, and its threads' CPU
    totals to `profile`.json (bench/thread_profile.py); with `cpu_only`, the CPU totals alone (no profiler)."""
    go = work / f"go-{uuid.uuid4().hex}"
    command = [sys.executable, "-m", "bench.worker", settings.model_dump_json(), str(go), str(stop_after)]
    if profile is not None:
        assert workers == 1, "one worker is profiled"
        command.extend([str(profile), "cpu"] if cpu_only else [str(profile)])
    processes: list[subprocess.Popen[str]] = []
    try:
        for _ in range(workers):
            processes.append(subprocess.Popen(command, stdout=subprocess.PIPE, text=True))
        for process in processes:
            assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        started = time.time()
        go.touch()
        reports = [process.communicate(timeout=900)[0].split() for process in processes]
    finally:
        kill_left(processes)
    if any(process.returncode for process in processes):
        raise RuntimeError("a worker process failed")
    return Timed(
        seconds=max(float(report[0]) for report in reports) - started,
        peak_rss_kib=max(int(report[1]) for report in reports),
        delivered=sum(int(report[2]) for report in reports),
        cpu_seconds=sum(float(report[3]) for report in reports),
    )
