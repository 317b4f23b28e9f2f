"""A road-traffic accident case from the 道交一体化 platform (partners.md §2) and the messages about it each way.

The platform offers the centre a case: the police accident certificate (认定书, [P18 Art 64]) with each party's
liability, the parties in their roles, vehicles, policies, harm and the claims by head. The centre accepts or
declines, mediates (appraisal and a liability review pause the mediation clock), records the outcome, has the
agreement judicially confirmed through the court flows, and files the insurer claim (一键理赔) on an enforceable
basis. These are *suggested* bodies (partners.md §2 "Suggested model"), not a published interface: the wire
mapping (mappings/) translates the platform's own fields.

The case's records (certificate, parties, vehicles, policies, harm, claims by head) are in schemas/traffic_case.py
and re-exported here, so `from schemas.traffic import …` names every traffic type. Amounts are yuan as Decimal
(schemas/money.py), times aware (schemas/times.py).
"""

from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from schemas.case import Attachment, Record
from schemas.money import RMB
from schemas.text import Line, Text
from schemas.times import CalendarDate, Timestamp

# The case's records, re-exported (X as X): `from schemas.traffic import …` names every traffic type.
from schemas.traffic_case import Certificate as Certificate
from schemas.traffic_case import CertificateKind as CertificateKind
from schemas.traffic_case import ClaimItem as ClaimItem
from schemas.traffic_case import Cover as Cover
from schemas.traffic_case import Harm as Harm
from schemas.traffic_case import Liability as Liability
from schemas.traffic_case import LiabilityLevel as LiabilityLevel
from schemas.traffic_case import Party as Party
from schemas.traffic_case import PartyRole as PartyRole
from schemas.traffic_case import Policy as Policy
from schemas.traffic_case import PolicyRef as PolicyRef
from schemas.traffic_case import Vehicle as Vehicle

# ---- messages, each way ---------------------------------------------------------------------------------------------


class TrafficMessageType(StrEnum):
    CASE_OFFERED = "traffic.case_offered"  # platform → centre: opens a record
    OFFER_ANSWER = "traffic.offer_answer"  # centre → platform: accept or decline
    LIABILITY_REVIEW = "traffic.liability_review"  # platform → centre: review requested / upheld / redo
    CERTIFICATE_REPLACED = "traffic.certificate_replaced"  # platform → centre: a new certificate supersedes
    APPRAISAL_REQUEST = "traffic.appraisal_request"  # centre → platform (appraiser)
    APPRAISAL_RESULT = "traffic.appraisal_result"  # platform → centre
    OUTCOME = "traffic.outcome"  # centre → platform: agreement or failure
    JC_RESULT = "traffic.jc_result"  # platform → centre: the court's ruling on judicial confirmation
    CLAIM_REQUEST = "traffic.claim_request"  # centre → platform (insurer): 一键理赔
    CLAIM_UPDATE = "traffic.claim_update"  # platform (insurer) → centre


class CaseOffered(Record):
    """The platform offers a case (partners.md §2 "Suggested model"). Every liability, vehicle and policy party
    reference names a party of the offer."""

    type: Literal[TrafficMessageType.CASE_OFFERED] = TrafficMessageType.CASE_OFFERED
    serial_no: Line = Field(min_length=1, max_length=64)  # the platform's serialNo: our partner_ref
    source: Line = Field(default="", max_length=64)  # police unit, court or party that applied
    court_code: Line | None = Field(default=None, max_length=16)
    offered_at: Timestamp
    accident: Certificate
    parties: tuple[Party, ...] = Field(min_length=1)
    vehicles: tuple[Vehicle, ...] = ()
    policies: tuple[Policy, ...] = ()
    harm: Harm = Harm()
    claims: tuple[ClaimItem, ...] = ()

    @model_validator(mode="after")
    def _references_resolve(self) -> "CaseOffered":
        known = {party.party_ref for party in self.parties}
        if len(known) != len(self.parties):
            raise ValueError("parties: a party_ref is used twice")
        named = [("accident.liability", item.party_ref) for item in self.accident.liability]
        named += [("vehicles", ref) for v in self.vehicles for ref in (v.owner_ref, v.driver_ref) if ref]
        named += [("policies", p.insured_ref) for p in self.policies if p.insured_ref]
        for where, ref in named:
            if ref not in known:
                raise ValueError(f"{where}: party_ref {ref!r} names no party of the offer")
        numbers = [(p.insurer_uscc, p.policy_no) for p in self.policies]
        if len(numbers) != len(set(numbers)):
            raise ValueError("policies: a policy is listed twice")
        return self


