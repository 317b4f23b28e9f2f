"""`docking demo`: three sandbox courts (REST and SOAP that we poll, one that pushes to us), three sandbox
institutions' complaint desks (two polled, one pushing) and the adapter on SQLite in a temporary directory, every
flow, reconciled.

The adapter side is the production path — the same settings, composition root, APScheduler jobs, connector,
signing and services as `docking run`, and the HTTP API of `docking serve` on a loopback port (the CLI hands it
in as an `ApiHost`: the sandbox drives the API over HTTP and may not import it); only the intervals are short.
The sandbox courts and the simulated centre play the other two parties: the pushing court POSTs its items to
/api/court/v1/…, the centre drives every case through /api/centre/v1/… and hears of cases by signed webhooks
(sandbox/centre.py, sandbox/hooks.py); its complaint desk files complaints through /api/centre/v1/complaints and
the institutions answer them (sandbox/complaint_demo.py) — those converted to mediation become flow-C cases the
centre works like its own, and count among `cases`.
"""

import base64
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import requests
from apscheduler.schedulers.background import BackgroundScheduler
from pydantic import SecretStr
from sqlalchemy import func
from sqlmodel import select

from adapter.config.partners import PartnerOptions
from adapter.config.platform import Profile
from adapter.config.settings import DataKeySettings, EncryptionSettings, Settings
from adapter.events.settings import EventSettings
from adapter.events.store import EVENTS
from adapter.persistence.tables import CaseEventRow, CaseRow, OutboxRow, OutboxStatus
from adapter.persistence.vault import new_key
from adapter.reconcile import reconcile
from adapter.states import CaseStatus, Event, is_final
from adapter.stats import summarize
from sandbox.centre import SimulatedCentre
from sandbox.complaint_demo import ComplaintDemo
from sandbox.court import SandboxConfig
from sandbox.hooks import WebhookReceiver
from sandbox.pairing import Pairing, pair
from sandbox.partner_demo import PartnerDemo
from sandbox.push import PushCourt
from sandbox.seal_demo import demo_seal
from sandbox.server import BaseSandboxServer
from scheduler import Runtime, build_runtime, register_jobs
from schemas.clock import utc_now
from signing.keyfiles import write_secret

# Three courts side by side: a JSON/REST platform and a SOAP WebService (WS-Security, court-standard XML) that we
# poll, and a REST platform that pushes its dispatches and rulings to us (it still receives our messages by REST).
COURTS = {"gz-odr": "rest", "sz-soap": "soap", "hz-push": "rest"}
MODES = {"hz-push": "push"}  # the others: poll
PLATFORM = "gz-odr"  # where the centre's own (flow C) cases apply for judicial confirmation

Progress = Callable[[int, int, dict[str, int]], None]


class ApiHost(Protocol):
    """Serves the adapter's HTTP API over a runtime (api/host.py ThreadedApi; the sandbox may not import api/)."""

    def start(self, runtime: Runtime) -> str: ...  # the base URL, once it listens

    def client(self, runtime: Runtime, name: str, role: str) -> str: ...  # a new client's key

    def stop(self) -> None: ...


@dataclass(frozen=True)
class DemoOutcome:
    summary: dict[str, Any]
    ok: bool
    workdir: Path
    api: dict[str, str] | None = None  # --keep-running: url, centre and ops keys, a case waiting for acceptance


@dataclass
class _Court:
    pairing: Pairing
    server: BaseSandboxServer
    dispatched: int = 0
    pusher: PushCourt | None = None


@dataclass
class _Tally:
    """Every answer the demo's HTTP clients (the simulated centre, the pushing court) got from the API."""

    answers: int = 0
    errors_5xx: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)  # the centre's workers and the push court count

    def __call__(self, answer: requests.Response) -> None:
        with self._lock:
            self.answers += 1
            self.errors_5xx += answer.status_code >= 500


