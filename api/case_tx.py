"""Idempotency-Key and If-Match for the centre's case actions, in the action's own transaction (api/keyed_tx.py;
api/idempotency.py's docstring says why). A case's version is the id of its latest history entry (case_events),
derived rather than a column (api/idempotency.py `case_version`).
"""

from typing import Any

from sqlmodel import Session, select

from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import CaseEventRow, CaseRow
from api.idempotency import Call, case_version
from api.keyed_tx import KeyedTransaction
from api.problems import Problem, not_found_case
from schemas.agreement import MediationAgreement
from schemas.clock import Clock


class ActionTransaction(KeyedTransaction):
    """The unit of work one case action hands to the use case; single use. `case_id` None: a register."""

    noun = "case"
    # Not flushed before `written`: a register's version is read off its pending history rows (`new_version`)
    flush_first = False

    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        call: Call,
        *,
        case_id: str | None,
        if_match: str | None,
        names_document: bool = False,
    ) -> None:
        super().__init__(uow, clock, call, record_id=case_id, if_match=if_match)
        self.case_id = case_id
        # the agreement action answers the digest it recorded: the sealed PDF's with `[seal]` on, not the upload's
        self.names_document = names_document

    def locked(self, session: Session, record_id: str) -> CaseRow | None:
        return session.exec(select(CaseRow).where(CaseRow.id == record_id).with_for_update()).first()

    def not_found(self, record_id: str) -> Problem:
        return not_found_case(record_id)

    def current_version(self, session: Session, row: CaseRow) -> int:
        return case_version(session, row.id)

    def written(self, session: Session) -> CaseRow:
        if self.case_id is not None:
            found = session.get(CaseRow, self.case_id)
            assert found is not None  # locked in _before
            return found
        created = [o for o in session.identity_map.values() if isinstance(o, CaseRow)]
        if len(created) != 1:
            raise RuntimeError(f"a register should create one case, not {len(created)}")
        return created[0]

    def new_version(self, session: Session, row: CaseRow) -> int:
        """The case's version after the use case (its rows flushed first). A case registered in this transaction
        has all its history in this session, ids assigned by the flush: the newest is its version, no query needed
        (one SELECT less per register, bench/api.py #16). An existing case's is read from the table."""
        if self.case_id is not None:
            return case_version(session, row.id)
        # Held here across the flush: the session keeps a flushed row only weakly, and nothing else refers to it.
        pending = [o for o in session.new if isinstance(o, CaseEventRow) and o.case_id == row.id]
        session.flush()
        ids = [o.id for o in pending if o.id is not None]
        return max(ids) if ids else case_version(session, row.id)

    def answer(self, row: CaseRow) -> dict[str, Any]:
        body: dict[str, Any] = {"case_id": row.id, "status": row.status}
        if self.names_document and row.agreement_json is not None:
            body["document_sha256"] = MediationAgreement.model_validate_json(row.agreement_json).document_sha256
        return body