class OfferAnswer(Record):
    type: Literal[TrafficMessageType.OFFER_ANSWER] = TrafficMessageType.OFFER_ANSWER
    accepted: bool
    answered_at: Timestamp
    reason: Text = Field(default="", max_length=1000)

    @model_validator(mode="after")
    def _decline_has_reason(self) -> "OfferAnswer":
        if not self.accepted and not self.reason.strip():
            raise ValueError("reason: a decline states its reason")
        return self


class LiabilityReview(Record):
    """A review (复核) of the certificate [P18 Arts 71, 74]: `requested` pauses the case; `upheld` ends the pause;
    `redo` means the police will issue a new certificate (traffic.certificate_replaced ends the pause)."""

    type: Literal[TrafficMessageType.LIABILITY_REVIEW] = TrafficMessageType.LIABILITY_REVIEW
    phase: Literal["requested", "upheld", "redo"]
    at: Timestamp
    cert_no: Line = Field(min_length=1, max_length=64)  # the certificate under review
    note: Text = Field(default="", max_length=1000)


class CertificateReplaced(Record):
    type: Literal[TrafficMessageType.CERTIFICATE_REPLACED] = TrafficMessageType.CERTIFICATE_REPLACED
    certificate: Certificate
    at: Timestamp

    @field_validator("certificate")
    @classmethod
    def _names_what_it_replaces(cls, value: Certificate) -> Certificate:
        if value.supersedes is None:
            raise ValueError("certificate.supersedes: a replacing certificate names the one it replaces")
        return value


class AppraisalRequest(Record):
    type: Literal[TrafficMessageType.APPRAISAL_REQUEST] = TrafficMessageType.APPRAISAL_REQUEST
    appraisal_id: Line = Field(min_length=1, max_length=64)
    matters: Text = Field(min_length=1, max_length=2000)  # what is to be appraised (disability grade, loss …)
    party_ref: Line | None = Field(default=None, max_length=64)  # the person examined, if any
    requested_at: Timestamp


class AppraisalResult(Record):
    """The appraiser's opinion: conclusion, PDF by digest, fee (yuan) and the deadline to challenge it."""

    type: Literal[TrafficMessageType.APPRAISAL_RESULT] = TrafficMessageType.APPRAISAL_RESULT
    appraisal_id: Line = Field(min_length=1, max_length=64)
    conclusion: Text = Field(min_length=1, max_length=2000)
    pdf: Attachment
    fee: RMB
    challenge_deadline: Timestamp
    delivered_at: Timestamp


class OutcomeItem(Record):
    """An agreed amount under one head, paid by one payer: an insurer's policy (`policy_no`) or a party."""

    head: Line = Field(min_length=1, max_length=8)
    amount: RMB
    payer_ref: Line = Field(min_length=1, max_length=64)  # a party_ref (the insurer party for a policy)
    policy_no: Line | None = Field(default=None, max_length=64)


class InsurerShare(PolicyRef):
    cover: Cover
    amount: RMB


class Instalment(Record):
    due_on: CalendarDate
    amount: RMB
    payer_ref: Line = Field(min_length=1, max_length=64)


class Outcome(Record):
    """Mediation's end: an agreement (items by head and payer, each insurer's share, the payment schedule) or a
    failure code of the failure table (reference/traffic_codes.py) with the litigation advice given."""

    type: Literal[TrafficMessageType.OUTCOME] = TrafficMessageType.OUTCOME
    result: Literal["agreement", "failure"]
    at: Timestamp
    items: tuple[OutcomeItem, ...] = ()
    shares: tuple[InsurerShare, ...] = ()
    schedule: tuple[Instalment, ...] = ()
    failure_code: int | None = Field(default=None, ge=2, le=8)
    advice: Text = Field(default="", max_length=2000)

    @model_validator(mode="after")
    def _agreement_or_failure(self) -> "Outcome":
        if self.result == "agreement" and (not self.items or self.failure_code is not None):
            raise ValueError("an agreement lists its items and has no failure_code")
        if self.result == "failure" and (self.failure_code is None or self.items):
            raise ValueError("failure_code: a failure names its code (2–8) and lists no items")
        return self

    @property
    def total(self) -> Decimal:
        return sum((item.amount for item in self.items), Decimal("0.00"))


