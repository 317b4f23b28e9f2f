"""A database file the operator cannot write, or a second `docking run` on it: one line with the absolute path and
the reason (exit 78), never a traceback — and the read-only commands still work on a read-only copy."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from adapter.persistence.engine import UnitOfWork, create_schema, make_engine
from adapter.persistence.repository import create_case, transition
from adapter.states import Event
from schemas.enums import Flow
from tests.support import samples
from tests.support.api import Forks
from tests.support.cli import docking
from tests.support.file_modes import as_ordinary_user

pytestmark = pytest.mark.integration

READ_ONLY_COMMANDS = [
    ["cases", "list"],
    ["cases", "show", "0104-5f3a9c"],
    ["outbox", "list"],
    ["quarantine", "list"],
    ["deadlines", "--within", "2w"],
    ["reconcile", "runs"],
]


def as_operator(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> CompletedProcess[str]:
    """`docking ARGS` as an operator: root without its override of file modes (tests/support/file_modes.py)."""
    return docking(*args, cwd=cwd, env=env, operator=True)


@pytest.fixture(scope="module", autouse=True)
def _modes_apply() -> None:
    """Skip where file modes cannot be made to bind (root without CAP_SETPCAP)."""
    probe = subprocess.run(
        [sys.executable, "-c", "open('/proc/version', 'w')"], capture_output=True, preexec_fn=as_ordinary_user
    )
    if probe.returncode == 0:
        pytest.skip("file modes do not bind for this user")


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Path]:
    """A database with one dispatched case, as `docking run` leaves it (WAL mode); modes restored afterwards."""
    folder = tmp_path / "live"
    engine = make_engine(f"sqlite:///{folder / 'docking.db'}")
    create_schema(engine)
    with UnitOfWork(engine).begin() as session:
        case = create_case(session, samples.dispatch(Flow.DELEGATED), "gz", samples.T0)
        transition(session, case, Event.REGISTER, actor="court:gz", at=samples.T0)
    engine.dispose()
    yield folder / "docking.db"
    for path in tmp_path.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)


def _config(tmp_path: Path, database: Path) -> Path:
    config = tmp_path / "c.toml"
    config.write_text(f'database_url = "sqlite:///{database}"\n')
    return config


def _one_line_error(result: CompletedProcess[str]) -> str:
    assert result.returncode == 78, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


@pytest.mark.parametrize("layout", ["read-only file", "copy in a read-only folder"])
def test_read_only_commands_work_on_a_read_only_copy_and_writes_say_why_not(
    tmp_path: Path, live: Path, layout: str
) -> None:
    """The operator's copy for inspection: every read-only command answers; a write names the file and why."""
    if layout == "read-only file":
        database = live
        database.chmod(0o444)
        why = "the file is read-only for this user"
    else:
        folder = tmp_path / "copy"
        folder.mkdir()
        database = folder / "docking.db"
        shutil.copy(live, database)  # the file alone: no -wal or -shm beside it
        folder.chmod(0o555)
        why = f"the folder {folder} is not writable by this user"
    config = _config(tmp_path, database)
    for command in READ_ONLY_COMMANDS:
        result = as_operator(*command, "-c", str(config))
        assert result.returncode == 0, (command, result.stderr)
    shown = as_operator("cases", "show", "0104-5f3a9c", "-c", str(config), "-f", "json")
    assert json.loads(shown.stdout)["court_case_id"] == "0104-5f3a9c"
    for command in (["db", "upgrade"], ["centre", "accept", "0104-5f3a9c"]):
        line = _one_line_error(as_operator(*command, "-c", str(config)))
        assert str(database) in line and why in line, line


def test_db_upgrade_where_the_folder_cannot_be_made_or_read(tmp_path: Path) -> None:
    """A missing folder under a read-only one, a path through a file, an unreadable file: one line each."""
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    line = _one_line_error(as_operator("db", "upgrade", "-c", str(_config(tmp_path, locked / "new" / "d.db"))))
    assert f"cannot create the database folder {locked / 'new'}: permission denied" in line
    (tmp_path / "a-file").write_text("")
    line = _one_line_error(as_operator("db", "upgrade", "-c", str(_config(tmp_path, tmp_path / "a-file" / "d.db"))))
    assert f"{tmp_path / 'a-file'}: a part of the path is a file, not a folder" in line
    secret = tmp_path / "secret.db"
    create_schema(make_engine(f"sqlite:///{secret}"))
    secret.chmod(0o000)
    line = _one_line_error(as_operator("cases", "list", "-c", str(_config(tmp_path, secret))))
    assert f"{secret}: the file is not readable by this user" in line
    locked.chmod(0o755)


