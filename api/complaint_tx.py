"""Idempotency-Key and If-Match for the centre's complaint POSTs, in the action's own transaction — as
api/idempotency.py does for cases (its docstring says why): before the use case, the complaint locked (PostgreSQL
`FOR UPDATE`; SQLite holds the write lock from BEGIN), the key looked up, If-Match checked; after it, the answer
kept under the key and the audit row written; one commit. So an action and its remembered answer stand or fall
together, and a retry with the same key replays the first answer instead of acting again.

A complaint's ETag is its `version` column (adapter/persistence/complaint_tables.py): it rises by one with every
change the store makes, so a stale If-Match is refused with 412 and the current ETag.
"""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Table, insert
from sqlmodel import Session, select

from adapter.persistence.api_tables import ApiAuditRow, ApiIdempotencyRow
from adapter.persistence.complaint_tables import ComplaintRow
from adapter.persistence.engine import UnitOfWork
from api.idempotency import Call, Replay, Stored, audit_values, etag, lookup, matches
from api.problems import Problem
from schemas.clock import Clock, to_utc

_IDEM: Table = ApiIdempotencyRow.__table__  # type: ignore[attr-defined]
_AUDIT: Table = ApiAuditRow.__table__  # type: ignore[attr-defined]


def not_found_complaint(complaint_id: str) -> Problem:
    return Problem(404, "complaint-not-found", f"no complaint {complaint_id!r}")


def complaint_etag(row: ComplaintRow) -> str:
    return etag(row.version)


def stale(row: ComplaintRow) -> Problem:
    current = complaint_etag(row)
    return Problem(
        412,
        "stale-version",
        f"the complaint has changed since that version: it is now at {current} (status {row.status}); read it "
        "again and decide afresh",
        headers={"ETag": current},
        current_etag=current,
        current_state=row.status,
    )


class ComplaintTransaction(UnitOfWork):
    """The unit of work one complaint action hands to the use case; single use. `complaint_id` the complaint acted
    on; `created` instead for an intake: the id the new complaint gets (its primary key guards a concurrent
    intake of the same id — the loser's transaction rolls back and it replays the winner's answer)."""

    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        call: Call,
        *,
        complaint_id: str | None,
        if_match: str | None,
        created: str | None = None,
    ) -> None:
        super().__init__(uow.engine)
        self.clock, self.call, self.complaint_id, self.if_match = clock, call, complaint_id, if_match
        self.created = created
        self.result: Stored | None = None
        self._used = False

    @contextmanager
    def begin(self) -> Iterator[Session]:
        if self._used:  # every use case opens one transaction; a second would escape the guard
            raise RuntimeError("a ComplaintTransaction covers one transaction")
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
        row = None
        if self.complaint_id is not None:
            query = select(ComplaintRow).where(ComplaintRow.complaint_id == self.complaint_id).with_for_update()
            row = session.exec(query).first()
        stored = lookup(session, self.call)  # a retry of a write that succeeded gets its answer, not a 412
        if stored is not None:
            raise Replay(stored)
        if self.complaint_id is not None and row is None:
            raise not_found_complaint(self.complaint_id)
        if self.if_match is not None and row is not None and not matches(self.if_match, complaint_etag(row)):
            raise stale(row)

    def _after(self, session: Session) -> None:
        session.flush()
        row = self._row(session)
        tag = complaint_etag(row)
        body: dict[str, Any] = {"complaint_id": row.complaint_id, "status": row.status, "etag": tag}
        if row.case_id:
            body["case_id"] = row.case_id
        now = to_utc(self.clock())
        status = 201 if self.complaint_id is None else 200
        answer = {
            "client": self.call.client,
            "key": self.call.key,
            "request_sha256": self.call.digest,
            "status_code": status,
            "response_json": json.dumps(body, ensure_ascii=False),
            "etag": tag,
            "created_at": now,
        }
        connection = session.connection()
        connection.execute(insert(_IDEM), answer)
        connection.execute(insert(_AUDIT), audit_values(self.call, status, now))
        self.result = Stored(status, body, tag)

    def _row(self, session: Session) -> ComplaintRow:
        found = session.get(ComplaintRow, self.complaint_id or self.created)
        assert found is not None  # locked in _before, or created by the use case
        return found
