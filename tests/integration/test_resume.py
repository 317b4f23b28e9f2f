"""`docking run` killed with SIGKILL mid-batch: the process restarted in its place resumes within seconds — the
interrupted batch re-sent, the feed polled — with nothing applied twice; SIGTERM leaves nothing leased (#14)."""

import signal
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import col, select

from adapter.config.platform import PlatformSettings
from adapter.config.settings import Settings
from adapter.persistence.tables import CaseRow, JobLockRow, OutboxRow
from sandbox.court import SandboxConfig
from scheduler import build_runtime
from schemas.clock import from_db
from tests.support.cli import run_toml, start_run
from tests.support.court import Court

pytestmark = pytest.mark.integration

RESUMED_WITHIN = 10.0  # seconds from the restarted process's start-up to its first send and its first poll
CASES = 12


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    """A slow court (0.3 s a request), so a batch of sends is in progress when the kill lands."""
    return SandboxConfig(seed=11, redeliver_rate=0.0, latency_seconds=0.3, court_key_id="court-test")


def _wait(what: str, done, seconds: float = 60.0) -> float:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    while not done():
        assert time.monotonic() - started < seconds, f"timed out waiting for {what}"
        time.sleep(0.05)
    return time.monotonic() - started


def test_a_worker_restarted_after_sigkill_resumes_within_seconds(court: Court, tmp_path: Path) -> None:
    """Default timeouts (10 s): killed while its claim is leased, the restarted worker re-sends the interrupted
    batch and polls the feed within RESUMED_WITHIN seconds of starting; every message is applied exactly once."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'adapter.db'}",
        deliver_seconds=0.5,
        deliver_batch=CASES,
        platforms={
            "court": PlatformSettings(
                base_url=court.server.url,
                signing=court.signing,
                poll_seconds=1,
                # two in flight (#21): the batch of 12 takes about 1.8 s, so the kill lands in it (with the default
                # 16 in flight it would all be sent, at once, in 0.3 s)
                max_in_flight=2,
            )
        },
    )
    config = tmp_path / "docking.toml"
    config.write_text(run_toml(settings))
    runtime = build_runtime(settings)  # the centre's handle on the same database
    uow, log = runtime.uow, tmp_path / "run.log"

    def rows(*where):  # type: ignore[no-untyped-def]
        with uow.begin() as session:
            return session.exec(select(OutboxRow).where(*where).order_by(col(OutboxRow.id))).all()

    def cases() -> int:
        with uow.begin() as session:
            return len(session.exec(select(CaseRow.id)).all())

    court.core.dispatch(CASES, "01")
    log.write_bytes(b"=== start 1\n")
    first = start_run(config, log)
    _wait("the dispatches", lambda: cases() == CASES)
    with uow.begin() as session:
        ids = session.exec(select(CaseRow.id)).all()
    for case_id in ids:
        runtime.services.accept(case_id)
    _wait("a batch in progress", lambda: rows(OutboxRow.status == "pending", OutboxRow.claimed_by != None))  # noqa: E711
    time.sleep(1.0)  # a few sends into it
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    interrupted = [r.id for r in rows(OutboxRow.status == "pending", OutboxRow.claimed_by != None)]  # noqa: E711
    assert interrupted, "the kill landed with a claim in hand"
    court.core.dispatch(1, "01")  # for the restarted worker's first poll

    log.open("ab").write(b"=== start 2\n")
    second = start_run(config, log)  # returns once it has logged "docking run:"
    sent = _wait(
        "the interrupted batch", lambda: all(r.status == "delivered" for r in rows(col(OutboxRow.id).in_(interrupted)))
    )
    polled = _wait("the first poll", lambda: cases() == CASES + 1)
    assert sent < RESUMED_WITHIN and polled < RESUMED_WITHIN, (sent, polled)

    _wait("every message", lambda: not rows(OutboxRow.status != "delivered"))

    for case_id in ids:  # more work, and a clean stop while it is in progress
        runtime.services.assign_mediator(case_id, "陈调解员")
    _wait("a batch in progress", lambda: rows(OutboxRow.status == "pending", OutboxRow.claimed_by != None))  # noqa: E711
    second.send_signal(signal.SIGTERM)
    assert second.wait(timeout=30) == 0
    assert rows(OutboxRow.claimed_by != None) == []  # noqa: E711 — given back, not left to lapse
    with uow.begin() as session:
        locks = session.exec(select(JobLockRow)).all()
    assert locks and all(from_db(lock.lease_until) <= datetime.now(UTC) for lock in locks)

    log.open("ab").write(b"=== start 3\n")
    third = start_run(config, log)
    _wait("every message", lambda: not rows(OutboxRow.status != "delivered"), RESUMED_WITHIN)
    third.send_signal(signal.SIGTERM)
    assert third.wait(timeout=30) == 0
    assert court.core.duplicates_applied == 0
    assert sorted(court.core.applications) == sorted(r.message_id for r in rows())
    assert set(court.core.applications.values()) == {1}
