"""Judicial confirmation of a traffic agreement through the court flows (partners.md §2 "JC through the court
flows"): the core's half of the traffic kind's `apply_jc` (Action.links_case), which a pure action cannot do.

open_case — when the clerk names the court `platform` and gives the signed agreement PDF on a record with no linked
case, the dispute is registered as a self-received (flow C) case through CentreServices (register_self_received:
the claimant as applicant, the liable party as respondent, the agreed total, cause 机动车交通事故责任纠纷 from
reference/causes.toml, the chosen court), walked as the record was (accepted and mediated from the offer's receipt,
the agreement effective when the outcome was recorded), and JC is applied for on it (CentreServices.apply_jc: the
application and the agreement PDF go to the court through the court outbox as for any case). All of it runs in the
action's own transaction — the services write through a case store bound to the action's session — so the case,
its outbox message, the record's `case_id` and its history line commit together or not at all.

ruling_arrived — the court's JC ruling on that case (adapter/inbox/apply.py, in the inbound message's transaction)
feeds the record the same `jc_result` Change as the platform's traffic.jc_result (traffic/jc.py), keyed by the
ruling number: whichever of the two arrives second is a duplicate note, not a second transition.
"""

import base64
import binascii
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session, select

from adapter.cases.store import CaseTransaction
from adapter.errors import InvalidRequest
from adapter.partners.apply import apply_change
from adapter.partners.spec import Change, PartnerRecord
from adapter.partners.specs import spec_for
from adapter.partners.traffic import facts
from adapter.partners.traffic.actions import withdraw_jc
from adapter.partners.traffic.inputs import WithdrawJcInput
from adapter.partners.traffic.jc import jc_result
from adapter.partners.traffic.states import TrafficNote, TrafficStatus
from adapter.persistence import partner_store as store
from adapter.persistence.case_store import SqlCases
from adapter.persistence.partner_tables import PartnerRecordRow
from adapter.persistence.tables import CaseRow
from adapter.services import CentreServices
from schemas.agreement import MediationAgreement, MonetaryTerm, SignatureRecord
from schemas.case import CaseDispatch, Party
from schemas.clock import from_db
from schemas.enums import Flow, JcResult, PartyRole, SignerRole
from schemas.jc import CourtDecision
from schemas.partner import PartnerKind
from schemas.traffic import Outcome
from schemas.traffic import Party as TrafficParty
from schemas.traffic import PartyRole as TrafficRole

CAUSE = "机动车交通事故责任纠纷"  # reference/causes.toml: a road-traffic accident liability dispute
_RULINGS = {JcResult.CONFIRMED: True, JcResult.REJECTED: False}


