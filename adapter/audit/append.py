"""The one place entries enter the chain: in the transaction of their cause, written as it commits.

Entries come two ways, both queued on the session and written together just before its outermost COMMIT:
- derived from the rows a flush inserts (adapter/audit/sources.py: history rows, inbox, quarantine, outbox, the
  operator and API audit rows), so no writer of those rows has to remember the chain;
- `append(session, …)` for what no inserted row carries (a delivery's result, a key event).

Why at commit, under a lock: the chain must not fork (two entries with one prev) with several worker processes. The
writer takes the chain's lock, reads the tail and inserts its entries, then commits at once — on PostgreSQL a
transaction-scoped advisory lock (pg_advisory_xact_lock: released by COMMIT, ROLLBACK or the backend's death, so a
kill -9 leaves no lock and, the cause being in the same transaction, no entry without its cause nor cause without
its entry); on SQLite the write lock BEGIN IMMEDIATE took (adapter/persistence/engine.py) already serializes. Taken
last, the lock is held for two statements and the COMMIT only, and its holder waits on nothing else, so it cannot
deadlock with row locks. The cost: committing transactions that audit something go one at a time through that
window (measured by bench/delivery.py's audit_ratio). Rows a savepoint rolled back are expunged by SQLAlchemy and
dropped here; call `append` outside savepoints.
"""

import weakref
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, inspect, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import UnboundExecutionError
from sqlalchemy.orm import Session

from adapter.audit import sources
from adapter.audit.chain import GENESIS, canonical, canonical_fields, hasher
from adapter.persistence.audit_tables import AuditEntryRow
from adapter.persistence.bulk import insert_rows, raise_as_sqlalchemy

CHAIN_LOCK = 0x617564697463  # pg_advisory_xact_lock key ("auditc"); not SCHEMA_LOCK (adapter/persistence/migrate.py)
_PENDING = "audit_pending"
_TABLE = AuditEntryRow.__table__  # type: ignore[attr-defined]
_TAIL = select(_TABLE.c.seq, _TABLE.c.entry_hash).order_by(_TABLE.c.seq.desc()).limit(1)
_LOCK = text(f"SELECT pg_advisory_xact_lock({CHAIN_LOCK})")


# The lock and the tail in one query string on psycopg: sent together, run one after the other, so one round trip
# instead of two (#21: a delivery's record transaction). Safe for the chain because each statement of a simple
# query gets its own snapshot at READ COMMITTED (pinned for every session: adapter/persistence/engine.py): the tail
# is read after the lock is granted and sees the entries committed by the lock's previous holder
# (tests/integration/test_audit_locked_tail.py forces it).
_LOCKED_TAIL = f"{_LOCK.text}; {_TAIL.compile(dialect=postgresql.dialect(), compile_kwargs={'literal_binds': True})}"


def locked_tail(connection: Connection) -> Any:
    """The chain's lock taken, then its tail read (seq, entry_hash; None for an empty chain), in one round trip
    through the connection's psycopg connection; its errors raised as SQLAlchemy raises them."""
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        # No parameters and never prepared: a simple query, which may hold several statements
        cursor.execute(_LOCKED_TAIL, prepare=False)
        if not cursor.nextset():  # the lock's result first, then the tail's: a missing one is no empty chain
            raise RuntimeError("the audit chain's lock and tail query returned one result, not two")
        tail = cursor.fetchone()
    except BaseException as exc:
        raise_as_sqlalchemy(connection, exc, _LOCKED_TAIL, [], cursor)
    cursor.close()
    return tail


@dataclass(frozen=True)
class AuditConfig:
    enabled: bool = True
    alg: str = "sha256"


_CONFIG: "weakref.WeakKeyDictionary[Engine, AuditConfig]" = weakref.WeakKeyDictionary()
_DEFAULT = AuditConfig()
_installed = False


def configure(engine: Engine, *, enabled: bool, alg: str) -> None:
    """Appending on `engine` per `[audit]` (adapter/audit/settings.py); an engine not configured appends SHA-256."""
    _CONFIG[engine] = AuditConfig(enabled, alg)
    install()


