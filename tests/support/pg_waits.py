"""Waiting, in a test, until another session of the test's PostgreSQL database waits for a lock."""

import time

from sqlalchemy import text

from adapter.persistence.engine import UnitOfWork


def wait_for_pg_wait(uow: UnitOfWork, where: str, what: str, timeout: float = 10.0) -> None:
    """Return once a session of `uow`'s database is waiting as `where` says (a condition on pg_stat_activity,
    e.g. "wait_event_type = 'Lock'"); AssertionError naming `what` after `timeout` seconds."""
    waiting = text(f"SELECT count(*) FROM pg_stat_activity WHERE {where} AND datname = current_database()")
    deadline = time.monotonic() + timeout
    while True:
        with uow.engine.connect() as connection:  # a transaction per look: pg_stat_activity is read once in each
            if connection.execute(waiting).scalar_one() > 0:
                return
        assert time.monotonic() < deadline, f"{what} never waited"
        time.sleep(0.01)
