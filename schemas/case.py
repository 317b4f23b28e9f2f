"""A dispatched case and its parties (domain.md §4 "Dispatch")."""

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from mappings import case_number
from schemas.enums import Flow, IdType, PartyKind, PartyRole, Procedure
from schemas.identifiers import phone_number, resident_id, social_credit_code
from schemas.money import RMB
from schemas.times import Timestamp


class Record(BaseModel):
    """Base for canonical records: immutable, unknown fields refused so a typo never passes silently."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Party(Record):
    name: str = Field(min_length=1, max_length=200)
    role: PartyRole
    kind: PartyKind
    id_type: IdType
    id_number: str = Field(min_length=1, max_length=64)
    phone: str | None = Field(default=None, max_length=32)
    address: str | None = Field(default=None, max_length=500)  # e-service address (送达地址)

    @field_validator("id_number")
    @classmethod
    def _identifier_checks_out(cls, value: str, info: ValidationInfo) -> str:
        # A wrong check digit is a wrong party: refuse it here, so an inbound message with one is quarantined
        # (naming the field) and the centre never sends one. Other document types have no check to run.
        if info.data.get("id_type") is IdType.RESIDENT_ID:
            return resident_id(value)
        if info.data.get("id_type") is IdType.USCC:
            return social_credit_code(value)
        return value

    @field_validator("phone")
    @classmethod
    def _phone_checks_out(cls, value: str | None) -> str | None:
        return None if value is None else phone_number(value)


class Attachment(Record):
    """Evidence travels by digest; the bytes stay in the document store of whichever side holds them."""

    name: str = Field(min_length=1, max_length=255)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0)


class CaseDispatch(Record):
    """A court's dispatch of a dispute to the centre (flows A, B, D) or the centre's own intake (flow C)."""

    platform_case_id: str = Field(min_length=1, max_length=64)  # the court's internal case id
    case_number: str | None = Field(default=None, max_length=64)  # 案号; flow C has none
    court_code: str | None = Field(default=None, max_length=16)
    court_name: str | None = Field(default=None, max_length=100)
    flow: Flow
    procedure: Procedure = Procedure.ORDINARY
    cause: str = Field(min_length=1, max_length=100)  # 案由, by name in the 2020 catalogue
    claims: str = Field(default="", max_length=5000)
    amount: RMB
    parties: tuple[Party, ...] = Field(min_length=2)
    attachments: tuple[Attachment, ...] = ()
    designated_org: str | None = None
    designated_mediator: str | None = None
    dispatched_at: Timestamp

    @field_validator("case_number")
    @classmethod
    def _case_number_parses(cls, value: str | None) -> str | None:
        """A 案号 must have the shape of one (brackets normalised); an unknown court or type code is only
        flagged (domain.md §4 "Case numbers": neither silently accepted nor rejected) — see `case_number_flags`."""
        if value is None:
            return None
        try:
            return case_number.parse(value).text
        except case_number.MalformedCaseNumber as exc:
            raise ValueError(str(exc)) from None

    @property
    def case_number_flags(self) -> list[str]:
        return [] if self.case_number is None else case_number.parse(self.case_number).problems
