"""A dispatched case and its parties (domain.md §4 "Dispatch")."""

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from reference import case_number
from schemas.contacts import classify_phone, contact_text
from schemas.enums import Flow, IdType, PartyKind, PartyRole, PhoneKind, Procedure
from schemas.identifiers import resident_id, social_credit_code
from schemas.money import RMB
from schemas.text import Line, Text
from schemas.times import Timestamp


class Record(BaseModel):
    """Base for canonical records: immutable, unknown fields refused so a typo never passes silently."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Party(Record):
    name: Line = Field(min_length=1, max_length=200)
    role: PartyRole
    kind: PartyKind
    id_type: IdType
    id_number: Line = Field(min_length=1, max_length=64)
    # Contact details have no length limit of their own: a dispatch is never refused for one (the message's size
    # is bounded where it is read).
    phone: str | None = None
    address: str | None = None  # e-service address (送达地址)

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

    @field_validator("phone", "address", mode="before")
    @classmethod
    def _contact_as_text(cls, value: object) -> object:
        return contact_text(value)

    @field_validator("phone")
    @classmethod
    def _phone_normalised(cls, value: str | None) -> str | None:
        # Never refused (schemas/contacts.py): a recognised number in its canonical form, any other as written;
        # `phone_kind` says which, and an unrecognised one is flagged on the case.
        if value is None or not value.strip():
            return None
        return classify_phone(value).text

    @property
    def phone_kind(self) -> PhoneKind | None:
        return None if self.phone is None else classify_phone(self.phone).kind


class Attachment(Record):
    """Evidence travels by digest; the bytes stay in the document store of whichever side holds them."""

    name: Line = Field(min_length=1, max_length=255)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0)


class CaseDispatch(Record):
    """A court's dispatch of a dispute to the centre (flows A, B, D) or the centre's own intake (flow C)."""

    platform_case_id: Line = Field(min_length=1, max_length=64)  # the court's internal case id
    case_number: Line | None = Field(default=None, max_length=64)  # 案号; flow C has none
    court_code: Line | None = Field(default=None, max_length=16)
    court_name: Line | None = Field(default=None, max_length=100)
    flow: Flow
    procedure: Procedure = Procedure.ORDINARY
    cause: Line = Field(min_length=1, max_length=100)  # 案由, by name in the 2020 catalogue
    claims: Text = Field(default="", max_length=5000)
    amount: RMB
    parties: tuple[Party, ...] = Field(min_length=2)
    attachments: tuple[Attachment, ...] = ()
    designated_org: Line | None = None
    designated_mediator: Line | None = None
    dispatched_at: Timestamp

    @field_validator("case_number")
    @classmethod
    def _case_number_parses(cls, value: str | None) -> str | None:
        """A 案号 must have the shape of one (brackets, full-width digits and spaces normalised); an unknown court
        or type code is only flagged (domain.md §4 "Case numbers": neither silently accepted nor rejected) — see
        `case_number_flags`."""
        if value is None:
            return None
        try:
            return case_number.parse(value).text
        except case_number.MalformedCaseNumber as exc:
            raise ValueError(str(exc)) from None

    @field_validator("court_code")
    @classmethod
    def _court_code_normalised(cls, value: str | None) -> str | None:
        """粤０１０４ and ' 粤0104 ' are 粤0104: per-court settings are matched on this form (adapter/deadlines)."""
        return None if value is None else case_number.normalise_court_code(value)

    @property
    def case_number_flags(self) -> list[str]:
        return [] if self.case_number is None else case_number.parse(self.case_number).problems

    @property
    def flags(self) -> list[str]:
        """What a person should look at in this case, which refused nothing: an unknown court or type code in the
        案号 (domain.md §4 "Case numbers") and a phone number of no known form (schemas/contacts.py). Never the
        number itself: parties are named by their place in `parties`, from 1."""
        found = [f"case number: {problem}" for problem in self.case_number_flags]
        found += [
            f"party {place} phone: unrecognised form"
            for place, party in enumerate(self.parties, start=1)
            if party.phone_kind is PhoneKind.UNRECOGNISED
        ]
        return found
