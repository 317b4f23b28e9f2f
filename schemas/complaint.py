"""A consumer complaint the centre forwards to a bank's or insurer's complaint desk (投诉转办, partners.md §1), and
the messages that travel about it each way. A complaint is its own record, not a case: it may later become one
(converted to mediation, flow C), and is then linked to it.

Rules: CBIRC Order 2020 No 3 (《银行业保险业消费投诉处理管理办法》) Arts 13–15 for what a complaint holds — the
complainant (person or organisation), an agent's power of attorney, an heir's proof of inheritance, the institution
complained of, the request, facts and grounds — and the centre's practice [P67a] for channels and tracks.
Classification codes (JR/T 0169-2018 for banks, the regulator's categories for insurers) are checked against the
versioned code tables by the boundary that builds the record (reference/complaint_codes.py), as 案由 are for cases.
Amounts are yuan as Decimal (schemas/money.py); times are aware (China time on our side).
"""

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from schemas.case import Attachment, Identified, Record
from schemas.enums import IdType, PartyKind
from schemas.identifiers import social_credit_code
from schemas.money import RMB
from schemas.text import Line, Text
from schemas.times import Timestamp


class Channel(StrEnum):
    """How the complaint reached the centre [P67a]."""

    WEB = "web"
    PHONE = "phone"  # incl. the hotline (working days 8:30–17:00)
    LETTER = "letter"
    VISIT = "visit"
    WECHAT = "wechat"


class InstitutionKind(StrEnum):
    BANK = "bank"  # classified with JR/T 0169-2018 codes
    INSURER = "insurer"  # classified with the regulator's insurer categories


class Track(StrEnum):
    GENERAL = "general"
    SMALL_CLAIM = "small_claim"  # 小额快速处理: the mediator decides within the authority an MoU delegates
    GREEN_CHANNEL = "green_channel"  # life insurers and hard P&C cases [P67a]


class RepresentativeKind(StrEnum):
    AGENT = "agent"  # 委托代理人: needs a signed power of attorney
    HEIR = "heir"  # 继承人: needs proof of inheritance


class Complainant(Identified):
    """The consumer: a natural person (name, ID, contact) or an organisation (name, domicile, USCC, legal
    representative) — Order 2020 No 3 Art 13."""

    kind: PartyKind
    name: Line = Field(min_length=1, max_length=200)
    id_type: IdType
    id_number: Line = Field(min_length=1, max_length=64)
    phone: str | None = None
    address: str | None = None  # domicile (organisation) or contact address
    legal_representative: Line | None = Field(default=None, max_length=100)  # organisations


class Representative(Identified):
    """Someone acting for the complainant: an agent with a signed power of attorney or an heir with proof of
    inheritance (Art 13). The document travels by digest, like any attachment; whether it is present is checked by
    the intake guard (adapter/complaints/guards.py), which names the missing one."""

    kind: RepresentativeKind
    name: Line = Field(min_length=1, max_length=200)
    id_type: IdType
    id_number: Line = Field(min_length=1, max_length=64)
    phone: str | None = None
    document: Attachment | None = None  # the power of attorney (agent) or the proof of inheritance (heir)


class Institution(Record):
    """The bank or insurer complained of, by its USCC; `branch` names the branch or employee if the complaint does."""

    kind: InstitutionKind
    name: Line = Field(min_length=1, max_length=200)
    uscc: Line = Field(min_length=18, max_length=18)
    branch: Line | None = Field(default=None, max_length=200)

    @field_validator("uscc")
    @classmethod
    def _uscc_checks_out(cls, value: str) -> str:
        return social_credit_code(value)


class Classification(Record):
    """Business and cause codes in a named, versioned code table: for banks JR/T 0169-2018 (business B…, cause
    C…; "other" is 99/9), for insurers the regulator's categories. The table and version are recorded so a code
    read under one version is never re-read under another."""

    table: Line = Field(min_length=1, max_length=32)  # e.g. "jrt0169" or "nfra-insurance"
    version: Line = Field(min_length=1, max_length=16)  # e.g. "2018"
    business: Line = Field(min_length=1, max_length=16)
    cause: Line = Field(min_length=1, max_length=16)


