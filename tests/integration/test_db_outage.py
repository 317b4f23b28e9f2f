"""The outage tracker: two lines per outage, a count, and only real database work ends an outage."""

import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from adapter.persistence.engine import make_engine
from adapter.persistence.outage import DatabaseOutage

pytestmark = pytest.mark.integration


def _locked_database(tmp_path: Path) -> tuple[Engine, Callable[[], None], sqlite3.Connection]:
    """An engine whose every write fails for real with SQLITE_BUSY: another connection holds the write lock."""
    engine = make_engine(f"sqlite:///{tmp_path / 'd.db'}", busy_timeout=0.01)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
    other = sqlite3.connect(tmp_path / "d.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")

    def write() -> None:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO t VALUES (1)"))

    return engine, write, other


def test_runs_that_fail_are_counted_and_said_twice(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Five failing runs: one start line; a run that reached the database ends it with the count; a run that did
    not touch the database proves nothing."""
    engine, write, holder = _locked_database(tmp_path)
    now = [0.0]
    outage = DatabaseOutage(engine, monotonic=lambda: now[0], remind_every=600)
    failing, idle = outage.guard(write, "delivery"), outage.guard(lambda: None, "a check not due")

    with caplog.at_level(logging.INFO, logger="docking.database"):
        for _ in range(5):
            failing()
            now[0] += 5
        idle()
        assert outage.down
        holder.execute("ROLLBACK")  # the lock holder is done: the next write goes through
        outage.guard(write, "heartbeat")()
    assert [r.getMessage().split(":")[0] for r in caplog.records] == [
        "database unavailable",
        "database available again after 25 s",
    ]
    assert caplog.records[1].getMessage().endswith("5 operation(s) failed meanwhile") and not outage.down


def test_a_lock_outage_is_measured_from_when_its_first_writer_began_to_wait(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The first failure comes a busy timeout (`waited`) after the lock was taken: a 45 s lock with a 30 s busy
    timeout was said as "after 15 s" (operator review); it is "after 45 s"."""
    engine, write, holder = _locked_database(tmp_path)
    now = [30.0]  # the first writer began to wait at 0 and failed at 30
    outage = DatabaseOutage(engine, monotonic=lambda: now[0], remind_every=600, waited=30)
    with caplog.at_level(logging.INFO, logger="docking.database"):
        outage.guard(write, "delivery")()
        now[0] = 45.0
        holder.execute("ROLLBACK")
        outage.guard(write, "heartbeat")()
    assert caplog.records[-1].getMessage().startswith("database available again after 45 s")


def test_a_long_outage_is_recalled_now_and_then_not_per_run(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Every remind_every seconds one more line, however many runs fail between."""
    engine, write, _holder = _locked_database(tmp_path)
    now = [0.0]
    outage = DatabaseOutage(engine, monotonic=lambda: now[0], remind_every=60)
    failing = outage.guard(write, "delivery")
    with caplog.at_level(logging.INFO, logger="docking.database"):
        for _ in range(130):  # 130 s of runs, one a second
            failing()
            now[0] += 1
    assert [r.getMessage().split(" after")[0] for r in caplog.records] == [
        caplog.records[0].getMessage().split(" after")[0],
        "database still unavailable",
        "database still unavailable",
    ]


def test_an_error_that_is_not_a_condition_is_raised(tmp_path: Path) -> None:
    """A constraint violation is a bug or a business outcome: raised as before, not counted as an outage."""
    outage = DatabaseOutage(make_engine(f"sqlite:///{tmp_path / 'd.db'}"))

    def duplicate() -> None:
        raise IntegrityError("INSERT …", {}, sqlite3.IntegrityError("UNIQUE constraint failed"))

    with pytest.raises(IntegrityError):
        outage.guard(duplicate, "delivery")()
    assert not outage.down
