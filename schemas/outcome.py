"""How a mediation ended, and the failure report that goes back to the court (domain.md §2 step 7)."""

from pydantic import Field, model_validator

from schemas.case import Record
from schemas.enums import OutcomeCode
from schemas.text import Text
from schemas.times import Timestamp


class FailureReport(Record):
    """Facts, why it failed, cost-raising conduct, points for the court [S2 Arts 21–22]."""

    facts: Text = Field(default="", max_length=5000)
    reason: Text = Field(min_length=1, max_length=2000)
    cost_raising_conduct: Text = Field(default="", max_length=2000)
    points_for_court: Text = Field(default="", max_length=2000)
    undisputed_facts: Text = Field(default="", max_length=5000)


class MediationOutcome(Record):
    code: OutcomeCode
    at: Timestamp
    report: FailureReport | None = None

    @model_validator(mode="after")
    def _failure_needs_report(self) -> "MediationOutcome":
        if self.code is not OutcomeCode.AGREEMENT_REACHED and self.report is None:
            raise ValueError(f"outcome {self.code.name} needs a failure report")
        return self
