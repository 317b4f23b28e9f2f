"""What a database failure means to an operator: its cause, the database it concerns, and what to do.

A failed statement reaches us as SQLAlchemy's `OperationalError` / `DatabaseError` wrapping the driver's error
(sqlite3, psycopg). `condition_of()` reads the driver's own code — SQLite's result code
(https://www.sqlite.org/rescode.html), PostgreSQL's SQLSTATE (PostgreSQL manual, appendix A) — and, for a
connection that never reached the server (no SQLSTATE), libpq's message. Integrity and programming errors are
not conditions: they are bugs or business outcomes and are left to their callers.

Translated once per boundary: the CLI turns a condition into one line and exit 75 or 78 (cli/main.py),
`docking run` logs when a condition starts and when it ends (adapter/persistence/outage.py).
"""

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import DatabaseError, DBAPIError, IntegrityError, OperationalError, ProgrammingError

TEMPFAIL = 75  # EX_TEMPFAIL (sysexits.h): the same command may succeed later, nothing in our settings is wrong
CONFIG = 78  # EX_CONFIG: what database_url points at must be changed first

_LABEL = "docking_database"  # attribute the engine hook below sets on a failed statement's exception


@dataclass(frozen=True)
class Cause:
    """One kind of database condition: its name in messages, the operator's next step, the CLI's exit code."""

    name: str
    advice: str
    exit_code: int = TEMPFAIL


DISK_FULL = Cause("disk full", "free space on the database's disk (or raise its quota), then run it again")
LOCKED = Cause(
    "database locked",
    "another process held the write lock past database_busy_timeout_seconds; let it finish (or stop it), then retry",
)
REFUSED = Cause("connection refused", "the database server is not running or not listening there; start it")
UNREACHABLE = Cause("server unreachable", "check the network path and that the server is up, then try again")
LOST = Cause("connection lost", "the server closed the connection (restart or crash); try again once it is up")
STARTING = Cause("server starting or shutting down", "wait for the server to finish starting, then try again")
BUSY = Cause("too many connections", "the server is at max_connections; try again, or raise its limit")
TIMED_OUT = Cause("timed out", "the server did not answer in time; check its load, then try again")
IO_ERROR = Cause("disk I/O error", "the disk under the database failed a read or write; check it (dmesg), then retry")
READ_ONLY = Cause(
    "read-only",
    "the database or its filesystem is read-only (or a standby server); point database_url at a writable one",
    CONFIG,
)
DENIED = Cause(
    "permission denied",
    "the adapter's user may not use the database file, its folder or the tables; fix the permissions",
    CONFIG,
)
CANNOT_OPEN = Cause("cannot open the database file", "check that the folder exists and is writable", CONFIG)
NOT_A_DATABASE = Cause("not a database", "database_url points at a file that is not an SQLite database", CONFIG)
AUTH = Cause("authentication failed", "check the user and password in database_url (and pg_hba.conf)", CONFIG)
NO_SUCH_DATABASE = Cause("no such database", "create it (createdb) or correct the name in database_url", CONFIG)
UNKNOWN_HOST = Cause("unknown host", "correct the host name in database_url", CONFIG)
OTHER = Cause("database error", "see the server's log; try again, and report it if it persists")

# SQLite primary result codes (the low byte of the extended code), https://www.sqlite.org/rescode.html
_SQLITE = {
    3: DENIED,  # SQLITE_PERM
    5: LOCKED,  # SQLITE_BUSY: the busy timeout ran out
    6: LOCKED,  # SQLITE_LOCKED: a conflict inside one connection's shared cache
    8: READ_ONLY,  # SQLITE_READONLY
    10: IO_ERROR,  # SQLITE_IOERR
    11: NOT_A_DATABASE,  # SQLITE_CORRUPT
    13: DISK_FULL,  # SQLITE_FULL (also a database at its max_page_count)
    14: CANNOT_OPEN,  # SQLITE_CANTOPEN
    23: DENIED,  # SQLITE_AUTH
    26: NOT_A_DATABASE,  # SQLITE_NOTADB
}
# PostgreSQL SQLSTATEs, longest prefix first (PostgreSQL manual, Appendix A "Error Codes")
_SQLSTATE = [
    ("53100", DISK_FULL),  # disk_full
    ("53300", BUSY),  # too_many_connections
    ("57P01", LOST),  # admin_shutdown: the server is stopping
    ("57P02", LOST),  # crash_shutdown
    ("57P03", STARTING),  # cannot_connect_now
    ("57014", TIMED_OUT),  # query_canceled (statement_timeout)
    ("55P03", LOCKED),  # lock_not_available (lock_timeout)
    ("40P01", LOCKED),  # deadlock_detected
    ("25006", READ_ONLY),  # read_only_sql_transaction: a standby, or default_transaction_read_only
    ("42501", DENIED),  # insufficient_privilege
    ("3D000", NO_SUCH_DATABASE),  # invalid_catalog_name
    ("28", AUTH),  # invalid authorization specification
    ("08", LOST),  # connection exception
    ("58030", IO_ERROR),  # io_error
]
# libpq's words for a connection that never reached the server (psycopg gives no SQLSTATE then), lower case
_LIBPQ = [
    ("connection refused", REFUSED),
    ("no such file or directory", REFUSED),  # a Unix socket with no server behind it
    ("password authentication failed", AUTH),
    ("authentication failed", AUTH),
    ("no password supplied", AUTH),
    ("does not exist", NO_SUCH_DATABASE),  # 'database "x" does not exist' (a missing role says the same)
    ("the database system is starting up", STARTING),
    ("the database system is shutting down", STARTING),
    ("too many clients", BUSY),
    ("could not translate host name", UNKNOWN_HOST),
    ("name or service not known", UNKNOWN_HOST),
    ("timeout expired", TIMED_OUT),
    ("timed out", TIMED_OUT),
    ("no route to host", UNREACHABLE),
    ("network is unreachable", UNREACHABLE),
    ("server closed the connection", LOST),
    ("connection is closed", LOST),
    ("terminating connection", LOST),
    ("no space left on device", DISK_FULL),
]


