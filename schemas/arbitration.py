"""The messages about an arbitration application, each way (仲调对接, partners.md §3): the centre hands a mediated
settlement to an arbitration commission for an award on agreed terms or an arbitral 调解书, the commission answers
(receipt, acceptance or refusal, tribunal, instrument, service per party, correction, set-aside, withdrawal); and the
reverse — a commission entrusting mediation to the centre. `BODIES` maps each type to its typed body.

Law: Arbitration Law (2017 text) [P21] — acceptance within 5 days (Art 24), the tribunal (Arts 30–33), the 调解书
binding once the last party signs for it and an award if one backs out first (Arts 51–52), correction (Art 56),
set-aside (Arts 58–60); the revised law is in force from 2026-03-01 [P22]. The application's records (parties per
Art 23, the agreements, claims, waivers) are in schemas/arbitration_application.py, re-exported here.
Amounts are yuan as Decimal (schemas/money.py); times are aware (China time on our side).
"""

from enum import StrEnum
from typing import Literal

from pydantic import Field, model_validator

from schemas.arbitration_application import (
    AgreementForm,
    ArbitrationAgreement,
    ArbitrationApplication,
    ArbParty,
    Claim,
    FeePayer,
    MediationAgreement,
    PartyRef,
    Representative,
    RequestedInstrument,
    Sex,
    Waiver,
    Waivers,
)
from schemas.case import Attachment, Record
from schemas.enums import Procedure
from schemas.money import RMB
from schemas.text import Line, Text
from schemas.times import CalendarDate, Timestamp

__all__ = [
    "AgreementForm",
    "ArbParty",
    "ArbitrationAgreement",
    "ArbitrationApplication",
    "Claim",
    "FeePayer",
    "MediationAgreement",
    "PartyRef",
    "Representative",
    "RequestedInstrument",
    "Sex",
    "Waiver",
    "Waivers",
]


# ---- messages, each way ------------------------------------------------------------------------------------------


class ArbMessageType(StrEnum):
    APPLICATION = "arb.application"  # centre → commission: the application (opens our record)
    RECEIPT = "arb.receipt"  # commission → centre: intake receipt; the 5-day acceptance clock runs from it
    ACCEPTED = "arb.accepted"  # commission → centre: case number and fee notice [P21 Art 24]
    REFUSED = "arb.refused"  # commission → centre: refused in writing with reasons [P21 Art 24]
    FEE_PAID = "arb.fee_paid"  # centre → commission
    TRIBUNAL_FORMED = "arb.tribunal_formed"  # commission → centre [P21 Arts 30–33]
    HEARING = "arb.hearing"  # commission → centre: a hearing (or written review) held or set
    INSTRUMENT_ISSUED = "arb.instrument_issued"  # commission → centre: an award or a 调解书 [P21 Arts 51–52]
    SERVICE = "arb.service"  # commission → centre: one party signed for the 调解书
    PARTY_REPENTED = "arb.party_repented"  # commission → centre: a party backed out before signing [P21 Art 52]
    CORRECTED = "arb.corrected"  # commission → centre: a correction [P21 Art 56]
    SET_ASIDE = "arb.set_aside"  # commission → centre: an application to set aside filed, or ruled [P21 Arts 58–60]
    WITHDRAWN = "arb.withdrawn"  # either way: withdrawn (by the centre) or deemed withdrawn (e.g. fee unpaid)
    MEDIATION_ENTRUSTED = "arb.mediation_entrusted"  # commission → centre: mediation entrusted (opens a record)
    MEDIATION_RESULT = "arb.mediation_result"  # centre → commission: the entrusted mediation's outcome


class RefusalReason(StrEnum):
    NO_AGREEMENT = "no_agreement"  # no valid arbitration agreement [P21 Arts 4, 16]
    PRE_DISPUTE_CONFIRMATION = "pre_dispute_confirmation"  # 先予仲裁 [P26]
    OUTSIDE_SCOPE = "outside_scope"  # not arbitrable or outside the agreement [P21 Arts 2–3]
    INCOMPLETE = "incomplete"  # the application lacks what Art 23 asks