def open_case(
    session: Session, record: PartnerRecord, given: Any, configured: CentreServices | None, *, actor: str, now: datetime
) -> str | None:
    """Register, walk and apply for JC on the flow-C case of a traffic `record` (an ApplyJcInput `given`); returns
    its case id, or None when there is nothing to open (a case is named or already linked; no `platform` given: the
    application is only recorded). `configured`: the runtime's services, whose court platforms and deadline engine
    the case's steps use (the mediator was checked against the roster when the record's mediation began).
    Raises InvalidRequest, the caller's transaction then writing nothing: field platform (rule court_flows: no
    configured services here; rule configured: not a configured court platform), field agreement_pdf_b64 (rule
    required / base64), field document (rule pdf), field outcome (rule agreement), field parties (rule
    claimant_and_liable), and the JC window (rule jc_window: 30 calendar days from the agreement's effect
    [S3 Art 205], or the court's own period)."""
    if record.kind != PartnerKind.TRAFFIC or given.case_id or not given.platform:
        return None
    if record.case_id:  # its case ended without a ruling (not accepted, withdrawn): final, and one case per record
        raise InvalidRequest(
            f"platform: {record.record_id} is linked to case {record.case_id}, whose JC application has ended; a "
            "second application goes to the court outside these flows (record its ruling: record_jc_result); "
            "rule case_linked",
            field="platform",
            rule="case_linked",
        )
    if configured is None:
        raise InvalidRequest(
            "platform: JC through the court flows needs the centre's configured court platforms, not given to this "
            "caller; rule court_flows",
            field="platform",
            rule="court_flows",
        )
    if not given.agreement_pdf_b64:
        raise InvalidRequest(
            "agreement_pdf_b64: the court confirms the signed agreement; give its PDF (base64); rule required",
            field="agreement_pdf_b64",
            rule="required",
        )
    try:
        document = base64.b64decode(given.agreement_pdf_b64, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidRequest(
            "agreement_pdf_b64: not base64; rule base64", field="agreement_pdf_b64", rule="base64"
        ) from None
    outcome = Outcome.model_validate(record.facts.get("outcome") or {"result": "failure", "at": now})
    if outcome.result != "agreement":
        raise InvalidRequest(f"{record.record_id} records no agreement to confirm", field="outcome", rule="agreement")
    offer = facts.offer(record)
    claimant, liable = _first(offer.parties, TrafficRole.CLAIMANT), _first(offer.parties, TrafficRole.LIABLE)
    if claimant is None or liable is None:
        raise InvalidRequest(
            f"{record.record_id}: a JC application is joint — the offer names no claimant or no liable party",
            field="parties",
            rule="claimant_and_liable",
        )
    received = datetime.fromisoformat(str(record.facts.get("received_at") or from_db(record.opened_at).isoformat()))
    clock = _Clock(received)
    # the runtime's seal too: a traffic-linked JC sends the agreement sealed as the centre's own API would
    services = CentreServices(_Within(SqlCases(session)), clock, actor, platforms=configured.platforms,
                              deadlines=configured.deadlines, seal=configured.seal)  # fmt: skip
    dispatch = CaseDispatch(
        platform_case_id=record.record_id,  # the centre's own id: one record, one case (register refuses a second)
        flow=Flow.SELF_RECEIVED,
        court_code=given.court_code,
        cause=CAUSE,
        claims=f"traffic record {record.record_id}, certificate {facts.certificate(record).cert_no}",
        amount=outcome.total,
        parties=(_party(claimant, PartyRole.APPLICANT), _party(liable, PartyRole.RESPONDENT)),
        designated_mediator=record.facts.get("mediator"),
        dispatched_at=received,
    )
    case_id = services.register_self_received(dispatch)  # dated when the offer reached us, as the record is
    services.accept(case_id, note=f"traffic record {record.record_id}")
    services.assign_mediator(case_id, str(record.facts.get("mediator") or "centre"))
    clock.at = outcome.at  # the agreement took effect when the outcome was recorded
    services.submit_agreement(case_id, _agreement(outcome, offer.parties, claimant, liable, document), document)
    clock.at = now
    services.apply_jc(case_id, claimant.name, liable.name, platform=given.platform)
    return case_id


def with_case(change: Change, case_id: str) -> Change:
    """The action's Change, linked to the case opened for it."""
    jc = {**(change.facts.get("jc") or {}), "case_id": case_id}
    return replace(change, facts={**change.facts, "jc": jc}, case_id=case_id, detail=f"{change.detail}; case {case_id}")


def ruling_arrived(session: Session, case: CaseRow, decision: CourtDecision, *, actor: str, now: datetime) -> None:
    """Feed the court's JC ruling on `case` to each traffic record linked to it: confirmed or rejected, the
    `jc_result` Change (its ruling number the decision's document number, else the case id — the key the
    platform's traffic.jc_result is deduped by); not accepted or withdrawn, the withdraw_jc Change (back to the
    agreement). Never refuses: a record not awaiting a ruling gets an out-of-order note, so the court's ruling on
    the case is applied whatever the record's state."""
    query = select(PartnerRecordRow).where(
        PartnerRecordRow.case_id == case.id, PartnerRecordRow.kind == PartnerKind.TRAFFIC.value
    )
    for row in session.exec(query).all():
        change = court_change(store.view(row), case.id, decision)
        apply_change(session, spec_for(PartnerKind.TRAFFIC), row, change, partner=row.partner, actor=actor, now=now,
                     label="court jc ruling")  # fmt: skip


def court_change(record: PartnerRecord, case_id: str, decision: CourtDecision) -> Change:
    """What the court's JC decision on `case_id` does to the linked traffic `record` (pure; ruling_arrived applies
    it): jc_result for a ruling, withdraw_jc for an application not accepted or withdrawn, else a note."""
    if decision.jc_result in _RULINGS:
        ruling_no = decision.document_number or f"court ruling on case {case_id}"
        return jc_result(record, _RULINGS[decision.jc_result], ruling_no, decision.decided_at, decision.reason)
    outcome = "withdrawn" if decision.jc_result is JcResult.WITHDRAWN else "not_accepted"
    if record.status != TrafficStatus.JC_APPLIED:
        return Change(note=TrafficNote.OUT_OF_ORDER, detail=f"case {case_id}: JC {outcome} in {record.status}")
    reason = decision.reason or f"the court's decision on case {case_id}"
    return withdraw_jc(record, WithdrawJcInput(outcome=outcome, reason=reason), decision.decided_at, None)


def _first(parties: tuple[TrafficParty, ...], role: TrafficRole) -> TrafficParty | None:
    return next((p for p in parties if p.role is role), None)


def _party(party: TrafficParty, role: PartyRole) -> Party:
    return Party(name=party.name, role=role, kind=party.kind, id_type=party.id_type, id_number=party.id_number,
                 phone=party.phone, address=party.address)  # fmt: skip


def _agreement(
    outcome: Outcome, parties: tuple[TrafficParty, ...], claimant: TrafficParty, liable: TrafficParty, pdf: bytes
) -> MediationAgreement:
    """The recorded outcome as the court's agreement: the items by payer (an insurer's items under its policy), to
    the claimant; signed by the claimant and the liable party when the outcome was recorded."""
    names = {p.party_ref: p.name for p in parties}
    totals: dict[str, Decimal] = {}
    for item in outcome.items:
        totals[item.payer_ref] = totals.get(item.payer_ref, Decimal("0.00")) + item.amount
    terms = "; ".join(f"{item.head} {item.amount} yuan by {names.get(item.payer_ref, item.payer_ref)}"
                      for item in outcome.items)  # fmt: skip
    return MediationAgreement(
        terms=f"road-traffic accident compensation, {outcome.total} yuan in all: {terms}",
        monetary_terms=tuple(
            MonetaryTerm(payer=names.get(ref, ref), payee=claimant.name, total=total) for ref, total in totals.items()
        ),
        document_sha256=hashlib.sha256(pdf).hexdigest(),
        signatures=(
            SignatureRecord(signer=claimant.name, role=SignerRole.APPLICANT, signed_at=outcome.at),
            SignatureRecord(signer=liable.name, role=SignerRole.RESPONDENT, signed_at=outcome.at),
        ),
    )


class _Clock:
    """The services' clock, set to the moment each step of the record happened."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


class _Within:
    """A case store whose transactions are the action's own (one database transaction for the whole link)."""

    def __init__(self, cases: SqlCases) -> None:
        self.cases = cases

    @contextmanager
    def begin(self) -> Iterator[CaseTransaction]:
        yield self.cases
