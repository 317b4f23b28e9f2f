"""Judicial confirmation: the joint application and the court's decision (domain.md §2 step 10)."""

from pydantic import Field, model_validator

from schemas.case import CaseDispatch, Record
from schemas.enums import CourtDecisionKind, JcResult
from schemas.text import Line, Text
from schemas.times import Timestamp


class JcApplication(Record):
    """Joint application [S3 Art 205]: one applies, the other agrees; must be filed within 30 days of effect."""

    applicant: Line = Field(min_length=1)
    consenting_party: Line = Field(min_length=1)
    applied_at: Timestamp
    agreement_effective_at: Timestamp
    mediation_proof: Text = Field(default="", max_length=2000)
    # Flow C cases are new to the court: the application carries the case itself [S4 Art 354].
    case: CaseDispatch | None = None


class CourtDecision(Record):
    kind: CourtDecisionKind
    decided_at: Timestamp
    jc_result: JcResult | None = None
    reason: Text = Field(default="", max_length=2000)
    document_number: Line | None = None  # e.g. the 民特 ruling number

    @model_validator(mode="after")
    def _ruling_has_result(self) -> "CourtDecision":
        if self.kind is CourtDecisionKind.JC_RULING and self.jc_result is None:
            raise ValueError("a JC ruling must carry jc_result")
        return self