class JcResult(Record):
    """The court's ruling on the judicial confirmation of the agreement (JC runs through the court flows)."""

    type: Literal[TrafficMessageType.JC_RESULT] = TrafficMessageType.JC_RESULT
    confirmed: bool
    ruling_no: Line = Field(min_length=1, max_length=64)  # the ruling's 案号
    ruled_at: Timestamp
    reason: Text = Field(default="", max_length=1000)


class ClaimBasis(StrEnum):
    """The enforceable bases an insurer claim may rest on (partners.md §2 Guards)."""

    AGREEMENT_JC = "agreement_jc"  # the agreement with the court's confirmation ruling
    MEDIATION_STATEMENT = "mediation_statement"  # a court's 调解书
    JUDGMENT = "judgment"


class Payee(Record):
    """Where the insurer pays: the account number is sealed at rest with the facts and masked everywhere else."""

    name: Line = Field(min_length=1, max_length=200)
    account: Line = Field(min_length=6, max_length=40)
    bank: Line = Field(default="", max_length=200)


class ClaimRequest(Record):
    type: Literal[TrafficMessageType.CLAIM_REQUEST] = TrafficMessageType.CLAIM_REQUEST
    claim_id: Line = Field(min_length=1, max_length=64)
    basis: ClaimBasis
    basis_ref: Line = Field(min_length=1, max_length=64)  # the ruling's, 调解书's or judgment's number
    policy: PolicyRef
    payee: Payee
    amount: RMB
    requested_at: Timestamp


class ClaimStatus(StrEnum):
    RECEIVED = "received"
    ASSESSING = "assessing"
    AGREED = "agreed"  # amount agreed: the 10-day payment period starts (保险法 Art 23)
    PAID = "paid"
    PART_PAID = "part_paid"
    REFUSED = "refused"


class ClaimUpdate(Record):
    type: Literal[TrafficMessageType.CLAIM_UPDATE] = TrafficMessageType.CLAIM_UPDATE
    claim_id: Line = Field(min_length=1, max_length=64)
    status: ClaimStatus
    amount: RMB | None = None  # agreed or paid amount (yuan)
    at: Timestamp
    reason: Text = Field(default="", max_length=1000)

    @model_validator(mode="after")
    def _amount_where_due(self) -> "ClaimUpdate":
        if self.status in {ClaimStatus.AGREED, ClaimStatus.PAID, ClaimStatus.PART_PAID} and self.amount is None:
            raise ValueError(f"amount: a claim update '{self.status.value}' states its amount")
        return self


BODIES: dict[str, type[BaseModel]] = {
    TrafficMessageType.CASE_OFFERED: CaseOffered,
    TrafficMessageType.OFFER_ANSWER: OfferAnswer,
    TrafficMessageType.LIABILITY_REVIEW: LiabilityReview,
    TrafficMessageType.CERTIFICATE_REPLACED: CertificateReplaced,
    TrafficMessageType.APPRAISAL_REQUEST: AppraisalRequest,
    TrafficMessageType.APPRAISAL_RESULT: AppraisalResult,
    TrafficMessageType.OUTCOME: Outcome,
    TrafficMessageType.JC_RESULT: JcResult,
    TrafficMessageType.CLAIM_REQUEST: ClaimRequest,
    TrafficMessageType.CLAIM_UPDATE: ClaimUpdate,
}


class TrafficPartnerStatus(StrEnum):
    """The platform's coarse status of a case, as reconciliation compares it (`query_status`)."""

    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    MEDIATING = "mediating"
    SUSPENDED = "suspended"  # appraisal or liability review under way
    AGREED = "agreed"
    FAILED = "failed"
    CLAIMING = "claiming"
    SETTLED = "settled"  # the insurer paid (in full or in part) — the claim is done
    CLOSED = "closed"
