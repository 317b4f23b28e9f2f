"""A dispatched case and its parties (domain.md §4 "Dispatch")."""

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from schemas.contacts import classify_phone, contact_text
from schemas.enums import Flow, IdType, PartyKind, PartyRole, PhoneKind, Procedure
from schemas.identifiers import resident_id, social_credit_code
from schemas.money import RMB
from schemas.text import Line, Text
from schemas.times import Timestamp


class Record(BaseModel):
    """Base for canonical records: immutable, unknown fields refused so a typo never passes silently."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Identified(Record):
    """A record naming a person or organisation by an identity document, with contact details: a case's party, a
    complaint's complainant or representative (schemas/complaint.py). Each subclass declares `id_type` before
    `id_number` (the check reads the type) and whichever of `phone` and `address` it has."""

    @field_validator("id_number", check_fields=False)
    @classmethod
    def _identifier_checks_out(cls, value: str, info: ValidationInfo) -> str:
        # A wrong check digit is a wrong party: refuse it here, so an inbound message with one is quarantined
        # (naming the field) and the centre never sends one. Other document types have no check to run.
        if info.data.get("id_type") is IdType.RESIDENT_ID:
            return resident_id(value)
        if info.data.get("id_type") is IdType.USCC:
            return social_credit_code(value)
        return value

    @field_validator("phone", "address", mode="before", check_fields=False)
    @classmethod
    def _contact_as_text(cls, value: object) -> object:
        return contact_text(value)

    @field_validator("phone", check_fields=False)
    @classmethod
    def _phone_normalised(cls, value: str | None) -> str | None:
        # Never refused (schemas/contacts.py): a recognised number in its canonical form, any other as written;
        # `phone_kind` says which, and an unrecognised one is flagged on the case.
        if value is None or not value.strip():
            return None
        return classify_phone(value).text


class Party(Identified):
    name: Line = Field(min_length=1, max_length=200)
    role: PartyRole
    kind: PartyKind
    id_type: IdType
    id_number: Line = Field(min_length=1, max_length=64)
    # Contact details have no length limit of their own: a dispatch is never refused for one (the message's size
    # is bounded where it is read).
    phone: str | None = None
    address: str | None = None  # e-service address (送达地址)

    @property
    def phone_kind(self) -> PhoneKind | None:
        return None if self.phone is None else classify_phone(self.phone).kind


class Attachment(Record):
    """Evidence travels by digest; the bytes stay in the document store of whichever side holds them."""

    name: Line = Field(min_length=1, max_length=255)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0)


class CaseNumberReading(Record):
    """What the 案号 parser (reference/case_number.py) read from a dispatch's case number, once, at intake: the court
    code in it, and what it flagged — an unknown court or type code is neither silently accepted nor refused
    (domain.md §4 "Case numbers"). A 案号 without the shape of one never gets this far: it is refused."""

    court_code: Line = Field(min_length=1, max_length=16)
    problems: tuple[str, ...] = ()


class CaseDispatch(Record):
    """A court's dispatch of a dispute to the centre (flows A, B, D) or the centre's own intake (flow C)."""

    platform_case_id: Line = Field(min_length=1, max_length=64)  # the court's internal case id
    # 案号 (flow C has none) and court code, normalised where the record is built (reference/case_intake.py).
    case_number: Line | None = Field(default=None, max_length=64)
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
    # What the 案号 parser found, recorded by the boundary that built this record (reference/case_intake.py): set
    # whenever `case_number` is, so nothing downstream parses the 案号 again. Never sent to a court.
    case_number_reading: CaseNumberReading | None = None

    @property
    def case_number_flags(self) -> list[str]:
        """What reading the 案号 flagged (an unknown court or type code), as recorded where the dispatch was built."""
        return [] if self.case_number_reading is None else list(self.case_number_reading.problems)

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
