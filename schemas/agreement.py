"""A mediation agreement: terms, money, signatures; it takes effect at the last party's e-signature."""

from datetime import datetime

from pydantic import Field, model_validator

from schemas.case import Record
from schemas.enums import SignerRole
from schemas.money import RMB
from schemas.text import Line, Text
from schemas.times import CalendarDate, Timestamp


class Instalment(Record):
    due: CalendarDate
    amount: RMB


class MonetaryTerm(Record):
    payer: Line = Field(min_length=1)
    payee: Line = Field(min_length=1)
    total: RMB
    instalments: tuple[Instalment, ...] = ()
    waived_penalties: RMB | None = None

    @model_validator(mode="after")
    def _instalments_add_up(self) -> "MonetaryTerm":
        if self.instalments and sum(i.amount for i in self.instalments) != self.total:
            raise ValueError("instalments do not add up to the total")
        return self


class SignatureRecord(Record):
    """One signer's e-signature (电子签章) on the agreement document."""

    signer: Line = Field(min_length=1)
    role: SignerRole
    signed_at: Timestamp
    certificate_serial: Line = ""


class MediationAgreement(Record):
    facts: Text = Field(default="", max_length=10000)
    terms: Text = Field(min_length=1, max_length=10000)
    monetary_terms: tuple[MonetaryTerm, ...] = ()
    performance: Text = Field(default="", max_length=2000)  # how and when it is performed
    document_name: Line = "mediation-agreement.pdf"
    document_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    signatures: tuple[SignatureRecord, ...] = Field(min_length=1)
    organisation_seal_at: Timestamp | None = None

    @property
    def effective_at(self) -> datetime:
        """The last *party's* e-signature starts the JC window (domain.md §2 step 6, [S2 Art 19])."""
        party_times = [s.signed_at for s in self.signatures if s.role.is_party]
        return max(party_times or [s.signed_at for s in self.signatures])
