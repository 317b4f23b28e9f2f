"""Idempotency-Key and If-Match in the action's own transaction for a record with a `version` column — shared by
the complaint actions (api/complaint_tx.py) and the partner actions (api/partner_tx.py); the case actions derive
their version from history instead (api/idempotency.py, whose docstring says why all this is one transaction).

Before the use case: the record locked (PostgreSQL `FOR UPDATE`; SQLite holds the write lock from BEGIN), the key
looked up (a retry of a write that succeeded gets its answer, not a 412), the record's existence and If-Match
checked. After it: the answer kept under the key and the audit row written; one commit.
"""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Table, insert
from sqlmodel import Session

from adapter.persistence.api_tables import ApiAuditRow, ApiIdempotencyRow
from adapter.persistence.engine import UnitOfWork
from api.idempotency import Call, Replay, Stored, audit_values, etag, lookup, matches
from api.problems import Problem
from schemas.clock import Clock, to_utc

_IDEM: Table = ApiIdempotencyRow.__table__  # type: ignore[attr-defined]
_AUDIT: Table = ApiAuditRow.__table__  # type: ignore[attr-defined]


def stale_problem(noun: str, version: int, status: str) -> Problem:
    """412 naming the current ETag and status of a record that moved on since the caller read it."""
    current = etag(version)
    return Problem(
        412,
        "stale-version",
        f"the {noun} has changed since that version: it is now at {current} (status {status}); read it again and "
        "decide afresh",
        headers={"ETag": current},
        current_etag=current,
        current_state=status,
    )


class RecordTransaction(UnitOfWork):
    """The unit of work one action hands to its use case; single use. `record_id` the record acted on (None: the
    action creates one). Subclasses say how to lock and find the record, what is not found, and the answer."""

    noun = "record"

    def __init__(self, uow: UnitOfWork, clock: Clock, call: Call, *, record_id: str | None, if_match: str | None):
        super().__init__(uow.engine)
        self.clock, self.call, self.record_id, self.if_match = clock, call, record_id, if_match
        self.result: Stored | None = None
        self._used = False

    def locked(self, session: Session, record_id: str) -> Any:
        """The record, locked for update, or None."""
        raise NotImplementedError

    def not_found(self, record_id: str) -> Problem:
        raise NotImplementedError

    def written(self, session: Session) -> Any:
        """The record the use case acted on or created (after its flush)."""
        raise NotImplementedError

    def answer(self, row: Any) -> dict[str, Any]:
        """The body remembered under the key and answered (with `etag` added)."""
        raise NotImplementedError

    @contextmanager
    def begin(self) -> Iterator[Session]:
        if self._used:  # every use case opens one transaction; a second would escape the guard
            raise RuntimeError(f"a {type(self).__name__} covers one transaction")
        self._used = True
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                self._before(session)
                yield session
                self._after(session)
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def _before(self, session: Session) -> None:
        row = self.locked(session, self.record_id) if self.record_id is not None else None
        stored = lookup(session, self.call)  # a retry of a write that succeeded gets its answer, not a 412
        if stored is not None:
            raise Replay(stored)
        if self.record_id is not None and row is None:
            raise self.not_found(self.record_id)
        if self.if_match is not None and row is not None and not matches(self.if_match, etag(row.version)):
            raise stale_problem(self.noun, row.version, row.status)

    def _after(self, session: Session) -> None:
        session.flush()
        row = self.written(session)
        tag = etag(row.version)
        body = {**self.answer(row), "etag": tag}
        now = to_utc(self.clock())
        status = 201 if self.record_id is None else 200
        kept = {
            "client": self.call.client,
            "key": self.call.key,
            "request_sha256": self.call.digest,
            "status_code": status,
            "response_json": json.dumps(body, ensure_ascii=False),
            "etag": tag,
            "created_at": now,
        }
        connection = session.connection()
        connection.execute(insert(_IDEM), kept)
        connection.execute(insert(_AUDIT), audit_values(self.call, status, now))
        self.result = Stored(status, body, tag)
