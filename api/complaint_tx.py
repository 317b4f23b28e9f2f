"""Idempotency-Key and If-Match for the centre's complaint POSTs, in the action's own transaction — as
api/idempotency.py does for cases (read its docstring for why): before the use case, the complaint locked, the key
looked up, If-Match checked; after it, the answer kept under the key and the audit row written; one commit.

A complaint's version (its ETag) is the id of its latest history entry: every change of status writes one.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Table, bindparam, func, insert
from sqlmodel import Session, select

from adapter.persistence.engine import UnitOfWork
from api.idempotency import Call, Replay, Stored, audit_values, etag, lookup, matches
from api.problems import Problem
from schemas.clock import Clock, to_utc

# The store's tables (adapter/persistence): bound once the store lands; see `_tables`.


def _tables() -> tuple[Any, Any]:
    from adapter.persistence.complaint_tables import ComplaintEventRow, ComplaintRow

    return ComplaintRow, ComplaintEventRow


def not_found_complaint(complaint_id: str) -> Problem:
    return Problem(404, "complaint-not-found", f"no complaint {complaint_id!r}")


def complaint_version(session: Session, complaint_id: str) -> int:
    """The id of the complaint's latest history entry (0 before it has one)."""
    _, events = _tables()
    table: Table = events.__table__
    session.flush()
    query = select(func.max(table.c.id)).where(table.c.complaint_id == bindparam("cid"))
    return int(session.connection().execute(query, {"cid": complaint_id}).scalar() or 0)


class ComplaintTransaction(UnitOfWork):
    """The unit of work one complaint action hands to the use case; single use. `complaint_id` None: an intake
    (the complaint is created in it; its id is read from what the use case added)."""

    def __init__(
        self, uow: UnitOfWork, clock: Clock, call: Call, *, complaint_id: str | None, if_match: str | None
    ) -> None:
        super().__init__(uow.engine)
        self.clock, self.call, self.complaint_id, self.if_match = clock, call, complaint_id, if_match
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
        rows, _ = _tables()
        complaint = None
        if self.complaint_id is not None:
            complaint = session.exec(select(rows).where(rows.id == self.complaint_id).with_for_update()).first()
        stored = lookup(session, self.call)  # a retry of a write that succeeded gets its answer, not a 412
        if stored is not None:
            raise Replay(stored)
        if self.complaint_id is not None and complaint is None:
            raise not_found_complaint(self.complaint_id)
        if self.if_match is not None and complaint is not None:
            current = etag(complaint_version(session, complaint.id))
            if not matches(self.if_match, current):
                raise Problem(
                    412,
                    "stale-version",
                    f"the complaint has changed since that version: it is now at {current} (status "
                    f"{complaint.status}); read it again and decide afresh",
                    headers={"ETag": current},
                    current_etag=current,
                    current_state=complaint.status,
                )

    def _after(self, session: Session) -> None:
        rows, _ = _tables()
        session.flush()
        if self.complaint_id is not None:
            complaint = session.get(rows, self.complaint_id)
        else:
            created = [o for o in session.identity_map.values() if isinstance(o, rows)]
            if len(created) != 1:
                raise RuntimeError(f"an intake should create one complaint, not {len(created)}")
            complaint = created[0]
        assert complaint is not None  # locked in _before, or created by the use case
        tag = etag(complaint_version(session, complaint.id))
        body = {"complaint_id": complaint.id, "status": complaint.status, "etag": tag}
        case_id = getattr(complaint, "case_id", None)
        if case_id:
            body["case_id"] = case_id
        now = to_utc(self.clock())
        status = 201 if self.complaint_id is None else 200
        connection = session.connection()
        from adapter.persistence.api_tables import ApiAuditRow, ApiIdempotencyRow

        connection.execute(
            insert(ApiIdempotencyRow.__table__),  # type: ignore[attr-defined]
            {
                "client": self.call.client,
                "key": self.call.key,
                "request_sha256": self.call.digest,
                "status_code": status,
                "response_json": _json(body),
                "etag": tag,
                "created_at": now,
            },
        )
        connection.execute(insert(ApiAuditRow.__table__), audit_values(self.call, status, now))  # type: ignore[attr-defined]
        self.result = Stored(status, body, tag)


def _json(body: dict[str, Any]) -> str:
    import json

    return json.dumps(body, ensure_ascii=False)