class Complaint(Record):
    """One complaint as the centre received it. `complaint_id` is the centre's own id (what desks answer with);
    `repeat_of` names an earlier complaint this one repeats (set by the repeat check, or by the clerk), and
    `new_facts` says whether it brings new facts (then the clock restarts instead of merging; Art 21 practice
    [P33])."""

    complaint_id: Line = Field(min_length=1, max_length=40)
    received_at: Timestamp
    channel: Channel
    complainant: Complainant
    representative: Representative | None = None
    institution: Institution
    classification: Classification
    track: Track = Track.GENERAL
    request: Text = Field(min_length=1, max_length=2000)
    facts: Text = Field(min_length=1, max_length=5000)
    amount_in_dispute: RMB
    undisputed: bool = False  # the centre's same-day target applies (partners.md §1 table)
    attachments: tuple[Attachment, ...] = ()
    repeat_of: Line | None = Field(default=None, max_length=40)
    new_facts: bool = False


# ---- messages about a complaint, each way -------------------------------------------------------------------------


class ComplaintMessageType(StrEnum):
    FORWARD = "complaint.forward"  # centre → desk: the complaint (fields withheld per the MoU)
    WITHDRAWN = "complaint.withdrawn"  # either way: handling ends on arrival
    ACK = "complaint.ack"  # desk → centre: received, with the desk's own reference and a contact
    CONTACTED = "complaint.contacted"  # desk → centre: the institution reached the complainant
    EXTENDED = "complaint.extended"  # desk → centre: 15 → 30 → 60 days, approver and complainant told
    APPRAISAL = "complaint.appraisal"  # desk → centre: an external appraisal started / ended (time not counted)
    DECIDED = "complaint.decided"  # desk → centre: the decision notice
    TO_MEDIATION = "complaint.to_mediation"  # desk → centre: refused or unsettled; both consent to mediation
    SMALL_CLAIM_DECISION = "smallclaim.decision"  # centre → desk: the mediator decided within the MoU authority
    SMALL_CLAIM_PERFORMED = "smallclaim.performed"  # desk → centre: the institution paid
    REVIEW_REQUESTED = "complaint.review_requested"  # centre → desk: the complainant asks for a review (核查)
    REVIEW_DECIDED = "complaint.review_decided"  # desk → centre


class DecisionResult(StrEnum):
    UPHELD = "upheld"
    PARTLY = "partly"
    REJECTED = "rejected"
    SETTLED = "settled"  # settled by agreement with the complainant


class Remedy(StrEnum):
    """The further routes a decision notice must name (Order 2020 No 3 Art 22)."""

    REVIEW = "review"
    MEDIATION = "mediation"
    ARBITRATION = "arbitration"
    LITIGATION = "litigation"


class ForwardBody(Record):
    type: Literal[ComplaintMessageType.FORWARD] = ComplaintMessageType.FORWARD
    complaint: Complaint
    forwarded_at: Timestamp
    centre_due: Timestamp | None = None  # the centre's own target
    statutory_due: Timestamp | None = None  # the institution's decision deadline as the centre counts it
    withheld: tuple[str, ...] = ()  # the fields the MoU does not let this institution see (not in `complaint`)


class AckBody(Record):
    type: Literal[ComplaintMessageType.ACK] = ComplaintMessageType.ACK
    desk_ref: Line = Field(min_length=1, max_length=64)  # the institution's own reference for the complaint
    acknowledged_at: Timestamp
    handler: Line | None = Field(default=None, max_length=100)  # a contact at the desk, not the complainant


class ContactedBody(Record):
    type: Literal[ComplaintMessageType.CONTACTED] = ComplaintMessageType.CONTACTED
    contacted_at: Timestamp
    note: Text = Field(default="", max_length=1000)


