"""Singleton jobs across processes: once per period, takeover from a dead holder, poll leases; job registration."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlmodel import select

from adapter import heartbeats
from adapter.config.settings import JobSettings, Settings
from adapter.job_locks import JobLock, interval_period, once_per_period
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import JobRunRow
from adapter.testing import FakeClock
from scheduler import build_runtime, register_jobs

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
LEASE = timedelta(minutes=10)


def _runs(uow: UnitOfWork) -> list[JobRunRow]:
    with uow.begin() as session:
        return list(session.exec(select(JobRunRow).order_by(JobRunRow.id)).all())  # type: ignore[arg-type]


def _work(ran: list[str], tag: str, result: dict[str, int]) -> Callable[[], dict[str, int]]:
    def work() -> dict[str, int]:
        ran.append(tag)
        return result

    return work


def test_a_period_runs_once_whoever_asks(uow: UnitOfWork) -> None:
    clock, ran = FakeClock(T0), list[str]()
    assert once_per_period(uow, clock, "sweep", "p1", "A", LEASE, _work(ran, "A", {"n": 1}))
    assert not once_per_period(uow, clock, "sweep", "p1", "B", LEASE, _work(ran, "B", {}))
    assert not once_per_period(uow, clock, "sweep", "p1", "A", LEASE, _work(ran, "A2", {}))
    assert once_per_period(uow, clock, "sweep", "p2", "B", LEASE, _work(ran, "B", {}))
    assert once_per_period(uow, clock, "report", "p1", "B", LEASE, _work(ran, "R", {}))
    assert ran == ["A", "B", "R"]
    (first, *_) = _runs(uow)
    assert first.status == "ok" and first.detail == '{"n": 1}' and first.finished_at is not None


def test_a_failed_run_is_recorded_raised_and_retried(uow: UnitOfWork) -> None:
    def boom() -> dict[str, int]:
        raise RuntimeError("platform exploded")

    with pytest.raises(RuntimeError):
        once_per_period(uow, FakeClock(T0), "sweep", "p1", "A", LEASE, boom)
    (run,) = _runs(uow)
    assert run.status == "failed" and "platform exploded" in run.detail
    assert once_per_period(uow, FakeClock(T0), "sweep", "p1", "B", LEASE, lambda: {"n": 2}), "a failed run is retried"
    (run,) = _runs(uow)
    assert run.status == "ok" and run.holder == "B" and run.detail == '{"n": 2}'
    assert not once_per_period(uow, FakeClock(T0), "sweep", "p1", "A", LEASE, lambda: {}), "but an ok one is not"


def test_a_run_whose_holder_died_is_taken_over_after_its_lease_only(uow: UnitOfWork) -> None:
    clock = FakeClock(T0)
    with uow.begin() as session:  # holder A started the period and was killed before finishing
        session.add(JobRunRow(job="sweep", period="p1", holder="A", started_at=T0, lease_until=T0 + LEASE))
    clock.now = T0 + LEASE - timedelta(seconds=1)
    assert not once_per_period(uow, clock, "sweep", "p1", "B", LEASE, lambda: {})
    clock.now = T0 + LEASE + timedelta(seconds=1)
    assert once_per_period(uow, clock, "sweep", "p1", "B", LEASE, lambda: {"took": "over"})
    (run,) = _runs(uow)
    assert run.holder == "B" and run.status == "ok"


def test_interval_periods_agree_across_processes() -> None:
    assert interval_period(T0, 600) == interval_period(T0 + timedelta(seconds=599), 600)
    assert interval_period(T0, 600) != interval_period(T0 + timedelta(seconds=600), 600)


def test_a_poll_lease_has_one_holder_until_it_lapses_or_is_released(uow: UnitOfWork) -> None:
    clock = FakeClock(T0)
    a = JobLock(uow, clock, "poll:gz", "A", timedelta(seconds=30))
    b = JobLock(uow, clock, "poll:gz", "B", timedelta(seconds=30))
    assert a.acquire() and not b.acquire()
    clock.now += timedelta(seconds=20)
    assert a.acquire(), "the holder renews"
    clock.now += timedelta(seconds=29)
    assert not b.acquire(), "renewed 29 s ago: still A's"
    clock.now += timedelta(seconds=2)
    assert b.acquire() and not a.acquire(), "A stopped renewing: B takes over"
    b.release()
    assert a.acquire()
    assert JobLock(uow, clock, "poll:other", "B", timedelta(seconds=30)).acquire(), "leases are per platform"


def test_every_job_is_registered_with_a_fixed_id_and_a_real_misfire_grace(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/r.db",
        jobs=JobSettings(misfire_grace_seconds=420, nightly_reconcile_at="03:15", monthly_report_at="07:05"),
    )
    runtime = build_runtime(settings)
    scheduler = BackgroundScheduler(timezone="UTC")
    register_jobs(scheduler, runtime)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {
        "deliver",
        "reconcile-open",
        "reconcile-nightly",
        "deadline-sweep",
        "prune",
        "monthly-report",
        "heartbeat",  # names this process's data keys for `docking keys rotate-data` (adapter/heartbeats.py)
        "deliver-alerts",  # alerts to the [alerts] destinations (scheduler/alerts.py)
        "evaluate-alerts",  # conditions that clear, failing jobs, stale feeds (adapter/alerts/evaluate.py)
    }
    for job in jobs.values():
        assert job.max_instances == 1 and job.coalesce and job.misfire_grace_time == 420
    assert all(str(job.trigger).startswith("interval[") for job in jobs.values())
    assert jobs["reconcile-nightly"].trigger.interval.total_seconds() == 3600
    assert jobs["heartbeat"].trigger.interval == heartbeats.PERIOD


@pytest.mark.parametrize(
    ("china_time", "day", "month"),
    [
        ("2026-11-23 02:29", "2026-11-22", "2026-10"),  # before 03:15: yesterday's nightly pass is the one due
        ("2026-11-23 03:15", "2026-11-23", "2026-10"),
        ("2026-12-01 07:04", "2026-12-01", "2026-10"),  # the 1st before 07:05: November's report is not due yet
        ("2026-12-01 07:05", "2026-12-01", "2026-11"),
    ],
)
def test_nightly_and_monthly_periods_follow_china_time(tmp_path: Path, china_time: str, day: str, month: str) -> None:
    clock = FakeClock(datetime.fromisoformat(china_time + "+08:00"))
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/p.db",
        jobs=JobSettings(nightly_reconcile_at="03:15", monthly_report_at="07:05"),
    )
    routines = build_runtime(settings, clock=clock).routines
    assert routines is not None
    assert routines.reconcile_nightly() and routines.monthly_report()
    assert not routines.reconcile_nightly() and not routines.monthly_report(), "once per period"
    with UnitOfWork(routines.uow.engine).begin() as session:
        periods = {r.job: r.period for r in session.exec(select(JobRunRow)).all()}
    assert periods == {"reconcile-nightly": day, "monthly-report": month}
