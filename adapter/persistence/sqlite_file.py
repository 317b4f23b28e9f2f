"""The SQLite database file as the operating system sees it: can this user read or write it, read-only opening,
and the lock that keeps a second `docking run` off one file.

Every refusal is a ConfigError (exit 78) naming the absolute path and the reason in one line — the operator's
next step is a `chmod`, a `mkdir` or stopping the other process, never reading a traceback.
"""

import errno
import fcntl
import os
import sqlite3
import sys
from pathlib import Path
from typing import IO
from urllib.parse import quote

from adapter.errors import ConfigError

# SQLite's own words for "the file or its folder cannot be opened or written" (sqlite3.OperationalError text).
OPEN_FAILURES = ("unable to open database file", "readonly database", "disk i/o error", "file is not a database")


def database_file(url: str) -> Path | None:
    """The absolute path of a SQLite URL's file; None for other databases and in-memory SQLite."""
    if not url.startswith("sqlite"):
        return None
    path = url.split("///", 1)[-1] if "///" in url else ""
    if not path or path == ":memory:" or path.startswith("file:"):
        return None
    return Path(os.path.abspath(path))


def check_readable(file: Path) -> None:
    """For commands that only read: the file must exist (never create one at a mistyped path) and be readable."""
    try:
        file.stat()
    except FileNotFoundError:
        raise ConfigError(
            f"no database at {file}; check database_url (or --config), or create a new one with `docking db upgrade`"
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot open the database {file}: {_reason(file, exc)}") from None
    if not file.is_file():
        raise ConfigError(f"cannot open the database {file}: it is not a file")
    if not os.access(file, os.R_OK):
        raise ConfigError(f"cannot open the database {file}: the file is not readable by this user")


def check_worker_database(url: str) -> None:
    """For `docking run` and `serve`: a SQLite file must be there already. A worker at a mistyped or moved path
    would make a new, empty database and read every court's feed into it from the start — the same cases again
    under new ids for the centre, beside the real database. `docking db upgrade` makes a new one on purpose.
    (A PostgreSQL database the DBA made empty is set up by the first worker: README, Deployment.)"""
    file = database_file(url)
    if file is None:
        return
    try:
        file.stat()
    except FileNotFoundError:
        pass
    except OSError as exc:  # a folder this user cannot search (run as the wrong user): said, not a traceback
        raise ConfigError(f"cannot open the database {file}: {_reason(file, exc)}") from None
    else:
        return
    raise ConfigError(
        f"no database at {file}: a worker never makes one (a mistyped or moved database_url would read every "
        "feed again into an empty one). If this adapter ran before, fix database_url (or --config); for a new "
        "installation, create it with `docking db upgrade` and start again"
    )


def check_writable(file: Path, *, must_exist: bool) -> None:
    """For commands that write: the folder exists (made if need be) and, like the file, is writable — SQLite in
    WAL mode creates `<name>-wal` and `<name>-shm` beside the database, so a read-only folder fails too."""
    if must_exist:
        check_readable(file)
    folder = file.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create the database folder {folder}: {_reason(folder, exc)}") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ConfigError(
            f"cannot write the database {file}: the folder {folder} is not writable by this user "
            f"(SQLite keeps {file.name}-wal and {file.name}-shm beside the database)"
        )
    if file.exists():
        if not os.access(file, os.R_OK):
            raise ConfigError(f"cannot open the database {file}: the file is not readable by this user")
        if not os.access(file, os.W_OK):
            raise ConfigError(
                f"cannot write the database {file}: the file is read-only for this user "
                "(read-only commands such as `docking cases list` still work on it)"
            )


def connect_read_only(file: Path) -> sqlite3.Connection:
    """A read-only connection: `mode=ro` normally; `immutable=1` when SQLite cannot even create the WAL index
    beside the file (a copy in a read-only folder) — safe there, since nothing can write the file either."""
    base = f"file:{quote(str(file))}"
    try:
        connection = sqlite3.connect(f"{base}?mode=ro", uri=True, check_same_thread=False, timeout=30)
        connection.execute("PRAGMA schema_version").fetchone()  # the first read is what fails, not connect()
        return connection
    except sqlite3.OperationalError:
        # Only where the WAL index cannot be made: `immutable` ignores the WAL, so on a live database it would show
        # old states (a lock or a checkpoint in progress is an error to report, not a reason to read stale data).
        if os.access(file.parent, os.W_OK):
            raise
        return sqlite3.connect(f"{base}?immutable=1", uri=True, check_same_thread=False, timeout=30)


def explain(file: Path, message: str) -> ConfigError | None:
    """A driver error met while opening or writing `file`, as one line with the path and the permission or folder
    problem behind it; None when no such problem is found, so the error goes on to adapter/persistence/diagnosis.py
    (a full
    disk, which SQLite may report as an I/O error, is a passing condition there, not a setting)."""
    folder = file.parent
    if not folder.is_dir():
        reason = f"the folder {folder} does not exist"
    elif file.exists() and not os.access(file, os.R_OK):
        reason = "the file is not readable by this user"
    elif "readonly" in message.replace(" ", "") or "read-only" in message:
        if file.exists() and not os.access(file, os.W_OK):
            reason = "the file is read-only for this user"
        elif not os.access(folder, os.W_OK):
            reason = f"the folder {folder} is not writable by this user (SQLite writes {file.name}-wal beside it)"
        else:
            return None
    elif not os.access(folder, os.W_OK | os.X_OK) and not file.exists():
        reason = f"the folder {folder} is not writable by this user"
    else:
        return None
    return ConfigError(f"cannot use the database {file}: {reason}")


class RunLock:
    """An exclusive lock on `<database>.run.lock` while `docking run` works on a SQLite file.

    SQLite supports one worker process; a second one would share the write lock and race the first on leases
    it was never meant to share. flock(2) is released by the kernel when the holder exits, however it exits
    (SIGKILL included), so a crashed run never leaves a stale lock behind."""

    def __init__(self, file: Path) -> None:
        self.database = file
        self.path = file.with_name(file.name + ".run.lock")
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        check_writable(self.database, must_exist=False)  # the folder, made if need be, and writable
        handle = self.path.open("a+", encoding="ascii")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EACCES):
                raise
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise ConfigError(
                f"another worker ({holder}) is already working on {self.database}: SQLite supports one worker "
                "process (`docking run`, or `docking serve` with its jobs) — stop that one first, run the API "
                "with `docking serve --no-jobs`, or move to PostgreSQL to run several"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"`{_command()}` pid {os.getpid()} on {os.uname().nodename}")
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()  # closing the descriptor releases the flock
            self._handle = None


def _command() -> str:
    """Which worker this process is, as an operator would type it: "docking run" or "docking serve" (never its
    other arguments: a path or a value is nobody's business in a lock file)."""
    words = [word for word in sys.argv[1:] if word in _WORKERS][:1]
    return " ".join(["docking", *words])


_WORKERS = ("run", "serve")  # the commands that take the run lock (scheduler/process.py, api/server.py)


def _reason(path: Path, exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "permission denied (check the owner and mode of the folders on the way)"
    if isinstance(exc, NotADirectoryError | FileExistsError):  # mkdir meets a file where a folder should be
        return "a part of the path is a file, not a folder"
    return exc.strerror or type(exc).__name__