def condition_of(exc: BaseException) -> Cause | None:
    """The condition a database exception stands for; None for what is not one (a constraint, a bad statement,
    anything that is not a database error), which the caller must let through."""
    if isinstance(exc, (IntegrityError, ProgrammingError)) or not isinstance(exc, DatabaseError):
        return None
    orig = exc.orig if isinstance(exc, DBAPIError) else None
    if isinstance(orig, sqlite3.Error):
        code = getattr(orig, "sqlite_errorcode", None)
        cause = _SQLITE.get(code & 0xFF) if isinstance(code, int) else None
        # A full filesystem often shows as an I/O error (growing the -shm or -wal file fails before any page
        # is written): the free space decides which it is.
        if cause is IO_ERROR and _no_space_left(database_of(exc)):
            return DISK_FULL
        # Any other code (SQLITE_ERROR: a syntax error, no such table) is a bug to be seen whole, not a condition.
        return cause
    sqlstate = getattr(orig, "sqlstate", None)
    if isinstance(sqlstate, str):
        for prefix, cause in _SQLSTATE:
            if sqlstate.startswith(prefix):
                return cause
    text = str(orig if orig is not None else exc).lower()
    for words, cause in _LIBPQ:
        if words in text:
            return cause
    # Other operational errors are still conditions of the database, not of our data; other DatabaseErrors
    # (DataError, InternalError, NotSupportedError) are not, unless recognised above.
    return OTHER if isinstance(exc, OperationalError) else None


def _no_space_left(database: str) -> bool:
    try:
        return os.statvfs(Path(database).parent).f_bavail == 0
    except (OSError, ValueError):  # not a file path (a URL, "the database"), or gone
        return False


def detail_of(exc: BaseException) -> str:
    """The driver's first line and SQLite's extended code name, for the operator who needs more than the cause
    (bound values are never in it: engines are made with hide_parameters, and only the driver's message is taken)."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    lines = str(orig).strip().splitlines()
    first = lines[0][:300] if lines else type(orig).__name__
    name = getattr(orig, "sqlite_errorname", None)
    return f"{first} [{name}]" if isinstance(name, str) else first


def database_label(url: str | URL) -> str:
    """The database as an operator finds it: an SQLite file's absolute path, or the URL without its password
    (and without its query, which may carry one)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database or ""
        return "an in-memory SQLite database" if path in ("", ":memory:") else str(Path(path).resolve())
    bare = URL.create(parsed.drivername, parsed.username, None, parsed.host, parsed.port, parsed.database)
    return bare.render_as_string(hide_password=False)


def name_database(engine: Engine) -> None:
    """Every error raised through `engine` remembers which database it came from (read by `database_of`)."""
    label = database_label(engine.url)

    @event.listens_for(engine, "handle_error")
    def _remember(context: object) -> None:
        raised = getattr(context, "sqlalchemy_exception", None)
        if raised is not None:
            setattr(raised, _LABEL, label)


def database_of(exc: BaseException) -> str:
    label = getattr(exc, _LABEL, None)
    return label if isinstance(label, str) else "the database"


def describe(exc: BaseException, cause: Cause) -> str:
    """One line: the database, the cause, the driver's words, what to do."""
    return f"database {database_of(exc)}: {cause.name} ({detail_of(exc)}); {cause.advice}"