def run_demo(
    cases: int = 100,
    *,
    seed: int = 7,
    workdir: Path | None = None,
    timeout: float = 300.0,
    progress: Progress | None = None,
    profile: Profile = "jws-detached",
    chaos: float = 0.0,
    court_latency: tuple[float, float] = (0.0, 0.0),
    host: ApiHost,
    keep_running: bool = False,
    complaints: int | None = None,
) -> DemoOutcome:
    """Run the demo; with `keep_running` the API stays up (the caller stops `host`) with a case waiting for
    acceptance, and the outcome's `api` says where and with which keys. `complaints`: how many complaints the
    centre receives (default cases × 6 ÷ 10: the seed forwards ~6.5 complaints per mediation case, scaled down to
    keep the demo quick); those converted to mediation take the place of centre intakes, so `cases` stays the
    total."""
    started = time.monotonic()
    work = workdir or Path(tempfile.mkdtemp(prefix="docking-demo-"))
    # With chaos the courts fail that share of requests (5xx, 429, timeouts, dropped connections, lost answers,
    # short outages); the adapter retries on a demo-sized schedule and its breaker cools down quickly.
    courts: dict[str, _Court] = {}
    for index, (name, transport) in enumerate(COURTS.items()):
        sandbox = SandboxConfig(
            seed=seed + index,
            fault_rate=chaos,
            outage_seconds=2.0 if chaos else 0.0,
            latency_seconds=court_latency[0],  # (seconds, jitter): `docking demo --court-latency`
            latency_jitter_seconds=court_latency[1],
        )
        pairing = pair(work / name, sandbox, profile=profile, transport=transport)  # type: ignore[arg-type]
        courts[name] = _Court(pairing, pairing.serve())
    tally = _Tally()
    side = ComplaintDemo.start(work, profile, seed, cases * 6 // 10 if complaints is None else complaints)
    partners = PartnerDemo.start(work, profile, seed, cases)
    centre: SimulatedCentre | None = None
    receiver = WebhookReceiver(lambda event: centre.heard(event) if centre else None)
    settings = Settings(
        database_url=f"sqlite:///{work / 'docking.db'}",
        encryption=_demo_data_key(work),
        deliver_seconds=0.1,
        platforms={
            name: court.pairing.platform(
                court.server,
                mode=MODES.get(name, "poll"),
                poll_seconds=0.2,
                timeout_seconds=1.0 if chaos else 5.0,
                retry_base_seconds=0.2,
                retry_cap_seconds=3.0,
                breaker_cooldown_seconds=1.0,
            )
            for name, court in courts.items()
        },
        desks=side.institutions.settings(
            poll_seconds=0.2, timeout_seconds=5.0, retry_base_seconds=0.2, retry_cap_seconds=3.0
        ),
        partners=partners.settings(
            poll_seconds=0.2, timeout_seconds=5.0, retry_base_seconds=0.2, retry_cap_seconds=3.0
        ),
        partner_jobs=PartnerOptions(deliver_seconds=0.1),
        seal=demo_seal(work, utc_now()),  # agreements reach the courts sealed (adapter/seal/)
        events=EventSettings(
            urls=[receiver.url],
            secrets=[SecretStr(receiver.secret)],
            deliver_seconds=0.1,
            retry_base_seconds=0.2,
            retry_cap_seconds=3.0,
        ),
    )
    runtime = build_runtime(settings)
    base = host.start(runtime)
    centre = SimulatedCentre(base, host.client(runtime, "demo-centre", "centre"), PLATFORM, seed, tally=tally)
    for name, court in courts.items():
        if MODES.get(name) == "push":
            court.pusher = PushCourt(court.pairing.core, base, host.client(runtime, f"{name}-court", f"court:{name}"))
            court.pusher._session.hooks["response"].append(lambda answer, *_, **__: tally(answer))
    # the roster active before the centre assigns its mediators; the traffic platform pushing to the API
    partners.connect(runtime, base, lambda name, role: host.client(runtime, name, role), tally)
    scheduler = BackgroundScheduler(timezone="UTC")
    register_jobs(scheduler, runtime)
    self_received = max(1, cases // 10) if cases >= 2 else 0
    intakes = self_received - side.connect(
        base,
        host.client(runtime, "demo-complaints", "centre"),
        lambda desk: host.client(runtime, f"{desk}-desk", f"desk:{desk}"),
        tally,
        lambda case_id: centre.heard({"case_id": case_id}) if centre else None,
        mediation_at_most=self_received,
    )
    batches = _split(cases - self_received, 4)  # courts send cases in batches, as they do credit-card runs
    cores = [court.pairing.core for court in courts.values()]
    try:
        scheduler.start()
        for court in courts.values():
            if court.pusher is not None:
                court.pusher.start(every=0.2)
        centre.intake(intakes)
        while time.monotonic() - started < timeout:
            if batches:  # each batch is shared between the courts
                for court, share in zip(courts.values(), _split(batches.pop(0), len(courts)), strict=False):
                    court.pairing.core.dispatch(share)
                    court.dispatched += share
            side.step()
            partners.step()
            centre.step()
            done, pending = _progress(runtime.uow)
            if progress:
                progress(done, cases, {**runtime.metrics.snapshot(), **side.progress()})
            quiet = all(core.pending_decisions() == 0 for core in cores)
            settled = not batches and done == cases and pending == 0 and quiet and side.done(runtime.uow)
            settled = settled and partners.done(runtime.uow)
            if settled and _events(runtime.uow)["pending"] == 0:
                break
            time.sleep(0.05)
    finally:
        for court in courts.values():
            if court.pusher is not None:
                court.pusher.stop()
        side.institutions.stop_pushing()
        partners.stop_pushing()
        scheduler.shutdown(wait=True)
        receiver.stop()
        if centre is not None:
            centre.close()
        if not keep_running:
            host.stop()
    for core in cores:  # the storm is over: now prove every side agrees
        core.config.fault_rate, core.config.outage_seconds = 0.0, 0.0
    report = reconcile(runtime.uow, runtime.platforms)
    for court in courts.values():
        court.server.stop()
    complaint_figures = side.finish(runtime)
    partner_figures = partners.finish(runtime)  # registers the closed flow-C cases with the SPC platform first
    metrics = runtime.metrics.snapshot()
    summary = summarize(runtime.uow)
    done, _ = _progress(runtime.uow)
    duplicates_applied = sum(core.duplicates_applied for core in cores)
    events = _events(runtime.uow)
    centre.say_missed()
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
            "events_delivered": events["delivered"],
            "agreements_sealed": _agreements_sealed(runtime.uow),
            "events_dead": events["dead"],
            "events_received_by_centre": receiver.counts["received"],
            "events_verified_with": receiver.verifier,
            "centre_found_by_listing": centre.found_by_listing,  # case changes its listing saw and no event said
            # Counted from the answers the demo's HTTP clients (simulated centre, pushing court) saw, every request
            # (reads too); the API's own api_audit table records only the state-changing calls.
            "api_requests": tally.answers,
            "api_errors_5xx": tally.errors_5xx,
            "api_precondition_failed": centre.refusals[412],  # If-Match refused: a court moved the case first
            **complaint_figures,
            **partner_figures,
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
        and tally.errors_5xx == 0
        and events["dead"] == 0
        and complaint_figures["complaints"] == complaint_figures["complaints_filed"] == side.count
        and complaint_figures["complaints_at_rest"] == side.count
        and complaint_figures["complaint_messages_dead"] == 0
        and complaint_figures["complaint_messages_pending"] == 0
        and complaint_figures["complaint_reconciliation_differences"] == 0
        and partners.ok(partner_figures)
    )
    api = _leave_running(runtime, host, base, courts) if keep_running else None  # after the figures: one case more
    if not keep_running:  # its heartbeat withdrawn: `docking status` then showed the ended demo "pid not running"
        runtime.stop()
    return DemoOutcome(summary, ok, work, api)


def _leave_running(runtime: Runtime, host: ApiHost, base: str, courts: dict[str, _Court]) -> dict[str, str]:
    """Keys for the README's curl examples, and one case waiting for acceptance to accept with them: the pushing
    court dispatches it and pushes it once (the jobs have stopped; the API takes the push in as it is)."""
    pushing = next(court for court in courts.values() if court.pusher is not None)
    assert pushing.pusher is not None
    (ajbs,) = pushing.pairing.core.dispatch(1, "01")  # 委派: waits for the centre to accept it
    before = len(pushing.pusher.receipts)
    pushing.pusher.push_once()
    receipt = next((r for r in pushing.pusher.receipts[before:] if r.get("result") == "accepted"), None)
    if receipt is None:
        raise RuntimeError(f"the pushing court's dispatch {ajbs} was not accepted: {pushing.pusher.receipts[before:]}")
    return {
        "url": base,
        "key": host.client(runtime, "try-the-api", "centre"),
        "ops_key": host.client(runtime, "demo-ops", "ops"),
        "case": str(receipt["case_id"]),
        "court_case": ajbs,
    }


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
            "mode": MODES.get(name, "poll"),
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


def _agreements_sealed(uow: Any) -> int:
    """Agreements the centre sealed: the history entries that say "sealed" (adapter/seal/agreement.py's note), read
    in Python because the detail may be encrypted at rest."""
    events = (Event.DRAFT_AGREEMENT.value, Event.APPLY_JC.value)
    with uow.begin() as session:
        details = session.exec(select(CaseEventRow.detail).where(CaseEventRow.event.in_(events))).all()  # type: ignore[attr-defined]
    return sum(1 for detail in details if "sealed" in (detail or ""))


def _events(uow: Any) -> dict[str, int]:
    """Centre events by delivery status (pending, delivered, dead)."""
    with uow.begin() as session:
        rows = session.execute(select(EVENTS.c.status, func.count()).group_by(EVENTS.c.status)).all()
    counts = {str(status): int(n) for status, n in rows}
    return {key: counts.get(key, 0) for key in ("pending", "delivered", "dead")}