class InstrumentKind(StrEnum):
    AWARD = "award"  # effective the day it is made [P21 Art 57]
    MEDIATION_STATEMENT = "mediation_statement"  # effective when the last party signs for it [P21 Art 52]


class SetAsideRuling(StrEnum):
    SET_ASIDE = "set_aside"  # the court set the award aside
    DISMISSED = "dismissed"  # the application was dismissed: the award stands


class WithdrawalReason(StrEnum):
    FEE_UNPAID = "fee_unpaid"  # deemed withdrawn: the fee not paid in time
    APPLICANT_WITHDREW = "applicant_withdrew"
    SETTLED = "settled"
    OTHER = "other"


class MediationOutcome(StrEnum):
    SETTLED = "settled"
    FAILED = "failed"
    DECLINED = "declined"  # the centre did not take the entrustment


class ApplicationBody(Record):
    type: Literal[ArbMessageType.APPLICATION] = ArbMessageType.APPLICATION
    application: ArbitrationApplication
    submitted_at: Timestamp


class ReceiptBody(Record):
    type: Literal[ArbMessageType.RECEIPT] = ArbMessageType.RECEIPT
    received_at: Timestamp
    commission_ref: Line | None = Field(default=None, max_length=64)  # an intake number, before the case number


class FeeNotice(Record):
    amount: RMB
    due: CalendarDate | None = None  # the last day to pay, China time; None: the commission's rule (fee_payment_days)


class AcceptedBody(Record):
    type: Literal[ArbMessageType.ACCEPTED] = ArbMessageType.ACCEPTED
    case_no: Line = Field(min_length=1, max_length=64)  # the commission's case number: our partner_ref
    accepted_at: Timestamp  # also the notice from which the arbitrator-choice period runs [P25]
    fee_notice: FeeNotice
    procedure: Procedure | None = None


class RefusedBody(Record):
    type: Literal[ArbMessageType.REFUSED] = ArbMessageType.REFUSED
    reason: RefusalReason
    text: Text = Field(default="", max_length=2000)
    refused_at: Timestamp


class FeePaidBody(Record):
    type: Literal[ArbMessageType.FEE_PAID] = ArbMessageType.FEE_PAID
    amount: RMB
    paid_at: Timestamp
    payer: FeePayer
    reference: Line = Field(default="", max_length=64)  # the payment's reference (bank slip, order number)


class TribunalFormedBody(Record):
    type: Literal[ArbMessageType.TRIBUNAL_FORMED] = ArbMessageType.TRIBUNAL_FORMED
    formed_at: Timestamp
    arbitrators: tuple[Line, ...] = Field(min_length=1, max_length=3)  # one or three [P21 Art 30]
    appointed_by_chairman: bool = False  # the parties missed the choice period [P21 Art 32]


class HearingBody(Record):
    type: Literal[ArbMessageType.HEARING] = ArbMessageType.HEARING
    at: Timestamp
    mode: Literal["oral", "written", "online"] = "oral"


class InstrumentIssuedBody(Record):
    type: Literal[ArbMessageType.INSTRUMENT_ISSUED] = ArbMessageType.INSTRUMENT_ISSUED
    kind: InstrumentKind
    number: Line = Field(min_length=1, max_length=64)
    issued_at: Timestamp
    pdf: Attachment  # by sha256; the bytes stay with the commission's document store


class ServiceBody(Record):
    type: Literal[ArbMessageType.SERVICE] = ArbMessageType.SERVICE
    party: PartyRef
    signed_for_at: Timestamp


class PartyRepentedBody(Record):
    type: Literal[ArbMessageType.PARTY_REPENTED] = ArbMessageType.PARTY_REPENTED
    party: PartyRef
    at: Timestamp
    text: Text = Field(default="", max_length=1000)


class CorrectedBody(Record):
    type: Literal[ArbMessageType.CORRECTED] = ArbMessageType.CORRECTED
    corrected_at: Timestamp
    number: Line = Field(min_length=1, max_length=64)  # the instrument corrected
    text: Text = Field(default="", max_length=2000)
    pdf: Attachment | None = None


