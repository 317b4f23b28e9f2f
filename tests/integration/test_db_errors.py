"""Database conditions read from the driver's own code: each SQLite failure here is caused for real."""

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from adapter.persistence import diagnosis as db_errors
from adapter.persistence.diagnosis import Cause, condition_of, database_label, database_of
from adapter.persistence.engine import make_engine

pytestmark = pytest.mark.integration


def _engine(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'd.db'}", busy_timeout=0.05)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER PRIMARY KEY, y TEXT)"))
    return engine


def _fill_to_page_limit(engine: Engine, _: Path) -> None:
    with engine.begin() as connection:  # SQLITE_FULL for real: the file may not grow past its page limit
        count = connection.execute(text("PRAGMA page_count")).scalar_one()
        connection.execute(text(f"PRAGMA max_page_count = {count}"))
        connection.execute(text("INSERT INTO t (y) VALUES (:y)"), [{"y": "x" * 4000} for _ in range(50)])


def _write_while_another_holds_the_lock(engine: Engine, tmp_path: Path) -> None:
    other = sqlite3.connect(tmp_path / "d.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO t (y) VALUES ('a')"))
    finally:
        other.execute("ROLLBACK")


def _write_read_only(engine: Engine, _: Path) -> None:
    with engine.connect() as connection:
        connection.execute(text("PRAGMA query_only = 1"))
        connection.execute(text("INSERT INTO t (y) VALUES ('a')"))


def _open_a_text_file(_: Engine, tmp_path: Path) -> None:
    other = tmp_path / "notes.db"
    other.write_bytes(b"not a database at all " * 200)
    with make_engine(f"sqlite:///{other}").connect() as connection:
        connection.execute(text("SELECT 1"))


def _duplicate_key(engine: Engine, _: Path) -> None:
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO t (x) VALUES (1), (1)"))


def _syntax_error(engine: Engine, _: Path) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELEC 1"))


# (id, what fails, the condition it is — None: not a condition, the caller's bug or business)
FAILURES: list[tuple[str, Callable[[Engine, Path], None], Cause | None]] = [
    ("full", _fill_to_page_limit, db_errors.DISK_FULL),
    ("locked", _write_while_another_holds_the_lock, db_errors.LOCKED),
    ("read-only", _write_read_only, db_errors.READ_ONLY),
    ("not-a-database", _open_a_text_file, db_errors.NOT_A_DATABASE),
    ("duplicate-key", _duplicate_key, None),
    ("syntax-error", _syntax_error, None),
]


@pytest.mark.parametrize(("fail", "expected"), [f[1:] for f in FAILURES], ids=[f[0] for f in FAILURES])
def test_an_sqlite_failure_is_read_as_its_condition(
    tmp_path: Path, fail: Callable[[Engine, Path], None], expected: Cause | None
) -> None:
    """SQLite's result code decides the condition; integrity and syntax errors are none (they must trace)."""
    engine = _engine(tmp_path)
    with pytest.raises(DBAPIError) as raised:
        fail(engine, tmp_path)
    assert condition_of(raised.value) is expected
    assert database_of(raised.value).startswith(str(tmp_path))  # the engine named its file


class _PgError(Exception):
    def __init__(self, message: str, sqlstate: str | None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


# (psycopg's message, its SQLSTATE, the condition) — the server's codes (PostgreSQL manual, Appendix A)
PG: list[tuple[str, str | None, Cause]] = [
    ('connection to server at "127.0.0.1", port 5432 failed: Connection refused', None, db_errors.REFUSED),
    ('FATAL:  database "x" does not exist', None, db_errors.NO_SUCH_DATABASE),
    ('FATAL:  password authentication failed for user "d"', None, db_errors.AUTH),
    ("FATAL:  the database system is starting up", None, db_errors.STARTING),
    ("could not extend file: No space left on device", "53100", db_errors.DISK_FULL),
    ("sorry, too many clients already", "53300", db_errors.BUSY),
    ("terminating connection due to administrator command", "57P01", db_errors.LOST),
    ("cannot execute INSERT in a read-only transaction", "25006", db_errors.READ_ONLY),
    ("canceling statement due to lock timeout", "55P03", db_errors.LOCKED),
    ("something new", None, db_errors.OTHER),
]


@pytest.mark.parametrize(("message", "sqlstate", "expected"), PG, ids=[p[2].name + "-" + str(p[1]) for p in PG])
def test_a_postgresql_failure_is_read_by_sqlstate_or_libpq_words(
    message: str, sqlstate: str | None, expected: Cause
) -> None:
    """SQLSTATE first; a connection that never reached the server has only libpq's words."""
    assert condition_of(OperationalError("SELECT 1", {}, _PgError(message, sqlstate))) is expected


@pytest.mark.parametrize(
    ("url", "label"),
    [
        ("postgresql+psycopg://docking:pw@db.local:5433/docking", "postgresql+psycopg://docking@db.local:5433/docking"),
        ("postgresql+psycopg://u@h/d?password=pw&sslmode=require", "postgresql+psycopg://u@h/d"),
        ("sqlite:///:memory:", "an in-memory SQLite database"),
    ],
)
def test_a_database_is_named_without_its_password(url: str, label: str) -> None:
    """Neither a password in the URL nor one in its query reaches a message."""
    assert database_label(url) == label


def test_an_sqlite_file_is_named_by_its_absolute_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A relative database_url is resolved, so the operator knows which file is meant."""
    monkeypatch.chdir(tmp_path)
    assert database_label("sqlite:///data/docking.db") == str(tmp_path / "data" / "docking.db")
