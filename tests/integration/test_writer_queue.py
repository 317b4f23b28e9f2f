"""SQLite writers of one engine queue on an in-process lock (adapter/persistence/engine.py): every transaction
releases it however it ends, and concurrent writers all commit."""

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from adapter.persistence.engine import make_engine

pytestmark = pytest.mark.integration


def _engine(tmp_path: Path, busy_timeout: float) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'q.db'}", busy_timeout=busy_timeout)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
    return engine


def _count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM t")).scalar_one())


def test_a_failed_begin_and_a_rolled_back_transaction_leave_the_lock_free(tmp_path: Path) -> None:
    """A BEGIN refused by another process's lock, and a transaction that raised, both release the queue: the next
    write goes through at once (a kept lock would fail it with 'held too long' after the 0.05 s timeout)."""
    engine = _engine(tmp_path, busy_timeout=0.05)
    other = sqlite3.connect(tmp_path / "q.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    with pytest.raises(OperationalError, match="locked"), engine.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (1)"))
    other.execute("ROLLBACK")
    with pytest.raises(ZeroDivisionError), engine.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (2)"))
        _ = 1 / 0
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (3)"))
    assert _count(engine) == 1


def test_a_writer_held_too_long_in_this_process_fails_as_sqlite_would(tmp_path: Path) -> None:
    """A second writer of the same engine waits at most the busy timeout, then gets 'database is locked'."""
    engine = _engine(tmp_path, busy_timeout=0.05)
    with engine.begin() as holder:
        holder.execute(text("INSERT INTO t VALUES (1)"))
        failure: list[BaseException] = []

        def second() -> None:
            try:
                with engine.begin() as connection:
                    connection.execute(text("INSERT INTO t VALUES (2)"))
            except OperationalError as exc:
                failure.append(exc)

        thread = threading.Thread(target=second)
        thread.start()
        thread.join(timeout=10)
    assert len(failure) == 1 and "database is locked" in str(failure[0])
    assert _count(engine) == 1


def test_concurrent_writers_all_commit(tmp_path: Path) -> None:
    """Eight threads, 25 transactions each, on one engine: every one commits, none fails for the lock."""
    engine = _engine(tmp_path, busy_timeout=10)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(25):
                with engine.begin() as connection:
                    connection.execute(text("INSERT INTO t VALUES (:x)"), {"x": n * 100 + i})
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [] and _count(engine) == 200
