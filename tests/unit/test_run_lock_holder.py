"""The run lock names which worker holds it (adapter/persistence/sqlite_file.py): the second worker's refusal says
"`docking serve` pid …" when that is what runs, never the holder's other arguments."""

import fcntl
from pathlib import Path

import pytest

from adapter.errors import ConfigError
from adapter.persistence import sqlite_file
from adapter.persistence.sqlite_file import RunLock


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["/usr/bin/docking", "run", "-c", "/etc/docking.toml"], "docking run"),
        (["/usr/bin/docking", "serve", "--port", "8750"], "docking serve"),
        (["-m", "--log-format", "json", "serve", "-c", "x.toml"], "docking serve"),
        (["/usr/bin/docking", "demo", "--cases", "5"], "docking"),  # the demo takes no run lock: never named
        (["/usr/bin/docking", "-c", "run.toml"], "docking"),  # a value that merely contains a name is not one
        (["python"], "docking"),
    ],
)
def test_the_lock_file_names_the_worker_and_nothing_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str], named: str
) -> None:
    monkeypatch.setattr(sqlite_file.sys, "argv", argv)
    lock = RunLock(tmp_path / "d.db")
    lock.acquire()
    try:
        held = (tmp_path / "d.db.run.lock").read_text()
        assert held.startswith(f"`{named}` pid ") and "toml" not in held and "8750" not in held
        with (tmp_path / "d.db.run.lock").open() as other, pytest.raises(BlockingIOError):  # as another process
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(ConfigError, match=f"another worker \\(`{named}` pid"):
            RunLock(tmp_path / "d.db").acquire()
    finally:
        lock.release()
