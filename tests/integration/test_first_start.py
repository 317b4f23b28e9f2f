"""Several processes starting at once on a brand-new database: the schema is made once, and every one starts."""

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from adapter.persistence.engine import create_schema, make_engine
from adapter.persistence.migrate import current, head, upgrade
from adapter.testing import free_port, fresh_database

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
    made = subprocess.run(
        [sys.executable, "-m", "cli", "keys", "generate", "--key-id", "c1", "--dir", str(tmp_path / "keys")],
        capture_output=True,
        text=True,
    )
    assert made.returncode == 0, made.stderr
    for trial in range(TRIALS):
        config = tmp_path / f"c{trial}.toml"
        config.write_text(
            f'database_url = "{fresh_database(postgres)}"\n[platforms.gz]\nbase_url = "{court}"\n'
            'timeout_seconds = 1\n[platforms.gz.signing]\nkeyring = "keys"\ncourt_keys = { k = "keys/c1.pub" }\n'
        )
        runs = [_Run(config, tmp_path) for _ in range(2)]
        try:
            for run in runs:
                run.wait_started()
        finally:
            for run in runs:
                run.stop()
        for run in runs:
            assert run.process.wait(timeout=60) == 0, "".join(run.lines)


class _Run:
    """A `docking run` process whose log is read as it comes (the pipe must never fill)."""

    def __init__(self, config: Path, cwd: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cli", "run", "--config", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            cwd=cwd,
        )
        self.lines: list[str] = []
        self.started = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)
            if "docking run:" in line:  # logged once the jobs run and SIGTERM is handled
                self.started.set()

    def wait_started(self) -> None:
        deadline = time.monotonic() + 60
        while not self.started.wait(0.2):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.process.wait(5)
                pytest.fail(f"`docking run` did not start (exit {self.process.returncode}): {''.join(self.lines)}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
