"""The readiness checks (adapter/readiness.py) and the database's metrics (adapter/metrics_db.py) on a real
database: each check turns for its own reason, and the scrape-time figures follow the tables."""

from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from sqlalchemy import text

from adapter import heartbeats
from adapter.config.settings import Settings
from adapter.events.causes import platform_hold_recorder
from adapter.metrics_db import DatabaseCollector
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import JobRunRow, JobRunStatus
from adapter.readiness import Check, readiness
from scheduler import Runtime
from tests.support.court import Court
from tests.support.metrics import samples
from tests.support.runtime import pump

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


def _verdicts(checks: list[Check]) -> dict[str, bool]:
    return {check.name: check.ok for check in checks}


def _ok_run(uow: UnitOfWork, job: str, finished: datetime) -> None:
    with uow.begin() as session:
        session.add(
            JobRunRow(
                job=job, period=finished.isoformat(), holder="h:1:t", started_at=finished, lease_until=finished,
                finished_at=finished, status=JobRunStatus.OK,
            )
        )  # fmt: skip


def test_a_job_not_run_for_three_intervals_makes_the_adapter_unready(uow: UnitOfWork) -> None:
    """A process alive for a day whose reconcile-open last succeeded yesterday is stale; a fresh success cures it."""
    settings = Settings(database_url="sqlite://")
    heartbeats.beat(uow, lambda: NOW - timedelta(days=1), "h:1:t", 1, None)
    heartbeats.beat(uow, lambda: NOW, "h:1:t", 1, None)
    for job in ("reconcile-open", "deadline-sweep", "prune"):
        _ok_run(uow, job, NOW - timedelta(days=1))
    (jobs,) = [c for c in readiness(uow, settings, {}, lambda: NOW) if c.name == "jobs"]
    assert not jobs.ok and "reconcile-open" in jobs.detail and "prune" in jobs.detail
    for job in ("reconcile-open", "deadline-sweep", "prune"):
        _ok_run(uow, job, NOW - timedelta(minutes=1))
    assert _verdicts(readiness(uow, settings, {}, lambda: NOW))["jobs"]


def test_a_held_platform_and_an_old_schema_are_each_named(uow: UnitOfWork) -> None:
    """The hold's centre event (written by whichever process holds it) makes it unready until it is released;
    a schema behind the code does too."""
    settings = Settings(database_url="sqlite://")
    heartbeats.beat(uow, lambda: NOW, "h:1:t", 1, None)
    record = platform_hold_recorder(uow, lambda: NOW)
    record("gz-odr", "held", "our signature refused")
    (platforms,) = [c for c in readiness(uow, settings, {}, lambda: NOW) if c.name == "platforms"]
    assert not platforms.ok and "gz-odr" in platforms.detail
    record("gz-odr", "released", "")
    assert _verdicts(readiness(uow, settings, {}, lambda: NOW)) == dict.fromkeys(
        ("database", "migrations", "jobs", "platforms"), True
    )
    with uow.begin() as session:
        session.connection().execute(text("UPDATE alembic_version SET version_num = '0001'"))
    (migrations,) = [c for c in readiness(uow, settings, {}, lambda: NOW) if c.name == "migrations"]
    assert not migrations.ok and "docking db upgrade" in migrations.detail


def test_the_database_figures_follow_the_tables(runtime: Runtime, court: Court) -> None:
    """After two dispatches are read: feed lag per feed, centre events by status, the platform's state."""
    court.core.dispatch(2, "01")
    pump(runtime, 2)
    registry = CollectorRegistry()
    registry.register(DatabaseCollector(runtime.uow, runtime.clock, runtime.platforms))
    found = samples(generate_latest(registry).decode())
    names = {name for name, _ in found}
    assert {"docking_breaker_state", "docking_platform_held", "docking_centre_events"} <= names
    assert found[("docking_feed_lag_seconds", frozenset({("platform", "court"), ("feed", "dispatches")}))] >= 0
    assert sum(v for (n, _), v in found.items() if n == "docking_centre_events") == 2  # the two dispatches
    assert found[("docking_platform_held", frozenset({("platform", "court")}))] == 0
    assert "docking_dead_letters" not in names or all(
        v == 0 for (n, _), v in found.items() if n == "docking_dead_letters"
    )