def install() -> None:
    """Listen on every Session (idempotent): called when an engine is made (adapter/persistence/engine.py)."""
    global _installed
    if _installed:
        return
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "before_commit", _before_commit)
    event.listen(Session, "after_transaction_end", _after_transaction_end)
    _installed = True


def config_of(session: Session) -> AuditConfig:
    try:
        bind = session.get_bind()
    except UnboundExecutionError:  # a session bound per table: appending as configured by default
        return _DEFAULT
    engine = bind if isinstance(bind, Engine) else bind.engine
    return _CONFIG.get(engine, _DEFAULT)


def append(
    session: Session, kind: str, subject: str, *, actor: str, content: dict[str, Any], case_id: str | None = None
) -> None:
    """Queue an entry on `session`, written when it commits (with the rest of the transaction, or not at all).
    `content` is stored and digested as canonical JSON: ids, statuses and digests, never personal data."""
    if config_of(session).enabled:
        session.info.setdefault(_PENDING, []).append((sources.Entry(kind, subject, case_id, actor, content), None))


def append_entries(session: Session, entries: list[sources.Entry]) -> None:
    """Queue entries already made (sources.py), in order, as `append` does: for rows written with a Core INSERT,
    which no flush sees (adapter/inbox/page_rows.py)."""
    if entries and config_of(session).enabled:
        session.info.setdefault(_PENDING, []).extend((entry, None) for entry in entries)


def note_raw(session: Session, platform: str, message_id: str, raw: bytes) -> None:
    """The raw bytes of an inbound message as received, for the inbox row's entry (its digest, not the bytes)."""
    sources.note_raw(session.info, platform, message_id, raw)


def _after_flush(session: Session, _context: Any) -> None:
    if not session.new or not config_of(session).enabled:
        return
    found = [(entry, row) for row in session.new if (entry := sources.entry_for(row, session.info)) is not None]
    if found:
        found.sort(key=lambda pair: getattr(inspect(pair[1]), "insert_order", 0) or 0)  # in the order they were added
        session.info.setdefault(_PENDING, []).extend(found)


def _before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint's release: the entries are written with the outermost COMMIT
    config = config_of(session)
    if not config.enabled:
        return
    session.flush()  # rows still unflushed make their entries now
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    kept = [entry for entry, row in pending if row is None or inspect(row).persistent]
    if kept:
        _write(session, kept, config.alg)


def _after_transaction_end(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # the outermost transaction ended: committed (written) or rolled back
        session.info.pop(_PENDING, None)
        sources.forget_raw(session.info)


def _write(session: Session, entries: list[sources.Entry], alg: str) -> None:
    connection = session.connection()
    if connection.dialect.driver == "psycopg":
        tail = locked_tail(connection)
    else:
        if connection.dialect.name == "postgresql":
            connection.execute(_LOCK)
        tail = connection.execute(_TAIL).first()
    seq, prev = (tail[0], tail[1]) if tail is not None else (0, GENESIS)
    at, digest_of = datetime.now(UTC), hasher(alg)
    chained = bytes.fromhex(prev)  # the previous entry's hash, as the next one's hash takes it
    rows = []
    for entry in entries:
        seq += 1
        stored = canonical(entry.content)  # once: what is stored is exactly what is digested
        digest = digest_of(stored).hex()
        fields = canonical_fields(seq=seq, at=at, kind=entry.kind, subject=entry.subject, case_id=entry.case_id,
                                  actor=entry.actor, alg=alg, digest=digest)  # fmt: skip
        before, chained = prev, digest_of(chained + fields)  # entry_hash(alg, prev, entry_fields(…)), as verified
        prev = chained.hex()
        rows.append({"seq": seq, "at": at, "kind": entry.kind, "subject": entry.subject, "case_id": entry.case_id,
                     "actor": entry.actor, "alg": alg, "digest": digest, "content_json": stored.decode(),
                     "prev_hash": before, "entry_hash": prev})  # fmt: skip
    insert_rows(connection, _TABLE, rows)  # at the driver (adapter/persistence/bulk.py): a page writes thousands
