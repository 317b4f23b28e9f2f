"""ComplaintDeadlineSettings: the complaint periods of partners.md §1 as overridable defaults — the
`[complaints.deadlines]` table of the settings file. Counted on the case deadlines' calendar
(adapter/deadlines/calendar.py: chinesecalendar + the `[deadlines] holiday_file`, China time).

    [complaints.deadlines]
    forward_cutoff = "17:00"                # received at or after this (China time) counts as after hours
    after_hours_next_working_day = true     # after hours or on a rest day → forward by the next working day
    centre_target_general_working_days = 8
    decision_days_simple = 15               # CBIRC Order 2020 No 3; 30 / 60 after extensions
    review_request_days = 30                # unconfirmed for the 2020 rule [P34][P42b]
    small_claim_target_working_days = 6.5   # reported, not enforced [P67a]

A bad value is refused by pydantic with the field's name (the settings loader turns that into a ConfigError naming
the file and `complaints.deadlines.<field>`).
"""

from datetime import time
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class ComplaintDeadlineSettings(BaseModel):
    """The complaint periods; every default is the source's (partners.md §1 table), marked where unconfirmed."""

    model_config = ConfigDict(extra="forbid")

    forward_cutoff: time = Field(
        default=time(17, 0),
        description="China time of day from which a complaint counts as received after hours; the hotline works "
        "8:30–17:00 on working days [P67a]. Received at or after it → forwarded by the next working day.",
    )
    after_hours_next_working_day: bool = Field(
        default=True,
        description="A complaint received after hours or on a rest day is forwarded by the end of the next working "
        "day. false: every complaint is due the calendar day it was received (当日接收、当日转办, strictly) [P67a].",
    )
    centre_target_undisputed_working_days: int = Field(
        default=0,
        ge=0,
        le=30,
        description="The centre's own target for an undisputed complaint, in working days from its working "
        "receipt day; 0 = the same day [P67a].",
    )
    centre_target_general_working_days: int = Field(
        default=8,
        ge=1,
        le=60,
        description="The centre's own target for any other complaint, in working days from receipt [P67a].",
    )
    decision_days_simple: int = Field(
        default=15,
        ge=1,
        le=366,
        description="Days the institution has to decide from its receipt of the complaint (CBIRC Order 2020 No 3 "
        "[P31][P32]). Read as calendar days: an inference (partners.md §0), the rule does not say.",
    )
    decision_days_complex: int = Field(
        default=30,
        ge=1,
        le=366,
        description="The decision period once extended for a complex complaint (stage 30; CBIRC Order 2020 No 3).",
    )
    decision_days_especially_complex: int = Field(
        default=60,
        ge=1,
        le=366,
        description="The decision period once extended again for an especially complex complaint (stage 60, the "
        "maximum; senior approval, the complainant told; CBIRC Order 2020 No 3).",
    )
    review_request_days: int = Field(
        default=30,
        ge=1,
        le=366,
        description="Days from the decision within which the complainant may ask for a review (核查) [P34][P42b]; "
        "unconfirmed for the 2020 rule.",
    )
    review_decision_days: int = Field(
        default=30,
        ge=1,
        le=366,
        description="Days from the review request within which the review is decided [P34][P42b]; unconfirmed for "
        "the 2020 rule.",
    )
    mediation_days: int = Field(
        default=30,
        ge=1,
        le=366,
        description="Days from the mediation's acceptance for a complaint converted to mediation [P67a].",
    )
    small_claim_target_working_days: Decimal = Field(
        default=Decimal("6.5"),
        gt=0,
        le=60,
        description="The small-claim track's average target in working days from receipt to payment [P67a]: "
        "reported (monthly report, demo), never enforced as a deadline.",
    )
    warn_within_days: int = Field(
        default=3,
        ge=0,
        le=60,
        description="A complaint deadline closing within this many days is due_soon (as [deadlines] "
        "warn_within_days is for cases).",
    )

    @field_validator("forward_cutoff")
    @classmethod
    def _china_time_of_day(cls, value: time) -> time:
        if value.tzinfo is not None:
            raise ValueError(f"{value.isoformat()} carries a zone; give a China time of day like 17:00")
        return value

    @model_validator(mode="after")
    def _stages_grow(self) -> "ComplaintDeadlineSettings":
        stages = (self.decision_days_simple, self.decision_days_complex, self.decision_days_especially_complex)
        if not stages[0] < stages[1] < stages[2]:
            raise ValueError(
                "decision_days_simple < decision_days_complex < decision_days_especially_complex is required "
                f"(an extension lengthens the period), got {stages[0]}, {stages[1]}, {stages[2]}"
            )
        return self

    def decision_days(self, stage: int) -> int:
        """The decision period at `stage` (15, 30 or 60: the status after the complaint's extensions)."""
        return {
            15: self.decision_days_simple,
            30: self.decision_days_complex,
            60: self.decision_days_especially_complex,
        }[stage]