class ExtendedBody(Record):
    """An extension: the decision period becomes 30, then 60 days (never more), approved at a senior level and
    told to the complainant (Order 2020 No 3 Art 20)."""

    type: Literal[ComplaintMessageType.EXTENDED] = ComplaintMessageType.EXTENDED
    stage: Literal[30, 60]
    new_due: Timestamp
    approver_level: Line = Field(min_length=1, max_length=64)
    complainant_told_at: Timestamp
    reason: Text = Field(default="", max_length=1000)


class AppraisalBody(Record):
    """External appraisal or valuation: its time is not counted in the decision period [P33]."""

    type: Literal[ComplaintMessageType.APPRAISAL] = ComplaintMessageType.APPRAISAL
    phase: Literal["started", "ended"]
    at: Timestamp


class DecidedBody(Record):
    type: Literal[ComplaintMessageType.DECIDED] = ComplaintMessageType.DECIDED
    result: DecisionResult
    remedy_amount: RMB = Decimal("0.00")
    notified_at: Timestamp
    remedies_told: tuple[Remedy, ...] = ()
    summary: Text = Field(default="", max_length=2000)


class WithdrawnBody(Record):
    type: Literal[ComplaintMessageType.WITHDRAWN] = ComplaintMessageType.WITHDRAWN
    withdrawn_at: Timestamp
    reason: Text = Field(default="", max_length=1000)


class ToMediationBody(Record):
    """Both sides consent to mediation: the centre opens a flow-C case linked to the complaint."""

    type: Literal[ComplaintMessageType.TO_MEDIATION] = ComplaintMessageType.TO_MEDIATION
    complainant_consented_at: Timestamp
    institution_consented_at: Timestamp
    note: Text = Field(default="", max_length=1000)


class SmallClaimDecisionBody(Record):
    """The mediator's decision on the small-claim track, within the amount cap the MoU delegates."""

    type: Literal[ComplaintMessageType.SMALL_CLAIM_DECISION] = ComplaintMessageType.SMALL_CLAIM_DECISION
    amount: RMB
    cap: RMB
    decided_at: Timestamp
    mediator: Line = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _within_cap(self) -> "SmallClaimDecisionBody":
        if self.amount > self.cap:
            raise ValueError(f"amount {self.amount} exceeds the memorandum's cap {self.cap}")
        return self


class SmallClaimPerformedBody(Record):
    type: Literal[ComplaintMessageType.SMALL_CLAIM_PERFORMED] = ComplaintMessageType.SMALL_CLAIM_PERFORMED
    paid_at: Timestamp
    amount: RMB


class ReviewRequestedBody(Record):
    type: Literal[ComplaintMessageType.REVIEW_REQUESTED] = ComplaintMessageType.REVIEW_REQUESTED
    requested_at: Timestamp
    grounds: Text = Field(min_length=1, max_length=2000)


class ReviewDecidedBody(Record):
    type: Literal[ComplaintMessageType.REVIEW_DECIDED] = ComplaintMessageType.REVIEW_DECIDED
    result: DecisionResult
    decided_at: Timestamp
    remedy_amount: RMB = Decimal("0.00")


ComplaintBody = Annotated[
    ForwardBody
    | AckBody
    | ContactedBody
    | ExtendedBody
    | AppraisalBody
    | DecidedBody
    | WithdrawnBody
    | ToMediationBody
    | SmallClaimDecisionBody
    | SmallClaimPerformedBody
    | ReviewRequestedBody
    | ReviewDecidedBody,
    Field(discriminator="type"),
]


class ComplaintEnvelope(Record):
    """One message about one complaint: a stable id (what the receiver dedupes by), the centre's complaint id,
    the desk's reference once it has one, when it was sent, and the body. `correlates_to` names the message it
    answers (a decision answers the forward)."""

    message_id: Line = Field(min_length=1, max_length=64)
    complaint_id: Line = Field(min_length=1, max_length=40)
    desk_ref: Line | None = Field(default=None, max_length=64)
    sent_at: Timestamp
    correlates_to: Line | None = Field(default=None, max_length=64)
    body: ComplaintBody