def test_a_relative_database_path_is_reported_absolute(tmp_path: Path) -> None:
    """`database_url` relative to the working directory (no config file): the message gives the absolute path."""
    work = tmp_path / "work"
    (work / "docking-data").mkdir(parents=True)
    (work / "docking-data").chmod(0o555)
    result = as_operator(
        "db", "upgrade", cwd=work, env={k: v for k, v in os.environ.items() if not k.startswith("DOCKING_")}
    )
    line = _one_line_error(result)
    assert str(work / "docking-data" / "docking.db") in line
    (work / "docking-data").chmod(0o755)


def test_a_second_docking_run_on_one_sqlite_file_is_refused(tmp_path: Path) -> None:
    """While one `docking run` works on the file, another is refused naming the file and the first's pid; once
    the first stops (however it stops), a new one starts."""
    assert docking("keys", "generate", "--key-id", "c1", "--dir", str(tmp_path / "keys")).returncode == 0
    config = tmp_path / "c.toml"
    config.write_text(
        f'database_url = "sqlite:///{tmp_path / "d.db"}"\n[platforms.gz]\nbase_url = "http://127.0.0.1:9"\n'
        'poll_seconds = 60\n[platforms.gz.signing]\nkeyring = "keys"\ncourt_keys = { c = "keys/c1.pub" }\n'
    )
    assert docking("db", "upgrade", "-c", str(config)).returncode == 0  # a worker never makes its database
    lock = tmp_path / "d.db.run.lock"
    # `docking run` forked from a process that imported it once: each start is the command's own, without the
    # interpreter's import time; its pid and exit status are the process's, as a Popen's
    forks = Forks(config, "run")
    try:
        first = forks.start()
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not (lock.exists() and "pid" in lock.read_text()):
                time.sleep(0.1)
            second = docking("run", "-c", str(config))
            line = _one_line_error(second)
            assert f"`docking run` pid {first.pid}" in line and str(tmp_path / "d.db") in line, line
            assert "SQLite supports one" in line
            # The API with its jobs is a worker too, and is named as what it is; without them it needs no lock.
            served = docking("serve", "-c", str(config), "--port", "0")
            assert f"`docking run` pid {first.pid}" in _one_line_error(served) and "--no-jobs" in served.stderr
        finally:
            first.send_signal(signal.SIGKILL)  # the kernel drops the lock with the process
            first.wait(timeout=30)
        third = forks.start()
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and f"pid {third.pid}" not in (lock.read_text() if lock.exists() else ""):
                time.sleep(0.1)
            assert f"pid {third.pid}" in lock.read_text()
        finally:
            third.send_signal(signal.SIGTERM)
            assert third.wait(timeout=30) == 0
    finally:
        forks.close()


@pytest.mark.parametrize("command", ["run", "serve"])
def test_a_worker_never_makes_its_database(tmp_path: Path, command: str) -> None:
    """A mistyped or moved database_url: `docking run`/`serve` refuse (exit 78) instead of reading every court's
    feed again into a new, empty database; nothing is created there. `docking db upgrade` makes one on purpose."""
    assert docking("keys", "generate", "--key-id", "c1", "--dir", str(tmp_path / "keys")).returncode == 0
    config = tmp_path / "c.toml"
    config.write_text(
        f'database_url = "sqlite:///{tmp_path / "dta" / "d.db"}"\n[platforms.gz]\nbase_url = "http://127.0.0.1:9"\n'
        '[platforms.gz.signing]\nkeyring = "keys"\ncourt_keys = { c = "keys/c1.pub" }\n'
    )
    refused = docking(command, "-c", str(config))
    line = _one_line_error(refused)
    assert refused.returncode == 78 and f"no database at {tmp_path / 'dta' / 'd.db'}" in line, line
    assert "fix database_url" in line and "`docking db upgrade`" in line
    assert not (tmp_path / "dta").exists()
