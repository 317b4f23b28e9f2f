"""Several processes starting at once on a brand-new database: the schema is made once, and every one starts."""

import signal
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from adapter.persistence.engine import create_schema, make_engine
from adapter.persistence.migrate import current, head, upgrade
from adapter.testing import free_port, fresh_database
from tests.support.api import Forked, Forks
from tests.support.cli import docking, wait_started

pytestmark = pytest.mark.integration

TRIALS = 5


def _at_once(url: str, step: Callable[[Engine], object], workers: int = 2) -> list[BaseException]:
    """Run `step` in `workers` threads, each with its own engine, released together; returns what they raised."""
    engines = [make_engine(url) for _ in range(workers)]
    for engine in engines:  # connected beforehand, so the threads meet at the first statement, not at connect
        engine.connect().close()
    barrier = threading.Barrier(workers)
    failures: list[BaseException] = []

    def one(engine: Engine) -> None:
        barrier.wait()
        try:
            step(engine)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=one, args=(engine,)) for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    with engines[0].connect() as connection:
        assert current(connection) == head()
    for engine in engines:
        engine.dispose()
    return failures


@pytest.mark.parametrize("step", [create_schema, upgrade], ids=["create_schema", "db-upgrade"])
def test_two_first_starts_at_once_on_postgresql_both_succeed(postgres: str, step: Callable[[Engine], object]) -> None:
    """Over several fresh databases, two simultaneous first starts (or upgrades) never collide in the catalog."""
    for _ in range(TRIALS):
        failures = _at_once(fresh_database(postgres), step)
        assert failures == [], [f"{type(f).__name__}: {str(f).splitlines()[0]}" for f in failures]


def test_two_first_starts_at_once_on_sqlite_both_succeed(tmp_path: Path) -> None:
    """SQLite serialises them by its write lock (BEGIN IMMEDIATE): the second finds the schema made."""
    for trial in range(TRIALS):
        assert _at_once(f"sqlite:///{tmp_path / f'{trial}.db'}", create_schema) == []


def test_two_docking_run_processes_on_a_fresh_postgresql_database_both_start(postgres: str, tmp_path: Path) -> None:
    """`docking run` twice at the same instant: both start (no exit 78 on a pg_type duplicate), both stop cleanly."""
    court = f"http://127.0.0.1:{free_port()}"  # no court listening: polling fails quietly, which is fine here
    assert docking("keys", "generate", "--key-id", "c1", "--dir", str(tmp_path / "keys")).returncode == 0
    config = tmp_path / "c.toml"  # each trial's own database: the file is read by each process as it starts
    # `docking run` forked from a process that imported it once (the start is the command's own, the imports are
    # not what this shows): the two of a trial start closer together than two fresh interpreters would
    forks = Forks(config, "run", cwd=tmp_path)
    # A stop takes seconds here (the reconciliation at start retries the absent court before it gives up), so a
    # trial's two stop while the next trial's two start, on a database of their own; each one's exit is still waited
    # for and asserted, and at most two trials' processes run at once (connections: the server allows 50).
    stopping: list[tuple[Forked, Path]] = []
    try:
        for trial in range(TRIALS):
            while len(stopping) > 2:
                run, log = stopping.pop(0)
                assert run.wait(timeout=60) == 0, log.read_text()
            config.write_text(
                f'database_url = "{fresh_database(postgres)}"\n[platforms.gz]\nbase_url = "{court}"\n'
                'timeout_seconds = 1\n[platforms.gz.signing]\nkeyring = "keys"\ncourt_keys = { k = "keys/c1.pub" }\n'
            )
            logs = [tmp_path / f"{trial}-{n}.log" for n in range(2)]
            runs = [forks.start(log) for log in logs]
            try:
                for run, log in zip(runs, logs, strict=True):
                    wait_started(run, log)  # logged once the jobs run and SIGTERM is handled
            finally:
                for run in runs:
                    run.send_signal(signal.SIGTERM)
            stopping += zip(runs, logs, strict=True)
        for run, log in stopping:
            assert run.wait(timeout=60) == 0, log.read_text()
    finally:
        for run, _ in stopping:
            run.send_signal(signal.SIGKILL)  # none left behind if an assertion failed first
        forks.close()
