"""An arbitration application's records: its parties with the data the Arbitration Law asks of them [P21 Art 23] —
a person's name, sex, age, occupation, employer and domicile; an organisation's name, domicile and legal
representative (or principal) — plus the identity document either way (a resident ID or the USCC, checked as for any
party, domain.md §4); the arbitration agreement [P21 Arts 4, 16], the mediated settlement, the claims, waivers, and
the application itself [P21 Arts 21–23]. IDs are personal data: the core seals them at rest with the record's facts
and masks them in history text (adapter/masking.py). The messages are in schemas/arbitration.py.
"""

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, model_validator

from schemas.case import Attachment, Identified, Record
from schemas.enums import IdType, PartyKind, Procedure
from schemas.money import RMB
from schemas.text import Line, Text
from schemas.times import CalendarDate, Timestamp

# A party's short reference within its application ("A1", "R1"): what service and repentance messages name, so they
# never carry a name or an ID number.
PartyRef = Annotated[str, Field(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9_-]+$")]


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"


class Representative(Record):
    """An organisation's legal representative or principal (法定代表人/主要负责人) and the post held."""

    name: Line = Field(min_length=1, max_length=100)
    position: Line = Field(default="", max_length=100)


class ArbParty(Identified):
    """One party. A natural person needs `sex` and `age` or `birth_date`; an organisation needs a USCC and
    `legal_representative`; ValueError names what is missing [P21 Art 23]. `occupation` and `employer` are asked of
    persons and may be "" when the person has none."""

    ref: PartyRef
    role: Literal["applicant", "respondent"]
    kind: PartyKind
    name: Line = Field(min_length=1, max_length=200)
    id_type: IdType
    id_number: Line = Field(min_length=1, max_length=64)
    domicile: Line = Field(min_length=1, max_length=300)  # 住所
    sex: Sex | None = None
    age: int | None = Field(default=None, ge=0, le=150)
    birth_date: CalendarDate | None = None
    occupation: Line = Field(default="", max_length=100)
    employer: Line = Field(default="", max_length=200)  # 工作单位
    legal_representative: Representative | None = None
    phone: str | None = None
    address: str | None = None  # service address (送达地址), when not the domicile

    @model_validator(mode="after")
    def _art_23_data(self) -> "ArbParty":
        if self.kind is PartyKind.NATURAL_PERSON:
            if self.sex is None:
                raise ValueError("a natural person needs sex (Arbitration Law Art 23)")
            if self.age is None and self.birth_date is None:
                raise ValueError("a natural person needs age or birth_date (Arbitration Law Art 23)")
        else:
            if self.id_type is not IdType.USCC:
                raise ValueError(f"an organisation is identified by its USCC, not {self.id_type.value}")
            if self.legal_representative is None:
                raise ValueError("an organisation needs legal_representative (Arbitration Law Art 23)")
        return self


class AgreementForm(StrEnum):
    CLAUSE = "clause"  # an arbitration clause in the contract (仲裁条款)
    SEPARATE = "separate"  # a separate arbitration agreement (仲裁协议书), before or after the dispute [P21 Art 16]


class ArbitrationAgreement(Record):
    """The written agreement [P21 Art 16]: intent, the matters, the commission chosen. `confirms_settlement`: made
    to have a settlement confirmed (仲裁确认 [P24]) — then it must post-date the dispute [P26]; a clause made with the
    contract only founds jurisdiction and may predate it (partners.md §3 Guards)."""

    form: AgreementForm
    signed_at: Timestamp
    commission: Line = Field(default="", max_length=200)  # the commission it names; "" when it names none
    matters: Text = Field(default="", max_length=2000)  # the matters submitted; "" when it names none
    confirms_settlement: bool = False
    pdf: Attachment


class MediationAgreement(Record):
    """The settlement the centre mediated: `concluded_at` when the parties agreed, `effective_at` when it took
    effect (None: not yet — the guard refuses it; never before `concluded_at`, ValueError); `case_id` the centre's
    mediation case."""

    case_id: Line | None = Field(default=None, max_length=40)
    concluded_at: Timestamp
    effective_at: Timestamp | None = None
    pdf: Attachment

    @model_validator(mode="after")
    def _effective_after_concluded(self) -> "MediationAgreement":
        # A settlement takes effect when, or after, the parties conclude it (e.g. on the last e-signature).
        if self.effective_at is not None and self.effective_at < self.concluded_at:
            raise ValueError("effective_at: the settlement cannot take effect before it was concluded (concluded_at)")
        return self


class Claim(Record):
    """One claim (仲裁请求) [P21 Art 23]; `amount` yuan, None for a claim without a sum (e.g. to confirm a fact)."""

    text: Text = Field(min_length=1, max_length=2000)
    amount: RMB | None = None


class RequestedInstrument(StrEnum):
    MEDIATION_STATEMENT = "mediation_statement"  # 调解书: binds when the last party signs for it [P21 Art 52]
    AWARD_ON_AGREED_TERMS = "award_on_agreed_terms"  # 根据调解协议制作裁决书 [P21 Art 51]
    AWARD = "award"  # ordinary proceedings: the tribunal decides the claims (e.g. after a failed mediation)


class FeePayer(StrEnum):
    APPLICANT = "applicant"
    RESPONDENT = "respondent"
    SHARED = "shared"  # as the settlement divides it


class Waiver(Record):
    """A party's waiver of a procedural right, and when it was made (None: the time is not known)."""

    party: PartyRef
    at: Timestamp | None = None
    text: Text = Field(default="", max_length=1000)


class Waivers(Record):
    """Waivers of recusal (回避), evidence (举证/质证) or defence (答辩) — refused by the guard [P26]."""

    recusal: tuple[Waiver, ...] = ()
    evidence: tuple[Waiver, ...] = ()
    defence: tuple[Waiver, ...] = ()


class ArbitrationApplication(Record):
    """What the centre hands over [P21 Arts 21–23]. `arbitration_agreement` None, or `mediation_agreement` None for an
    instrument on agreed terms, is refused by the guard with its rule named (not by the schema), as is a settlement
    or confirming agreement older than `dispute_arose_at`."""

    parties: tuple[ArbParty, ...] = Field(min_length=2, max_length=20)
    arbitration_agreement: ArbitrationAgreement | None = None
    dispute_arose_at: Timestamp
    claims: tuple[Claim, ...] = Field(min_length=1, max_length=50)
    facts: Text = Field(min_length=1, max_length=10000)
    evidence: tuple[Attachment, ...] = ()
    mediation_agreement: MediationAgreement | None = None
    requested_instrument: RequestedInstrument
    procedure: Procedure | None = None  # None: chosen by the commission's threshold (rules.simple_procedure_max)
    fee_payer: FeePayer = FeePayer.APPLICANT
    waivers: Waivers = Waivers()

    @model_validator(mode="after")
    def _party_refs_unique(self) -> "ArbitrationApplication":
        refs = [p.ref for p in self.parties]
        if len(set(refs)) != len(refs):
            raise ValueError(f"party refs must be unique, got {refs}")
        return self

    @property
    def claim_amount(self) -> Decimal:
        """The sum claimed, yuan (claims without a sum count nothing) — what fees and procedure are banded by."""
        return sum((c.amount for c in self.claims if c.amount is not None), Decimal("0.00"))
