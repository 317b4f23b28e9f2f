"""The database engine and the unit of work; nothing here runs at import time."""

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, ExceptionContext
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlmodel import Session, create_engine

from adapter.audit.append import configure as configure_audit
from adapter.audit.append import install as install_audit
from adapter.config.settings import Settings
from adapter.errors import ConfigError
from adapter.persistence import (
    api_tables,  # noqa: F401  (registers the HTTP API's tables)
    audit_tables,  # noqa: F401  (registers the audit chain)
    event_tables,  # noqa: F401  (registers the centre-event store)
    ops_tables,  # noqa: F401  (registers platform states and alerts)
    report_tables,  # noqa: F401  (registers the stored monthly reports)
    sqlite_file,
    tables,  # noqa: F401  (registers the tables on SQLModel.metadata)
)
from adapter.persistence.diagnosis import name_database
from adapter.persistence.sealed_types import attach_vault
from adapter.persistence.vault import Vault


def make_engine(
    url: str,
    *,
    must_exist: bool = False,
    vault: Vault | None = None,
    read_only: bool = False,
    busy_timeout: float = 30.0,
) -> Engine:
    """An engine for `url`; SQLite files get WAL and write transactions that take the lock up front.

    `must_exist`: read-only commands must not create an empty database where the operator mistyped a path.
    `read_only`: open a SQLite file read-only (adapter/persistence/sqlite_file.py), so reading works where writing
    cannot.
    hide_parameters: a failed statement's error must not carry the bound values — they hold ID numbers.
    Driver and URL problems become ConfigError naming what to fix, never a traceback; so do a file or folder
    this user cannot open or write, whenever it is met (adapter/persistence/sqlite_file.py says why, with the path).
    `vault`: personal data is sealed and opened by the column types (adapter/persistence/sealed_types.py) with this
    vault.
    `busy_timeout`: how long an SQLite writer waits for another's write lock before failing "database locked".
    Every error raised through the engine names its database (adapter/persistence/diagnosis.py), for the CLI's one line.
    """
    file = sqlite_file.database_file(url)
    try:
        if url.startswith("sqlite"):
            if file is not None and read_only:
                sqlite_file.check_readable(file)
                engine = create_engine(
                    f"sqlite:///{file}", creator=lambda: sqlite_file.connect_read_only(file), hide_parameters=True
                )
            else:
                if file is not None:
                    sqlite_file.check_writable(file, must_exist=must_exist)
                connect_args: dict[str, Any] = {"check_same_thread": False, "timeout": busy_timeout}
                engine = create_engine(url, connect_args=connect_args, hide_parameters=True)
            read_only_file = read_only and file is not None
            _tune_sqlite(engine, secure_delete=vault is not None, read_only=read_only_file, busy_timeout=busy_timeout)
        else:
            # Every stored time is UTC; pin the session zone so the server's own setting cannot shift them. And
            # READ COMMITTED whatever the server's or role's default: the audit chain reads its tail after taking its
            # lock, which needs a snapshot per statement (adapter/audit/append.py), and a record's UPDATE re-tests a
            # row another worker changed rather than failing it as a serialization error (adapter/outbox/record.py).
            options = r"-c timezone=UTC -c default_transaction_isolation=read\ committed"
            pg_args = {"options": options} if url.startswith("postgresql") else {}
            engine = create_engine(url, pool_pre_ping=True, hide_parameters=True, connect_args=pg_args)
    except ModuleNotFoundError as exc:
        extra = " (pip install 'court-docking[postgres]')" if "psycopg" in str(exc) else ""
        raise ConfigError(f"database_url needs a driver that is not installed: {exc.name}{extra}") from None
    except ArgumentError:
        raise ConfigError("database_url is not a database URL such as sqlite:///docking.db") from None
    _explain_open_failures(engine, file)
    attach_vault(engine, vault)
    name_database(engine)
    install_audit()  # the audit chain's entries are written as sessions commit (adapter/audit/append.py)
    return engine


def open_database(settings: Settings, *, must_exist: bool = False, read_only: bool = False) -> Engine:
    """The configured database, with the configured data keys (if any) sealing personal data."""
    vault = settings.encryption.vault() if settings.encryption is not None else None
    engine = make_engine(
        settings.database_url,
        must_exist=must_exist,
        vault=vault,
        read_only=read_only,
        busy_timeout=settings.database_busy_timeout_seconds,
    )
    configure_audit(engine, enabled=settings.audit.enabled, alg=settings.audit.hash)
    return engine


