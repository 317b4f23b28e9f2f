"""Institution complaint desks in the settings (partners.md §0, §1): each desk is a platform, registered like a court
under `[desks.<name>]` with the court's connection fields (PlatformSettings: base_url, signing, mode poll|push,
poll_seconds, timeouts, retry and breaker) — REST only — plus the institutions it answers for and its memorandum.

    [desks.card-centre]
    base_url = "https://complaints.bank.example/api"
    institution_uscc = ["914400001234567899"]     # one or more: a group's institutions may share a desk
    mode = "poll"                                 # or "push": the desk POSTs its messages to us
    [desks.card-centre.signing]                   # one of the existing profiles, as for courts
    ...
    [desks.card-centre.memorandum]                # the MoU (adapter/complaints/memoranda.py); none: no small claims
    small_claim_cap = "5000.00"
    delegated_authority = "…"
    signed_on = 2025-06-01
    withheld = ["complainant.address"]

    [complaints]
    repeat_window_days = 180
    reconcile_seconds = 900
    [complaints.deadlines]                         # adapter/complaints/deadline_settings.py
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from adapter.complaints.deadline_settings import ComplaintDeadlineSettings
from adapter.complaints.memoranda import Memorandum
from adapter.config.platform import PlatformSettings
from schemas.identifiers import social_credit_code


class DeskSettings(PlatformSettings):
    """One institution's complaint desk: a court's connection fields (REST), the USCCs it serves, its MoU."""

    transport: Literal["rest"] = "rest"
    institution_uscc: list[str] = Field(min_length=1)
    memorandum: Memorandum | None = None

    @field_validator("institution_uscc")
    @classmethod
    def _usccs(cls, values: list[str]) -> list[str]:
        checked = [social_credit_code(v) for v in values]  # GB 32100: a wrong check digit is a wrong institution
        if len(set(checked)) != len(checked):
            raise ValueError("a USCC is listed twice")
        return checked


class ComplaintSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # A repeat is the same complainant, institution, business and cause within this many days (*inference*: Order
    # 2020 No 3 names no window; adapter/complaints/guards.py).
    repeat_window_days: int = Field(default=180, ge=1, le=3660)
    reconcile_seconds: float = Field(default=900, gt=0)  # reconciliation by complaint, every desk
    deliver_batch: int = Field(default=50, ge=1, le=1000)
    deadlines: ComplaintDeadlineSettings = ComplaintDeadlineSettings()
