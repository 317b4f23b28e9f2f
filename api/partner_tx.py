"""Idempotency-Key and If-Match for the centre's partner actions, in the action's own transaction
(api/record_tx.py): a partner record's ETag is its `version` column (adapter/persistence/partner_tables.py), raised
by one with every change, so a stale If-Match is refused with 412 and the current ETag."""

from typing import Any

from sqlmodel import Session

from adapter.persistence import partner_store as store
from adapter.persistence.partner_tables import PartnerRecordRow
from api.problems import Problem
from api.record_tx import RecordTransaction


def not_found_record(record_id: str) -> Problem:
    return Problem(404, "partner-record-not-found", f"no partner record {record_id!r}")


class PartnerTransaction(RecordTransaction):
    """The unit of work one partner action hands to run_action (adapter/partners/service.py); single use.
    `record_id` None: an opening action — the record it creates is the one new PartnerRecordRow in the session."""

    noun = "partner record"

    def locked(self, session: Session, record_id: str) -> PartnerRecordRow | None:
        return store.find(session, record_id, lock=True)

    def not_found(self, record_id: str) -> Problem:
        return not_found_record(record_id)

    def written(self, session: Session) -> PartnerRecordRow:
        if self.record_id is not None:
            return store.get(session, self.record_id, lock=False)
        created = [r for r in session.identity_map.values() if isinstance(r, PartnerRecordRow)]
        assert len(created) == 1, "an opening action creates exactly one record"
        return created[0]

    def answer(self, row: PartnerRecordRow) -> dict[str, Any]:
        return {"record_id": row.record_id, "kind": row.kind, "partner": row.partner, "status": row.status,
                "version": row.version, "partner_ref": row.partner_ref}  # fmt: skip
