"""The inputs of the centre's traffic actions (adapter/partners/traffic/actions.py): pydantic models the API, the
CLI and the console validate before an action runs — a wrong field is refused naming it, as any request."""

from typing import Literal

from pydantic import Field

from schemas.case import Record
from schemas.money import RMB
from schemas.text import Line, Text
from schemas.traffic import ClaimBasis, Instalment, OutcomeItem, Payee


class NoteInput(Record):
    note: Text = Field(default="", max_length=1000)


class DeclineInput(Record):
    reason: Text = Field(min_length=1, max_length=1000)


class StartMediationInput(Record):
    mediator: Line = Field(min_length=1, max_length=100)


class AppraisalInput(Record):
    matters: Text = Field(min_length=1, max_length=2000)
    party_ref: Line | None = Field(default=None, max_length=64)


class OutcomeInput(Record):
    """`items` default to the recalculated figures under the certificate in force; `advice` to the table's."""

    result: Literal["agreement", "failure"]
    items: tuple[OutcomeItem, ...] = ()
    schedule: tuple[Instalment, ...] = ()
    failure_code: int | None = None
    advice: Text = Field(default="", max_length=2000)


class ApplyJcInput(Record):
    """`case_id`: an existing case that carries the JC flow. Or `platform` (a configured court platform) with the
    signed agreement PDF (`agreement_pdf_b64`, base64): the core registers the dispute as a self-received (flow C)
    case, applies for JC on it through the court flows and links it (adapter/partners/case_link.py). Neither: the
    application is recorded only and the ruling arrives from the platform (traffic.jc_result) or the clerk."""

    court_code: Line = Field(min_length=1, max_length=16)
    case_id: Line | None = Field(default=None, max_length=40)  # the mediation case that carries the JC flow
    platform: Line | None = Field(default=None, max_length=64)  # the court platform the JC goes through
    agreement_pdf_b64: str | None = Field(default=None, max_length=7_000_000)  # under MAX_DOCUMENT_BYTES (5 MB)


class JcResultInput(Record):
    confirmed: bool
    ruling_no: Line = Field(min_length=1, max_length=64)
    reason: Text = Field(default="", max_length=1000)


class WithdrawJcInput(Record):
    """The JC application ends without a ruling: withdrawn by the parties, or not accepted (不予受理) by the court."""

    outcome: Literal["withdrawn", "not_accepted"] = "withdrawn"
    reason: Text = Field(min_length=1, max_length=1000)


class ClaimInput(Record):
    basis: ClaimBasis
    basis_ref: Line = Field(min_length=1, max_length=64)
    insurer_uscc: Line = Field(min_length=1, max_length=18)
    policy_no: Line = Field(min_length=1, max_length=64)
    payee: Payee
    amount: RMB


class EscalateInput(Record):
    to: Literal["court", "regulator"]  # a judicial suggestion, or a complaint to the regulator [P1]
    note: Text = Field(default="", max_length=1000)