def run_lock(url: str) -> sqlite_file.RunLock | None:
    """The lock `docking run` holds on a SQLite file (a second run is refused); None for PostgreSQL."""
    file = sqlite_file.database_file(url)
    return sqlite_file.RunLock(file) if file is not None else None


def _explain_open_failures(engine: Engine, file: Path | None) -> None:
    """A SQLite file or folder this user cannot open or write, met at any point, becomes a ConfigError with the
    path. Other database errors — a PostgreSQL server down included — pass through to
    adapter/persistence/diagnosis.py, which
    tells a passing condition (exit 75, one log line per outage) from a setting to fix (78)."""
    if file is None:
        return

    @event.listens_for(engine, "handle_error")
    def _translate(context: ExceptionContext) -> None:
        original = context.original_exception
        message = str(original).splitlines()[0] if str(original) else type(original).__name__
        if not any(m in message.lower() for m in sqlite_file.OPEN_FAILURES):
            return
        explained = sqlite_file.explain(file, message)
        if explained is not None:
            raise explained from None


def _tune_sqlite(engine: Engine, *, secure_delete: bool, read_only: bool = False, busy_timeout: float = 30.0) -> None:
    # pysqlite's own transaction handling defers BEGIN and then fails with "database is locked" when a reader
    # upgrades to a writer; taking the write lock at BEGIN (IMMEDIATE) makes concurrent writers queue instead.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        if not read_only:  # journal_mode is kept in the file; setting it is a write
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")  # durable across process crashes in WAL mode
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        if secure_delete and not read_only:  # a rewritten (re-sealed) row must not leave its old bytes in free pages
            cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    if read_only:

        @event.listens_for(engine, "begin")
        def _on_read_begin(conn: Any) -> None:
            # A reader takes no write lock: it must not hold up `docking run` (nor fail on a read-only file).
            conn.exec_driver_sql("BEGIN")

        return
    _queue_writers(engine, busy_timeout)


def _queue_writers(engine: Engine, busy_timeout: float) -> None:
    """The engine's writers queue on one lock in this process before BEGIN IMMEDIATE, held until their COMMIT or
    ROLLBACK.

    Why (#16, profiling the API's tail latency): SQLite's busy handler does not queue a waiting writer, it sleeps
    and polls — 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100 ms, then 100 ms steps — so when API calls overlap (and
    the jobs of `docking serve` write in the same process) a writer that keeps missing the lock sleeps while the
    lock sits free, and may starve. Measured: 8 threads × 60 transactions of ~2 ms each, the same total time, waits
    for the lock p99 530–630 ms and max 1.4 s with the busy handler alone; p99 46 ms, max 48 ms queued here.
    A waiter on this lock wakes as soon as the holder commits. Other processes (the CLI, a second engine) are still
    kept apart by SQLite's own lock and busy timeout; nothing about what commits, or when, changes. A writer that
    waits here longer than the busy timeout fails as SQLite would ("database is locked").
    """
    lock = threading.Lock()
    holders: set[int] = set()  # connections (by id) holding the lock: commit/rollback releases only those

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if not lock.acquire(timeout=busy_timeout):
            # Whoever holds it here may itself be waiting on SQLite's lock, which another process holds: say both.
            locked = sqlite3.OperationalError(
                "database is locked (the write lock stayed taken past the busy timeout: by another process, or by "
                "a writer of this one waiting for it)"
            )
            # As the driver would say it: SQLITE_BUSY, so the outage guard and the diagnosis read it as the same
            # condition as SQLite's own busy timeout (adapter/persistence/diagnosis.py) — not as a bug to raise.
            locked.sqlite_errorcode, locked.sqlite_errorname = sqlite3.SQLITE_BUSY, "SQLITE_BUSY"
            raise OperationalError("BEGIN IMMEDIATE", None, locked)
        holders.add(id(conn))
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:  # no transaction began: release now (a ROLLBACK after it finds nothing to release)
            _release(conn)
            raise

    def _release(conn: Any) -> None:
        if id(conn) in holders:
            holders.discard(id(conn))
            lock.release()

    event.listen(engine, "commit", _release)
    event.listen(engine, "rollback", _release)


def create_schema(engine: Engine) -> None:
    """A new database is created at the newest schema version; an existing one must be up to date.

    A database that cannot be used (server down, file not a database, disk full) raises SQLAlchemy's error as
    it is: the CLI says what it means once, for this and every later statement (adapter/persistence/diagnosis.py)."""
    from adapter.persistence.migrate import prepare  # alembic is imported only when a database is opened

    prepare(engine)


class UnitOfWork:
    """One transaction: `with uow.begin() as session:` commits on success and rolls back on any exception."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def begin(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
