"""Registering closed self-received (flow C) cases with the SPC platform (partners.md §4 "Self-received
registration"): the job that finds closed flow-C cases without a registration record and opens one through the
roster's `register_case` action (adapter/partners/roster/registration.py decides; the core applies and queues
`case.offline_register`). The registration is due `register_working_days` (10) working days after closing — the
roster's deadlines watch it from the record's `closed_at`; this job only has to open it.

A case is *closed* here when its mediation is over and nothing more happens at the centre: performed or withdrawn
after an effective agreement, a JC decided, a 调解书 issued, or terminated (failure; final for flow C). The form is
built from the case: parties by role (applicants 申请人/原告, respondents 被申请人/被告), the claim (`amount`), the
settled amount (the agreement's monetary terms, yuan), the mediator by the platform's id of their roster entry.
A case whose mediator has no certified roster entry cannot be registered yet: it is listed as waiting, not guessed.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, col, select

from adapter.errors import InvalidRequest
from adapter.partners.roster.states import RosterEntity
from adapter.partners.roster_checks import mediator_record, roster_rows
from adapter.partners.service import run_action
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import CaseEventRow, CaseRow
from adapter.states import CaseStatus
from schemas.agreement import MediationAgreement
from schemas.case import CaseDispatch, Party
from schemas.clock import from_db
from schemas.enums import Flow, PartyRole
from schemas.roster import MediationResult, OfflineParty, OfflineRegistration
from schemas.validation import summarize

S = CaseStatus
SUCCEEDED = frozenset({S.CLOSED_PERFORMED, S.CLOSED_WITHDRAWN, S.JC_CONFIRMED, S.JC_REJECTED, S.JC_NOT_ACCEPTED,
                       S.JC_WITHDRAWN, S.MEDIATION_DOC_ISSUED})  # fmt: skip
CLOSED = SUCCEEDED | {S.TERMINATED}
APPLICANTS = frozenset({PartyRole.APPLICANT, PartyRole.PLAINTIFF})
RESPONDENTS = frozenset({PartyRole.RESPONDENT, PartyRole.DEFENDANT})
# Certified on the platform: only then does the mediator have the platform id the form names (`mediatorId`).
_ON_PLATFORM = frozenset({"CERTIFIED", "ACTIVE", "SUSPENDED", "RETIRED", "EXPIRED"})


@dataclass(frozen=True)
class RegistrationRun:
    """What one run did: the registration records opened (case id → record id) and the cases left waiting with
    why (case id → reason, e.g. the mediator's entry is not certified; never personal data)."""

    opened: dict[str, str]
    waiting: dict[str, str]


def registered_cases(session: Session) -> set[str]:
    """The case ids that already have a registration record (whatever its status)."""
    done = set()
    for row in roster_rows(session, RosterEntity.REGISTRATION):
        if row.case_id:
            done.add(row.case_id)
        else:
            facts = json.loads(row.facts_json)
            done.add(str(facts.get("registration", {}).get("case_id", "")))
    return done


def closed_unregistered(session: Session) -> list[CaseRow]:
    """Closed flow-C cases without a registration record, oldest first."""
    query = select(CaseRow).where(
        CaseRow.flow == Flow.SELF_RECEIVED.value, col(CaseRow.status).in_([s.value for s in CLOSED])
    )
    done = registered_cases(session)
    return [row for row in session.exec(query.order_by(col(CaseRow.id))) if row.id not in done]


def closed_at(session: Session, case: CaseRow) -> datetime:
    """When the case reached its closing status (its last transition into it), China-time aware."""
    query = (
        select(CaseEventRow)
        .where(CaseEventRow.case_id == case.id, CaseEventRow.to_status == case.status)
        .order_by(col(CaseEventRow.at).desc())
    )
    event = session.exec(query).first()
    return from_db(event.at if event is not None else case.updated_at)


def registration_form(case: CaseRow, ended: datetime, mediator_id: str) -> OfflineRegistration:
    """The platform's form for one closed flow-C case (see the module doc)."""
    dispatch = CaseDispatch.model_validate_json(case.dispatch_json)
    agreement = MediationAgreement.model_validate_json(case.agreement_json) if case.agreement_json is not None else None
    succeeded = CaseStatus(case.status) in SUCCEEDED and agreement is not None
    settled = sum((t.total for t in agreement.monetary_terms), Decimal("0")) if agreement is not None else Decimal("0")
    return OfflineRegistration(
        case_id=case.id,
        cause_code=dispatch.cause,
        money=settled if succeeded else Decimal("0"),
        claim_money=dispatch.amount,
        success_state=MediationResult.SUCCESS if succeeded else MediationResult.FAILURE,
        start_time=from_db(case.created_at),
        end_time=ended,
        agreement=agreement.terms if succeeded and agreement is not None else None,
        mediator_id=mediator_id,
        evidence=dispatch.attachments,
        applicants=_parties(dispatch.parties, APPLICANTS),
        respondents=_parties(dispatch.parties, RESPONDENTS),
    )


def _parties(parties: Sequence[Party], roles: frozenset[PartyRole]) -> tuple[OfflineParty, ...]:
    return tuple(
        OfflineParty(name=p.name, kind=p.kind, id_type=p.id_type, id_number=p.id_number, phone=p.phone,
                     address=p.address)
        for p in parties
        if p.role in roles
    )  # fmt: skip


def register_pending(
    uow: UnitOfWork, *, partner: str, rules: Any, actor: str, now: datetime, limit: int = 500
) -> RegistrationRun:
    """Open a registration record (PENDING, `case.offline_register` queued) for each closed flow-C case that has
    none, up to `limit`; one transaction per case (a refused one does not stop the others: it is listed as waiting
    with the rule). Re-running opens nothing twice."""
    with uow.begin() as session:
        work: list[tuple[CaseRow, str | None, datetime]] = []
        for case in closed_unregistered(session)[:limit]:
            mediator = mediator_record(session, case.mediator) if case.mediator else None
            if mediator is None or mediator.status not in _ON_PLATFORM or not mediator.partner_ref:
                work.append((case, None, closed_at(session, case)))
            else:
                work.append((case, mediator.partner_ref, closed_at(session, case)))
    opened: dict[str, str] = {}
    waiting: dict[str, str] = {}
    for case, mediator_id, ended in work:
        if mediator_id is None:
            waiting[case.id] = "its mediator has no certified roster entry (no platform id for mediatorId)"
            continue
        try:
            form = registration_form(case, ended, mediator_id)
            payload = {"closed_at": ended.isoformat(), "registration": form.model_dump(mode="json")}
            result = run_action(uow, "roster", "register_case", None, payload, partner=partner, actor=actor, now=now,
                                rules=rules)  # fmt: skip
        except ValidationError as exc:  # the case's data does not make a form: named by field, never by value
            waiting[case.id] = f"refused (form): {summarize(exc)[:200]}"
            continue
        except InvalidRequest as exc:
            waiting[case.id] = f"refused ({exc.rule or 'refused'}): {str(exc)[:200]}"
            continue
        opened[case.id] = result.record.record_id
    return RegistrationRun(opened, waiting)
