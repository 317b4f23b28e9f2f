"""The one shape of every guarded centre action's transaction (api/idempotency.py's docstring says why it is one
transaction): a unit of work whose transaction, before the use case, locks the record acted on, looks up the
Idempotency-Key (a retry of a write that succeeded gets its answer, not a 412), checks the record exists and
If-Match; and after it, keeps the answer under the key and writes the audit row — one commit.

What differs between cases (api/case_tx.py: the version is the latest history id), complaints and partner records
(api/record_tx.py: a `version` column) is said by hooks over the record's own table.
"""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from adapter.persistence.api_tables import ApiAuditRow, ApiIdempotencyRow
from adapter.persistence.engine import UnitOfWork
from api.idempotency import Call, Replay, Stored, audit_values, etag, lookup, matches
from api.problems import Problem
from schemas.clock import Clock, to_utc

# Built once: a statement object keeps its compiled form and cache key, so each call only binds its values.
_KEEP_ANSWER = insert(ApiIdempotencyRow.__table__)  # type: ignore[attr-defined]
_KEEP_AUDIT = insert(ApiAuditRow.__table__)  # type: ignore[attr-defined]


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


class KeyedTransaction(UnitOfWork):
    """The unit of work one action hands to its use case; single use. `record_id` the record acted on (None: the
    action creates one, answered 201; else 200). Subclasses say how to lock and find the record, its version before
    and after the use case, what is not found, and the answer's body (`etag` is added)."""

    noun = "record"
    flush_first = True  # the use case's rows flushed before `written` looks for the record

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

    def current_version(self, session: Session, row: Any) -> int:
        """The locked record's version, checked against If-Match."""
        raise NotImplementedError

    def written(self, session: Session) -> Any:
        """The record the use case acted on or created."""
        raise NotImplementedError

    def new_version(self, session: Session, row: Any) -> int:
        """The written record's version after the use case: its ETag."""
        raise NotImplementedError

    def answer(self, row: Any) -> dict[str, Any]:
        """The body remembered under the key and answered (with `etag` added)."""
        raise NotImplementedError

    @contextmanager
    def begin(self) -> Iterator[Session]:
        if self._used:  # every use case opens one transaction; a second would escape the guard
            name = type(self).__name__
            raise RuntimeError(f"{'an' if name[0] in 'AEIOU' else 'a'} {name} covers one transaction")
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
        if self.if_match is not None and row is not None:
            version = self.current_version(session, row)
            if not matches(self.if_match, etag(version)):
                raise stale_problem(self.noun, version, row.status)

    def _after(self, session: Session) -> None:
        if self.flush_first:
            session.flush()
        row = self.written(session)
        tag = etag(self.new_version(session, row))
        body = {**self.answer(row), "etag": tag}
        now = to_utc(self.clock())
        status = 201 if self.record_id is None else 200
        # Written as two Core INSERTs on the session's connection, after the use case's rows are flushed: the ORM
        # unit of work (topological sort, identity map, per-row events) cost about as much as the use case itself
        # for these two rows nothing else reads in this transaction (profiled with bench/api.py, #16). Same
        # transaction, same commit: the answer, the audit row and the action still stand or fall together.
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
        connection.execute(_KEEP_ANSWER, kept)
        connection.execute(_KEEP_AUDIT, audit_values(self.call, status, now))
        self.result = Stored(status, body, tag)
