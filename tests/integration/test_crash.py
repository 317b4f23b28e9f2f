"""`docking run` killed with SIGKILL at random moments, again and again: nothing lost, nothing applied twice,
every case's messages applied in order."""

import random
import signal
import time
from pathlib import Path

import pytest
from sqlmodel import col, select

from adapter.config.platform import PlatformSettings
from adapter.config.settings import Settings
from adapter.persistence.tables import CaseRow, OutboxRow
from adapter.states import CaseStatus
from sandbox.court import SandboxConfig
from scheduler import build_runtime
from tests.support.api import Forks
from tests.support.cli import run_toml, wait_started
from tests.support.court import Court
from tests.support.runtime import centre_step

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


def test_sigkill_at_random_moments_loses_nothing_and_doubles_nothing(court: Court, tmp_path: Path) -> None:
    """40 dispatched cases, four messages each, the adapter killed 20 times: the court ends with each message
    applied exactly once, in each case's order, and every case at rest on both sides."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'adapter.db'}",
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
    config.write_text(run_toml(settings))
    runtime = build_runtime(settings)  # the centre's handle on the same database
    court.core.dispatch(40, "01")
    rng, log = random.Random(42), tmp_path / "run.log"
    kills_with_work_in_hand = 0
    forks = Forks(config, "run")  # `docking run` forked from a process that imported it once: no import time per kill
    try:
        for kill in range(KILLS):
            log.open("ab").write(f"=== start {kill}\n".encode())
            killed = forks.start(log)
            wait_started(killed, log)
            time.sleep(rng.uniform(0.05, 0.4))
            centre_step(runtime, rng)
            with runtime.uow.begin() as session:
                busy = session.exec(select(OutboxRow.id).where(OutboxRow.status == "pending")).first() is not None
                undispatched = len(session.exec(select(CaseRow.id)).all()) < 40
            kills_with_work_in_hand += busy or undispatched
            killed.send_signal(signal.SIGKILL)
            killed.wait(timeout=10)
        for _ in range(4):  # let the centre finish its cases, then one clean run drains everything
            centre_step(runtime, rng)
        log.open("ab").write(b"=== start final\n")
        final = forks.start(log)  # its exit status is asserted (the fork process reports it)
        wait_started(final, log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with runtime.uow.begin() as session:
                pending = session.exec(select(OutboxRow.id).where(OutboxRow.status != "delivered")).all()
                at_rest = session.exec(select(CaseRow.id).where(CaseRow.status != CaseStatus.RETURNED_TO_COURT)).all()
            if not pending and not at_rest:
                break
            centre_step(runtime, rng)
            time.sleep(0.2)
        final.send_signal(signal.SIGTERM)
        assert final.wait(timeout=30) == 0
    finally:
        forks.close()
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
