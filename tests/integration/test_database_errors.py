"""A database that cannot be used, as an operator's command meets it: one line naming the database, the cause and
what to do, and exit 75 (EX_TEMPFAIL) — never a traceback, never a business outcome such as reconcile's 1.

Each condition is real: a filesystem filled to the last block (a tmpfs, where this user may mount one), another
process holding SQLite's write lock past the busy timeout, a PostgreSQL URL with no server behind it.
"""

import errno
import os
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from adapter.persistence.case_store import SqlCaseStore
from adapter.persistence.engine import UnitOfWork, create_schema, make_engine
from adapter.persistence.repository import create_case, transition
from adapter.persistence.tables import OutboxRow
from adapter.services import CentreServices
from adapter.states import Event
from adapter.testing import free_port
from schemas.enums import Flow
from tests.support import samples
from tests.support.cli import docking

pytestmark = pytest.mark.integration


@dataclass
class Setup:
    config: Path  # the adapter's configuration file
    database: str  # how the one line must name the database
    waiting: str  # a registered case waiting for acceptance


def _docking(*args: str) -> subprocess.CompletedProcess[str]:
    return docking(*args)  # forked from a process that imported the CLI (tests/support/cli.py)


def _populate(path: Path) -> str:
    """A database with an accepted case whose message went dead (for `outbox replay`) and a case to accept."""
    now = datetime.now(UTC)
    engine = make_engine(f"sqlite:///{path}")
    create_schema(engine)
    uow = UnitOfWork(engine)
    with uow.begin() as session:
        ids = []
        for n in range(2):
            case = create_case(session, samples.dispatch(Flow.DELEGATED, platform_case_id=f"db-{n}"), "gz", now)
            transition(session, case, Event.REGISTER, actor="test", at=now)
            ids.append(case.id)
    CentreServices(SqlCaseStore(uow), lambda: now).accept(ids[0])
    with uow.begin() as session:
        for row in session.exec(select(OutboxRow)):
            row.status = "dead"
    engine.dispose()
    return ids[1]


def _config(folder: Path, url: str) -> Path:
    config = folder / "docking.toml"
    config.write_text(f'database_url = "{url}"\ndatabase_busy_timeout_seconds = 0.5\n')
    return config


@contextmanager
def _full_disk(tmp_path: Path) -> Iterator[Setup]:
    """A 1 MB tmpfs holding the database, filled to its last block while another process (`docking run`, say)
    has the database open — so a read still works and every write fails for want of space."""
    mount = tmp_path / "fs"
    mount.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr.decode().strip()}")
    try:
        database = mount / "docking.db"
        waiting = _populate(database)
        other = sqlite3.connect(database)  # keeps the -wal and -shm files, as a running adapter would
        other.execute("SELECT count(*) FROM cases").fetchall()
        filler = os.open(mount / "filler", os.O_WRONLY | os.O_CREAT)
        try:
            while os.write(filler, bytes(4096)):
                pass
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
        finally:
            os.close(filler)
        yield Setup(_config(tmp_path, f"sqlite:///{database}"), str(database), waiting)
        other.close()
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


@contextmanager
def _locked(tmp_path: Path) -> Iterator[Setup]:
    """Another process holds the write lock for longer than the configured busy timeout."""
    database = tmp_path / "docking.db"
    waiting = _populate(database)
    other = sqlite3.connect(database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield Setup(_config(tmp_path, f"sqlite:///{database}"), str(database), waiting)
    finally:
        other.execute("ROLLBACK")
        other.close()


@contextmanager
def _refused(tmp_path: Path) -> Iterator[Setup]:
    """PostgreSQL stopped: nothing listens on the port. The URL's password must appear nowhere."""
    url = f"postgresql+psycopg://docking:s3cret-pw@127.0.0.1:{free_port()}/docking"
    yield Setup(_config(tmp_path, url), url.replace(":s3cret-pw", ""), "MC-0")


# (condition, how it is set up, the cause the line names)
CONDITIONS: list[tuple[str, Callable[[Path], AbstractContextManager[Setup]], str]] = [
    ("disk-full", _full_disk, "disk full"),
    ("locked", _locked, "database locked"),
    ("refused", _refused, "connection refused"),
]
# (command, its arguments after the config) — what an operator runs against the adapter's database
COMMANDS: list[tuple[str, Callable[[Setup], list[str]]]] = [
    ("reconcile", lambda s: ["reconcile"]),
    ("centre-accept", lambda s: ["centre", "accept", s.waiting]),
    ("cases-list", lambda s: ["cases", "list"]),
    ("outbox-replay", lambda s: ["outbox", "replay", "--since", "2000-01-01", "--reason", "test"]),
]


@pytest.mark.parametrize(("command", "arguments"), COMMANDS, ids=[c[0] for c in COMMANDS])
@pytest.mark.parametrize(("condition", "setup", "cause"), CONDITIONS, ids=[c[0] for c in CONDITIONS])
def test_a_database_condition_is_one_line_and_exit_75(
    tmp_path: Path,
    condition: str,
    setup: Callable[[Path], AbstractContextManager[Setup]],
    cause: str,
    command: str,
    arguments: Callable[[Setup], list[str]],
) -> None:
    """The command names the database, the cause and what to do on one line, and exits 75, not 1 or 78."""
    with setup(tmp_path) as ready:
        result = _docking(*arguments(ready), "--config", str(ready.config))
    if condition in ("disk-full", "locked") and command == "cases-list":
        # Reading needs no space, and a read-only command opens SQLite read-only (WAL readers take no write lock):
        # the operator can still look at the cases while the disk is full or a writer holds the lock.
        assert result.returncode == 0, result.stderr
        return
    assert result.returncode == 75, result.stderr
    # reconcile logs its start-up (calendar, encryption) first; the failure itself is one line
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert f"database {ready.database}: {cause}" in lines[0], lines[0]
    assert "s3cret" not in result.stderr


def test_a_condition_that_needs_a_setting_changed_is_exit_78(tmp_path: Path, postgres: str) -> None:
    """A running server without the named database: waiting will not help, the URL must change — EX_CONFIG."""
    url = postgres.rsplit("/", 1)[0] + "/no_such_db"
    result = _docking("cases", "list", "--config", str(_config(tmp_path, url)))
    assert result.returncode == 78, result.stderr
    assert f"database {url}: no such database" in result.stderr and "Traceback" not in result.stderr
