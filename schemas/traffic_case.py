"""The records of a road-traffic accident case as the 道交一体化 platform offers it (partners.md §2): the police
accident certificate (认定书, [P18 Art 64]) with the five liability levels only [P18 Art 60], the parties in their
roles, vehicles, policies (insurer USCC checked, GB 32100), harm and the claims by head. The message bodies that
carry them are in schemas/traffic.py (which re-exports these names, so `from schemas.traffic import …` serves both).

Claim heads are codes of a versioned table (reference/traffic_tables/claim_heads-<version>.toml), checked by the
boundary that builds the record (reference/traffic_codes.py). Amounts are yuan as Decimal (schemas/money.py), times
aware (schemas/times.py); a party's ID number is sealed at rest by the core and masked in every text.
"""

from enum import StrEnum

from pydantic import Field, field_validator, model_validator

from schemas.case import Attachment, Identified, Record
from schemas.enums import IdType, PartyKind
from schemas.identifiers import social_credit_code
from schemas.money import RMB
from schemas.text import Line, Text
from schemas.times import Timestamp


class LiabilityLevel(StrEnum):
    """The five liability levels of an accident certificate — only these [P18 Art 60]."""

    FULL = "full"  # 全部责任
    MAIN = "main"  # 主要责任
    EQUAL = "equal"  # 同等责任
    SECONDARY = "secondary"  # 次要责任
    NONE = "none"  # 无责任


class PartyRole(StrEnum):
    """A party's role on the platform (partners.md §2)."""

    CLAIMANT = "claimant"  # 赔偿权利人
    LIABLE = "liable"  # 赔偿义务人
    VEHICLE_OWNER = "vehicle_owner"  # 车辆所有人
    INSURER = "insurer"  # 保险人


class CertificateKind(StrEnum):
    STANDARD = "standard"  # 道路交通事故认定书 [P18 Art 64]
    SIMPLE = "simple"  # 简易程序 [P18 Art 21]
    SELF_SETTLED = "self_settled"  # 当事人自行协商 record [P18 Art 24]
    CAUSE_UNKNOWN = "cause_unknown"  # 道路交通事故证明: cause not established, no liability levels [P18 Art 67]


class Cover(StrEnum):
    COMPULSORY = "compulsory"  # 交强险: pays first, within its limit
    COMMERCIAL = "commercial"  # 商业三者险: pays the insured's liability share beyond, within its limit


class Liability(Record):
    party_ref: Line = Field(min_length=1, max_length=64)  # the party's ref in the offer (Party.party_ref)
    level: LiabilityLevel


class Certificate(Record):
    """The accident certificate: number, kind, issued and delivered times, each party's liability, the PDF by digest.
    `supersedes` names the certificate number this one replaces after a review (复核, [P18 Arts 71, 74])."""

    cert_no: Line = Field(min_length=1, max_length=64)
    cert_kind: CertificateKind
    issued_at: Timestamp
    delivered_at: Timestamp | None = None
    liability: tuple[Liability, ...] = ()
    pdf: Attachment
    supersedes: Line | None = Field(default=None, max_length=64)

    @model_validator(mode="after")
    def _consistent(self) -> "Certificate":
        refs = [item.party_ref for item in self.liability]
        if len(refs) != len(set(refs)):
            raise ValueError("liability: a party is named twice")
        levels = [item.level for item in self.liability]
        # A party fully liable leaves the others none (the five levels of [P18 Art 60] are shares of one fault).
        if LiabilityLevel.FULL in levels and sum(level is not LiabilityLevel.NONE for level in levels) > 1:
            raise ValueError("liability: a party with full liability leaves every other party none")
        if self.delivered_at is not None and self.delivered_at < self.issued_at:
            raise ValueError("delivered_at is before issued_at")
        if self.supersedes == self.cert_no:
            raise ValueError("supersedes names the certificate itself")
        return self


class Party(Identified):
    """A party in a role; `id_number` is sealed at rest by the core and masked in every text (adapter/masking.py)."""

    party_ref: Line = Field(min_length=1, max_length=64)
    role: PartyRole
    kind: PartyKind
    name: Line = Field(min_length=1, max_length=200)
    id_type: IdType
    id_number: Line = Field(min_length=1, max_length=64)
    phone: str | None = None
    address: str | None = None


class Vehicle(Record):
    plate: Line = Field(min_length=1, max_length=16)  # 号牌号码
    vehicle_kind: Line = Field(default="", max_length=32)  # 车辆类型, as the police record it
    owner_ref: Line | None = Field(default=None, max_length=64)
    driver_ref: Line | None = Field(default=None, max_length=64)


class PolicyRef(Record):
    """An insurer's policy by the insurer's USCC (GB 32100 check digit verified) and the policy number."""

    insurer_uscc: Line = Field(min_length=18, max_length=18)
    policy_no: Line = Field(min_length=1, max_length=64)

    @field_validator("insurer_uscc")
    @classmethod
    def _uscc_checks_out(cls, value: str) -> str:
        return social_credit_code(value)


class Policy(PolicyRef):
    """A motor policy: the insurer by USCC (check digit verified), its policy number, the cover and its limit (yuan);
    `insured_ref` the party whose liability it covers, `plate` the vehicle."""

    insurer_name: Line = Field(default="", max_length=200)
    cover: Cover
    limit: RMB
    insured_ref: Line | None = Field(default=None, max_length=64)
    plate: Line | None = Field(default=None, max_length=16)


class Harm(Record):
    deaths: int = Field(default=0, ge=0)
    injured: int = Field(default=0, ge=0)
    property_damage: bool = False
    description: Text = Field(default="", max_length=2000)


class ClaimItem(Record):
    """An amount claimed under one head of the claim-head table (a code, e.g. "01" 医疗费)."""

    head: Line = Field(min_length=1, max_length=8)
    amount: RMB
