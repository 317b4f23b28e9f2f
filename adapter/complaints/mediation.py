"""Converting a complaint to mediation (partners.md §1; [P67a]): with both parties' consent the complaint becomes a
flow-C case — registered through the centre's own self-received path (adapter/services.py
`register_self_received`: flow, 案由 catalogue, one case per centre case id) in the complaint's own transaction — with
the complainant as applicant and the institution as respondent. The case's history opens with an entry naming the
complaint and carrying its history lines, and complaints.case_id links the two. From then on the case is worked like
any other (sessions, agreement, JC application through adapter/services.py).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlmodel import Session

from adapter.cases.store import CaseTransaction
from adapter.complaints.states import ComplaintEvent, ComplaintStatus, advance
from adapter.errors import InvalidRequest
from adapter.masking import mask_document
from adapter.persistence import complaint_store as store
from adapter.persistence.case_store import SqlCases
from adapter.persistence.complaint_tables import ComplaintRow
from adapter.persistence.tables import CaseEventRow, CaseRow
from adapter.services import CentreServices
from schemas.case import CaseDispatch, Party
from schemas.clock import china_text, from_db, to_utc
from schemas.complaint import Complaint, InstitutionKind, ToMediationBody
from schemas.enums import Flow, IdType, PartyKind, PartyRole

# The 案由 of the case a complaint becomes, by the kind of institution (2020 catalogue, reference/causes.toml): the
# clerk may refine it on the case; these are the catalogue's general financial causes (*inference*).
CASE_CAUSE = {InstitutionKind.BANK: "金融借款合同纠纷", InstitutionKind.INSURER: "保险纠纷"}
HISTORY_EVENT = "complaint"  # the case-history entry that carries the complaint's history


def convert(
    session: Session,
    row: ComplaintRow,
    complainant_consented_at: datetime,
    institution_consented_at: datetime,
    note: str,
    *,
    actor: str,
    now: datetime,
    tell_desk: bool,
) -> str:
    """Move the complaint to TO_MEDIATION and open its flow-C case; returns the case id. IllegalComplaintTransition
    from a status that does not allow it; InvalidRequest when a consent lies in the future. `tell_desk`: queue
    complaint.to_mediation for the desk (not when the desk itself asked for it)."""
    for field, at in (
        ("complainant_consented_at", complainant_consented_at),
        ("institution_consented_at", institution_consented_at),
    ):
        if from_db(at) > from_db(now):
            raise InvalidRequest(
                f"{field}: {china_text(at)} is in the future; both parties must have consented already",
                field=field,
                rule="consent_given",
            )
    advance(ComplaintStatus(row.status), ComplaintEvent.CONVERT_TO_MEDIATION)  # refused before anything is written
    complaint = Complaint.model_validate_json(row.complaint_json)
    cases = SqlCases(session)
    case_id = CentreServices(_Within(cases), lambda: now, actor).register_self_received(_dispatch(complaint, now))
    lines = [
        f"{china_text(e.at)} {e.event} {e.from_status}→{e.to_status} by {e.actor}"
        + (f": {mask_document(e.detail)[:200]}" if e.detail else "")
        for e in store.history(session, row.complaint_id)
    ]
    case = session.get(CaseRow, case_id)
    assert case is not None
    session.add(
        CaseEventRow(
            case_id=case_id,
            at=to_utc(now),
            event=HISTORY_EVENT,
            from_status=case.status,
            to_status=case.status,
            actor=actor,
            detail="\n".join([f"converted from complaint {row.complaint_id} (desk {row.desk})", *lines]),
        )
    )
    row.case_id = case_id
    detail = f"both consented ({china_text(complainant_consented_at)}; {china_text(institution_consented_at)}); "
    store.transition(
        session, row, ComplaintEvent.CONVERT_TO_MEDIATION, actor=actor, at=now, detail=f"{detail}case {case_id}"
    )
    if tell_desk:
        body = ToMediationBody(
            complainant_consented_at=complainant_consented_at,
            institution_consented_at=institution_consented_at,
            note=note,
        )
        store.enqueue(session, row, body, now)
    return case_id


def _dispatch(complaint: Complaint, now: datetime) -> CaseDispatch:
    person, institution = complaint.complainant, complaint.institution
    return CaseDispatch(
        platform_case_id=complaint.complaint_id,  # the centre's own id: one complaint converts once (TO_MEDIATION)
        flow=Flow.SELF_RECEIVED,
        cause=CASE_CAUSE[institution.kind],
        claims=complaint.request,
        amount=complaint.amount_in_dispute,
        parties=(
            Party(
                name=person.name,
                role=PartyRole.APPLICANT,
                kind=person.kind,
                id_type=person.id_type,
                id_number=person.id_number,
                phone=person.phone,
                address=person.address,
            ),
            Party(
                name=institution.name,
                role=PartyRole.RESPONDENT,
                kind=PartyKind.LEGAL_PERSON,
                id_type=IdType.USCC,
                id_number=institution.uscc,
            ),
        ),
        attachments=complaint.attachments,
        dispatched_at=now,
    )


class _Within:
    """A case store whose one transaction is the complaint's own session: the registration commits with the
    complaint's change or not at all."""

    def __init__(self, cases: SqlCases) -> None:
        self.cases = cases

    @contextmanager
    def begin(self) -> Iterator[CaseTransaction]:
        yield self.cases