class SetAsideBody(Record):
    """Filed (ruling None), or ruled — a ruling may arrive without the filing having been reported."""

    type: Literal[ArbMessageType.SET_ASIDE] = ArbMessageType.SET_ASIDE
    filed_at: Timestamp
    court: Line = Field(default="", max_length=200)
    ruling: SetAsideRuling | None = None
    ruled_at: Timestamp | None = None

    @model_validator(mode="after")
    def _ruled_together(self) -> "SetAsideBody":
        if (self.ruling is None) != (self.ruled_at is None):
            raise ValueError("ruling and ruled_at go together")
        return self


class WithdrawnBody(Record):
    type: Literal[ArbMessageType.WITHDRAWN] = ArbMessageType.WITHDRAWN
    withdrawn_at: Timestamp
    reason: WithdrawalReason
    text: Text = Field(default="", max_length=1000)


class MediationEntrustedBody(Record):
    type: Literal[ArbMessageType.MEDIATION_ENTRUSTED] = ArbMessageType.MEDIATION_ENTRUSTED
    case_no: Line = Field(min_length=1, max_length=64)
    entrusted_at: Timestamp
    parties: tuple[ArbParty, ...] = Field(min_length=2, max_length=20)
    claims: tuple[Claim, ...] = Field(min_length=1, max_length=50)
    facts: Text = Field(default="", max_length=10000)
    due: Timestamp | None = None  # the commission's deadline for the mediation, if it set one


class MediationResultBody(Record):
    type: Literal[ArbMessageType.MEDIATION_RESULT] = ArbMessageType.MEDIATION_RESULT
    outcome: MediationOutcome
    at: Timestamp
    agreement: MediationAgreement | None = None  # when settled
    text: Text = Field(default="", max_length=2000)

    @model_validator(mode="after")
    def _agreement_iff_settled(self) -> "MediationResultBody":
        if (self.outcome is MediationOutcome.SETTLED) != (self.agreement is not None):
            raise ValueError("a settled result carries the agreement, and only a settled one")
        return self


# Type → body: the one place a body is validated (PartnerSpec.body_model).
BODIES: dict[str, type[Record]] = {
    ArbMessageType.APPLICATION: ApplicationBody,
    ArbMessageType.RECEIPT: ReceiptBody,
    ArbMessageType.ACCEPTED: AcceptedBody,
    ArbMessageType.REFUSED: RefusedBody,
    ArbMessageType.FEE_PAID: FeePaidBody,
    ArbMessageType.TRIBUNAL_FORMED: TribunalFormedBody,
    ArbMessageType.HEARING: HearingBody,
    ArbMessageType.INSTRUMENT_ISSUED: InstrumentIssuedBody,
    ArbMessageType.SERVICE: ServiceBody,
    ArbMessageType.PARTY_REPENTED: PartyRepentedBody,
    ArbMessageType.CORRECTED: CorrectedBody,
    ArbMessageType.SET_ASIDE: SetAsideBody,
    ArbMessageType.WITHDRAWN: WithdrawnBody,
    ArbMessageType.MEDIATION_ENTRUSTED: MediationEntrustedBody,
    ArbMessageType.MEDIATION_RESULT: MediationResultBody,
}


class ArbPartnerStatus(StrEnum):
    """A commission's coarse answer to a status query (PartnerPort.query_status), for reconciliation."""

    UNKNOWN = "unknown"  # it has no such application (ours was lost)
    RECEIVED = "received"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    IN_PROCEEDINGS = "in_proceedings"  # fee paid, tribunal, hearing
    INSTRUMENT_ISSUED = "instrument_issued"  # a 调解书 being served
    EFFECTIVE = "effective"  # an award, or a 调解书 all parties signed for
    SET_ASIDE_PENDING = "set_aside_pending"
    SET_ASIDE = "set_aside"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"
    ENTRUSTED = "entrusted"  # reverse: mediation entrusted to the centre, no result yet
    RESULT_RECEIVED = "result_received"
