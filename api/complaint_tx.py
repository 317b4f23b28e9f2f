"""Idempotency-Key and If-Match for the centre's complaint POSTs, in the action's own transaction
(api/record_tx.py; api/idempotency.py's docstring says why): so an action and its remembered answer stand or fall
together, and a retry with the same key replays the first answer instead of acting again.

A complaint's ETag is its `version` column (adapter/persistence/complaint_tables.py): it rises by one with every
change the store makes, so a stale If-Match is refused with 412 and the current ETag.
"""

from typing import Any

from sqlmodel import Session, select

from adapter.persistence.complaint_tables import ComplaintRow
from adapter.persistence.engine import UnitOfWork
from api.idempotency import Call, etag
from api.problems import Problem
from api.record_tx import RecordTransaction
from schemas.clock import Clock


def not_found_complaint(complaint_id: str) -> Problem:
    return Problem(404, "complaint-not-found", f"no complaint {complaint_id!r}")


def complaint_etag(row: ComplaintRow) -> str:
    return etag(row.version)


class ComplaintTransaction(RecordTransaction):
    """The unit of work one complaint action hands to the use case; single use. `complaint_id` the complaint acted
    on; `created` instead for an intake: the id the new complaint gets (its primary key guards a concurrent
    intake of the same id — the loser's transaction rolls back and it replays the winner's answer)."""

    noun = "complaint"

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
        super().__init__(uow, clock, call, record_id=complaint_id, if_match=if_match)
        self.complaint_id, self.created = complaint_id, created

    def locked(self, session: Session, record_id: str) -> ComplaintRow | None:
        query = select(ComplaintRow).where(ComplaintRow.complaint_id == record_id).with_for_update()
        return session.exec(query).first()

    def not_found(self, record_id: str) -> Problem:
        return not_found_complaint(record_id)

    def written(self, session: Session) -> ComplaintRow:
        found = session.get(ComplaintRow, self.complaint_id or self.created)
        assert found is not None  # locked in _before, or created by the use case
        return found

    def answer(self, row: ComplaintRow) -> dict[str, Any]:
        body: dict[str, Any] = {"complaint_id": row.complaint_id, "status": row.status}
        if row.case_id:
            body["case_id"] = row.case_id
        return body
