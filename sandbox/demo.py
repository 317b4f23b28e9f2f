"""`docking demo`: two sandbox courts (REST and SOAP) and the adapter on SQLite in a temporary directory, every
flow, reconciled.

The adapter side is the production path — the same settings, composition root, APScheduler jobs, connector,
signing and services as `docking run`; only the intervals are short. The sandbox court and the simulated
centre play the other two parties.
"""

import base64
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import func
from sqlmodel import select

from adapter.config.platform import Profile
from adapter.config.settings import DataKeySettings, EncryptionSettings, Settings
from adapter.persistence.tables import CaseRow, OutboxRow, OutboxStatus
from adapter.persistence.vault import new_key
from adapter.reconcile import reconcile
from adapter.states import CaseStatus, is_final
from adapter.stats import summarize
from sandbox.centre import SimulatedCentre
from sandbox.court import SandboxConfig
from sandbox.pairing import Pairing, pair
from sandbox.server import BaseSandboxServer
from scheduler import build_runtime, register_jobs
from signing.keyfiles import write_secret

# Two courts side by side: a JSON/REST platform and a SOAP WebService (WS-Security, court-standard XML).
COURTS = {"gz-odr": "rest", "sz-soap": "soap"}
PLATFORM = "gz-odr"  # where the centre's own (flow C) cases apply for judicial confirmation

Progress = Callable[[int, int, dict[str, int]], None]


@dataclass(frozen=True)
class DemoOutcome:
    summary: dict[str, Any]
    ok: bool
    workdir: Path


@dataclass
class _Court:
    pairing: Pairing
    server: BaseSandboxServer
    dispatched: int = 0


def run_demo(
    cases: int = 100,
    *,
    seed: int = 7,
    workdir: Path | None = None,
    timeout: float = 300.0,
    progress: Progress | None = None,
    profile: Profile = "jws-detached",
    chaos: float = 0.0,
) -> DemoOutcome:
    started = time.monotonic()
    work = workdir or Path(tempfile.mkdtemp(prefix="docking-demo-"))
    # With chaos the courts fail that share of requests (5xx, 429, timeouts, dropped connections, lost answers,
    # short outages); the adapter retries on a demo-sized schedule and its breaker cools down quickly.
    courts: dict[str, _Court] = {}
    for index, (name, transport) in enumerate(COURTS.items()):
        sandbox = SandboxConfig(seed=seed + index, fault_rate=chaos, outage_seconds=2.0 if chaos else 0.0)
        pairing = pair(work / name, sandbox, profile=profile, transport=transport)  # type: ignore[arg-type]
        courts[name] = _Court(pairing, pairing.serve())
    settings = Settings(
        database_url=f"sqlite:///{work / 'docking.db'}",
        encryption=_demo_data_key(work),
        deliver_seconds=0.1,
        platforms={
            name: court.pairing.platform(
                court.server,
                poll_seconds=0.2,
                timeout_seconds=1.0 if chaos else 5.0,
                retry_base_seconds=0.2,
                retry_cap_seconds=3.0,
                breaker_cooldown_seconds=1.0,
            )
            for name, court in courts.items()
        },
    )
    runtime = build_runtime(settings)
    centre = SimulatedCentre(runtime.services, runtime.uow, PLATFORM, seed)
    scheduler = BackgroundScheduler(timezone="UTC")
    register_jobs(scheduler, runtime)
    self_received = max(1, cases // 10) if cases >= 2 else 0
    batches = _split(cases - self_received, 4)  # courts send cases in batches, as they do credit-card runs
    cores = [court.pairing.core for court in courts.values()]
    try:
        scheduler.start()
        centre.intake(self_received)
        while time.monotonic() - started < timeout:
            if batches:  # each batch is shared between the courts
                for court, share in zip(courts.values(), _split(batches.pop(0), len(courts)), strict=False):
                    court.pairing.core.dispatch(share)
                    court.dispatched += share
            centre.step()
            done, pending = _progress(runtime.uow)
            if progress:
                progress(done, cases, runtime.metrics.snapshot())
            quiet = all(core.pending_decisions() == 0 for core in cores)
            if not batches and done == cases and pending == 0 and quiet:
                break
            time.sleep(0.05)
    finally:
        scheduler.shutdown(wait=True)
    for core in cores:  # the storm is over: now prove every side agrees
        core.config.fault_rate, core.config.outage_seconds = 0.0, 0.0
    report = reconcile(runtime.uow, runtime.platforms)
    for court in courts.values():
        court.server.stop()
    metrics = runtime.metrics.snapshot()
    summary = summarize(runtime.uow)
    done, _ = _progress(runtime.uow)
    duplicates_applied = sum(core.duplicates_applied for core in cores)
    summary.update(
        {
            "cases_final": done,
            "messages_retried": metrics.get("outbound_retried", 0),
            "duplicates_dropped": metrics.get("inbound_duplicate", 0),
            "duplicates_dropped_by_platform": sum(core.duplicates_dropped for core in cores),
            "duplicates_applied_by_platform": duplicates_applied,
            "faults_injected": sum(sum(core.faults.values()) for core in cores),
            "breaker_opened": metrics.get("breaker_opened", 0),
            "reconciliation_checked": report.checked,
            "reconciliation_differences": len(report.differences),
            "platforms": _per_platform(runtime.uow, courts),
            "seconds": round(time.monotonic() - started, 2),
        }
    )
    ok = (
        done == summary["cases"] == cases
        and not report.differences
        and summary["messages_pending"] == 0
        and summary["messages_dead"] == 0
        and duplicates_applied == 0
    )
    return DemoOutcome(summary, ok, work)


def _demo_data_key(work: Path) -> EncryptionSettings:
    """Personal data is sealed in the demo too; `docking.toml` beside the database lets `docking cases` open it."""
    key_file = work / "pii-demo.key"
    if not key_file.exists():
        write_secret(key_file, base64.b64encode(new_key("demo").key))
    (work / "docking.toml").write_text(
        f'database_url = "sqlite:///docking.db"\n\n[encryption]\nactive = "demo"\n'
        f'[encryption.keys.demo]\nkey_file = "{key_file.name}"\n',
        encoding="utf-8",
    )
    return EncryptionSettings(active="demo", keys={"demo": DataKeySettings(key_file=key_file)})


def _per_platform(uow: Any, courts: dict[str, _Court]) -> dict[str, dict[str, Any]]:
    with uow.begin() as session:
        delivered = session.exec(
            select(OutboxRow.platform, func.count())
            .where(OutboxRow.status == OutboxStatus.DELIVERED)
            .group_by(OutboxRow.platform)
        ).all()
    counts = dict(delivered)
    return {
        name: {
            "transport": COURTS[name],
            "dispatched": court.dispatched,
            "messages_delivered": counts.get(name, 0),
        }
        for name, court in courts.items()
    }


def _split(total: int, parts: int) -> list[int]:
    size, extra = divmod(total, parts)
    return [n for n in (size + (1 if i < extra else 0) for i in range(parts)) if n]


def _progress(uow: Any) -> tuple[int, int]:
    with uow.begin() as session:
        rows = session.exec(select(CaseRow.status, CaseRow.platform)).all()
        pending = len(session.exec(select(OutboxRow.id).where(OutboxRow.status == OutboxStatus.PENDING)).all())
    done = sum(1 for status, platform in rows if is_final(CaseStatus(status), platform is not None))
    return done, pending
