"""`docking run` killed with SIGKILL at random moments, again and again: nothing lost, nothing applied twice,
every case's messages applied in order."""

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlmodel import col, select

from adapter.config.settings import PlatformSettings, Settings
from adapter.persistence.tables import CaseRow, OutboxRow
from adapter.states import CaseStatus
from sandbox.court import SandboxConfig
from scheduler import build_runtime
from schemas.enums import OutcomeCode
from schemas.outcome import FailureReport
from tests.integration.conftest import Court

pytestmark = pytest.mark.integration

KILLS = 20


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    """A slow court that sometimes loses its answers: kills land mid-request and resends are needed."""
    return SandboxConfig(
        seed=5,
        redeliver_rate=0.05,
        latency_seconds=0.01,
        fault_rate=0.1,
        fault_kinds=("lost_answer", "drop", "error"),
        court_key_id="court-test",
    )


def _start(config: Path, log: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "cli", "run", "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=log.open("ab"),
    )
    deadline = time.monotonic() + 30
    while b"docking run:" not in log.read_bytes().split(b"=== start")[-1]:
        assert process.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
        time.sleep(0.02)
    return process


def _centre_step(runtime: object, rng: random.Random) -> None:
    """The centre keeps working while the adapter dies and restarts: one step on every case that can move."""
    services = runtime.services  # type: ignore[attr-defined]
    with runtime.uow.begin() as session:  # type: ignore[attr-defined]
        rows = session.exec(select(CaseRow.id, CaseRow.status)).all()
    for case_id, status in rows:
        if status == CaseStatus.PENDING_ACCEPTANCE:
            services.accept(case_id)
        elif status == CaseStatus.ACCEPTED:
            services.assign_mediator(case_id, rng.choice(["陈调解员", "李调解员"]))
        elif status == CaseStatus.MEDIATOR_ASSIGNED:
            services.hold_session(case_id, "调解")
        elif status == CaseStatus.IN_MEDIATION:
            services.record_failure(case_id, OutcomeCode.POSITIONS_TOO_FAR_APART, FailureReport(reason="分歧过大"))


def test_sigkill_at_random_moments_loses_nothing_and_doubles_nothing(court: Court, tmp_path: Path) -> None:
    """40 dispatched cases, four messages each, the adapter killed 20 times: the court ends with each message
    applied exactly once, in each case's order, and every case at rest on both sides."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'adapter.persistence.engine'}",
        deliver_seconds=0.05,
        deliver_batch=5,
        platforms={
            "court": PlatformSettings(
                base_url=court.server.url,
                signing=court.signing,
                poll_seconds=0.1,
                timeout_seconds=2,
                retry_base_seconds=0.05,
                retry_cap_seconds=0.5,
            )
        },
    )
    config = tmp_path / "docking.toml"
    config.write_text(_toml(settings))
    runtime = build_runtime(settings)  # the centre's handle on the same database
    court.core.dispatch(40, "01")
    rng, log = random.Random(42), tmp_path / "run.log"
    kills_with_work_in_hand = 0
    for kill in range(KILLS):
        log.open("ab").write(f"=== start {kill}\n".encode())
        process = _start(config, log)
        time.sleep(rng.uniform(0.05, 0.4))
        _centre_step(runtime, rng)
        with runtime.uow.begin() as session:
            busy = session.exec(select(OutboxRow.id).where(OutboxRow.status == "pending")).first() is not None
            undispatched = len(session.exec(select(CaseRow.id)).all()) < 40
        kills_with_work_in_hand += busy or undispatched
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    for _ in range(4):  # let the centre finish its cases, then one clean run drains everything
        _centre_step(runtime, rng)
    log.open("ab").write(b"=== start final\n")
    process = _start(config, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with runtime.uow.begin() as session:
            pending = session.exec(select(OutboxRow.id).where(OutboxRow.status != "delivered")).all()
            at_rest = session.exec(select(CaseRow.id).where(CaseRow.status != CaseStatus.RETURNED_TO_COURT)).all()
        if not pending and not at_rest:
            break
        _centre_step(runtime, rng)
        time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    with runtime.uow.begin() as session:
        rows = session.exec(select(OutboxRow).order_by(col(OutboxRow.case_id), col(OutboxRow.seq))).all()
        cases = {c.id: c.platform_case_id for c in session.exec(select(CaseRow)).all()}
    assert len(cases) == 40 and len(rows) == 160 and all(r.status == "delivered" for r in rows)
    assert kills_with_work_in_hand >= KILLS // 2  # the kills really interrupted work, not an idle process
    assert court.core.duplicates_applied == 0
    assert set(court.core.applications) == {r.message_id for r in rows}  # none lost, none invented
    expected: dict[str, list[str]] = {}
    for row in rows:
        expected.setdefault(cases[row.case_id], []).append(row.message_id)
    assert court.core.applied_order == expected  # each case's messages applied in its own order
    assert all(c.status == "50" for c in court.core.cases.values())


def _toml(settings: Settings) -> str:
    platform = settings.platforms["court"]
    keys = ", ".join(f'"{k}" = "{v}"' for k, v in platform.signing.court_keys.items())
    return (
        f'database_url = "{settings.database_url}"\ndeliver_seconds = {settings.deliver_seconds}\n'
        f"deliver_batch = {settings.deliver_batch}\n[platforms.court]\n"
        f'base_url = "{platform.base_url}"\npoll_seconds = {platform.poll_seconds}\n'
        f"timeout_seconds = {platform.timeout_seconds}\nretry_base_seconds = {platform.retry_base_seconds}\n"
        f"retry_cap_seconds = {platform.retry_cap_seconds}\n[platforms.court.signing]\n"
        f'keyring = "{platform.signing.keyring}"\ncourt_keys = {{ {keys} }}\n'
    )
