"""On PostgreSQL (psycopg) the audit chain's lock and tail go as one query string (adapter/audit/append.py
locked_tail). A writer that waits for the lock must read the tail its holder committed — the tail read after the
lock is granted, not as it was when the query began — or the chain forks (two entries after one, the second
refused by the primary key). Forced here: one writer holds the lock with its entry written, uncommitted; another
waits for it; the first commits; the second's entry must follow the first's."""

import threading
from typing import Any

import pytest
from sqlalchemy import Connection, select, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from adapter.audit import append as append_module
from adapter.audit.append import append
from adapter.audit.sources import Entry
from adapter.audit.verify import verify_chain
from adapter.persistence.audit_tables import AuditEntryRow
from adapter.persistence.engine import UnitOfWork
from tests.support.pg_waits import wait_for_pg_wait

pytestmark = pytest.mark.integration

_ENTRIES = AuditEntryRow.__table__  # type: ignore[attr-defined]


@pytest.fixture
def backend() -> str:
    return "postgres"


def _entry(n: int) -> Entry:
    return Entry("outbound.delivered", f"msg-{n}", None, "docking", {"n": n, "text": "doručeno ✓"})


def _two_statements(connection: Connection) -> Any:
    """The path locked_tail replaced: the lock, then the tail."""
    connection.execute(append_module._LOCK)
    return connection.execute(append_module._TAIL).first()


def _one_snapshot(connection: Connection) -> Any:
    """A wrong short cut, to show the test bites: the lock and the tail in one statement, one snapshot."""
    tail = f"SELECT seq, entry_hash FROM (SELECT pg_advisory_xact_lock({append_module.CHAIN_LOCK})) AS l, "
    tail += "LATERAL (SELECT seq, entry_hash FROM audit_chain ORDER BY seq DESC LIMIT 1) AS t"
    return connection.execute(text(tail)).first()


PATHS = {"one query": append_module.locked_tail, "two statements": _two_statements, "one snapshot": _one_snapshot}


@pytest.mark.parametrize("path", PATHS)
def test_a_writer_waiting_for_the_lock_reads_the_tail_its_holder_committed(
    uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    monkeypatch.setattr(append_module, "locked_tail", PATHS[path])
    with uow.begin() as session:
        append(session, "outbound.delivered", "msg-0", actor="docking", content={"n": 0})
    holder = Session(uow.engine)
    append_module._write(holder, [_entry(1)], "sha256")  # holds the lock, its entry written, not committed
    failures: list[BaseException] = []

    def wait_and_write() -> None:
        try:
            with uow.begin() as session:
                append(session, "outbound.delivered", "msg-2", actor="docking", content={"n": 2})
        except BaseException as exc:
            failures.append(exc)

    waiting = threading.Thread(target=wait_and_write)
    waiting.start()
    wait_for_pg_wait(uow, "wait_event = 'advisory'", "the second writer")
    holder.commit()
    holder.close()
    waiting.join(timeout=10)
    assert not waiting.is_alive()
    if path == "one snapshot":  # the tail as it was before the lock: a second entry 2, refused
        assert [type(exc) for exc in failures] == [IntegrityError]
        return
    assert failures == []
    with uow.begin() as session:
        connection = session.connection()
        rows = connection.execute(select(_ENTRIES.c.seq, _ENTRIES.c.subject).order_by(_ENTRIES.c.seq)).all()
        assert [tuple(row) for row in rows] == [(1, "msg-0"), (2, "msg-1"), (3, "msg-2")]
        assert verify_chain(connection, {}).ok
