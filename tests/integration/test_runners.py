"""Two `docking run` processes on one PostgreSQL: polling and delivery shared safely, and every singleton job
(reconcile, the deadline sweep, pruning) run once per period — by whichever process got there first."""

import random
import signal
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlmodel import select

from adapter.config.platform import PlatformSettings
from adapter.config.settings import JobSettings, Settings
from adapter.persistence.tables import CaseRow, JobRunRow, OutboxRow, ReconcileRunRow
from adapter.testing import fresh_database
from scheduler import build_runtime
from tests.support.cli import run_toml, spawn_run, wait_started
from tests.support.court import Court
from tests.support.runtime import centre_step

pytestmark = pytest.mark.integration

# ~20 periods of each singleton job. What is shown is one run per period, whatever the period's length, so the
# period is short; not shorter, so a run of the job on a loaded machine still ends within its period (3 s and 90 s
# before: the same proof at more than twice the wall time).
SECONDS = 40
PERIOD = 2.0
SINGLETONS = ("reconcile-open", "deadline-sweep", "prune")


def test_two_runners_share_the_work_and_run_each_singleton_once_per_period(
    court: Court, postgres: str, tmp_path: Path
) -> None:
    settings = Settings(
        database_url=fresh_database(postgres),
        deliver_seconds=0.2,
        platforms={
            "court": PlatformSettings(
                base_url=court.server.url, signing=court.signing, poll_seconds=0.3, timeout_seconds=2
            )
        },
    )
    config = tmp_path / "docking.toml"
    config.write_text(
        run_toml(settings)
        + f"[jobs]\nreconcile_seconds = {PERIOD}\ndeadline_sweep_seconds = {PERIOD}\nprune_seconds = {PERIOD}\n"
        "misfire_grace_seconds = 30\n"
    )
    runtime = build_runtime(settings.model_copy(update={"jobs": JobSettings()}))  # the centre's own handle
    court.core.dispatch(30, "01")
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    runners = [spawn_run(config, log) for log in logs]  # both start at once, as two services would
    for process, log in zip(runners, logs, strict=True):
        wait_started(process, log)
    rng, started = random.Random(3), time.monotonic()
    while time.monotonic() - started < SECONDS:
        centre_step(runtime, rng)  # the centre keeps moving cases, so both runners have messages to deliver
        time.sleep(1.0)
        if time.monotonic() - started > SECONDS / 2 and len(court.core.cases) < 60:
            court.core.dispatch(30, "01")  # a second batch half-way through
    for process in runners:
        process.send_signal(signal.SIGTERM)
    assert [p.wait(timeout=60) for p in runners] == [0, 0], [log.read_text()[-1500:] for log in logs]

    with runtime.uow.begin() as session:
        runs = session.exec(select(JobRunRow)).all()
        reconciles = session.exec(select(ReconcileRunRow)).all()
        cases = session.exec(select(CaseRow.platform_case_id)).all()
        outbox = session.exec(select(OutboxRow.status)).all()
    by_job = Counter(r.job for r in runs)
    periods = {job: sorted(int(r.period[1:]) for r in runs if r.job == job) for job in SINGLETONS}
    for job in SINGLETONS:
        span = periods[job][-1] - periods[job][0] + 1
        assert by_job[job] >= SECONDS / PERIOD * 0.6, (job, by_job)
        assert len(set(periods[job])) == by_job[job], f"{job} ran twice in a period"
        assert by_job[job] >= span * 0.8, f"{job} skipped periods: {periods[job]}"
    assert all(r.status == "ok" for r in runs), [(r.job, r.detail) for r in runs if r.status != "ok"]
    # Each reconcile-open period produced exactly one stored reconciliation run: the job body ran once.
    assert sum(1 for r in reconciles if r.actor == "scheduler") == by_job["reconcile-open"] + by_job.get(
        "reconcile-nightly", 0
    )
    assert sorted(cases) == sorted(court.core.cases), "every dispatch ingested once by the shared polling"
    assert court.core.duplicates_applied == 0
    assert outbox and all(status == "delivered" for status in outbox)
    holders = {r.holder.rsplit(":", 2)[1] for r in runs}
    assert holders <= {str(p.pid) for p in runners}
